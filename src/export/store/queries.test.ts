import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from './sqlite-store.js';
import type { StoreSpan } from './records.js';
import { captureLog, iso, T0, testFlow, testSpan } from './test-records.js';
import { HOUR_MS, MINUTE_MS, RANGES_MS } from './window.js';

const M5 = RANGES_MS['5m']!;
const H1 = RANGES_MS['1h']!;
const H24 = RANGES_MS['24h']!;

/** The fixture: a small system seen over the last minutes, plus a few older records. */
export function fixtureSpans(): StoreSpan[] {
  const spans: StoreSpan[] = [];
  // web calls api ten times; both ends are captured (each exchange is two spans).
  for (let i = 1; i <= 10; i++) {
    const t = T0 - 200_000 + i * 10_000;
    const status = i === 10 ? 500 : 200;
    const resource = i % 2 === 0 ? '/items/{id}' : '/users';
    spans.push(testSpan(t, { side: 'client', service_name: 'web', comm: 'web', peer_service: 'api', duration_ms: i + 0.5, status, error: status >= 400, resource }));
    spans.push(testSpan(t + 1, { side: 'server', service_name: 'api', peer_service: 'web', duration_ms: i, status, error: status >= 500, resource }));
  }
  // api queries a database nobody on this host serves.
  for (let i = 1; i <= 4; i++) {
    spans.push(testSpan(T0 - 100_000 + i * 1000, {
      side: 'client', protocol: 'postgresql', peer_service: null, remote_addr: '10.0.0.5', remote_port: 5432,
      operation: 'SELECT', resource: 'users', status: i === 4 ? '42P01' : 'OK', error: i === 4, duration_ms: 2 * i,
      attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM users WHERE id = $1' },
    }));
  }
  // api uses a local redis (service "cache"), captured on both ends.
  for (let i = 1; i <= 3; i++) {
    const t = T0 - 90_000 + i * 1000;
    spans.push(testSpan(t, { side: 'client', protocol: 'redis', peer_service: 'cache', operation: 'GET', resource: 'session:', status: 'OK', duration_ms: 0.2 }));
    spans.push(testSpan(t, { side: 'server', service_name: 'cache', comm: 'redis-server', protocol: 'redis', peer_service: 'api', operation: 'GET', resource: 'session:', status: 'OK', duration_ms: 0.1 }));
  }
  // An outside client calls api; api calls an outside API; worker produces to a Kafka broker elsewhere.
  spans.push(testSpan(T0 - 50_000, { side: 'server', peer_service: null, remote_addr: '203.0.113.7', remote_port: 51000, duration_ms: 40, resource: '/users' }));
  spans.push(testSpan(T0 - 40_000, { side: 'server', peer_service: null, remote_addr: '203.0.113.7', remote_port: 51001, duration_ms: 80, resource: '/users' }));
  spans.push(testSpan(T0 - 30_000, { side: 'client', peer_service: null, remote_addr: '93.184.216.34', remote_port: 443, duration_ms: 120, resource: '/v1/charge', operation: 'POST' }));
  for (let i = 0; i < 2; i++) {
    spans.push(testSpan(T0 - 20_000 + i, { side: 'client', service_name: 'worker', comm: 'worker', protocol: 'kafka', peer_service: null, remote_addr: '10.0.0.8', remote_port: 9092, operation: 'Produce', resource: 'orders', status: '0', duration_ms: 3 }));
  }
  // Older: in the hour but not the last 5 minutes; in the day but not the hour; past the day.
  spans.push(testSpan(T0 - 30 * MINUTE_MS, { side: 'server', peer_service: 'web', duration_ms: 5, resource: '/users' }));
  spans.push(testSpan(T0 - 3 * HOUR_MS, { side: 'server', peer_service: 'web', duration_ms: 5, resource: '/users' }));
  spans.push(testSpan(T0 - 30 * HOUR_MS, { side: 'server', peer_service: 'web', duration_ms: 5, resource: '/users' }));
  return spans;
}

