import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, type Server } from 'node:http';
import { createApiServer } from './api-server.js';
import { listen } from './listen.js';
import { INDEX_HTML } from './index-page.js';
import { MetricRegistry } from '../telemetry/metrics/registry.js';
import { RecentFlows } from '../telemetry/recent-flows.js';
import type { FlowRecord } from '../telemetry/flow-record.js';
import { PROMETHEUS_TEXT_CONTENT_TYPE } from '../export/prometheus/serialize.js';

function flow(n: number, extra: Partial<FlowRecord> = {}): FlowRecord {
  return {
    start: new Date(1_700_000_000_000 + n * 1000).toISOString(),
    end: new Date(1_700_000_000_000 + n * 1000 + 5).toISOString(),
    duration_ms: 5,
    pid: 100 + n,
    comm: 'curl',
    exe: '/usr/bin/curl',
    service_name: 'curl',
    peer_service: null,
    container_id: null,
    direction: 'outbound',
    family: 'ipv4',
    local_addr: '127.0.0.1',
    local_port: 40000 + n,
    remote_addr: '127.0.0.1',
    remote_port: 80,
    bytes_sent: 10 * n,
    bytes_received: 20 * n,
    segments_sent: 1,
    segments_received: 1,
    retransmits: 0,
    srtt_us: 30,
    status: 'closed',
    partial: false,
    owner_source: 'connect',
    socket_cookie: n,
    ...extra,
  };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection (no keep-alive, so close() never waits on us). */
function call(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

function json(reply: Reply): unknown {
  assert.match(String(reply.headers['content-type']), /^application\/json/, `JSON content type for ${reply.body}`);
  return JSON.parse(reply.body) as unknown;
}

describe('API server', () => {
  let server: Server;
  let port: number;
  const registry = new MetricRegistry();
  const flows = new RecentFlows(50);
  const conns = registry.counter({ name: 'test_api_requests_total', help: 'Requests seen by the test.', labelNames: ['code'] as const });
  conns.inc({ code: '200' }, 3);
  conns.inc({ code: '500' });

  // Oldest first: 1 (curl -> :80), 2 (nginx inbound on :8080), 3 (curl -> :5432), 4 (redis-cli -> :6379)
  flows.add(flow(1));
  flows.add(flow(2, { comm: 'nginx', pid: 7, direction: 'inbound', local_port: 8080, remote_port: 51000, owner_source: 'accept' }));
  flows.add(flow(3, { remote_port: 5432 }));
  flows.add(flow(4, { comm: 'redis-cli', remote_port: 6379 }));

  before(async () => {
    server = createApiServer({ registry, flows, status: () => ({ version: 'test', ready: true, flows_seen: 4 }) });
    port = (await listen(server, { host: '127.0.0.1', port: 0 }, '--listen')).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('returns flows newest first, limited', async () => {
    const reply = await call(port, '/api/v1/flows?limit=2');
    assert.equal(reply.status, 200);
    const body = json(reply) as FlowRecord[];
    assert.deepEqual(body.map((f) => f.socket_cookie), [4, 3]);
    assert.deepEqual(body[0], flow(4, { comm: 'redis-cli', remote_port: 6379 }), 'records come back whole');
  });

  it('returns every flow, newest first, without a limit', async () => {
    const body = json(await call(port, '/api/v1/flows')) as FlowRecord[];
    assert.deepEqual(body.map((f) => f.socket_cookie), [4, 3, 2, 1]);
  });

  it('filters by port (either end), pid and comm glob', async () => {
    const byPort = json(await call(port, '/api/v1/flows?port=8080')) as FlowRecord[];
    assert.deepEqual(byPort.map((f) => f.socket_cookie), [2], 'local port 8080');
    const byRemote = json(await call(port, '/api/v1/flows?port=5432')) as FlowRecord[];
    assert.deepEqual(byRemote.map((f) => f.socket_cookie), [3], 'remote port 5432');
    const byPid = json(await call(port, '/api/v1/flows?pid=7')) as FlowRecord[];
    assert.deepEqual(byPid.map((f) => f.socket_cookie), [2]);
    const byComm = json(await call(port, '/api/v1/flows?comm=redis*')) as FlowRecord[];
    assert.deepEqual(byComm.map((f) => f.socket_cookie), [4]);
    const combined = json(await call(port, '/api/v1/flows?comm=curl&limit=1')) as FlowRecord[];
    assert.deepEqual(combined.map((f) => f.socket_cookie), [3], 'limit applies after the filter');
    const none = json(await call(port, '/api/v1/flows?port=9&comm=curl')) as FlowRecord[];
    assert.deepEqual(none, []);
  });

  const badParams: { query: string; param: string }[] = [
    { query: 'limit=0', param: 'limit' },
    { query: 'limit=abc', param: 'limit' },
    { query: 'limit=-1', param: 'limit' },
    { query: 'limit=51', param: 'limit' }, // past the ring's capacity
    { query: 'port=70000', param: 'port' },
    { query: 'port=0', param: 'port' },
    { query: 'port=80x', param: 'port' },
    { query: 'pid=abc', param: 'pid' },
    { query: 'pid=1.5', param: 'pid' },
  ];
  for (const { query, param } of badParams) {
    it(`rejects ${query} with 400 naming ${param}`, async () => {
      const reply = await call(port, `/api/v1/flows?${query}`);
      assert.equal(reply.status, 400, reply.body);
      const body = json(reply) as { error?: unknown };
      assert.equal(typeof body.error, 'string', `error message in ${reply.body}`);
      assert.ok((body.error as string).startsWith(`${param} `), `error names ${param}: ${String(body.error)}`);
    });
  }

  it('serves /api/v1/status from the status callback', async () => {
    const reply = await call(port, '/api/v1/status');
    assert.equal(reply.status, 200);
    assert.deepEqual(json(reply), { version: 'test', ready: true, flows_seen: 4 });
  });

  it('answers an unknown path with 404 naming it', async () => {
    const reply = await call(port, '/api/v1/nope');
    assert.equal(reply.status, 404);
    assert.match((json(reply) as { error: string }).error, /\/api\/v1\/nope/);
  });

  it('refuses POST with 405 and an Allow header', async () => {
    for (const path of ['/api/v1/flows', '/metrics', '/']) {
      const reply = await call(port, path, 'POST');
      assert.equal(reply.status, 405, `POST ${path}`);
      assert.equal(reply.headers.allow, 'GET, HEAD');
      assert.match((json(reply) as { error: string }).error, /POST/);
    }
    assert.equal((await call(port, '/api/v1/flows', 'DELETE')).status, 405);
  });

  it('serves Prometheus text at /metrics', async () => {
    const reply = await call(port, '/metrics');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], PROMETHEUS_TEXT_CONTENT_TYPE);
    assert.equal(reply.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const lines = reply.body.split('\n');
    assert.ok(lines.includes('# TYPE test_api_requests_total counter'), reply.body);
    assert.ok(lines.includes('test_api_requests_total{code="200"} 3'), reply.body);
    assert.ok(lines.includes('test_api_requests_total{code="500"} 1'), reply.body);
    assert.ok(reply.body.endsWith('\n'), 'exposition ends with a newline');
  });

  it('reflects metric updates on the next scrape', async () => {
    conns.inc({ code: '500' }, 2);
    const reply = await call(port, '/metrics');
    assert.ok(reply.body.split('\n').includes('test_api_requests_total{code="500"} 3'), reply.body);
  });

  it('serves the UI page at /', async () => {
    const reply = await call(port, '/');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(reply.body, INDEX_HTML);
    assert.match(reply.body, /^<!doctype html>/i);
    assert.match(reply.body, /\/api\/v1\/flows/);
  });

  it('answers HEAD without a body', async () => {
    const reply = await call(port, '/metrics', 'HEAD');
    assert.equal(reply.status, 200);
    assert.equal(reply.body, '');
    assert.equal(reply.headers['content-type'], PROMETHEUS_TEXT_CONTENT_TYPE);
  });
});
