import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { L7Exchange } from '../correlate/l7-exchange.js';
import type { SpanRecord } from './http/span-record.js';
import { L7Telemetry, type L7TelemetryOptions } from './l7-telemetry.js';
import { MetricRegistry } from './metrics/registry.js';
import { scrapeMetrics } from './test-metrics.js';

class FakeClock {
  ms = 1_700_000_000_000;
  readonly now = (): number => this.ms;
}

function exchange(extra: Partial<L7Exchange> = {}): L7Exchange {
  return {
    protocol: 'http', side: 'server', startMs: 1_700_000_000_000, durationMs: 4, pid: 10, comm: 'nginx', exe: '/usr/sbin/nginx',
    serviceName: 'nginx', peerService: 'curl', family: 4, localAddr: '127.0.0.1', localPort: 80, remoteAddr: '127.0.0.1',
    remotePort: 50000, socketCookie: 1, method: 'GET', target: '/users/42?session=abc', httpVersion: '1.1', status: 200,
    requestBytes: 78, responseBytes: 250, requestBodyBytes: 0, responseBodyBytes: 100, requestHeaders: { host: 'localhost' },
    responseHeaders: {}, upgraded: false, problem: null, operation: null, resource: null, statusText: null, failed: null, attributes: {}, ...extra,
  };
}

function setup(options: L7TelemetryOptions = {}): { t: L7Telemetry; registry: MetricRegistry; clock: FakeClock; metrics: () => Map<string, string> } {
  const clock = new FakeClock();
  const registry = new MetricRegistry();
  const t = new L7Telemetry(registry, { now: clock.now, isLocalAddress: (a) => a.startsWith('127.'), ...options });
  const metrics = (): Map<string, string> => scrapeMetrics(registry);
  return { t, registry, clock, metrics };
}

const SERVER_200 = 'http_server_request_duration_seconds_count{service_name="nginx",http_request_method="GET",http_response_status_code="200",http_route="/users/{id}",network_protocol_version="1.1"}';

describe('L7Telemetry', () => {
  it('turns one exchange into a record, metrics, service stats and a graph edge', () => {
    const { t, clock, metrics } = setup();
    const seen: SpanRecord[] = [];
    t.subscribe((s) => seen.push(s));
    clock.ms += 10_000;
    t.record(exchange());
    t.record(exchange({ side: 'client', serviceName: 'curl', comm: 'curl', peerService: 'nginx', localPort: 50000, remotePort: 80 }));

    const [client, server] = t.recent.query({ limit: 10 });
    assert.equal(server?.side, 'server');
    assert.equal(server?.resource, '/users/{id}');
    assert.equal(server?.attributes['url.path'], '/users/42');
    assert.equal(server?.sample_weight, 1);
    assert.equal(client?.service_name, 'curl');
    assert.deepEqual(seen, [server, client]);

    const m = metrics();
    assert.equal(m.get(SERVER_200), '1');
    assert.equal(m.get('http_client_request_duration_seconds_count{service_name="curl",http_request_method="GET",http_response_status_code="200",http_route="/users/{id}",network_protocol_version="1.1"}'), '1');
    assert.equal(m.get('traces_service_graph_request_total{client="curl",server="nginx"}'), '1', 'once, not once per side');
    assert.equal(m.get('sonde_l7_records_sampled_out_total'), '0');
    assert.equal(m.get('sonde_l7_record_sample_weight'), '1');

    assert.deepEqual(t.services().map((s) => [s.service, s.requests, s.request_rate, s.error_rate, s.window_seconds]), [['nginx', 1, 0.1, 0, 10]]);
    const g = t.graph();
    assert.deepEqual(g.nodes, [{ id: 'curl', kind: 'service' }, { id: 'nginx', kind: 'service' }]);
    assert.deepEqual(g.edges.map((e) => [e.client, e.server, e.requests]), [['curl', 'nginx', 1]]);
  });

  it('counts every exchange in metrics while sampling records past the budget', () => {
    const { t, clock, metrics } = setup({ recordBudgetPerSecond: 100, recordBurstSeconds: 1, recentLimit: 100_000 });
    let weights = 0;
    t.subscribe((s) => { weights += s.sample_weight; });
    const total = 10 * 1000;
    for (let i = 0; i < total; i++) {
      t.record(exchange({ socketCookie: i }));
      if (i % 10 === 9) clock.ms += 10; // 1,000 exchanges a second for 10 s
    }
    const m = metrics();
    assert.equal(m.get(SERVER_200), String(total), 'metrics are exact');
    assert.equal(t.services()[0]?.requests, total, 'service stats are exact');
    assert.equal(t.graph().edges[0]?.requests, total, 'the graph is exact');
    const kept = t.recent.size;
    assert.ok(kept < total / 4, `records were sampled: ${kept} kept`);
    assert.ok(weights >= total && weights - total < 20, `weights ${weights} stand for ${total} exchanges`);
    assert.equal(Number(m.get('sonde_l7_records_sampled_out_total')) + kept, total);
    assert.equal(m.get('sonde_l7_record_sample_weight'), '10');
  });

  it('applies route patterns and the route limit, counting folded exchanges', () => {
    const { t, metrics } = setup({ routePatterns: { nginx: ['/static/*'] }, maxRoutesPerService: 2 });
    for (const target of ['/static/a.css', '/a', '/b', '/c', '/d', '/static/b.js']) t.record(exchange({ target }));
    assert.deepEqual(t.recent.query({ limit: 10 }).map((s) => s.resource).reverse(), ['/static/*', '/a', '/b', '/{other}', '/{other}', '/static/*']);
    assert.equal(metrics().get('sonde_http_route_overflow_total{service_name="nginx"}'), '2');
  });

  it('keeps the query string only when configured', () => {
    const plain = setup();
    plain.t.record(exchange());
    assert.equal(plain.t.recent.query({ limit: 1 })[0]?.attributes['url.query'], undefined);
    const keep = setup({ keepQuery: true });
    keep.t.record(exchange());
    assert.equal(keep.t.recent.query({ limit: 1 })[0]?.attributes['url.query'], 'session=abc');
  });

  it('keeps only the newest records', () => {
    const { t } = setup({ recentLimit: 3 });
    for (let i = 1; i <= 5; i++) t.record(exchange({ socketCookie: i }));
    assert.deepEqual(t.recent.query({ limit: 10 }).map((s) => s.socket_cookie), [5, 4, 3]);
  });

  it('isolates a throwing subscriber and stops calling one that unsubscribed', () => {
    const errors: unknown[] = [];
    const { t } = setup({ onSubscriberError: (e) => errors.push(e) });
    const got: number[] = [];
    t.subscribe(() => { throw new Error('boom'); });
    const stop = t.subscribe((s) => got.push(s.socket_cookie));
    t.record(exchange({ socketCookie: 1 }));
    stop();
    t.record(exchange({ socketCookie: 2 }));
    assert.deepEqual(got, [1]);
    assert.equal(errors.length, 2);
    assert.equal(t.recent.size, 2);
  });

  it('reports client-only services in the graph but not in services()', () => {
    const { t } = setup();
    t.record(exchange({ side: 'client', serviceName: 'cron', peerService: null, remoteAddr: '93.184.216.34', remotePort: 443 }));
    assert.deepEqual(t.services(), []);
    assert.deepEqual(t.graph().edges.map((e) => [e.client, e.server]), [['cron', '93.184.216.34:443']]);
  });

  it('rejects a bad budget naming it', () => {
    assert.throws(() => setup({ recordBudgetPerSecond: 0 }), /budgetPerSecond/);
  });
});
