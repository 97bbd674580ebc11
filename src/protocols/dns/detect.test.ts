import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeDnsQuery, looksLikeDnsResponse, looksLikeDnsTcpQuery, looksLikeDnsTcpResponse } from './detect.js';
import { ALL_CAPTURES, DIG_A, DIG_TCP_A, hex } from './fixtures.js';
import { buildMessage, framed, question } from './testkit.js';

function latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

describe('DNS detection', () => {
  it('recognises every captured message, and only in its own direction', () => {
    for (const c of ALL_CAPTURES) {
      const [isQuery, isResponse] = c.transport === 'udp'
        ? [looksLikeDnsQuery, looksLikeDnsResponse]
        : [looksLikeDnsTcpQuery, looksLikeDnsTcpResponse];
      for (const h of c.client) {
        assert.equal(isQuery(hex(h)), true, c.how);
        assert.equal(isResponse(hex(h)), false, c.how);
      }
      for (const h of c.server) {
        assert.equal(isResponse(hex(h)), true, c.how);
        assert.equal(isQuery(hex(h)), false, c.how);
      }
    }
  });

  const dig = hex(DIG_A.client[0]!);
  const cases: { name: string; bytes: Uint8Array; query: boolean; response: boolean }[] = [
    { name: 'too short: empty', bytes: new Uint8Array(0), query: false, response: false },
    { name: 'too short: header only', bytes: dig.subarray(0, 12), query: false, response: false },
    { name: 'too short: header and 4 bytes', bytes: dig.subarray(0, 16), query: false, response: false },
    { name: 'query cut inside the question name', bytes: dig.subarray(0, 20), query: false, response: false },
    { name: 'smallest query: root name', bytes: buildMessage({ questions: [[0, 0, 2, 0, 1]] }), query: true, response: false },
    { name: 'no question', bytes: buildMessage({ questions: [], counts: [0, 0, 0, 0] }), query: false, response: false },
    {
      name: 'too many questions', bytes: buildMessage({ questions: Array.from({ length: 5 }, () => question('a.test')) }),
      query: false, response: false,
    },
    { name: 'opcode 3 (unassigned)', bytes: buildMessage({ opcode: 3 }), query: false, response: false },
    { name: 'opcode 7', bytes: buildMessage({ opcode: 7 }), query: false, response: false },
    { name: 'NOTIFY (opcode 4)', bytes: buildMessage({ opcode: 4 }), query: true, response: false },
    { name: 'UPDATE (opcode 5)', bytes: buildMessage({ opcode: 5 }), query: true, response: false },
    { name: 'query with a response code', bytes: buildMessage({ rcode: 3 }), query: false, response: false },
    { name: 'response with a response code', bytes: buildMessage({ rcode: 3, response: true }), query: false, response: true },
    { name: 'record counts beyond the length', bytes: buildMessage({ counts: [1, 0, 0, 3] }), query: false, response: false },
    { name: 'pointer as the first question name', bytes: buildMessage({ questions: [[0xc0, 12, 0, 1, 0, 1]] }), query: false, response: false },
    { name: 'HTTP request', bytes: latin1('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), query: false, response: false },
    { name: 'TLS ClientHello', bytes: latin1('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + 'x'.repeat(40)), query: false, response: false },
    {
      name: 'PostgreSQL startup', bytes: latin1('\x00\x00\x00\x08\x04\xd2\x16\x2f' + '\x00'.repeat(10)),
      query: false, response: false,
    },
    { name: 'all zero', bytes: new Uint8Array(64), query: false, response: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(looksLikeDnsQuery(c.bytes), c.query);
      assert.equal(looksLikeDnsResponse(c.bytes), c.response);
    });
  }

  it('TCP: a stream prefix cut after the header is enough, a prefix alone is not', () => {
    const stream = hex(DIG_TCP_A.client[0]!);
    assert.equal(looksLikeDnsTcpQuery(stream.subarray(0, 14)), true);
    assert.equal(looksLikeDnsTcpQuery(stream.subarray(0, 20)), true);
    assert.equal(looksLikeDnsTcpQuery(stream.subarray(0, 13)), false);
    assert.equal(looksLikeDnsTcpQuery(stream.subarray(0, 2)), false);
  });

  it('TCP: the length prefix bounds the counts', () => {
    const m = buildMessage({});
    assert.equal(looksLikeDnsTcpQuery(framed(m)), true);
    const lying = framed(m);
    lying[1] = 14; // shorter than header + question
    assert.equal(looksLikeDnsTcpQuery(lying), false);
    assert.equal(looksLikeDnsTcpQuery(m), false, 'no prefix: the id is read as a length');
  });
});
