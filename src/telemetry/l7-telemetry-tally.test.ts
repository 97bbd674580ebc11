import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { L7Exchange } from '../correlate/l7-exchange.js';
import { pathTallyKey, sqlTallyKey } from '../correlate/tally-key.js';
import { L7Telemetry } from './l7-telemetry.js';
import { MetricRegistry } from './metrics/registry.js';
import { scrapeMetrics } from './test-metrics.js';

const NOW = 1_700_000_000_000;

function exchange(extra: Partial<L7Exchange> = {}): L7Exchange {
  return {
    protocol: 'http', side: 'server', startMs: NOW, durationMs: 4, pid: 10, comm: 'nginx', exe: '/usr/sbin/nginx',
    serviceName: 'nginx', peerService: 'curl', family: 4, localAddr: '127.0.0.1', localPort: 80, remoteAddr: '127.0.0.1',
    remotePort: 50000, socketCookie: 1, method: 'GET', target: '/users/42?session=abc', httpVersion: '1.1', status: 200,
    requestBytes: 78, responseBytes: 250, requestBodyBytes: 0, responseBodyBytes: 100, requestHeaders: {},
    responseHeaders: {}, upgraded: false, problem: null, operation: null, resource: null, statusText: null, failed: null, attributes: {}, ...extra,
  };
}

/** A kernel tally as tallied-exchange.ts makes it: no target, no sizes, the kernel's hash. */
function tallied(extra: Partial<L7Exchange> = {}): L7Exchange {
  return exchange({ target: null, requestBytes: 0, responseBytes: 0, responseBodyBytes: 0, tallyKey: pathTallyKey('/users/7'), ...extra });
}

function setup(): { t: L7Telemetry; metrics: () => Map<string, string> } {
  const registry = new MetricRegistry();
  const t = new L7Telemetry(registry, { now: () => NOW, isLocalAddress: (a) => a.startsWith('127.') });
  const metrics = (): Map<string, string> => scrapeMetrics(registry);
  return { t, metrics };
}

const duration = (route: string): string =>
  `http_server_request_duration_seconds_count{service_name="nginx",http_request_method="GET",http_response_status_code="200",http_route="${route}",network_protocol_version="1.1"}`;

describe('L7Telemetry.recordTally', () => {
  it('counts tallied exchanges in the duration metrics, windows and graph, and makes no record', () => {
    const { t, metrics } = setup();
    t.record(exchange());
    t.recordTally(tallied(), 999);
    const m = metrics();
    assert.equal(m.get(duration('/users/{id}')), '1000', 'the tally takes the route learned from the parsed exchange with the same kernel hash');
    assert.equal(m.get('http_server_request_body_size_bytes_count{service_name="nginx",http_request_method="GET",http_response_status_code="200",http_route="/users/{id}",network_protocol_version="1.1"}'), '1', 'sizes are unknown for tallies');
    assert.equal(m.get('traces_service_graph_request_total{client="curl",server="nginx"}'), '1000');
    assert.equal(t.recent.query({ limit: 10 }).length, 1, 'only the parsed exchange is a record');
    assert.equal(t.services().find((s) => s.service === 'nginx')?.requests, 1000);
  });

  it('leaves the route empty until a parsed exchange taught it', () => {
    const { t, metrics } = setup();
    t.recordTally(tallied(), 5);
    assert.equal(metrics().get(duration('')), '5');
  });

  it('adds the tally sum exactly: count × mean latency', () => {
    const { t, metrics } = setup();
    t.recordTally(tallied({ durationMs: 0.25 }), 4);
    assert.equal(metrics().get(`http_server_request_duration_seconds_sum{service_name="nginx",http_request_method="GET",http_response_status_code="200",http_route="",network_protocol_version="1.1"}`), '0.001');
  });

  it('gives SQL tallies the operation and table of parsed statements with the same hash', () => {
    const { t, metrics } = setup();
    const sql = 'UPDATE pgbench_accounts SET abalance = abalance + 12 WHERE aid = 3;';
    const client = { protocol: 'postgresql' as const, side: 'client' as const, serviceName: 'pgbench', comm: 'pgbench', method: null, target: null, status: null, httpVersion: null, peerService: 'postgres', localPort: 50000, remotePort: 5432 };
    t.record(exchange({ ...client, operation: 'UPDATE', resource: 'pgbench_accounts', failed: false, tallyKey: sqlTallyKey(sql) }));
    t.recordTally(exchange({ ...client, operation: 'UPDATE', resource: null, failed: false, tallyKey: sqlTallyKey(sql.replace('12', '977')) }), 9);
    const key = 'db_client_operation_duration_seconds_count{db_system_name="postgresql",db_operation_name="UPDATE",db_collection_name="pgbench_accounts",db_response_status_code="",service_name="pgbench",server_address="127.0.0.1"}';
    assert.equal(metrics().get(key), '10');
  });

  it('hands tallies to tally subscribers as records weighted by their count, not to record subscribers', () => {
    const { t } = setup();
    const records: number[] = [];
    const tallies: Array<[number, string]> = [];
    t.subscribe((s) => records.push(s.sample_weight));
    t.subscribeTallies((s) => tallies.push([s.sample_weight, s.resource ?? '']));
    t.record(exchange());
    t.recordTally(tallied(), 41);
    assert.deepEqual(records, [1]);
    assert.deepEqual(tallies, [[41, '/users/{id}']]);
  });

  it('ignores a count that is not positive', () => {
    const { t, metrics } = setup();
    t.recordTally(tallied(), 0);
    t.recordTally(tallied(), Number.NaN);
    assert.equal(metrics().get(duration('')), undefined);
  });
});
