import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { L7Exchange } from '../correlate/l7-exchange.js';
import { ServiceGraph, endpointLabel, graphEdge, type GraphEdgeKey } from './service-graph.js';

class FakeClock {
  ms = 1_700_000_000_000;
  readonly now = (): number => this.ms;
}

function exchange(extra: Partial<L7Exchange> = {}): L7Exchange {
  return {
    protocol: 'http', side: 'server', startMs: 0, durationMs: 10, pid: 1, comm: 'web', exe: null, serviceName: 'web',
    peerService: null, family: 4, localAddr: '10.0.0.1', localPort: 8080, remoteAddr: '10.0.0.2', remotePort: 50000,
    socketCookie: 1, method: 'GET', target: '/', httpVersion: '1.1', status: 200, requestBytes: 0, responseBytes: 0,
    requestBodyBytes: 0, responseBodyBytes: 0, requestHeaders: {}, responseHeaders: {}, upgraded: false, problem: null, operation: null, resource: null, statusText: null, failed: null, attributes: {},
    ...extra,
  };
}

const isLocal = (addr: string): boolean => addr.startsWith('127.') || addr === '::1' || addr === '10.0.0.1';

describe('graphEdge', () => {
  const cases: { name: string; x: Partial<L7Exchange>; want: GraphEdgeKey | null }[] = [
    { name: 'server side, known client', x: { peerService: 'frontend' }, want: { client: 'frontend', server: 'web', external: null } },
    { name: 'server side, unknown client', x: { peerService: null }, want: null },
    { name: 'client side to a local server: the server side counts it', x: { side: 'client', peerService: 'db', remoteAddr: '127.0.0.1', remotePort: 5432 }, want: null },
    { name: 'client side to a local server of unknown owner', x: { side: 'client', remoteAddr: '10.0.0.1', remotePort: 9000 }, want: null },
    {
      name: 'client side to an external address',
      x: { side: 'client', remoteAddr: '93.184.216.34', remotePort: 443 },
      want: { client: 'web', server: '93.184.216.34:443', external: { address: '93.184.216.34', port: 443 } },
    },
    {
      name: 'client side to a known remote service',
      x: { side: 'client', peerService: 'payments', remoteAddr: '10.9.9.9', remotePort: 80 },
      want: { client: 'web', server: 'payments', external: { address: '10.9.9.9', port: 80 } },
    },
    {
      name: 'client side to external IPv6',
      x: { side: 'client', family: 6, remoteAddr: '2001:db8::1', remotePort: 443 },
      want: { client: 'web', server: '[2001:db8::1]:443', external: { address: '2001:db8::1', port: 443 } },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(graphEdge(exchange(c.x), isLocal), c.want));
});

describe('endpointLabel', () => {
  it('brackets IPv6 only', () => {
    assert.equal(endpointLabel('10.0.0.1', 80), '10.0.0.1:80');
    assert.equal(endpointLabel('::1', 80), '[::1]:80');
  });
});

function record(g: ServiceGraph, extra: Partial<L7Exchange>, error = false): void {
  const x = exchange(extra);
  g.record(x, graphEdge(x, isLocal), error);
}

describe('ServiceGraph', () => {
  it('builds nodes and edges with rate, errors and latency', () => {
    const clock = new FakeClock();
    const g = new ServiceGraph({ now: clock.now });
    clock.ms += 10_000;
    for (let i = 1; i <= 20; i++) record(g, { peerService: 'frontend', durationMs: i }, i === 20);
    record(g, { side: 'client', remoteAddr: '93.184.216.34', remotePort: 443, durationMs: 100 });
    record(g, { serviceName: 'batch', peerService: null }); // no edge, but a node
    const snap = g.snapshot();
    assert.equal(snap.window_seconds, 10);
    assert.deepEqual(snap.nodes, [
      { id: '93.184.216.34:443', kind: 'external', address: '93.184.216.34', port: 443 },
      { id: 'batch', kind: 'service' },
      { id: 'frontend', kind: 'service' },
      { id: 'web', kind: 'service' },
    ]);
    assert.deepEqual(snap.edges.map((e) => [e.client, e.server, e.requests, e.errors, e.request_rate, e.error_rate]), [
      ['frontend', 'web', 20, 1, 2, 0.05],
      ['web', '93.184.216.34:443', 1, 0, 0.1, 0],
    ]);
    const [front] = snap.edges;
    assert.ok(Math.abs((front?.p50_ms ?? 0) - 10) <= 0.101, `p50 ${front?.p50_ms}`); // the lower median, an observed value
    assert.ok(Math.abs((front?.p99_ms ?? 0) - 19) <= 0.191, `p99 ${front?.p99_ms}`);
  });

  it('counts an exchange seen from both ends once', () => {
    const clock = new FakeClock();
    const g = new ServiceGraph({ now: clock.now });
    // curl -> nginx on loopback: the server record and the client record of one exchange.
    record(g, { serviceName: 'nginx', peerService: 'curl', remoteAddr: '127.0.0.1' });
    record(g, { side: 'client', serviceName: 'curl', peerService: 'nginx', remoteAddr: '127.0.0.1', remotePort: 8080 });
    assert.deepEqual(g.snapshot().edges.map((e) => [e.client, e.server, e.requests]), [['curl', 'nginx', 1]]);
  });

  it('forgets edges and nodes idle for a window', () => {
    const clock = new FakeClock();
    const g = new ServiceGraph({ now: clock.now, windowMs: 60_000, bucketMs: 10_000 });
    record(g, { peerService: 'frontend' });
    clock.ms += 70_000;
    assert.deepEqual(g.snapshot(), { nodes: [], edges: [], window_seconds: 50 });
  });

  it('stops adding edges past maxEdges, counting what it could not track', () => {
    const clock = new FakeClock();
    const g = new ServiceGraph({ now: clock.now, maxEdges: 1 });
    record(g, { peerService: 'a' });
    record(g, { peerService: 'b' });
    record(g, { peerService: 'a' });
    assert.equal(g.droppedEdges, 1);
    assert.deepEqual(g.snapshot().edges.map((e) => [e.client, e.requests]), [['a', 2]]);
  });

  it('keeps a name seen as a local service a service node', () => {
    const clock = new FakeClock();
    const g = new ServiceGraph({ now: clock.now });
    record(g, { side: 'client', peerService: 'api', remoteAddr: '10.9.9.9', remotePort: 80 });
    record(g, { serviceName: 'api' });
    assert.deepEqual(g.snapshot().nodes.find((n) => n.id === 'api'), { id: 'api', kind: 'service' });
  });

  it('rejects bad limits', () => {
    assert.throws(() => new ServiceGraph({ maxEdges: 0 }), /maxEdges must be a positive integer/);
    assert.throws(() => new ServiceGraph({ windowMs: 5000 }), /whole multiple/);
  });
});
