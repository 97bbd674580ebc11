import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { SqliteStore } from '../export/store/sqlite-store.js';
import { captureLog, T0, testFlow, testSpan } from '../export/store/test-records.js';
import { sendError } from './json.js';
import { listen } from './listen.js';
import { handleStoreRoute, startEventStream } from './store-routes.js';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

function get(port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        assert.match(String(res.headers['content-type']), /^application\/json/);
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      });
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

const NOT_MINE = 418;

describe('store API routes', () => {
  let server: Server;
  let port: number;
  const store = SqliteStore.open({ path: ':memory:', logger: captureLog(), timers: false });
  const closed = SqliteStore.open({ path: ':memory:', logger: captureLog(), timers: false });
  closed.close();
  const stops: (() => void)[] = [];

  before(async () => {
    for (let i = 0; i < 30; i++) {
      store.add(testSpan(T0 - 60_000 + i * 1000, {
        service_name: i % 3 === 0 ? 'web' : 'api', side: i % 3 === 0 ? 'client' : 'server', peer_service: i % 3 === 0 ? 'api' : 'web',
        status: i % 10 === 9 ? 503 : 200, error: i % 10 === 9, duration_ms: i + 1, resource: i % 2 === 0 ? '/users/{id}' : '/orders',
      }));
    }
    store.add(testSpan(T0 - 30_000, { protocol: 'postgresql', side: 'client', remote_addr: '10.0.0.5', remote_port: 5432, operation: 'SELECT', resource: 'orders', status: 'OK', attributes: { 'db.query.text': 'SELECT total FROM orders' } }));
    store.addFlow(testFlow(T0 - 10_000));
    store.flush();
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/api/v1/events') {
        stops.push(startEventStream(res, store, 30));
        return;
      }
      const target = url.searchParams.get('closed') === '1' ? closed : store;
      if (!handleStoreRoute(url.pathname, url.searchParams, res, target, T0)) sendError(res, NOT_MINE, 'not a store route');
    });
    port = (await listen(server, { host: '127.0.0.1', port: 0 }, '--listen')).port;
  });
  after(async () => {
    for (const stop of stops) stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    store.close();
  });

  const shapes: { name: string; path: string; keys: string[] }[] = [
    { name: 'overview', path: '/api/v1/overview', keys: ['alerts', 'range', 'services', 'top_errors', 'top_latency'] },
    { name: 'overview 5m', path: '/api/v1/overview?range=5m', keys: ['alerts', 'range', 'services', 'top_errors', 'top_latency'] },
    { name: 'graph with range', path: '/api/v1/graph?range=24h', keys: ['edges', 'nodes', 'window_seconds'] },
    { name: 'service', path: '/api/v1/service?name=api', keys: ['failed', 'inbound', 'latency_histogram', 'name', 'operations', 'outbound', 'percentiles', 'range', 'side', 'slow', 'status_codes'] },
    { name: 'spans', path: '/api/v1/spans', keys: ['items', 'limit', 'offset', 'total', 'total_capped'] },
    { name: 'flows summary', path: '/api/v1/flows/summary?range=1h', keys: ['failed', 'failed_recent', 'flows', 'range', 'recent', 'retransmit_recent', 'retransmits', 'top_talkers'] },
    { name: 'alerts', path: '/api/v1/alerts', keys: ['alerts'] },
  ];
  for (const c of shapes) {
    it(`answers ${c.name}`, async () => {
      const r = await get(port, c.path);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(Object.keys(r.body).sort(), c.keys);
    });
  }

  it('defaults the range to 1h and honours it', async () => {
    assert.equal((await get(port, '/api/v1/overview')).body['range'], '1h');
    assert.equal((await get(port, '/api/v1/overview?range=24h')).body['range'], '24h');
    const g = await get(port, '/api/v1/graph?range=5m');
    assert.deepEqual((g.body['edges'] as { client: string; server: string; requests: number }[]).map((e) => [e.client, e.server, e.requests]), [['api', '10.0.0.5:5432', 1], ['web', 'api', 10]]);
  });

  it('leaves /api/v1/graph without range, /api/v1/events and other paths to the caller', async () => {
    for (const path of ['/api/v1/graph', '/api/v1/graph?range=', '/api/v1/requests', '/api/v1/spans/1/extra', '/nope']) {
      assert.equal((await get(port, path)).status, NOT_MINE, path);
    }
  });

  const filters: { name: string; query: string; total: number }[] = [
    { name: 'none', query: '', total: 31 },
    { name: 'service', query: 'service=web', total: 10 },
    { name: 'protocol', query: 'protocol=postgresql', total: 1 },
    { name: 'status', query: 'status=503', total: 3 },
    { name: 'status class', query: 'status=5xx', total: 3 },
    { name: 'error', query: 'error=true', total: 3 },
    { name: 'not error', query: 'error=false', total: 28 },
    { name: 'min duration', query: 'min_duration_ms=25.5', total: 5 },
    { name: 'q', query: 'q=ORDERS', total: 16 },
    { name: 'q in query text', query: 'q=select%20total', total: 1 },
    { name: 'range', query: 'range=5m&service=api', total: 21 },
    { name: 'combined', query: 'service=api&error=false&min_duration_ms=10', total: 13 },
  ];
  for (const f of filters) {
    it(`filters spans: ${f.name}`, async () => {
      const r = await get(port, `/api/v1/spans?${f.query}&limit=500`);
      assert.equal(r.status, 200);
      assert.equal(r.body['total'], f.total);
      assert.equal((r.body['items'] as unknown[]).length, f.total);
    });
  }

  it('pages spans newest first', async () => {
    const first = await get(port, '/api/v1/spans?limit=5');
    const second = await get(port, '/api/v1/spans?limit=5&offset=5');
    const ids = [first, second].flatMap((r) => (r.body['items'] as { id: number }[]).map((s) => s.id));
    assert.equal(new Set(ids).size, 10);
    assert.deepEqual([first.body['limit'], first.body['offset'], second.body['offset']], [5, 0, 5]);
    const starts = [first, second].flatMap((r) => (r.body['items'] as { start: string }[]).map((s) => s.start));
    assert.deepEqual(starts, [...starts].sort().reverse());
    assert.equal((await get(port, '/api/v1/spans')).body['limit'], 50);
  });

  it('answers one span by id, 404 for a missing one', async () => {
    const listed = (await get(port, '/api/v1/spans?limit=1')).body['items'] as { id: number }[];
    const one = await get(port, `/api/v1/spans/${listed[0]!.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, listed[0]);
    const missing = await get(port, '/api/v1/spans/987654');
    assert.equal(missing.status, 404);
    assert.match(String(missing.body['error']), /987654/);
  });

  it('404s a service without records in the range', async () => {
    const r = await get(port, '/api/v1/service?name=ghost');
    assert.equal(r.status, 404);
    assert.match(String(r.body['error']), /ghost/);
    assert.equal((await get(port, '/api/v1/service?name=api&range=5m')).status, 200);
  });

  const invalid: { name: string; path: string; param: string }[] = [
    { name: 'overview range', path: '/api/v1/overview?range=2h', param: 'range' },
    { name: 'graph range', path: '/api/v1/graph?range=forever', param: 'range' },
    { name: 'flows range', path: '/api/v1/flows/summary?range=1d', param: 'range' },
    { name: 'service name missing', path: '/api/v1/service', param: 'name' },
    { name: 'service range', path: '/api/v1/service?name=api&range=7d', param: 'range' },
    { name: 'spans range', path: '/api/v1/spans?range=1', param: 'range' },
    { name: 'limit zero', path: '/api/v1/spans?limit=0', param: 'limit' },
    { name: 'limit too big', path: '/api/v1/spans?limit=501', param: 'limit' },
    { name: 'limit not a number', path: '/api/v1/spans?limit=ten', param: 'limit' },
    { name: 'offset negative', path: '/api/v1/spans?offset=-1', param: 'offset' },
    { name: 'protocol unknown', path: '/api/v1/spans?protocol=gopher', param: 'protocol' },
    { name: 'status with spaces', path: '/api/v1/spans?status=5%20xx', param: 'status' },
    { name: 'error not boolean', path: '/api/v1/spans?error=yes', param: 'error' },
    { name: 'min duration negative', path: '/api/v1/spans?min_duration_ms=-1', param: 'min_duration_ms' },
    { name: 'min duration text', path: '/api/v1/spans?min_duration_ms=slow', param: 'min_duration_ms' },
    { name: 'q too long', path: `/api/v1/spans?q=${'x'.repeat(300)}`, param: 'q' },
    { name: 'span id not a number', path: '/api/v1/spans/abc', param: 'id' },
    { name: 'span id zero', path: '/api/v1/spans/0', param: 'id' },
    { name: 'span id bad escape', path: '/api/v1/spans/%E0%A4%A', param: 'id' },
  ];
  for (const c of invalid) {
    it(`400 naming the parameter: ${c.name}`, async () => {
      const r = await get(port, c.path);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.ok(String(r.body['error']).startsWith(c.param), String(r.body['error']));
    });
  }

  it('turns a store failure into a 500', async () => {
    const r = await get(port, '/api/v1/overview?closed=1');
    assert.equal(r.status, 500);
    assert.match(String(r.body['error']), /^store: /);
  });

  it('streams ticks with the new spans and flows, and stops', async () => {
    const events = await new Promise<{ headers: Record<string, unknown>; ticks: { t: number; spans: number; flows: number }[] }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/v1/events', agent: false }, (res) => {
        let text = '';
        const ticks: { t: number; spans: number; flows: number }[] = [];
        let added = false;
        res.on('data', (c: Buffer) => {
          text += c.toString('utf8');
          for (;;) {
            const end = text.indexOf('\n\n');
            if (end < 0) break;
            const block = text.slice(0, end);
            text = text.slice(end + 2);
            if (!block.startsWith('event: tick\n')) continue;
            ticks.push(JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { t: number; spans: number; flows: number });
            if (!added) {
              added = true;
              for (let i = 0; i < 3; i++) store.add(testSpan(T0));
              store.addFlow(testFlow(T0));
              store.flush();
            }
            if (ticks.some((t) => t.spans > 0)) {
              stops.at(-1)!();
            }
          }
        });
        res.on('end', () => resolve({ headers: res.headers, ticks }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    assert.match(String(events.headers['content-type']), /^text\/event-stream/);
    assert.equal(events.headers['cache-control'], 'no-store');
    assert.equal(events.ticks[0]!.spans, 0, 'the first tick counts from the stream start');
    const withNew = events.ticks.find((t) => t.spans > 0)!;
    assert.deepEqual([withNew.spans, withNew.flows], [3, 1]);
    assert.ok(events.ticks.every((t) => typeof t.t === 'number' && t.t > 0));
  });
});
