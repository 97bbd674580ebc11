import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecentSpans, nameMatcher, type SpanFilter } from './recent-spans.js';
import type { SpanRecord } from './http/span-record.js';

function span(n: number, extra: Partial<SpanRecord> = {}): SpanRecord {
  return {
    start: new Date(n).toISOString(), duration_ms: n, protocol: 'http', side: 'server', pid: 100, comm: 'nginx', exe: null,
    service_name: 'nginx', peer_service: null, local_addr: '127.0.0.1', local_port: 80, remote_addr: '127.0.0.1',
    remote_port: 40000 + n, operation: 'GET', resource: '/', status: 200, error: false, request_bytes: 0, response_bytes: 0,
    socket_cookie: n, problem: null, upgraded: false, sample_weight: 1,
    attributes: {
      'http.request.method': 'GET', 'url.path': '/', 'http.route': '/', 'http.response.status_code': 200, 'user_agent.original': null,
      'client.address': '127.0.0.1', 'server.address': '127.0.0.1', 'server.port': 80, 'network.protocol.version': '1.1',
      'http.request.body.size': 0, 'http.response.body.size': 0,
    },
    ...extra,
  };
}

describe('RecentSpans', () => {
  it('returns newest first, up to the limit', () => {
    const r = new RecentSpans(10);
    for (let i = 1; i <= 5; i++) r.add(span(i));
    assert.deepEqual(r.query({ limit: 3 }).map((s) => s.socket_cookie), [5, 4, 3]);
  });

  it('forgets the oldest past capacity', () => {
    const r = new RecentSpans(3);
    for (let i = 1; i <= 7; i++) r.add(span(i));
    assert.equal(r.size, 3);
    assert.deepEqual(r.query({ limit: 10 }).map((s) => s.socket_cookie), [7, 6, 5]);
  });

  const r = new RecentSpans(20);
  r.add(span(1, { service_name: 'api', status: 500, error: true }));
  r.add(span(2, { service_name: 'api-gateway', pid: 7 }));
  r.add(span(3, { service_name: 'curl', side: 'client', status: null, error: true }));
  r.add(span(4, { duration_ms: 0.5 }));
  r.add(span(5, { service_name: 'api', status: 404 }));
  const cases: { name: string; filter: SpanFilter; want: number[] }[] = [
    { name: 'no filter', filter: { limit: 100 }, want: [5, 4, 3, 2, 1] },
    { name: 'service, exact', filter: { limit: 100, service: 'api' }, want: [5, 1] },
    { name: 'service, glob', filter: { limit: 100, service: 'api*' }, want: [5, 2, 1] },
    { name: 'protocol', filter: { limit: 100, protocol: 'http' }, want: [5, 4, 3, 2, 1] },
    { name: 'other protocol', filter: { limit: 100, protocol: 'redis' }, want: [] },
    { name: 'pid', filter: { limit: 100, pid: 7 }, want: [2] },
    { name: 'min duration', filter: { limit: 100, minDurationMs: 3 }, want: [5, 3] },
    { name: 'min duration below one ms', filter: { limit: 100, minDurationMs: 0.5 }, want: [5, 4, 3, 2, 1] },
    { name: 'status', filter: { limit: 100, status: 404 }, want: [5] },
    { name: 'errors', filter: { limit: 100, error: true }, want: [3, 1] },
    { name: 'non-errors', filter: { limit: 100, error: false }, want: [5, 4, 2] },
    { name: 'limit after filter', filter: { limit: 1, service: 'api' }, want: [5] },
    { name: 'combined', filter: { limit: 100, service: 'api', error: true, minDurationMs: 1 }, want: [1] },
  ];
  for (const c of cases) it(`filters: ${c.name}`, () => assert.deepEqual(r.query(c.filter).map((s) => s.socket_cookie), c.want));

  it('rejects a zero capacity', () => {
    assert.throws(() => new RecentSpans(0), /positive integer/);
  });
});

describe('nameMatcher', () => {
  const cases: { name: string; pattern: string; subject: string; want: boolean }[] = [
    { name: 'exact', pattern: 'web', subject: 'web', want: true },
    { name: 'exact is not a prefix', pattern: 'web', subject: 'web2', want: false },
    { name: 'star suffix', pattern: 'web*', subject: 'web2', want: true },
    { name: 'star middle', pattern: 'a*z', subject: 'abcz', want: true },
    { name: 'regex characters are literal', pattern: 'a.b*', subject: 'axb', want: false },
  ];
  for (const c of cases) it(c.name, () => assert.equal(nameMatcher(c.pattern)(c.subject), c.want));
});
