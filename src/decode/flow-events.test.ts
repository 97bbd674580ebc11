import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFlowBatch, decodeFlowRecord, splitArgs, type FlowKernelEvent } from './flow-events.js';
import type { DecodeProblem } from './batch.js';
import type { RawBatch } from '../kernel/ring-buffer.js';

// Records captured from bpf/build/flows.bpf.o on kernel 6.18: a Python client sent 123 bytes to
// a server on [::1] and both closed (server first), then curl connected to 127.0.0.1:1 (refused).
const IPV6_SERVER_CLOSE =
    '010a01010805379d50c800008a2b00008a2b0000000000008107c4aa91000000e16ac5aa910000000000000000000000' +
    '7b0000000000000001000000000000000910000000000000030000000400000000000000140000000000000000000000' +
    '000000000000000100000000000000000000000000000001707974686f6e33000000000000000000';
const IPV6_CLIENT_CLOSE =
    '010a0201000950c8379d00008a2b00008a2b000000000000cfbdc1aa910000003693c5aa910000007b00000000000000' +
    '00000000000000007d000000000000000a10000000000000040000000400000000000000170000000000000000000000' +
    '000000000000000100000000000000000000000000000001707974686f6e33000000000000000000';
const IPV4_REFUSED_CONNECT =
    '01020203020270d701000000b42b0000b42b0000000000001d9fd8ab910000009878daab910000000000000000000000' +
    '000000000000000000000000000000000b10000000000000010000000100000000000000000000007f00000100000000' +
    '00000000000000007f0000010000000000000000000000006375726c000000000000000000000000';
const IPV6_LISTEN =
    '020a379d8a2b000000000000000000000000000000000001707974686f6e33000000000000000000';
const EXEC_CURL =
    '030000008939000088390000290000006375726c0000000000000000000000002f7573722f62696e2f6375726c000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '6375726c002d73002d6f002f6465762f6e756c6c00687474703a2f2f3132372e302e302e313a312f0000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '00000000000000000000000000000000';

// Open events captured the same way: a Node process (pid 20931) connecting from 127.0.0.1:44920
// to its own server on 127.0.0.1:42917 (outbound, once established) and reading what it accepted
// (inbound).
const OPEN_OUTBOUND =
    '04020200c351000098ebc900000000006e6f646500000000000000000000000078afa5a77f0000010000000000000000' +
    '000000007f00000100000000000000000000000000000000';
const OPEN_INBOUND =
    '04010200c351000099ebc900000000006e6f6465000000000000000000000000a5a778af7f0000010000000000000000' +
    '000000007f00000100000000000000000000000000000000';

function decodeHex(hex: string): FlowKernelEvent | DecodeProblem {
  const bytes = Buffer.from(hex, 'hex');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeFlowRecord(view, 0, bytes.byteLength);
}

function decoded<K extends FlowKernelEvent['kind']>(hex: string, kind: K): Extract<FlowKernelEvent, { kind: K }> {
  const out = decodeHex(hex);
  assert.ok(typeof out !== 'string', `decode failed: ${String(out)}`);
  assert.equal(out.kind, kind);
  return out as Extract<FlowKernelEvent, { kind: K }>;
}

