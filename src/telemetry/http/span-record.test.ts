import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { L7Exchange } from '../../correlate/l7-exchange.js';
import { hostWithoutPort, isErrorExchange, methodLabel, toSpanRecord, type SpanRecord } from './span-record.js';
import { rfc3339 } from '../../lib/rfc3339.js';

function exchange(extra: Partial<L7Exchange> = {}): L7Exchange {
  return {
    protocol: 'http', side: 'server', startMs: Date.UTC(2026, 0, 2, 3, 4, 5, 678), durationMs: 12.3456789,
    pid: 7, comm: 'nginx', exe: '/usr/sbin/nginx', serviceName: 'nginx', peerService: 'curl', family: 4,
    localAddr: '127.0.0.1', localPort: 8080, remoteAddr: '127.0.0.1', remotePort: 51000, socketCookie: 99,
    method: 'GET', target: '/users/42?token=secret', httpVersion: '1.1', status: 200,
    requestBytes: 80, responseBytes: 1234, requestBodyBytes: 0, responseBodyBytes: 1000,
    requestHeaders: { host: 'shop.example:8080', 'user-agent': 'curl/8.5.0' }, responseHeaders: {},
    upgraded: false, problem: null, operation: null, resource: null, statusText: null, failed: null, attributes: {}, ...extra,
  };
}

describe('toSpanRecord', () => {
  it('renders a server-side exchange with every key', () => {
    const want: SpanRecord = {
      start: '2026-01-02T03:04:05.678Z',
      duration_ms: 12.346,
      protocol: 'http',
      tls: false,
      side: 'server',
      pid: 7,
      comm: 'nginx',
      exe: '/usr/sbin/nginx',
      service_name: 'nginx',
      peer_service: 'curl',
      local_addr: '127.0.0.1',
      local_port: 8080,
      remote_addr: '127.0.0.1',
      remote_port: 51000,
      operation: 'GET',
      resource: '/users/{id}',
      status: 200,
      error: false,
      request_bytes: 80,
      response_bytes: 1234,
      socket_cookie: 99,
      problem: null,
      upgraded: false,
      sample_weight: 1,
      attributes: {
        'http.request.method': 'GET',
        'url.path': '/users/42',
        'http.route': '/users/{id}',
        'http.response.status_code': 200,
        'user_agent.original': 'curl/8.5.0',
        'client.address': '127.0.0.1',
        'server.address': 'shop.example',
        'server.port': 8080,
        'network.protocol.version': '1.1',
        'http.request.body.size': 0,
        'http.response.body.size': 1000,
      },
    };
    assert.deepEqual(toSpanRecord(exchange(), '/users/{id}'), want);
    // The JSON keys are the contract: exactly these, in this order.
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(toSpanRecord(exchange(), '/users/{id}'))) as object), Object.keys(want));
  });

  it('places addresses the OTel way on the client side', () => {
    const r = toSpanRecord(exchange({
      side: 'client', localAddr: '10.0.0.1', localPort: 40000, remoteAddr: '10.0.0.9', remotePort: 443,
      requestHeaders: { host: 'api.example' },
    }), '/x');
    assert.equal(r.attributes['client.address'], '10.0.0.1');
    assert.equal(r.attributes['server.address'], 'api.example');
    assert.equal(r.attributes['server.port'], 443);
  });

  const addressCases: { name: string; extra: Partial<L7Exchange>; address: string; port: number }[] = [
    { name: 'server side without Host: the local address', extra: { requestHeaders: {}, localAddr: '10.1.1.1', localPort: 80 }, address: '10.1.1.1', port: 80 },
    { name: 'client side without Host: the remote address', extra: { side: 'client', requestHeaders: {}, remoteAddr: '10.2.2.2', remotePort: 5000 }, address: '10.2.2.2', port: 5000 },
    { name: 'empty Host: the local address', extra: { requestHeaders: { host: '' } }, address: '127.0.0.1', port: 8080 },
    { name: 'IPv6 Host with port', extra: { requestHeaders: { host: '[::1]:8080' } }, address: '::1', port: 8080 },
  ];
  for (const c of addressCases) {
    it(c.name, () => {
      const r = toSpanRecord(exchange(c.extra), '/');
      assert.equal(r.attributes['server.address'], c.address);
      assert.equal(r.attributes['server.port'], c.port);
    });
  }

  it('keeps the query only in url.query, and only when asked', () => {
    const plain = toSpanRecord(exchange(), '/users/{id}');
    assert.equal(plain.attributes['url.path'], '/users/42');
    assert.equal('url.query' in plain.attributes, false);
    const kept = toSpanRecord(exchange(), '/users/{id}', 1, { keepQuery: true });
    assert.equal(kept.attributes['url.path'], '/users/42');
    assert.equal(kept.attributes['url.query'], 'token=secret');
    const none = toSpanRecord(exchange({ target: '/a' }), '/a', 1, { keepQuery: true });
    assert.equal('url.query' in none.attributes, false);
  });

  it('marks an unknown method _OTHER and keeps the original', () => {
    const r = toSpanRecord(exchange({ method: 'PURGE' }), '/');
    assert.equal(r.operation, 'PURGE');
    assert.equal(r.attributes['http.request.method'], '_OTHER');
    assert.equal(r.attributes['http.request.method_original'], 'PURGE');
    assert.equal('http.request.method_original' in toSpanRecord(exchange(), '/').attributes, false);
  });

  it('renders a response seen without its request', () => {
    const r = toSpanRecord(exchange({ method: null, target: null, httpVersion: null, requestHeaders: {}, problem: 'truncated' }), null);
    assert.equal(r.operation, null);
    assert.equal(r.resource, null);
    assert.equal(r.attributes['url.path'], null);
    assert.equal(r.attributes['http.request.method'], '_OTHER');
    assert.equal('http.request.method_original' in r.attributes, false);
    assert.equal(r.attributes['user_agent.original'], null);
    assert.equal(r.problem, 'truncated');
  });

  it('carries the sample weight, the problem and the upgrade', () => {
    const r = toSpanRecord(exchange({ status: 101, upgraded: true }), '/ws', 7);
    assert.equal(r.sample_weight, 7);
    assert.equal(r.upgraded, true);
    assert.equal(r.error, false);
    const lost = toSpanRecord(exchange({ side: 'client', status: null, problem: 'no-response' }), '/');
    assert.equal(lost.error, true);
    assert.equal(lost.status, null);
    assert.equal(lost.attributes['http.response.status_code'], null);
  });
});

