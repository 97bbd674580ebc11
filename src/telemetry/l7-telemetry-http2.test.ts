import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MonotonicClock } from '../correlate/clock.js';
import type { L7Exchange } from '../correlate/l7-exchange.js';
import { protocolL7Exchange, type ExchangeIdentity } from '../correlate/protocol-record.js';
import { serializePrometheus } from '../export/prometheus/serialize.js';
import type { ProtocolExchange } from '../protocols/exchange.js';
import { L7Telemetry } from './l7-telemetry.js';
import { MetricRegistry } from './metrics/registry.js';

const identity: ExchangeIdentity = {
  side: 'server', pid: 5, comm: 'envoy', exe: null, serviceName: 'front', peerService: null, family: 4,
  localAddr: '127.0.0.1', localPort: 8443, remoteAddr: '127.0.0.1', remotePort: 50000, socketCookie: 3, tls: true,
};

function h2(attributes: ProtocolExchange['attributes'], protocol?: string): ProtocolExchange {
  return { ...(protocol === undefined ? {} : { protocol }), startNs: 1e9, endNs: 1.004e9, requestBytes: 40, responseBytes: 90, operation: 'GET', resource: '/orders/17', status: '200', error: false, attributes, problem: null };
}

const clock = new MonotonicClock(0, 0n);

describe('HTTP/2 and gRPC exchanges in telemetry', () => {
  it('an HTTP/2 exchange has the HTTP fields, version 2', () => {
    const x = protocolL7Exchange(identity, 'http2', h2({
      'http.request.method': 'GET', 'url.path': '/orders/17', 'http.response.status_code': 200, 'server.address': 'shop', 'user_agent.original': 'curl/8',
      'http.request.body.size': 0, 'http.response.body.size': 55,
    }), clock, false);
    assert.deepEqual([x.protocol, x.method, x.target, x.status, x.httpVersion, x.responseBodyBytes, x.tls], ['http2', 'GET', '/orders/17', 200, '2', 55, true]);
    assert.deepEqual(x.requestHeaders, { host: 'shop', 'user-agent': 'curl/8' });
  });

  it('HTTP/2 counts in the HTTP metrics and makes an HTTP record; gRPC in the rpc metrics', () => {
    const registry = new MetricRegistry();
    const t = new L7Telemetry(registry, { isLocalAddress: () => true, now: () => 0 });
    const http2: L7Exchange = protocolL7Exchange(identity, 'http2', h2({ 'http.request.method': 'GET', 'url.path': '/orders/17', 'http.response.status_code': 503 }), clock, false);
    const grpc: L7Exchange = protocolL7Exchange({ ...identity, side: 'client', tls: false }, 'http2', h2({ 'rpc.system': 'grpc', 'rpc.service': 'shop.Orders', 'rpc.method': 'Get', 'rpc.grpc.status_code': 14 }, 'grpc'), clock, false);
    t.record(http2);
    t.record(grpc);
    const text = serializePrometheus(registry.collect());
    assert.match(text, /^http_server_request_duration_seconds_count\{service_name="front",http_request_method="GET",http_response_status_code="503",http_route="\/orders\/\{id\}",network_protocol_version="2"\} 1$/m);
    assert.match(text, /^rpc_client_call_duration_seconds_count\{rpc_system="grpc",rpc_service="shop.Orders",rpc_method="Get",rpc_grpc_status_code="14",service_name="front"\} 1$/m);
    const [grpcRecord, httpRecord] = t.recent.query({ limit: 10 });
    assert.deepEqual([httpRecord?.protocol, httpRecord?.tls, httpRecord?.status, httpRecord?.error, httpRecord?.attributes['network.protocol.version']], ['http2', true, 503, true, '2']);
    assert.deepEqual([grpcRecord?.protocol, grpcRecord?.tls, grpcRecord?.operation, grpcRecord?.status], ['grpc', false, 'GET', '200']);
  });
});
