import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { L7Segment } from '../decode/l7-events.js';
import { L7Protocol } from '../decode/generated/l7.js';
import { MonotonicClock } from './clock.js';
import { FlowCorrelator } from './flow-correlator.js';
import type { L7Exchange } from './l7-exchange.js';
import { L7Connections } from './l7-connections.js';

const enc = new TextEncoder();
const v4 = (last: number): Uint8Array => new Uint8Array([127, 0, 0, last, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const MS = 1e6;
const COOKIE = 9;
const WRITER_PID = 77;
const OWNER_PID = 4242;

class FixedClock extends MonotonicClock {
  now = 0;
  override nowMonotonicNs(): number {
    return this.now;
  }
}

function segment(text: string, extra: Partial<L7Segment>): L7Segment {
  const payload = enc.encode(text);
  return {
    kind: 'segment', egress: true, messageStart: true, datagram: false, protocol: L7Protocol.HTTP1, family: 4,
    localPort: 40000, remotePort: 80, seq: 0, payloadLength: payload.length, senderPid: WRITER_PID, socketCookie: COOKIE,
    tsNs: 0, localAddrBytes: v4(1), remoteAddrBytes: v4(2), payload, tls: false, ...extra,
  };
}

const request = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
const RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

function harness(): { conns: L7Connections; flows: FlowCorrelator; clock: FixedClock; out: L7Exchange[] } {
  const flows = new FlowCorrelator({ rules: [], procRoot: mkdtempSync(join(tmpdir(), 'sonde-proc-')) });
  const clock = new FixedClock();
  const out: L7Exchange[] = [];
  const conns = new L7Connections({ flows, clock, ownerWaitMs: 200, onExchange: (e) => out.push(e) });
  return { conns, flows, clock, out };
}

/** TCP sequence numbers each way, so a second exchange is not taken for a retransmission. */
const sent = new WeakMap<L7Connections, { out: number; in: number }>();

/** One request and its response, `at` ns in kernel time, the response 1 ms later. */
function exchange(conns: L7Connections, path: string, at: number): void {
  const seq = sent.get(conns) ?? { out: 0, in: 0 };
  const text = request(path);
  conns.segment(segment(text, { tsNs: at, seq: seq.out }));
  conns.segment(segment(RESPONSE, { egress: false, tsNs: at + 1 * MS, seq: seq.in }));
  sent.set(conns, { out: seq.out + enc.encode(text).length, in: seq.in + enc.encode(RESPONSE).length });
}

// The connect/accept that names a connection's owner arrives on the flow ring, drained on a
// timer, so an exchange may be parsed before it: it waits, but only while the event can still come.
describe('L7Connections: exchanges waiting for their owner', () => {
  it('in step with capture: waits, then gets the owner reported meanwhile', () => {
    const { conns, flows, clock, out } = harness();
    clock.now = 10_000 * MS;
    exchange(conns, '/a', 10_000 * MS - 2 * MS);
    assert.equal(out.length, 0);
    flows.onOpen({ kind: 'open', socketCookie: COOKIE, pid: OWNER_PID, comm: 'client', direction: 'outbound', tuple: null });
    clock.now += 50 * MS;
    conns.sweep(clock.now);
    assert.deepEqual(out.map((e) => [e.target, e.pid, e.comm]), [['/a', OWNER_PID, 'client']]);
  });

  it('owner never reported: released once its wait is over', () => {
    const { conns, clock, out } = harness();
    clock.now = 10_000 * MS;
    exchange(conns, '/a', 10_000 * MS - 2 * MS);
    clock.now = 10_000 * MS + 150 * MS;
    conns.sweep(clock.now);
    assert.equal(out.length, 0, 'still inside its 200 ms');
    clock.now = 10_000 * MS + 250 * MS;
    conns.sweep(clock.now);
    assert.deepEqual(out.map((e) => [e.target, e.pid]), [['/a', WRITER_PID]]);
  });

  // Parsing seconds behind capture (a saturated host): the close was read long ago.
  it('connection already closed: passed on at once, its owner cannot come any more', () => {
    const { conns, clock, out } = harness();
    clock.now = 20_000 * MS;
    conns.segment(segment(request('/late'), { tsNs: 13_000 * MS }));
    conns.closed(COOKIE, clock.now);
    conns.segment(segment(RESPONSE, { egress: false, tsNs: 13_001 * MS }));
    assert.deepEqual(out.map((e) => [e.target, e.pid]), [['/late', WRITER_PID]]);
  });

  it('close read before any of its segments: passed on at once as well', () => {
    const { conns, clock, out } = harness();
    clock.now = 20_000 * MS;
    conns.closed(COOKIE, clock.now);
    exchange(conns, '/early-close', 13_000 * MS);
    assert.deepEqual(out.map((e) => [e.target, e.pid]), [['/early-close', WRITER_PID]]);
  });

  it('order within a connection: a later exchange waits behind an earlier one, then both go in order', () => {
    const { conns, flows, clock, out } = harness();
    clock.now = 10_000 * MS;
    exchange(conns, '/first', 10_000 * MS - 5 * MS);
    flows.onOpen({ kind: 'open', socketCookie: COOKIE, pid: OWNER_PID, comm: 'client', direction: 'outbound', tuple: null });
    exchange(conns, '/second', 10_000 * MS - 2 * MS);
    assert.equal(out.length, 0, 'the second waits behind the first though its owner is known');
    clock.now += 10 * MS;
    conns.sweep(clock.now);
    assert.deepEqual(out.map((e) => e.target), ['/first', '/second']);
  });
});