const since = (rangeMs: number) => (s: StoreSpan) => Date.parse(s.start) >= T0 - rangeMs;

describe('store queries', () => {
  let store: SqliteStore;
  const spans = fixtureSpans();
  before(() => {
    store = SqliteStore.open({ path: ':memory:', logger: captureLog(), timers: false, retentionMs: 48 * HOUR_MS });
    for (const s of spans) store.add(s);
    store.addFlow(testFlow(T0 - 60_000, { bytes_sent: 5000, bytes_received: 100 }));
    store.addFlow(testFlow(T0 - 50_000, { bytes_sent: 300, bytes_received: 90_000, remote_addr: '10.0.0.8', remote_port: 9092, service_name: 'worker' }));
    store.addFlow(testFlow(T0 - 40_000, { status: 'failed', bytes_sent: 0, bytes_received: 0, remote_port: 5433 }));
    store.addFlow(testFlow(T0 - 30_000, { retransmits: 3, direction: 'inbound', remote_addr: '203.0.113.7', remote_port: 51000, local_port: 8080 }));
    store.addFlow(testFlow(T0 - 2 * HOUR_MS, { bytes_sent: 1 }));
    store.flush();
  });
  after(() => store.close());

  describe('overview', () => {
    it('gives each service the RED of its own side', () => {
      const o = store.overview(M5, T0);
      assert.equal(o.range, '5m');
      const byName = Object.fromEntries(o.services.map((s) => [s.name, s]));
      assert.deepEqual(Object.keys(byName), ['api', 'cache', 'web', 'worker']);
      const recent = spans.filter(since(M5));
      const own = (name: string, side: string) => recent.filter((s) => s.service_name === name && s.side === side);
      assert.equal(byName['api']!.requests, own('api', 'server').length, 'api: server spans only');
      assert.equal(byName['api']!.errors, own('api', 'server').filter((s) => s.error).length);
      assert.equal(byName['web']!.requests, own('web', 'client').length, 'web is only a client: its calls');
      assert.equal(byName['web']!.errors, 1);
      assert.equal(byName['cache']!.requests, 3);
      assert.equal(byName['worker']!.requests, 2);
      const api = byName['api']!;
      assert.equal(api.error_rate, Math.round((api.errors / api.requests) * 1e4) / 1e4);
      assert.ok(api.p50_ms! <= api.p95_ms! && api.p95_ms! <= api.p99_ms!);
      // p99 of api's server spans is its slowest, 80 ms, within the histogram's error.
      assert.ok(Math.abs(api.p99_ms! / 80 - 1) < 0.1, `p99 ${api.p99_ms}`);
    });

    it('has one series point per bucket, oldest first, adding up to the totals', () => {
      for (const [rangeMs, points, step] of [[M5, 30, 10_000], [H1, 60, MINUTE_MS], [H24, 144, 10 * MINUTE_MS]] as const) {
        const o = store.overview(rangeMs, T0);
        for (const s of o.services) {
          assert.equal(s.series.length, points);
          s.series.forEach((p, i) => i > 0 && assert.equal(p.t - s.series[i - 1]!.t, step));
          assert.ok(s.series.at(-1)!.t <= T0 && T0 < s.series.at(-1)!.t + step);
          assert.equal(s.series.reduce((n, p) => n + p.requests, 0), s.requests);
          assert.equal(s.series.reduce((n, p) => n + p.errors, 0), s.errors);
          assert.ok(s.series.every((p) => (p.requests === 0) === (p.p95_ms === null)));
        }
      }
    });

    it('counts each range on its own', () => {
      const api = (rangeMs: number) => store.overview(rangeMs, T0).services.find((s) => s.name === 'api')!.requests;
      const serverApi = (rangeMs: number) => spans.filter((s) => s.service_name === 'api' && s.side === 'server' && since(rangeMs)(s)).length;
      assert.equal(api(M5), serverApi(M5));
      assert.equal(api(H1), serverApi(M5) + 1);
      assert.equal(api(H24), serverApi(M5) + 2);
    });

    it('ranks operations by p95 and by errors, at most 10 each', () => {
      const o = store.overview(M5, T0);
      assert.ok(o.top_latency.length <= 10 && o.top_latency.length > 0);
      for (let i = 1; i < o.top_latency.length; i++) assert.ok(o.top_latency[i - 1]!.p95_ms! >= o.top_latency[i]!.p95_ms!);
      assert.deepEqual(o.top_latency[0], { service_name: 'api', side: 'client', protocol: 'http', operation: 'POST', resource: '/v1/charge', requests: 1, p95_ms: o.top_latency[0]!.p95_ms });
      const errors = o.top_errors.map((e) => `${e.service_name}/${e.side}/${e.protocol}/${e.operation}/${e.resource}:${e.errors}/${e.requests}`).sort();
      assert.deepEqual(errors, [
        'api/client/postgresql/SELECT/users:1/4',
        'api/server/http/GET//items/{id}:1/5',
        'web/client/http/GET//items/{id}:1/5',
      ]);
    });
  });

  describe('graph', () => {
    it('has nodes of every kind and edges counted once', () => {
      const g = store.graph(M5, T0);
      assert.deepEqual(g.nodes, [
        { id: '10.0.0.5:5432', kind: 'database', protocol: 'postgresql' },
        { id: '10.0.0.8:9092', kind: 'broker', protocol: 'kafka' },
        { id: '93.184.216.34:443', kind: 'external', protocol: 'http' },
        { id: 'api', kind: 'service' },
        { id: 'cache', kind: 'cache', protocol: 'redis' },
        { id: 'internet', kind: 'external' }, // 203.0.113.7 is a public address
        { id: 'web', kind: 'service' },
        { id: 'worker', kind: 'service' },
      ]);
      const edges = Object.fromEntries(g.edges.map((e) => [`${e.client}->${e.server}`, e]));
      assert.deepEqual(Object.fromEntries(Object.entries(edges).map(([k, e]) => [k, [e.protocol, e.requests, e.errors]])), {
        'web->api': ['http', 10, 1], // ten exchanges, not twenty: api's server spans name web, so only web's count
        'api->10.0.0.5:5432': ['postgresql', 4, 1],
        'api->cache': ['redis', 3, 0],
        'internet->api': ['http', 2, 0],
        'api->93.184.216.34:443': ['http', 1, 0],
        'worker->10.0.0.8:9092': ['kafka', 2, 0],
      });
      const webApi = edges['web->api']!;
      assert.equal(webApi.error_rate, 0.1);
      assert.ok(Math.abs(webApi.p50_ms! / 5.5 - 1) < 0.1, `p50 ${webApi.p50_ms}`);
      assert.ok(webApi.rate_per_s > 0);
      assert.ok(g.window_seconds > 0 && g.window_seconds <= 300);
    });

    it('leaves a range with no traffic empty', () => {
      const g = store.graph(M5, T0 + 10 * HOUR_MS);
      assert.deepEqual([g.nodes, g.edges], [[], []]);
    });
  });

  describe('service', () => {
    it('describes a service: operations, histogram, percentiles, status codes, lists, edges', () => {
      const s = store.service('api', M5, T0)!;
      const own = spans.filter(since(M5)).filter((x) => x.service_name === 'api' && x.side === 'server');
      assert.equal(s.name, 'api');
      assert.equal(s.side, 'server');
      const ops = s.operations.map((o) => `${o.side} ${o.protocol} ${o.operation} ${o.resource} ${o.requests}`).sort();
      assert.deepEqual(ops, [
        'client http POST /v1/charge 1', 'client postgresql SELECT users 4', 'client redis GET session: 3',
        'server http GET /items/{id} 5', 'server http GET /users 7',
      ]);
      assert.equal(s.latency_histogram.reduce((n, b) => n + b.count, 0), own.length);
      assert.equal(s.percentiles.length, 30);
      assert.equal(s.percentiles.reduce((n, p) => n + p.requests, 0), own.length);
      assert.deepEqual(s.status_codes, [{ status: 200, count: own.length - 1 }, { status: 500, count: 1 }]);
      const slowest = [...own].sort((a, b) => b.duration_ms - a.duration_ms).slice(0, 10).map((x) => x.duration_ms);
      assert.deepEqual(s.slow.map((x) => x.duration_ms), slowest);
      assert.deepEqual(s.failed.map((x) => x.status), [500]);
      assert.deepEqual(s.inbound.map((e) => `${e.client}:${e.requests}`), ['internet:2', 'web:10']);
      assert.deepEqual(s.outbound.map((e) => `${e.server}:${e.requests}`), ['10.0.0.5:5432:4', '93.184.216.34:443:1', 'cache:3']);
    });

    it('describes a client-only service by its calls', () => {
      const s = store.service('web', M5, T0)!;
      assert.equal(s.side, 'client');
      assert.equal(s.latency_histogram.reduce((n, b) => n + b.count, 0), 10);
      assert.deepEqual(s.failed.map((x) => x.status), [500]);
    });

    it('describes a node known only from edges, and nothing for an unknown name', () => {
      const db = store.service('10.0.0.5:5432', M5, T0)!;
      assert.deepEqual(db.inbound.map((e) => e.client), ['api']);
      assert.deepEqual([db.operations, db.slow, db.percentiles], [[], [], []]);
      assert.equal(store.service('nobody', M5, T0), null);
      assert.equal(store.service('api', M5, T0 + 10 * HOUR_MS), null, 'nothing in that range');
    });

    it('reads the slowest spans even when raw rows are fewer than the rollup counted', () => {
      // Sampled records stand for several exchanges each: the histogram counts more than the raw rows hold.
      const local = SqliteStore.open({ path: ':memory:', logger: captureLog(), timers: false });
      for (let i = 0; i < 12; i++) local.add(testSpan(T0 - 1000 - i, { duration_ms: 1 + i, sample_weight: i === 11 ? 50 : 1 }));
      local.flush();
      assert.deepEqual(local.service('api', M5, T0)!.slow.map((s) => s.duration_ms), [12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
      local.close();
    });
  });

  describe('spans', () => {
    const ids = (filter: Parameters<SqliteStore['spans']>[0], limit = 500, offset = 0) => store.spans(filter, limit, offset);
    const expect = (pred: (s: StoreSpan) => boolean, rangeMs = H24) => spans.filter(since(rangeMs)).filter(pred);
    const cases: { name: string; filter: Parameters<SqliteStore['spans']>[0]; want: (s: StoreSpan) => boolean }[] = [
      { name: 'everything in the day', filter: {}, want: () => true },
      { name: 'service', filter: { service: 'web' }, want: (s) => s.service_name === 'web' },
      { name: 'protocol', filter: { protocol: 'postgresql' }, want: (s) => s.protocol === 'postgresql' },
      { name: 'HTTP status', filter: { status: '500' }, want: (s) => s.status === 500 },
      { name: 'status class', filter: { status: '2xx' }, want: (s) => typeof s.status === 'number' && s.status >= 200 && s.status < 300 },
      { name: 'protocol status', filter: { status: '42P01' }, want: (s) => s.status === '42P01' },
      { name: 'numeric-looking protocol status', filter: { status: '0' }, want: (s) => s.status === '0' },
      { name: 'errors', filter: { error: true }, want: (s) => s.error },
      { name: 'no errors', filter: { error: false }, want: (s) => !s.error },
      { name: 'min duration', filter: { minDurationMs: 8 }, want: (s) => s.duration_ms >= 8 },
      { name: 'min duration inside a class', filter: { minDurationMs: 9.2 }, want: (s) => s.duration_ms >= 9.2 },
      { name: 'q in resource, any case', filter: { q: 'USERS' }, want: (s) => /users/i.test(`${s.resource} ${s.operation} ${String(s.attributes['db.query.text'] ?? '')}`) },
      { name: 'q in query text', filter: { q: 'where id' }, want: (s) => String(s.attributes['db.query.text'] ?? '').toLowerCase().includes('where id') },
      { name: 'q in operation', filter: { q: 'produce' }, want: (s) => s.operation === 'Produce' },
      { name: 'q with LIKE wildcards is literal', filter: { q: '%' }, want: () => false },
      { name: 'combined', filter: { service: 'api', protocol: 'http', error: false, minDurationMs: 5 }, want: (s) => s.service_name === 'api' && s.protocol === 'http' && !s.error && s.duration_ms >= 5 },
    ];
    for (const c of cases) {
      it(`filters: ${c.name}`, () => {
        const page = ids({ sinceMs: T0 - H24, ...c.filter });
        const want = expect(c.want);
        assert.equal(page.total, want.length);
        assert.deepEqual(page.items.map((s) => `${s.start} ${s.service_name} ${s.side}`).sort(), want.map((s) => `${s.start} ${s.service_name} ${s.side}`).sort());
      });
    }

    it('lists newest first and pages without overlap', () => {
      const all = ids({ sinceMs: T0 - H24 }).items;
      for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.start >= all[i]!.start);
      const pages = [0, 7, 14, 21, 28, 35].map((offset) => ids({ sinceMs: T0 - H24 }, 7, offset));
      assert.deepEqual(pages.flatMap((p) => p.items.map((s) => s.id)), all.map((s) => s.id));
      assert.ok(pages.every((p) => p.total === all.length && p.limit === 7));
      assert.deepEqual(pages.map((p) => p.offset), [0, 7, 14, 21, 28, 35]);
    });

    it('keeps to the range', () => {
      assert.equal(ids({ sinceMs: T0 - M5 }).total, spans.filter(since(M5)).length);
      assert.equal(ids({}).total, spans.length, 'no range: everything stored');
    });

    it('reads one span by id, whole', () => {
      const listed = ids({ q: 'where id', status: '42P01' }).items[0]!;
      const one = store.span(listed.id)!;
      assert.deepEqual(one, listed);
      const source = spans.find((s) => s.status === '42P01')!;
      assert.deepEqual({ ...one, id: 0 }, { ...source, id: 0 });
      assert.equal(store.span(999_999), null);
    });
  });

  describe('flows summary', () => {
    it('adds up flows in the range and lists the recent ones', () => {
      const f = store.flowsSummary(H1, T0);
      assert.equal(f.flows, 4);
      assert.equal(f.failed, 1);
      assert.equal(f.retransmits, 3);
      assert.deepEqual(f.top_talkers.map((t) => [t.service_name, t.remote, t.bytes_sent + t.bytes_received, t.flows]), [
        ['worker', '10.0.0.8:9092', 90_300, 1],
        ['api', '10.0.0.5:5432', 5100, 1],
        ['api', '203.0.113.7', 300, 1], // inbound: the peer by address, not its ephemeral port
        ['api', '10.0.0.5:5433', 0, 1],
      ]);
      assert.deepEqual(f.failed_recent.map((x) => x.remote_port), [5433]);
      assert.deepEqual(f.retransmit_recent.map((x) => x.retransmits), [3]);
      assert.deepEqual(f.recent.map((x) => x.end), [T0 - 30_000, T0 - 40_000, T0 - 50_000, T0 - 60_000].map(iso));
      assert.equal(store.flowsSummary(H24, T0).flows, 5);
    });
  });
});
