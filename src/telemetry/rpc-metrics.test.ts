import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { L7Exchange } from '../correlate/l7-exchange.js';
import { serializePrometheus } from '../export/prometheus/serialize.js';
import { MetricRegistry } from './metrics/registry.js';
import { MAX_RPC_METHODS_PER_SERVICE, RpcMetrics } from './rpc-metrics.js';

function call(extra: Partial<L7Exchange> & { service?: string; method?: string; code?: number | null } = {}): L7Exchange {
  const { service = 'helloworld.Greeter', method = 'SayHello', code = 0, ...rest } = extra;
  const attributes: Record<string, string | number> = { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method };
  if (code !== null) attributes['rpc.grpc.status_code'] = code;
  return {
    protocol: 'grpc', side: 'server', startMs: 0, durationMs: 3, pid: 7, comm: 'node', exe: null, serviceName: 'greeter',
    peerService: null, family: 4, localAddr: '127.0.0.1', localPort: 50051, remoteAddr: '127.0.0.1', remotePort: 40000,
    socketCookie: 1, method: null, target: null, httpVersion: null, status: null, requestBytes: 30, responseBytes: 60,
    requestBodyBytes: 0, responseBodyBytes: 0, requestHeaders: {}, responseHeaders: {}, upgraded: false, problem: null,
    operation: method, resource: `/${service}/${method}`, statusText: code === null ? null : String(code), failed: code !== 0,
    attributes, ...rest,
  };
}

const lines = (r: MetricRegistry, prefix: string): string[] => serializePrometheus(r.collect()).split('\n').filter((l) => l.startsWith(prefix)).sort();

describe('RpcMetrics', () => {
  it('server and client calls by service, method and grpc-status', () => {
    const r = new MetricRegistry();
    const m = new RpcMetrics(r);
    m.record(call());
    m.record(call({ durationMs: 2000 }));
    m.record(call({ code: 5 }));
    m.record(call({ side: 'client', serviceName: 'web', code: null }));
    m.record(call({ protocol: 'http2' }));
    assert.deepEqual(lines(r, 'rpc_server_call_duration_seconds_count'), [
      'rpc_server_call_duration_seconds_count{rpc_system="grpc",rpc_service="helloworld.Greeter",rpc_method="SayHello",rpc_grpc_status_code="0",service_name="greeter"} 2',
      'rpc_server_call_duration_seconds_count{rpc_system="grpc",rpc_service="helloworld.Greeter",rpc_method="SayHello",rpc_grpc_status_code="5",service_name="greeter"} 1',
    ]);
    assert.deepEqual(lines(r, 'rpc_client_call_duration_seconds_count'), [
      'rpc_client_call_duration_seconds_count{rpc_system="grpc",rpc_service="helloworld.Greeter",rpc_method="SayHello",rpc_grpc_status_code="",service_name="web"} 1',
    ]);
    assert.match(lines(r, 'rpc_server_call_duration_seconds_sum{rpc_system="grpc",rpc_service="helloworld.Greeter",rpc_method="SayHello",rpc_grpc_status_code="0"')[0] ?? '', / 2\.003$/);
  });

  it('folds methods past the per-service cap into _OTHER', () => {
    const r = new MetricRegistry();
    const m = new RpcMetrics(r);
    for (let i = 0; i < MAX_RPC_METHODS_PER_SERVICE + 5; i++) m.record(call({ method: `M${i}` }));
    const all = lines(r, 'rpc_server_call_duration_seconds_count');
    assert.equal(all.length, MAX_RPC_METHODS_PER_SERVICE + 1);
    assert.ok(all.some((l) => l.includes('rpc_service="_OTHER",rpc_method="_OTHER"') && l.endsWith(' 5')));
  });
});
