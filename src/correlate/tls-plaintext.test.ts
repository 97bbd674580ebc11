import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { L7Segment, L7TlsBind, L7TlsData } from '../decode/l7-events.js';
import { TcpStream } from './tcp-stream.js';
import { TlsPlaintext } from './tls-plaintext.js';

const addr = (last: number): Uint8Array => new Uint8Array([127, 0, 0, last, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

let clock = 1000;
function data(text: string, extra: Partial<L7TlsData> = {}): L7TlsData {
  const payload = new TextEncoder().encode(text);
  return {
    kind: 'tls-data', egress: true, messageStart: false, datagram: false, protocol: 1, family: 4,
    localPort: 0, remotePort: 0, seq: 0, payloadLength: payload.length, senderPid: 42, socketCookie: 0,
    tsNs: clock++, localAddrBytes: new Uint8Array(16), remoteAddrBytes: new Uint8Array(16), payload, tls: true,
    pid: 42, tlsId: 0x5000, ...extra,
  };
}

function bind(extra: Partial<L7TlsBind> = {}): L7TlsBind {
  return {
    kind: 'tls-bind', pid: 42, tlsId: 0x5000, socketCookie: 77, family: 4, localPort: 443, remotePort: 50000,
    localAddrBytes: addr(1), remoteAddrBytes: addr(2), ...extra,
  };
}

const text = (s: L7Segment): string => new TextDecoder().decode(s.payload);

function harness(options: { maxObjects?: number; maxPerObject?: number; maxHeldBytes?: number } = {}) {
  const out: L7Segment[] = [];
  const t = new TlsPlaintext({ ...options, emit: (s) => out.push(s) });
  return { t, out };
}

describe('TlsPlaintext', () => {
  it('bound calls go straight out as TLS segments of their socket', () => {
    const { t, out } = harness();
    t.data(data('GET / HTTP/1.1\r\n\r\n', { socketCookie: 9, family: 6, localPort: 1, remotePort: 443, seq: 100 }));
    assert.equal(out.length, 1);
    const s = out[0]!;
    assert.equal(s.kind, 'segment');
    assert.equal(s.tls, true);
    assert.equal(s.socketCookie, 9);
    assert.equal(s.family, 6);
    assert.equal(s.remotePort, 443);
    assert.equal(s.seq, 100);
    assert.equal(s.senderPid, 42);
    assert.equal(text(s), 'GET / HTTP/1.1\r\n\r\n');
  });

  it('calls before the bind wait for it and go out first, in call order', () => {
    const { t, out } = harness();
    t.data(data('one', { egress: false, seq: 0 }));
    t.data(data('two', { egress: false, seq: 3 }));
    assert.equal(out.length, 0);
    assert.equal(t.waitingObjects, 1);
    t.bind(bind());
    t.data(data('three', { socketCookie: 77, localPort: 443, remotePort: 50000, seq: 0 }));
    assert.deepEqual(out.map(text), ['one', 'two', 'three']);
    assert.deepEqual(out.map((s) => s.socketCookie), [77, 77, 77]);
    assert.deepEqual(out.map((s) => s.localPort), [443, 443, 443]);
    assert.deepEqual(t.stats, { segments: 3, held: 2, released: 2, dropped: 0 });
    assert.equal(t.heldBytes, 0);
  });

  it('a lost bind: the next bound call of the object releases the held ones', () => {
    const { t, out } = harness();
    t.data(data('early'));
    t.data(data('late', { socketCookie: 5, localPort: 8443 }));
    assert.deepEqual(out.map(text), ['early', 'late']);
    assert.deepEqual(out.map((s) => s.socketCookie), [5, 5]);
  });

  it('objects are told apart by process and object address', () => {
    const { t, out } = harness();
    t.data(data('a', { pid: 1 }));
    t.data(data('b', { pid: 2 }));
    t.bind(bind({ pid: 2, socketCookie: 22 }));
    assert.deepEqual(out.map(text), ['b']);
    assert.equal(t.waitingObjects, 1);
  });

  it('a bind for an object with nothing held emits nothing', () => {
    const { t, out } = harness();
    t.bind(bind());
    assert.equal(out.length, 0);
  });

  it('a freed object drops what it held', () => {
    const { t, out } = harness();
    t.data(data('never bound'));
    t.free({ kind: 'tls-free', pid: 42, tlsId: 0x5000 });
    t.bind(bind());
    assert.equal(out.length, 0);
    assert.equal(t.stats.dropped, 1);
    assert.equal(t.heldBytes, 0);
  });

  it('held payloads are copies (the ring-buffer batch may be reused)', () => {
    const { t, out } = harness();
    const e = data('abc');
    t.data(e);
    e.payload.fill(0x78);
    t.bind(bind());
    assert.equal(text(out[0]!), 'abc');
  });

  const caps: { name: string; options: { maxObjects?: number; maxPerObject?: number; maxHeldBytes?: number }; feed: (t: TlsPlaintext) => void; released: string[]; dropped: number }[] = [
    {
      name: 'per object: the oldest call is dropped',
      options: { maxPerObject: 2 },
      feed: (t) => ['1', '2', '3'].forEach((s) => t.data(data(s))),
      released: ['2', '3'],
      dropped: 1,
    },
    {
      name: 'objects: the longest-waiting object is dropped',
      options: { maxObjects: 1 },
      feed: (t) => {
        t.data(data('other', { tlsId: 1 }));
        t.data(data('mine'));
      },
      released: ['mine'],
      dropped: 1,
    },
    {
      name: 'bytes: the longest-waiting object is dropped',
      options: { maxHeldBytes: 8 },
      feed: (t) => {
        t.data(data('xxxxxx', { tlsId: 1 }));
        t.data(data('yyyy'));
      },
      released: ['yyyy'],
      dropped: 1,
    },
  ];
  for (const c of caps) {
    it(`caps — ${c.name}`, () => {
      const { t, out } = harness(c.options);
      c.feed(t);
      t.bind(bind());
      assert.deepEqual(out.map(text), c.released);
      assert.equal(t.stats.dropped, c.dropped);
    });
  }

  it('plaintext offsets rebuild the stream in call order, and a lost call becomes a gap', () => {
    const { t, out } = harness();
    const calls = ['HTTP/1.1 200 OK\r\n', 'content-length: 5\r\n\r\n', 'hello'];
    let seq = 0;
    const events = calls.map((c) => {
      const e = data(c, { socketCookie: 3, seq });
      seq += c.length;
      return e;
    });
    const rebuild = (order: number[]): string[] => {
      out.length = 0;
      for (const i of order) t.data(events[i]!);
      const got: string[] = [];
      const stream = new TcpStream({ data: (b) => got.push(new TextDecoder().decode(b)), gap: (n) => got.push(`<gap ${n}>`) });
      for (const s of out) stream.segment(s.seq, s.payloadLength, s.payload, s.tsNs);
      stream.flush();
      return got;
    };
    // The second call lost entirely (ring buffer full): its bytes are a gap of their exact size.
    assert.deepEqual(rebuild([0, 2]), ['HTTP/1.1 200 OK\r\n', `<gap ${calls[1]!.length}>`, 'hello']);
    // Two threads' calls on the object reaching the ring buffer out of order: put back in order.
    assert.deepEqual(rebuild([0, 2, 1]), calls);
  });

  it('offsets wrap at 2^32 like TCP sequence numbers', () => {
    const { t, out } = harness();
    t.data(data('abcd', { socketCookie: 3, seq: 4294967294 }));
    t.data(data('efgh', { socketCookie: 3, seq: 2 }));
    const got: string[] = [];
    const stream = new TcpStream({ data: (b) => got.push(new TextDecoder().decode(b)), gap: (n) => got.push(`<gap ${n}>`) });
    for (const s of out) stream.segment(s.seq, s.payloadLength, s.payload, s.tsNs);
    assert.deepEqual(got, ['abcd', 'efgh']);
  });
});
