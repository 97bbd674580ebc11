import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { L7_SEGMENT_EVENT_SIZE, L7Direction, L7EventType, L7Flags, L7Protocol, L7SegmentEventOffsets as O } from './generated/l7.js';
import { decodeL7Record } from './l7-events.js';

const AF_INET = 2;
const AF_INET6 = 10;

/** A segment event at `at` in a batch-like buffer, with other bytes around it. */
function segmentEvent(payload: string, at: number, family = AF_INET): { view: DataView; length: number } {
  const body = new TextEncoder().encode(payload);
  const length = L7_SEGMENT_EVENT_SIZE + body.length;
  const buf = new ArrayBuffer(at + length + 8);
  const b = new DataView(buf, at, length);
  b.setUint8(O.type, L7EventType.SEGMENT);
  b.setUint8(O.direction, L7Direction.EGRESS);
  b.setUint8(O.protocol, L7Protocol.HTTP1);
  b.setUint8(O.flags, L7Flags.MESSAGE_START);
  b.setUint8(O.family, family);
  b.setUint16(O.localPort, 8080, true);
  b.setUint16(O.remotePort, 51000, true);
  b.setUint32(O.seq, 4294967000, true);
  b.setUint32(O.payloadLen, 70000, true);
  b.setUint32(O.captured, body.length, true);
  b.setUint32(O.pid, 4321, true);
  b.setUint32(O.cookie, 7, true);
  b.setUint32(O.cookie + 4, 3, true);
  b.setUint32(O.tsNs, 9, true);
  b.setUint32(O.tsNs + 4, 1, true);
  for (let i = 0; i < 16; i++) {
    b.setUint8(O.localAddr + i, family === AF_INET ? [127, 0, 0, 1][i] ?? 0 : i === 15 ? 1 : 0);
    b.setUint8(O.remoteAddr + i, family === AF_INET ? [10, 1, 2, 3][i] ?? 0 : 0xfe);
  }
  new Uint8Array(buf, at + L7_SEGMENT_EVENT_SIZE, body.length).set(body);
  // The decoder reads through a view of the whole batch, from the event's offset in it.
  return { view: new DataView(buf), length };
}

describe('decodeL7Record: socket segments', () => {
  it('every field, the addresses read (lazily) from the event in the batch', () => {
    const { view, length } = segmentEvent('GET / HTTP/1.1\r\n', 24);
    const e = decodeL7Record(view, 24, length);
    assert.ok(typeof e === 'object' && e.kind === 'segment');
    assert.equal(e.egress, true);
    assert.equal(e.messageStart, true);
    assert.equal(e.datagram, false);
    assert.equal(e.protocol, L7Protocol.HTTP1);
    assert.equal(e.family, 4);
    assert.equal(e.localPort, 8080);
    assert.equal(e.remotePort, 51000);
    assert.equal(e.seq, 4294967000);
    assert.equal(e.payloadLength, 70000);
    assert.equal(e.senderPid, 4321);
    assert.equal(e.socketCookie, 3 * 4294967296 + 7);
    assert.equal(e.tsNs, 4294967296 + 9);
    assert.equal(e.tls, false);
    assert.deepEqual([...e.localAddrBytes.subarray(0, 4)], [127, 0, 0, 1]);
    assert.deepEqual([...e.remoteAddrBytes.subarray(0, 4)], [10, 1, 2, 3]);
    assert.equal(e.localAddrBytes.length, 16);
    assert.equal(new TextDecoder().decode(e.payload), 'GET / HTTP/1.1\r\n');
  });

  it('IPv6 addresses', () => {
    const { view, length } = segmentEvent('x', 0, AF_INET6);
    const e = decodeL7Record(view, 0, length);
    assert.ok(typeof e === 'object' && e.kind === 'segment');
    assert.equal(e.family, 6);
    assert.equal(e.localAddrBytes[15], 1);
    assert.equal(e.remoteAddrBytes[0], 0xfe);
  });

  it('too short for its captured bytes: truncated', () => {
    const { view, length } = segmentEvent('GET / HTTP/1.1\r\n', 0);
    assert.equal(decodeL7Record(view, 0, length - 1), 'truncated');
    assert.equal(decodeL7Record(view, 0, L7_SEGMENT_EVENT_SIZE - 1), 'truncated');
  });

  it('an unknown family is refused', () => {
    const { view, length } = segmentEvent('x', 0, 99);
    assert.equal(decodeL7Record(view, 0, length), 'bad-family');
  });
});