describe('isErrorExchange', () => {
  const cases: { name: string; side: 'server' | 'client'; status: number | null; want: boolean }[] = [
    { name: 'server 200', side: 'server', status: 200, want: false },
    { name: 'server 404', side: 'server', status: 404, want: false },
    { name: 'server 500', side: 'server', status: 500, want: true },
    { name: 'server 503', side: 'server', status: 503, want: true },
    { name: 'server without a response', side: 'server', status: null, want: false },
    { name: 'client 200', side: 'client', status: 200, want: false },
    { name: 'client 304', side: 'client', status: 304, want: false },
    { name: 'client 404', side: 'client', status: 404, want: true },
    { name: 'client 500', side: 'client', status: 500, want: true },
    { name: 'client without a response', side: 'client', status: null, want: true },
  ];
  for (const c of cases) it(c.name, () => assert.equal(isErrorExchange(c.side, c.status), c.want));
});

describe('methodLabel', () => {
  const cases: { name: string; method: string | null; want: string }[] = [
    { name: 'GET', method: 'GET', want: 'GET' },
    { name: 'PATCH', method: 'PATCH', want: 'PATCH' },
    { name: 'lower case is not a known method', method: 'get', want: '_OTHER' },
    { name: 'WebDAV', method: 'PROPFIND', want: '_OTHER' },
    { name: 'not seen', method: null, want: '_OTHER' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(methodLabel(c.method), c.want));
});

describe('hostWithoutPort', () => {
  const cases: { name: string; host: string; want: string }[] = [
    { name: 'name', host: 'example.com', want: 'example.com' },
    { name: 'name and port', host: 'example.com:8080', want: 'example.com' },
    { name: 'IPv4 and port', host: '10.0.0.1:80', want: '10.0.0.1' },
    { name: 'bracketed IPv6', host: '[2001:db8::1]', want: '2001:db8::1' },
    { name: 'bracketed IPv6 and port', host: '[2001:db8::1]:443', want: '2001:db8::1' },
    { name: 'bare IPv6', host: '2001:db8::1', want: '2001:db8::1' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(hostWithoutPort(c.host), c.want));
});

describe('rfc3339', () => {
  const cases: { name: string; ms: number }[] = [
    { name: 'milliseconds', ms: Date.UTC(2026, 0, 2, 3, 4, 5, 678) },
    { name: 'one digit of milliseconds', ms: Date.UTC(2026, 0, 2, 3, 4, 5, 7) },
    { name: 'two digits of milliseconds', ms: Date.UTC(2026, 0, 2, 3, 4, 5, 42) },
    { name: 'a whole second', ms: Date.UTC(2026, 11, 31, 23, 59, 59, 0) },
    { name: 'fractional milliseconds are cut', ms: Date.UTC(2026, 0, 2, 3, 4, 5, 678) + 0.9 },
    { name: 'the epoch', ms: 0 },
    { name: 'before the epoch', ms: -1 },
    { name: 'a year past 9999', ms: Date.UTC(10000, 0, 1) + 5 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(rfc3339(c.ms), new Date(Math.floor(c.ms)).toISOString()));
  it('matches toISOString across a second boundary, in and out of order', () => {
    const base = Date.UTC(2026, 5, 1);
    for (const ms of [base + 999, base + 1000, base + 1, base + 2001, base + 1999]) assert.equal(rfc3339(ms), new Date(ms).toISOString());
  });
});
