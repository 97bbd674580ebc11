import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { L7Exchange } from '../../correlate/l7-exchange.js';
import { serializePrometheus } from '../../export/prometheus/serialize.js';
import { MetricRegistry } from '../metrics/registry.js';
import { graphEdge } from '../service-graph.js';
import { HTTP_BODY_SIZE_BUCKETS, HTTP_DURATION_BUCKETS, HttpMetrics, statusLabel } from './http-metrics.js';

function exchange(extra: Partial<L7Exchange> = {}): L7Exchange {
  return {
    protocol: 'http', side: 'server', startMs: 0, durationMs: 20, pid: 1, comm: 'nginx', exe: null, serviceName: 'nginx',
    peerService: null, family: 4, localAddr: '127.0.0.1', localPort: 8080, remoteAddr: '127.0.0.1', remotePort: 50000,
    socketCookie: 1, method: 'GET', target: '/', httpVersion: '1.1', status: 200, requestBytes: 80, responseBytes: 300,
    requestBodyBytes: 0, responseBodyBytes: 200, requestHeaders: {}, responseHeaders: {}, upgraded: false, problem: null, operation: null, resource: null, statusText: null, failed: null, attributes: {},
    ...extra,
  };
}

const isLocal = (addr: string): boolean => addr.startsWith('127.');

