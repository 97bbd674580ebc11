import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requestTableHeader, requestTableRow } from './request-table.js';
import type { SpanRecord } from '../telemetry/http/span-record.js';

function span(extra: Partial<SpanRecord> = {}): SpanRecord {
  return {
    start: '2026-11-21T23:58:13.381Z', duration_ms: 4.634, protocol: 'http', side: 'server', pid: 1, comm: 'python3', exe: null,
    service_name: 'http.server', peer_service: 'curl', local_addr: '127.0.0.1', local_port: 8000, remote_addr: '127.0.0.1',
    remote_port: 40000, operation: 'GET', resource: '/x/{id}', status: 404, error: false, request_bytes: 84, response_bytes: 520,
    socket_cookie: 7, problem: null, upgraded: false, sample_weight: 1,
    attributes: {} as SpanRecord['attributes'], ...extra,
  };
}

describe('request table', () => {
  it('lines columns up under the header', () => {
    const header = requestTableHeader();
    const row = requestTableRow(span());
    assert.equal(row.indexOf('http.server'), header.indexOf('SERVICE'));
    assert.equal(row.indexOf('GET'), header.indexOf('OPERATION'));
    assert.equal(row.indexOf('/x/{id}'), header.indexOf('RESOURCE'));
    assert.match(row, / 404 +4\.63 +84 +520$/);
  });
  it('other protocols: their operation, resource and status in the same columns', () => {
    const header = requestTableHeader();
    const row = requestTableRow(span({ protocol: 'postgresql', side: 'client', operation: 'SELECT', resource: 'orders', status: '42P01', error: true }));
    assert.equal(row.indexOf('postgresql'), header.indexOf('PROTO'));
    assert.equal(row.indexOf('SELECT'), header.indexOf('OPERATION'));
    assert.equal(row.indexOf('orders'), header.indexOf('RESOURCE'));
    assert.equal(row.indexOf('42P01') + '42P01'.length, header.indexOf('STATUS') + 'STATUS'.length, 'right-aligned under STATUS');
    assert.match(row, /  error$/);
  });
  it('marks errors and problems', () => {
    assert.match(requestTableRow(span({ error: true, status: 500 })), /  error$/);
    assert.match(requestTableRow(span({ error: true, status: null, problem: 'no-response' })), / - .* error \(no-response\)$/);
  });
  it('an unknown peer shows its endpoint; a long route is cut, never the numbers', () => {
    const row = requestTableRow(span({ peer_service: null, resource: '/a/very/long/route/that/does/not/fit/here', response_bytes: 123456789012 }));
    assert.match(row, /127\.0\.0\.1:40000/);
    assert.match(row, /…/);
    assert.match(row, /123456789012$/);
  });
});
