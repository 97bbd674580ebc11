import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  L7_TLS_BIND_EVENT_SIZE, L7_TLS_DATA_EVENT_SIZE, L7_TLS_FREE_EVENT_SIZE, L7Direction, L7EventType, L7Flags, L7Protocol,
  L7TlsBindEventOffsets as B, L7TlsDataEventOffsets as D, L7TlsFreeEventOffsets as F,
} from './generated/l7.js';
import { decodeL7Record } from './l7-events.js';

const AF_INET = 2;

function dataEvent(payload: string, cookie: number): DataView {
  const body = new TextEncoder().encode(payload);
  const b = new DataView(new ArrayBuffer(L7_TLS_DATA_EVENT_SIZE + body.length));
  b.setUint8(D.type, L7EventType.TLS_DATA);
  b.setUint8(D.direction, L7Direction.INGRESS);
  b.setUint8(D.protocol, L7Protocol.HTTP2);
  b.setUint8(D.flags, L7Flags.TLS | L7Flags.MESSAGE_START);
  b.setUint8(D.family, cookie === 0 ? 0 : AF_INET);
  b.setUint16(D.localPort, 443, true);
  b.setUint16(D.remotePort, 51000, true);
  b.setUint32(D.seq, 4294967000, true);
  b.setUint32(D.payloadLen, 16384, true);
  b.setUint32(D.captured, body.length, true);
  b.setUint32(D.pid, 1234, true);
  b.setUint32(D.cookie, cookie, true);
  b.setUint32(D.tsNs, 5, true);
  b.setUint8(D.localAddr, 127);
  b.setUint32(D.tlsId, 0x5678, true);
  b.setUint32(D.tlsId + 4, 0x7fff, true);
  new Uint8Array(b.buffer).set(body, L7_TLS_DATA_EVENT_SIZE);
  return b;
}

describe('decodeL7Record: TLS events', () => {
  it('plaintext of a tied object', () => {
    const v = dataEvent('PRI * HTTP/2.0', 42);
    const e = decodeL7Record(v, 0, v.byteLength);
    assert.ok(typeof e === 'object' && e.kind === 'tls-data');
    assert.equal(e.egress, false);
    assert.equal(e.messageStart, true);
    assert.equal(e.protocol, L7Protocol.HTTP2);
    assert.equal(e.family, 4);
    assert.equal(e.seq, 4294967000);
    assert.equal(e.payloadLength, 16384);
    assert.equal(e.pid, 1234);
    assert.equal(e.senderPid, 1234);
    assert.equal(e.socketCookie, 42);
    assert.equal(e.tlsId, 0x7fff * 4294967296 + 0x5678);
    assert.equal(e.tls, true);
    assert.equal(e.localAddrBytes[0], 127);
    assert.equal(new TextDecoder().decode(e.payload), 'PRI * HTTP/2.0');
  });

  it('plaintext of an object not tied yet has no family, and that is not an error', () => {
    const v = dataEvent('GET / HTTP/1.1', 0);
    const e = decodeL7Record(v, 0, v.byteLength);
    assert.ok(typeof e === 'object' && e.kind === 'tls-data');
    assert.equal(e.socketCookie, 0);
  });

  const problems: { name: string; view: () => DataView; want: string }[] = [
    { name: 'payload shorter than captured', view: () => new DataView(dataEvent('abcdef', 1).buffer.slice(0, L7_TLS_DATA_EVENT_SIZE + 2)), want: 'truncated' },
    { name: 'header cut', view: () => new DataView(dataEvent('', 1).buffer.slice(0, 20)), want: 'truncated' },
    {
      name: 'tied, with a bad family',
      view: () => {
        const v = dataEvent('x', 1);
        v.setUint8(D.family, 99);
        return v;
      },
      want: 'bad-family',
    },
  ];
  for (const p of problems) {
    it(p.name, () => {
      const v = p.view();
      assert.equal(decodeL7Record(v, 0, v.byteLength), p.want);
    });
  }

  it('bind and free', () => {
    const bind = new DataView(new ArrayBuffer(L7_TLS_BIND_EVENT_SIZE));
    bind.setUint8(B.type, L7EventType.TLS_BIND);
    bind.setUint8(B.family, AF_INET);
    bind.setUint16(B.localPort, 8443, true);
    bind.setUint32(B.pid, 7, true);
    bind.setUint32(B.tlsId, 99, true);
    bind.setUint32(B.cookie, 1000, true);
    const b = decodeL7Record(bind, 0, bind.byteLength);
    assert.ok(typeof b === 'object' && b.kind === 'tls-bind');
    assert.deepEqual([b.pid, b.tlsId, b.socketCookie, b.localPort, b.family], [7, 99, 1000, 8443, 4]);
    const free = new DataView(new ArrayBuffer(L7_TLS_FREE_EVENT_SIZE));
    free.setUint8(F.type, L7EventType.TLS_FREE);
    free.setUint32(F.pid, 7, true);
    free.setUint32(F.tlsId, 99, true);
    assert.deepEqual(decodeL7Record(free, 0, free.byteLength), { kind: 'tls-free', pid: 7, tlsId: 99 });
    assert.equal(decodeL7Record(free, 0, 8), 'truncated');
  });
});
