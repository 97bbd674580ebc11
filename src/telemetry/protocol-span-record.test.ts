import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { L7Exchange } from '../correlate/l7-exchange.js';
import { isProtocolError, toProtocolSpanRecord } from './protocol-span-record.js';

function exchange(extra: Partial<L7Exchange>): L7Exchange {
  return {
    protocol: 'redis', side: 'client', startMs: Date.UTC(2026, 10, 22, 1, 2, 3, 456), durationMs: 0.5125, pid: 7, comm: 'api', exe: '/usr/bin/api',
    serviceName: 'api', peerService: 'redis-server', family: 4, localAddr: '127.0.0.1', localPort: 40000, remoteAddr: '127.0.0.1', remotePort: 6379,
    socketCookie: 9, method: null, target: null, httpVersion: null, status: null, requestBytes: 31, responseBytes: 5,
    requestBodyBytes: 0, responseBodyBytes: 0, requestHeaders: {}, responseHeaders: {}, upgraded: false, problem: null,
    operation: 'SET', resource: null, statusText: 'OK', failed: false, attributes: { 'db.system.name': 'redis', 'db.query.text': 'SET ? ?' },
    ...extra,
  };
}

describe('toProtocolSpanRecord', () => {
  it('keeps the record keys of HTTP records, with the parser attributes and where the server is', () => {
    const r = toProtocolSpanRecord(exchange({}), 3);
    assert.equal(r.start, '2026-11-22T01:02:03.456Z');
    assert.equal(r.duration_ms, 0.513);
    assert.equal(r.protocol, 'redis');
    assert.equal(r.operation, 'SET');
    assert.equal(r.resource, null);
    assert.equal(r.status, 'OK');
    assert.equal(r.error, false);
    assert.equal(r.sample_weight, 3);
    assert.deepEqual(r.attributes, {
      'db.system.name': 'redis', 'db.query.text': 'SET ? ?', 'server.address': '127.0.0.1', 'server.port': 6379, 'client.address': '127.0.0.1',
    });
  });
  it('server side: the local end is the server', () => {
    const r = toProtocolSpanRecord(exchange({ side: 'server', localPort: 6379, remotePort: 40000 }));
    assert.equal(r.attributes['server.port'], 6379);
  });
});

describe('isProtocolError', () => {
  const cases: { name: string; x: Partial<L7Exchange>; want: boolean }[] = [
    { name: 'success', x: {}, want: false },
    { name: 'error reply', x: { failed: true, statusText: 'ERR' }, want: true },
    { name: 'client: no response', x: { failed: true, problem: 'no-response', statusText: null }, want: true },
    { name: 'server: no response is not the server\'s failure', x: { side: 'server', failed: true, problem: 'no-response' }, want: false },
    { name: 'server: error reply', x: { side: 'server', failed: true, statusText: 'WRONGTYPE' }, want: true },
  ];
  for (const c of cases) it(c.name, () => assert.equal(isProtocolError(exchange(c.x)), c.want));
});
