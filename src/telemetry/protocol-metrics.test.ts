import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { L7Exchange } from '../correlate/l7-exchange.js';
import { serializePrometheus } from '../export/prometheus/serialize.js';
import { MetricRegistry } from './metrics/registry.js';
import { ProtocolMetrics } from './protocol-metrics.js';

function exchange(extra: Partial<L7Exchange>): L7Exchange {
  return {
    protocol: 'postgresql', side: 'client', startMs: 0, durationMs: 4, pid: 7, comm: 'api', exe: null, serviceName: 'api',
    peerService: 'postgres', family: 4, localAddr: '127.0.0.1', localPort: 40000, remoteAddr: '10.0.0.5', remotePort: 5432,
    socketCookie: 1, method: null, target: null, httpVersion: null, status: null, requestBytes: 30, responseBytes: 60,
    requestBodyBytes: 0, responseBodyBytes: 0, requestHeaders: {}, responseHeaders: {}, upgraded: false, problem: null,
    operation: 'SELECT', resource: 'orders', statusText: '00000', failed: false, attributes: { 'db.system.name': 'postgresql' },
    ...extra,
  };
}

function samples(registry: MetricRegistry, prefix: string): string[] {
  return serializePrometheus(registry.collect()).split('\n').filter((l) => l.startsWith(prefix)).sort();
}

describe('ProtocolMetrics', () => {
  it('db_client_operation_duration_seconds: one series per system/operation/table/status, client side only', () => {
    const registry = new MetricRegistry();
    const m = new ProtocolMetrics(registry);
    m.record(exchange({}));
    m.record(exchange({ durationMs: 2000 }));
    m.record(exchange({ failed: true, statusText: '42P01', attributes: { 'db.response.status_code': '42P01' } }));
    m.record(exchange({ side: 'server', serviceName: 'postgres' }));
    m.record(exchange({ protocol: 'redis', operation: 'GET', resource: null, statusText: 'OK' }));
    const counts = samples(registry, 'db_client_operation_duration_seconds_count');
    assert.deepEqual(counts, [
      'db_client_operation_duration_seconds_count{db_system_name="postgresql",db_operation_name="SELECT",db_collection_name="orders",db_response_status_code="",service_name="api",server_address="10.0.0.5"} 2',
      'db_client_operation_duration_seconds_count{db_system_name="postgresql",db_operation_name="SELECT",db_collection_name="orders",db_response_status_code="42P01",service_name="api",server_address="10.0.0.5"} 1',
      'db_client_operation_duration_seconds_count{db_system_name="redis",db_operation_name="GET",db_collection_name="",db_response_status_code="",service_name="api",server_address="10.0.0.5"} 1',
    ]);
    const sum = samples(registry, 'db_client_operation_duration_seconds_sum{db_system_name="postgresql",db_operation_name="SELECT",db_collection_name="orders",db_response_status_code=""');
    assert.match(sum[0] ?? '', / 2\.004$/);
  });

  it('Kafka: operation duration, produced and consumed message counts', () => {
    const registry = new MetricRegistry();
    const m = new ProtocolMetrics(registry);
    const kafka = (extra: Partial<L7Exchange>): L7Exchange => exchange({ protocol: 'kafka', resource: 'orders', statusText: '0', ...extra });
    m.record(kafka({ operation: 'Produce', attributes: { 'messaging.operation.name': 'send', 'messaging.destination.name': 'orders', 'messaging.batch.message_count': 3 } }));
    m.record(kafka({ operation: 'Produce', attributes: { 'messaging.operation.name': 'send', 'messaging.destination.name': 'orders', 'messaging.batch.message_count': 2 } }));
    m.record(kafka({ operation: 'Fetch', attributes: { 'messaging.operation.name': 'receive', 'messaging.destination.name': 'orders', 'messaging.batch.message_count': 4 } }));
    m.record(kafka({ operation: 'Metadata', failed: true, statusText: '3', attributes: { 'error.type': 'UNKNOWN_TOPIC_OR_PARTITION' } }));
    assert.deepEqual(samples(registry, 'messaging_client_sent_messages_total'), ['messaging_client_sent_messages_total{messaging_system="kafka",messaging_destination_name="orders",service_name="api"} 5']);
    assert.deepEqual(samples(registry, 'messaging_client_consumed_messages_total'), ['messaging_client_consumed_messages_total{messaging_system="kafka",messaging_destination_name="orders",service_name="api"} 4']);
    const counts = samples(registry, 'messaging_client_operation_duration_seconds_count');
    assert.equal(counts.length, 3);
    assert.ok(counts.some((l) => l.includes('messaging_operation_name="Metadata"') && l.includes('error_type="UNKNOWN_TOPIC_OR_PARTITION"')));
  });

  it('dns_lookup_duration_seconds by question type and response code', () => {
    const registry = new MetricRegistry();
    const m = new ProtocolMetrics(registry);
    m.record(exchange({ protocol: 'dns', operation: 'A', resource: 'example.test', statusText: 'NOERROR' }));
    m.record(exchange({ protocol: 'dns', operation: 'A', resource: 'other.test', statusText: 'NOERROR' }));
    m.record(exchange({ protocol: 'dns', operation: 'AAAA', resource: 'x.test', statusText: 'NXDOMAIN', failed: true }));
    assert.deepEqual(samples(registry, 'dns_lookup_duration_seconds_count'), [
      'dns_lookup_duration_seconds_count{dns_question_type="A",dns_response_code="NOERROR",service_name="api"} 2',
      'dns_lookup_duration_seconds_count{dns_question_type="AAAA",dns_response_code="NXDOMAIN",service_name="api"} 1',
    ]);
  });
});
