import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NO_HEADERS, type L7Exchange } from './l7-exchange.js';
import { withIdentity, type ExchangeIdentity } from './protocol-record.js';

const exchange: L7Exchange = {
  protocol: 'http', side: 'server', startMs: 1000, durationMs: 2, pid: 10, comm: 'nginx', exe: '/usr/sbin/nginx',
  serviceName: 'nginx', peerService: 'wrk', family: 4, localAddr: '127.0.0.1', localPort: 80, remoteAddr: '127.0.0.1',
  remotePort: 40000, socketCookie: 7, method: 'GET', target: '/', httpVersion: '1.1', status: 200, requestBytes: 40,
  responseBytes: 160, requestBodyBytes: 0, responseBodyBytes: 17, requestHeaders: { host: 'x' }, responseHeaders: NO_HEADERS,
  upgraded: false, problem: null, operation: null, resource: null, statusText: null, failed: null, attributes: {}, tls: false,
  tallyKey: 3,
};

const client: ExchangeIdentity = {
  side: 'client', pid: 20, comm: 'wrk', exe: '/usr/bin/wrk', serviceName: 'wrk', peerService: 'nginx', family: 4,
  localAddr: '127.0.0.1', localPort: 40000, remoteAddr: '127.0.0.1', remotePort: 80, socketCookie: 8, tls: true,
};

describe('withIdentity', () => {
  it('makes what a spread of the exchange then the identity makes', () => {
    assert.deepEqual(withIdentity(exchange, client), { ...exchange, ...client });
  });

  it('keeps the exchange\'s tls when the identity has none', () => {
    const { tls: _, ...noTls } = client;
    const copy = withIdentity(exchange, noTls);
    assert.deepEqual(copy, { ...exchange, ...noTls });
    assert.equal(copy.tls, false);
  });

  it('leaves the exchange it copies alone', () => {
    const before = { ...exchange };
    withIdentity(exchange, client);
    assert.deepEqual(exchange, before);
  });
});
