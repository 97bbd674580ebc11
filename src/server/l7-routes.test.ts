import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { L7Exchange } from '../correlate/l7-exchange.js';
import type { SpanRecord } from '../telemetry/http/span-record.js';
import { L7Telemetry } from '../telemetry/l7-telemetry.js';
import { MetricRegistry } from '../telemetry/metrics/registry.js';
import type { GraphSnapshot } from '../telemetry/service-graph.js';
import type { ServiceStat } from '../telemetry/service-stats.js';
import { handleL7Route } from './l7-routes.js';
import { sendError } from './json.js';
import { listen } from './listen.js';

function exchange(n: number, extra: Partial<L7Exchange> = {}): L7Exchange {
  return {
    protocol: 'http', side: 'server', startMs: 1_700_000_000_000 + n, durationMs: n, pid: 10, comm: 'nginx', exe: null,
    serviceName: 'nginx', peerService: 'curl', family: 4, localAddr: '127.0.0.1', localPort: 80, remoteAddr: '127.0.0.1',
    remotePort: 50000 + n, socketCookie: n, method: 'GET', target: `/items/${n}`, httpVersion: '1.1', status: 200,
    requestBytes: 0, responseBytes: 0, requestBodyBytes: 0, responseBodyBytes: 0, requestHeaders: {}, responseHeaders: {},
    upgraded: false, problem: null, operation: null, resource: null, statusText: null, failed: null, attributes: {}, ...extra,
  };
}

interface Reply {
  status: number;
  body: unknown;
}