describe('decodeFlowRecord on captured records', () => {
  it('server side of an IPv6 connection: inbound, accepted, exact payload bytes', () => {
    const e = decoded(IPV6_SERVER_CLOSE, 'flow-close');
    assert.equal(e.family, 6);
    assert.equal(e.direction, 'inbound');
    assert.equal(e.status, 'closed');
    assert.equal(e.accepted, true);
    assert.equal(e.partial, false);
    assert.equal(e.localAddr, '::1');
    assert.equal(e.remoteAddr, '::1');
    assert.equal(e.bytesSent, 0);
    assert.equal(e.bytesReceived, 123);
    assert.ok(e.endNs > e.startNs);
    assert.ok(e.comm.startsWith('python'));
  });
  it('client side of the same connection: outbound, ports mirrored', () => {
    const server = decoded(IPV6_SERVER_CLOSE, 'flow-close');
    const client = decoded(IPV6_CLIENT_CLOSE, 'flow-close');
    assert.equal(client.direction, 'outbound');
    assert.equal(client.bytesSent, 123);
    assert.equal(client.bytesReceived, 0);
    assert.equal(client.localPort, server.remotePort);
    assert.equal(client.remotePort, server.localPort);
    assert.equal(client.pid, server.pid);
  });
  it('refused connect: failed, IPv4, remote port 1', () => {
    const e = decoded(IPV4_REFUSED_CONNECT, 'flow-close');
    assert.equal(e.family, 4);
    assert.equal(e.status, 'failed');
    assert.equal(e.direction, 'outbound');
    assert.equal(e.remoteAddr, '127.0.0.1');
    assert.equal(e.remotePort, 1);
    assert.equal(e.comm, 'curl');
    assert.equal(e.resetReceived, true);
  });
  it("listen: the listener's pid and address", () => {
    const e = decoded(IPV6_LISTEN, 'listen');
    assert.equal(e.localAddr, '::1');
    assert.ok(e.localPort > 0);
    assert.ok(e.pid > 0);
  });
  it('open: the owner of a live connection by cookie, and its ends, both directions', () => {
    const out = decoded(OPEN_OUTBOUND, 'open');
    assert.equal(out.direction, 'outbound');
    assert.equal(out.pid, 20931);
    assert.equal(out.socketCookie, 0xc9eb98);
    assert.equal(out.comm, 'node');
    assert.deepEqual(out.tuple, { localAddr: '127.0.0.1', localPort: 44920, remoteAddr: '127.0.0.1', remotePort: 42917 });
    const inbound = decoded(OPEN_INBOUND, 'open');
    assert.equal(inbound.direction, 'inbound');
    assert.equal(inbound.socketCookie, 0xc9eb99);
    assert.deepEqual(inbound.tuple, { localAddr: '127.0.0.1', localPort: 42917, remoteAddr: '127.0.0.1', remotePort: 44920 });
  });
  it('open: no tuple when the family is not IPv4 or IPv6', () => {
    const bytes = Buffer.from(OPEN_OUTBOUND, 'hex');
    bytes[2] = 0;
    assert.equal(decoded(bytes.toString('hex'), 'open').tuple, null);
  });
  it('exec: filename and comm', () => {
    const e = decoded(EXEC_CURL, 'exec');
    assert.equal(e.filename, '/usr/bin/curl');
    assert.equal(e.comm, 'curl');
    assert.deepEqual(e.args, ['curl', '-s', '-o', '/dev/null', 'http://127.0.0.1:1/']);
  });
});

describe('decodeFlowRecord on bad input', () => {
  const cases: Array<[string, string, DecodeProblem]> = [
    ['empty', '', 'truncated'],
    ['too short close', IPV6_SERVER_CLOSE.slice(0, 100), 'truncated'],
    ['too short listen', IPV6_LISTEN.slice(0, 20), 'truncated'],
    ['too short exec', EXEC_CURL.slice(0, 60), 'truncated'],
    ['too short open', OPEN_OUTBOUND.slice(0, 40), 'truncated'],
    ['unknown type', 'ff' + IPV6_SERVER_CLOSE.slice(2), 'unknown-type'],
    ['bad family', '0107' + IPV6_SERVER_CLOSE.slice(4), 'bad-family'],
  ];
  for (const [name, hex, want] of cases) it(name, () => assert.equal(decodeHex(hex), want));
});

function packBatch(hexRecords: string[]): RawBatch {
  const index: number[] = [];
  const parts: Buffer[] = [];
  let at = 0;
  for (const hex of hexRecords) {
    const r = Buffer.from(hex, 'hex');
    const aligned = Math.ceil(at / 8) * 8;
    if (aligned > at) parts.push(Buffer.alloc(aligned - at));
    index.push(aligned, r.length);
    parts.push(r);
    at = aligned + r.length;
  }
  const joined = Buffer.concat(parts);
  const buffer = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer;
  return { buffer, index: Uint32Array.from(index), count: hexRecords.length, drained: true };
}

describe('decodeFlowBatch', () => {
  it('decodes several records of one wake-up and counts the bad one', () => {
    const kinds: string[] = [];
    const problems: string[] = [];
    decodeFlowBatch(packBatch([IPV6_SERVER_CLOSE, 'ff00', IPV6_CLIENT_CLOSE, IPV6_LISTEN]), (e) => kinds.push(e.kind), (p) => problems.push(p));
    assert.deepEqual(kinds, ['flow-close', 'flow-close', 'listen']);
    assert.deepEqual(problems, ['unknown-type']);
  });
  it('an index pointing past the buffer is truncated, not a crash', () => {
    const problems: string[] = [];
    decodeFlowBatch({ buffer: new ArrayBuffer(8), index: Uint32Array.from([0, 128]), count: 1, drained: true }, () => assert.fail('no event expected'), (p) => problems.push(p));
    assert.deepEqual(problems, ['truncated']);
  });
});

describe('splitArgs', () => {
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
  const cases: Array<[string, string, number, string[]]> = [
    ['NUL-separated argv', 'python3\0-m\0http.server\0', 23, ['python3', '-m', 'http.server']],
    ['cut short by the kernel copy limit', 'node\0/srv/app/ser', 17, ['node', '/srv/app/ser']],
    ['length beyond the buffer is clamped', 'a\0', 99, ['a']],
    ['empty', '', 0, []],
  ];
  for (const [name, text, length, want] of cases) it(name, () => assert.deepEqual(splitArgs(bytes(text), length), want));
});
