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

function segment(text: string, extra: Partial<L7Segment>): L7Segment {
  const payload = enc.encode(text);
  return {
    kind: 'segment', egress: true, messageStart: true, datagram: false, protocol: L7Protocol.HTTP1, family: 4,
    localPort: 40000, remotePort: 80, seq: 0, payloadLength: payload.length, senderPid: 77, socketCookie: 9, tsNs: 1_000 * MS,
    localAddrBytes: v4(1), remoteAddrBytes: v4(2), payload, tls: false, ...extra,
  };
}

const REQUEST = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
const RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

function harness(): { conns: L7Connections; out: L7Exchange[] } {
  const flows = new FlowCorrelator({ rules: [], procRoot: mkdtempSync(join(tmpdir(), 'sonde-proc-')) });
  flows.onOpen({ kind: 'open', socketCookie: 9, pid: 77, comm: 'curl', direction: 'outbound', tuple: null });
  const out: L7Exchange[] = [];
  const conns = new L7Connections({ flows, clock: new MonotonicClock(), closeGraceMs: 500, onExchange: (e) => out.push(e) });
  return { conns, out };
}

// TCP's close reaches the agent promptly; the connection's last segments may still wait in the
// kernel ring behind a backlog. The close must not cut off the exchange whose response is there.
describe('L7Connections: closes against a backlog of segments', () => {
  it('behind: a close is acted on only once segments caught up past it and its grace', () => {
    const { conns, out } = harness();
    conns.segment(segment(REQUEST, { tsNs: 1_000 * MS }));
    conns.closed(9, 1_100 * MS);
    // Two seconds later, the segments handed in reach only 1.05 s: the response still waits.
    conns.sweep(3_100 * MS, conns.newestSegmentNs);
    assert.equal(out.length, 0);
    conns.segment(segment(RESPONSE, { egress: false, tsNs: 1_050 * MS }));
    assert.deepEqual(out.map((e) => [e.target, e.status, e.problem]), [['/a', 200, null]]);
    conns.sweep(3_150 * MS, 1_700 * MS);
    assert.equal(conns.stats.connections, 1);
    assert.equal(out.length, 1);
  });

  it('caught up: the close is acted on after its grace, the unanswered request reported', () => {
    const { conns, out } = harness();
    conns.segment(segment(REQUEST, { tsNs: 1_000 * MS }));
    conns.closed(9, 1_100 * MS);
    conns.sweep(1_200 * MS);
    assert.equal(out.length, 0);
    conns.sweep(1_700 * MS);
    assert.deepEqual(out.map((e) => [e.target, e.problem]), [['/a', 'no-response']]);
  });
});

// A sweep walks the connections with a close pending and the idle ones at the head of the
// activity-ordered map, not every connection: these check that it still finds them all.
describe('L7Connections: what a sweep finishes', () => {
  function many(): { conns: L7Connections; out: L7Exchange[] } {
    const flows = new FlowCorrelator({ rules: [], procRoot: mkdtempSync(join(tmpdir(), 'sonde-proc-')) });
    for (const cookie of [1, 2, 3]) flows.onOpen({ kind: 'open', socketCookie: cookie, pid: 77, comm: 'curl', direction: 'outbound', tuple: null });
    const out: L7Exchange[] = [];
    const conns = new L7Connections({ flows, clock: new MonotonicClock(), closeGraceMs: 500, idleTimeoutMs: 10_000, onExchange: (e) => out.push(e) });
    return { conns, out };
  }
  const request = (cookie: number, tsMs: number, path: string): L7Segment =>
    segment(REQUEST.replace('/a', path), { socketCookie: cookie, localPort: 40000 + cookie, tsNs: tsMs * MS });

  it('idle past the timeout: finished, least recently active first; a connection active since stays', () => {
    const { conns, out } = many();
    conns.segment(request(1, 1_000, '/one'));
    conns.segment(request(2, 2_000, '/two'));
    conns.segment(request(3, 3_000, '/three'));
    // Connection 1 is active again (its next request, further along its stream): it moves behind 3 in activity order.
    conns.segment({ ...request(1, 8_000, '/one-again'), seq: enc.encode(REQUEST.replace('/a', '/one')).length });
    conns.sweep(12_500 * MS);
    assert.deepEqual(out.map((e) => e.target), ['/two'], 'only 2 was idle for more than 10 s');
    conns.sweep(13_500 * MS);
    assert.deepEqual(out.map((e) => e.target), ['/two', '/three']);
    conns.sweep(18_500 * MS);
    assert.deepEqual(out.map((e) => e.target), ['/two', '/three', '/one', '/one-again']);
    assert.equal(conns.pending, 0);
  });

  it('a close pending anywhere in the map is acted on, even behind recently active connections', () => {
    const { conns, out } = many();
    conns.segment(request(1, 1_000, '/one'));
    conns.segment(request(2, 1_100, '/two'));
    conns.segment(request(3, 1_200, '/three'));
    conns.closed(3, 1_300 * MS);
    conns.sweep(1_900 * MS);
    assert.deepEqual(out.map((e) => [e.target, e.problem]), [['/three', 'no-response']]);
    // Closed, then forgotten: a later sweep does not report it again.
    conns.sweep(2_500 * MS);
    assert.equal(out.length, 1);
    assert.equal(conns.pending, 2);
  });
});
