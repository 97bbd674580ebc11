import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeMongoMessage, looksLikeMongoRequest } from './detect.js';
import { MONGO_API_SESSION, MONGO_LEGACY_MONITOR, MONGO_LEGACY_SESSION, MONGO_STREAMING_MONITOR, hexBytes } from './fixtures.js';
import { OP_MSG } from './messages.js';
import { opCompressed, opMsg } from './testkit.js';

const CAPTURED = [MONGO_LEGACY_MONITOR, MONGO_LEGACY_SESSION, MONGO_API_SESSION, MONGO_STREAMING_MONITOR];

function header(length: number, requestId: number, responseTo: number, opCode: number, extra: number[] = []): Uint8Array {
  const b = Buffer.alloc(16);
  b.writeInt32LE(length, 0);
  b.writeInt32LE(requestId, 4);
  b.writeInt32LE(responseTo, 8);
  b.writeInt32LE(opCode, 12);
  return new Uint8Array(Buffer.concat([b, Buffer.from(extra)]));
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('looksLikeMongoMessage / looksLikeMongoRequest', () => {
  it('recognises every captured chunk, and tells requests from replies', () => {
    for (const s of CAPTURED) {
      for (const c of s.chunks) {
        const b = hexBytes(c.hex);
        assert.equal(looksLikeMongoMessage(b), true, `${s.how}: ${c.from}`);
        assert.equal(looksLikeMongoRequest(b), c.from === 'client', `${s.how}: ${c.from}`);
        assert.equal(looksLikeMongoMessage(b.subarray(0, 16)), true, 'the header alone decides');
      }
    }
  });

  const cases: { name: string; input: Uint8Array; message: boolean; request: boolean }[] = [
    { name: 'too short', input: header(100, 1, 0, OP_MSG).subarray(0, 15), message: false, request: false },
    { name: 'empty', input: new Uint8Array(0), message: false, request: false },
    { name: 'OP_MSG header only', input: header(100, 1, 0, OP_MSG), message: true, request: true },
    { name: 'OP_MSG reply', input: header(100, 9, 1, OP_MSG, [0, 0, 0, 0, 0]), message: true, request: false },
    { name: 'OP_REPLY', input: header(100, 9, 1, 1), message: true, request: false },
    { name: 'OP_REPLY with responseTo 0', input: header(100, 9, 0, 1), message: true, request: false },
    { name: 'OP_COMPRESSED', input: opCompressed(3, 0, OP_MSG, 10), message: true, request: true },
    { name: 'built OP_MSG with moreToCome and exhaustAllowed', input: opMsg({ requestId: 4, flags: 2 | (1 << 16), body: { ping: 1 } }), message: true, request: true },
    { name: 'length below the header', input: header(15, 1, 0, OP_MSG), message: false, request: false },
    { name: 'length above 48 MB', input: header(48_000_001, 1, 0, OP_MSG), message: false, request: false },
    { name: 'negative length', input: header(-5, 1, 0, OP_MSG), message: false, request: false },
    { name: 'removed opcode OP_INSERT', input: header(100, 1, 0, 2002), message: false, request: false },
    { name: 'unknown opcode', input: header(100, 1, 0, 2014), message: false, request: false },
    { name: 'OP_MSG with unknown flag bits', input: header(100, 1, 0, OP_MSG, [0, 1, 0, 0, 0]), message: false, request: false },
    { name: 'OP_MSG with section kind 2', input: header(100, 1, 0, OP_MSG, [0, 0, 0, 0, 2]), message: false, request: false },
    { name: 'HTTP request', input: ascii('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), message: false, request: false },
    { name: 'TLS ClientHello', input: Uint8Array.of(0x16, 3, 1, 2, 0, 1, 0, 1, 0xfc, 3, 3, 0, 0, 0, 0, 0, 0), message: false, request: false },
    { name: 'Kafka ApiVersions request', input: Uint8Array.from(Buffer.from('000000170012000200000000000d736f6e64652d66697874757265', 'hex')), message: false, request: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(looksLikeMongoMessage(c.input), c.message);
      assert.equal(looksLikeMongoRequest(c.input), c.request);
    });
  }
});