/** One GET on a fresh connection (no keep-alive, so close() never waits on us). */
function get(port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        assert.match(String(res.headers['content-type']), /^application\/json/);
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      });
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe('L7 API routes', () => {
  let server: Server;
  let port: number;
  const clock = { ms: 1_700_000_000_000 };
  const telemetry = new L7Telemetry(new MetricRegistry(), { recentLimit: 50, now: () => clock.ms, isLocalAddress: (a) => a.startsWith('127.') });

  // Oldest first: 1..3 nginx 200s, 4 a 500 of api, 5 a slow curl client call to the internet that got no response.
  clock.ms += 20_000;
  for (let n = 1; n <= 3; n++) telemetry.record(exchange(n));
  telemetry.record(exchange(4, { serviceName: 'api', comm: 'api', pid: 11, status: 500, peerService: null }));
  telemetry.record(exchange(5, {
    side: 'client', serviceName: 'curl', comm: 'curl', pid: 12, peerService: null, remoteAddr: '93.184.216.34', remotePort: 80,
    status: null, problem: 'no-response', durationMs: 1500.5,
  }));
  // 6: a failed PostgreSQL query of the api service (client side).
  telemetry.record(exchange(6, {
    protocol: 'postgresql', side: 'client', serviceName: 'api', comm: 'api', pid: 11, peerService: 'postgres', remotePort: 5432,
    method: null, target: null, httpVersion: null, status: null, operation: 'SELECT', resource: 'orders', statusText: '42P01', failed: true,
    attributes: { 'db.system.name': 'postgresql', 'db.response.status_code': '42P01' },
  }));

  before(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (!handleL7Route(url.pathname, url.searchParams, res, telemetry)) sendError(res, 404, `no such endpoint: ${url.pathname}`);
    });
    port = (await listen(server, { host: '127.0.0.1', port: 0 }, '--listen')).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const queries: { name: string; query: string; want: number[] }[] = [
    { name: 'everything, newest first', query: '', want: [6, 5, 4, 3, 2, 1] },
    { name: 'limit', query: 'limit=2', want: [6, 5] },
    { name: 'service', query: 'service=nginx', want: [3, 2, 1] },
    { name: 'service glob', query: 'service=a*', want: [6, 4] },
    { name: 'protocol', query: 'protocol=http&limit=1', want: [5] },
    { name: 'another protocol', query: 'protocol=postgresql', want: [6] },
    { name: 'a protocol with no records', query: 'protocol=redis', want: [] },
    { name: 'min duration', query: 'min_duration_ms=2.5', want: [6, 5, 4, 3] },
    { name: 'pid', query: 'pid=12', want: [5] },
    { name: 'status', query: 'status=500', want: [4] },
    { name: 'a protocol status (SQLSTATE)', query: 'status=42P01', want: [6] },
    { name: 'errors', query: 'error=true', want: [6, 5, 4] },
    { name: 'empty parameters are ignored', query: 'service=&limit=', want: [6, 5, 4, 3, 2, 1] },
  ];
  for (const q of queries) {
    it(`GET /api/v1/requests: ${q.name}`, async () => {
      const reply = await get(port, `/api/v1/requests?${q.query}`);
      assert.equal(reply.status, 200);
      assert.deepEqual((reply.body as SpanRecord[]).map((s) => s.socket_cookie), q.want);
    });
  }

  it('returns whole records', async () => {
    const [newest] = (await get(port, '/api/v1/requests?protocol=http&limit=1')).body as SpanRecord[];
    assert.equal(newest?.service_name, 'curl');
    assert.equal(newest?.error, true);
    assert.equal(newest?.problem, 'no-response');
    assert.equal(newest?.attributes['server.address'], '93.184.216.34');
    assert.equal(newest?.resource, '/items/{id}');
    const [query] = (await get(port, '/api/v1/requests?protocol=postgresql')).body as SpanRecord[];
    assert.equal(query?.status, '42P01');
    assert.equal(query?.operation, 'SELECT');
    assert.equal(query?.resource, 'orders');
    assert.equal(query?.error, true);
    assert.equal(query?.attributes['db.system.name'], 'postgresql');
    assert.equal(query?.attributes['server.port'], 5432);
  });

  const badParams: { query: string; param: string }[] = [
    { query: 'limit=0', param: 'limit' },
    { query: 'limit=51', param: 'limit' }, // past the ring's capacity
    { query: 'limit=x', param: 'limit' },
    { query: 'pid=-1', param: 'pid' },
    { query: 'status=99', param: 'status' },
    { query: 'status=not%20a%20token', param: 'status' },
    { query: 'min_duration_ms=-1', param: 'min_duration_ms' },
    { query: 'min_duration_ms=1e3', param: 'min_duration_ms' },
    { query: 'error=yes', param: 'error' },
  ];
  for (const { query, param } of badParams) {
    it(`rejects ${query} with 400 naming ${param}`, async () => {
      const reply = await get(port, `/api/v1/requests?${query}`);
      assert.equal(reply.status, 400);
      const error = (reply.body as { error?: unknown }).error;
      assert.equal(typeof error, 'string');
      assert.ok((error as string).startsWith(`${param} `), `error names ${param}: ${String(error)}`);
    });
  }

  it('GET /api/v1/services: server-side RED per service', async () => {
    const reply = await get(port, '/api/v1/services');
    assert.equal(reply.status, 200);
    const rows = reply.body as ServiceStat[];
    assert.deepEqual(rows.map((r) => [r.service, r.requests, r.request_rate, r.error_rate, r.window_seconds]), [
      ['api', 1, 0.05, 1, 20],
      ['nginx', 3, 0.15, 0, 20],
    ]);
    for (const r of rows) {
      assert.deepEqual(Object.keys(r), ['service', 'requests', 'errors', 'request_rate', 'error_rate', 'p50_ms', 'p95_ms', 'p99_ms', 'window_seconds']);
      assert.equal(typeof r.p50_ms, 'number');
    }
  });

  it('GET /api/v1/graph: nodes and edges', async () => {
    const reply = await get(port, '/api/v1/graph');
    assert.equal(reply.status, 200);
    const g = reply.body as GraphSnapshot;
    assert.deepEqual(g.nodes, [
      { id: '93.184.216.34:80', kind: 'external', address: '93.184.216.34', port: 80 },
      { id: 'api', kind: 'service' },
      { id: 'curl', kind: 'service' },
      { id: 'nginx', kind: 'service' },
    ]);
    assert.deepEqual(g.edges.map((e) => [e.client, e.server, e.requests, e.errors, e.request_rate, e.error_rate]), [
      ['curl', '93.184.216.34:80', 1, 1, 0.05, 1],
      ['curl', 'nginx', 3, 0, 0.15, 0],
    ]);
    assert.equal(g.window_seconds, 20);
  });

  it('leaves other paths to the caller', async () => {
    const reply = await get(port, '/api/v1/flows');
    assert.equal(reply.status, 404);
  });
});