/** Sample lines of an exposition, keyed by everything before the value. */
function samples(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    assert.ok(!out.has(line.slice(0, at)), `duplicate sample ${line}`);
    out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

function linesOf(all: Map<string, string>, metric: string): string[] {
  return [...all].filter(([k]) => k === metric || k.startsWith(`${metric}{`)).map(([k, v]) => `${k} ${v}`);
}

function scenario(): Map<string, string> {
  const registry = new MetricRegistry();
  const metrics = new HttpMetrics(registry);
  const record = (extra: Partial<L7Exchange>, route: string | null): void => {
    const x = exchange(extra);
    metrics.record(x, route, graphEdge(x, isLocal));
  };
  // curl -> nginx on loopback, three times: two 200s and a 500, each seen from both ends.
  for (const status of [200, 200, 500]) {
    record({ peerService: 'curl', status, durationMs: status === 500 ? 300 : 20 }, '/users/{id}');
    record({ side: 'client', serviceName: 'curl', comm: 'curl', peerService: 'nginx', remotePort: 8080, localPort: 50000, status, durationMs: 21 }, '/users/{id}');
  }
  // An unknown client: no graph edge, still a server request.
  record({ method: 'PROPFIND', status: 404, durationMs: 2, requestBodyBytes: 100, responseBodyBytes: 5000 }, '/dav');
  // curl to the internet, no response: client-side edge to the remote endpoint, failed.
  record({ side: 'client', serviceName: 'curl', remoteAddr: '93.184.216.34', remotePort: 80, status: null, durationMs: 5000, responseBodyBytes: 0, problem: 'no-response' }, '/');
  // A response without its request (capture started mid-connection).
  record({ method: null, target: null, status: 204, responseBodyBytes: 0 }, null);
  return samples(serializePrometheus(registry.collect()));
}

const NGINX_200 = 'service_name="nginx",http_request_method="GET",http_response_status_code="200",http_route="/users/{id}",network_protocol_version="1.1"';
const NGINX_500 = 'service_name="nginx",http_request_method="GET",http_response_status_code="500",http_route="/users/{id}",network_protocol_version="1.1"';

describe('HttpMetrics', () => {
  it('counts every server request by service, method, status and route', () => {
    assert.deepEqual(linesOf(scenario(), 'http_server_request_duration_seconds_count'), [
      'http_server_request_duration_seconds_count{service_name="nginx",http_request_method="GET",http_response_status_code="200",http_route="/users/{id}",network_protocol_version="1.1"} 2',
      'http_server_request_duration_seconds_count{service_name="nginx",http_request_method="GET",http_response_status_code="500",http_route="/users/{id}",network_protocol_version="1.1"} 1',
      'http_server_request_duration_seconds_count{service_name="nginx",http_request_method="_OTHER",http_response_status_code="204",http_route="",network_protocol_version="1.1"} 1',
      'http_server_request_duration_seconds_count{service_name="nginx",http_request_method="_OTHER",http_response_status_code="404",http_route="/dav",network_protocol_version="1.1"} 1',
    ]);
  });

  it('observes durations in seconds in the OTel buckets', () => {
    const all = scenario();
    assert.equal(all.get(`http_server_request_duration_seconds_sum{${NGINX_200}}`), '0.04');
    assert.equal(all.get(`http_server_request_duration_seconds_bucket{${NGINX_200},le="0.01"}`), '0');
    assert.equal(all.get(`http_server_request_duration_seconds_bucket{${NGINX_200},le="0.025"}`), '2');
    assert.equal(all.get(`http_server_request_duration_seconds_bucket{${NGINX_500},le="0.25"}`), '0');
    assert.equal(all.get(`http_server_request_duration_seconds_bucket{${NGINX_500},le="0.5"}`), '1');
    const les = [...all.keys()].filter((k) => k.startsWith(`http_server_request_duration_seconds_bucket{${NGINX_200},`)).map((k) => /le="([^"]+)"/.exec(k)?.[1]);
    assert.deepEqual(les, [...HTTP_DURATION_BUCKETS.map(String), '+Inf']);
  });

  it('counts client requests, including the unanswered one with an empty status', () => {
    assert.deepEqual(linesOf(scenario(), 'http_client_request_duration_seconds_count'), [
      'http_client_request_duration_seconds_count{service_name="curl",http_request_method="GET",http_response_status_code="",http_route="/",network_protocol_version="1.1"} 1',
      'http_client_request_duration_seconds_count{service_name="curl",http_request_method="GET",http_response_status_code="200",http_route="/users/{id}",network_protocol_version="1.1"} 2',
      'http_client_request_duration_seconds_count{service_name="curl",http_request_method="GET",http_response_status_code="500",http_route="/users/{id}",network_protocol_version="1.1"} 1',
    ]);
  });

  it('observes body sizes only for messages that were seen', () => {
    const all = scenario();
    assert.deepEqual(linesOf(all, 'http_server_request_body_size_bytes_count'), [
      `http_server_request_body_size_bytes_count{${NGINX_200}} 2`,
      `http_server_request_body_size_bytes_count{${NGINX_500}} 1`,
      'http_server_request_body_size_bytes_count{service_name="nginx",http_request_method="_OTHER",http_response_status_code="404",http_route="/dav",network_protocol_version="1.1"} 1',
    ]);
    assert.equal(all.get('http_server_request_body_size_bytes_sum{service_name="nginx",http_request_method="_OTHER",http_response_status_code="404",http_route="/dav",network_protocol_version="1.1"}'), '100');
    assert.equal(all.get(`http_server_response_body_size_bytes_sum{${NGINX_200}}`), '400');
    assert.equal(all.get(`http_server_response_body_size_bytes_bucket{${NGINX_200},le="256"}`), '2');
    assert.equal(all.get(`http_server_response_body_size_bytes_bucket{${NGINX_200},le="64"}`), '0');
    // 204 without its request: a response size, no request size.
    assert.equal(all.get('http_server_response_body_size_bytes_count{service_name="nginx",http_request_method="_OTHER",http_response_status_code="204",http_route="",network_protocol_version="1.1"}'), '1');
    // The client exchange without a response has no response size.
    assert.equal(linesOf(all, 'http_client_response_body_size_bytes_count').length, 2);
    assert.equal(linesOf(all, 'http_client_request_body_size_bytes_count').length, 3);
    const les = [...all.keys()].filter((k) => k.startsWith(`http_server_response_body_size_bytes_bucket{${NGINX_200},`)).map((k) => /le="([^"]+)"/.exec(k)?.[1]);
    assert.deepEqual(les, [...HTTP_BODY_SIZE_BUCKETS.map(String), '+Inf']);
  });

  it('counts each exchange once in the service graph, from the server side when both ends are local', () => {
    const all = scenario();
    assert.deepEqual(linesOf(all, 'traces_service_graph_request_total'), [
      'traces_service_graph_request_total{client="curl",server="93.184.216.34:80"} 1',
      'traces_service_graph_request_total{client="curl",server="nginx"} 3',
    ]);
    assert.deepEqual(linesOf(all, 'traces_service_graph_request_failed_total'), [
      'traces_service_graph_request_failed_total{client="curl",server="93.184.216.34:80"} 1',
      'traces_service_graph_request_failed_total{client="curl",server="nginx"} 1',
    ]);
    assert.equal(all.get('traces_service_graph_request_server_seconds_count{client="curl",server="nginx"}'), '3');
    assert.ok(Math.abs(Number(all.get('traces_service_graph_request_server_seconds_sum{client="curl",server="nginx"}')) - 0.34) < 1e-9);
    assert.equal(all.get('traces_service_graph_request_server_seconds_bucket{client="curl",server="93.184.216.34:80",le="+Inf"}'), '1');
  });

  it('does not count a server-side 4xx as a failed graph request', () => {
    const registry = new MetricRegistry();
    const metrics = new HttpMetrics(registry);
    const x = exchange({ peerService: 'curl', status: 404 });
    metrics.record(x, '/', graphEdge(x, isLocal));
    const all = samples(serializePrometheus(registry.collect()));
    assert.equal(all.get('traces_service_graph_request_total{client="curl",server="nginx"}'), '1');
    assert.equal(all.get('traces_service_graph_request_failed_total{client="curl",server="nginx"}'), '0');
  });

  it('stays exact past its handle cache and within the registry series limit', () => {
    const registry = new MetricRegistry({ maxSeriesPerMetric: 50 });
    const metrics = new HttpMetrics(registry);
    for (let i = 0; i < 10_000; i++) metrics.record(exchange({ status: 200 + (i % 100) }), `/r${i % 97}`, null);
    const all = samples(serializePrometheus(registry.collect()));
    const counts = linesOf(all, 'http_server_request_duration_seconds_count');
    assert.equal(counts.length, 51, '50 series and the _other one');
    assert.equal(counts.reduce((n, line) => n + Number(line.slice(line.lastIndexOf(' ') + 1)), 0), 10_000);
  });
});

describe('statusLabel', () => {
  const cases: { name: string; status: number | null; want: string }[] = [
    { name: 'no response', status: null, want: '' },
    { name: '200', status: 200, want: '200' },
    { name: '999', status: 999, want: '999' },
    { name: 'out of range still renders', status: 1000, want: '1000' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(statusLabel(c.status), c.want));
});
