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

// A server socket that the kernel captures for its local client as well (l7.mirror_local_peers):
// its segments name the client socket (peerCookie) and the client's writer (peerPid), and each
// exchange is delivered twice, the second time as the client saw it.

const enc = new TextEncoder();
const MS = 1e6;
const SERVER_COOKIE = 21;
const CLIENT_COOKIE = 22;
const SERVER_PID = 500;
const CLIENT_PID = 600;
const v4 = (last: number): Uint8Array => new Uint8Array([127, 0, 0, last, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
/** ::ffff:127.0.0.<last>: a dual-stack server's view of an IPv4 client. */
const mapped = (last: number): Uint8Array => new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, last]);

class FixedClock extends MonotonicClock {
  now = 10_000 * MS;
  override nowMonotonicNs(): number {
    return this.now;
  }
}

/** A segment of the server socket (local 127.0.0.2:8080, remote 127.0.0.1:41000). */
function serverSegment(text: string, extra: Partial<L7Segment>): L7Segment {
  const payload = enc.encode(text);
  return {
    kind: 'segment', egress: false, messageStart: true, datagram: false, protocol: L7Protocol.HTTP1, family: 4,
    localPort: 8080, remotePort: 41000, seq: 0, payloadLength: payload.length, senderPid: 0, socketCookie: SERVER_COOKIE,
    tsNs: 9_000 * MS, localAddrBytes: v4(2), remoteAddrBytes: v4(1), payload, tls: false,
    peerCookie: CLIENT_COOKIE, peerPid: CLIENT_PID, ...extra,
  };
}

const REQUEST = 'GET /items/7 HTTP/1.1\r\nHost: x\r\n\r\n';
const RESPONSE = 'HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno';

function run(extra: Partial<L7Segment> = {}, setup?: (flows: FlowCorrelator) => void): L7Exchange[] {
  const flows = new FlowCorrelator({ rules: [], procRoot: mkdtempSync(join(tmpdir(), 'sonde-proc-')) });
  flows.onOpen({ kind: 'open', socketCookie: SERVER_COOKIE, pid: SERVER_PID, comm: 'api', direction: 'inbound', tuple: null });
  setup?.(flows);
  const out: L7Exchange[] = [];
  const conns = new L7Connections({ flows, clock: new FixedClock(), onExchange: (e) => out.push(e) });
  conns.segment(serverSegment(REQUEST, { ...extra }));
  conns.segment(serverSegment(RESPONSE, { egress: true, senderPid: SERVER_PID, tsNs: 9_003 * MS, ...extra }));
  assert.equal(conns.stats.exchangesMirrored, extra.peerCookie === 0 ? 0 : 1);
  return out;
}

describe('L7Connections: a server socket capturing for its local client', () => {
  it('delivers the exchange for the server, then for the client, same exchange, ends swapped', () => {
    const [server, client, ...rest] = run();
    assert.equal(rest.length, 0);
    assert.ok(server !== undefined && client !== undefined);
    assert.deepEqual([server.side, server.pid, server.localPort, server.remotePort, server.socketCookie], ['server', SERVER_PID, 8080, 41000, SERVER_COOKIE]);
    assert.deepEqual([client.side, client.pid, client.localPort, client.remotePort, client.socketCookie], ['client', CLIENT_PID, 41000, 8080, CLIENT_COOKIE]);
    assert.deepEqual([client.localAddr, client.remoteAddr, client.family], ['127.0.0.1', '127.0.0.2', 4]);
    for (const e of [server, client]) {
      assert.deepEqual([e.method, e.target, e.status, e.durationMs, e.requestBytes, e.responseBytes], ['GET', '/items/7', 404, 3, enc.encode(REQUEST).length, enc.encode(RESPONSE).length]);
    }
  });

  it('the client is named by its connect() owner when the flow probes reported it', () => {
    const [, client] = run({}, (flows) => flows.onOpen({ kind: 'open', socketCookie: CLIENT_COOKIE, pid: 601, comm: 'curl', direction: 'outbound', tuple: null }));
    assert.deepEqual([client?.pid, client?.comm], [601, 'curl']);
  });

  it('the server names its caller: the mirrored client is its peer service', () => {
    const [server, client] = run({}, (flows) => flows.onOpen({ kind: 'open', socketCookie: CLIENT_COOKIE, pid: 601, comm: 'curl', direction: 'outbound', tuple: null }));
    assert.equal(server?.peerService, client?.serviceName);
  });

  it('a dual-stack server socket: the client gets its own IPv4 addresses back', () => {
    const [server, client] = run({ family: 6, localAddrBytes: mapped(2), remoteAddrBytes: mapped(1) });
    assert.deepEqual([server?.family, server?.remoteAddr], [6, '::ffff:127.0.0.1']);
    assert.deepEqual([client?.family, client?.localAddr, client?.remoteAddr], [4, '127.0.0.1', '127.0.0.2']);
  });

  it('a kernel tally of the server socket counts for its mirrored client too', () => {
    const flows = new FlowCorrelator({ rules: [], procRoot: mkdtempSync(join(tmpdir(), 'sonde-proc-')) });
    const conns = new L7Connections({ flows, clock: new FixedClock(), onExchange: () => {} });
    const bucketCounts = new Array<number>(20).fill(0);
    const bucketSumNs = new Array<number>(20).fill(0);
    bucketCounts[2] = 5;
    bucketSumNs[2] = 5 * 200_000;
    const tally = {
      bucketCounts, bucketSumNs, pid: SERVER_PID, peerPid: CLIENT_PID, protocol: L7Protocol.REDIS, family: 2, server: 1, tls: 0,
      localPort: 6379, remotePort: 41000, localAddr: v4(2), remoteAddr: v4(1),
    };
    const key = { cookie: SERVER_COOKIE, detail: 0, status: 0, epoch: 0, message: 0, operation: 'GET' };
    const out = conns.tallied([{ key, tally }], Date.now());
    assert.deepEqual(out.map((t) => [t.exchange.side, t.exchange.pid, t.exchange.localPort, t.exchange.remotePort, t.count, t.exchange.operation]), [
      ['server', SERVER_PID, 6379, 41000, 5, 'GET'],
      ['client', CLIENT_PID, 41000, 6379, 5, 'GET'],
    ]);
    assert.equal(conns.stats.exchangesTallied, 10);
    const without = conns.tallied([{ key, tally: { ...tally, peerPid: 0 } }], Date.now());
    assert.deepEqual(without.map((t) => t.exchange.side), ['server']);
  });

  it('no peer (a remote client, or mirroring off): one exchange', () => {
    const out = run({ peerCookie: 0, peerPid: 0 });
    assert.deepEqual(out.map((e) => e.side), ['server']);
  });
});
