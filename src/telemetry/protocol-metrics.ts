import type { L7Exchange } from '../correlate/l7-exchange.js';
import type { BoundCounter } from './metrics/counter.js';
import type { BoundHistogram } from './metrics/histogram.js';
import { BoundCache } from './metrics/bound-cache.js';
import type { MetricRegistry } from './metrics/registry.js';

/** OTel's advisory buckets for `db.client.operation.duration` (seconds); DNS lookups use them too. */
export const DB_DURATION_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
/** OTel's advisory buckets for `messaging.client.operation.duration` (seconds). */
export const MESSAGING_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

const DB_SYSTEMS: ReadonlySet<string> = new Set(['postgresql', 'mysql', 'redis', 'mongodb', 'memcached']);

const DB_LABELS = ['db_system_name', 'db_operation_name', 'db_collection_name', 'db_response_status_code', 'service_name', 'server_address'] as const;
const MESSAGING_LABELS = ['messaging_system', 'messaging_operation_name', 'messaging_destination_name', 'error_type', 'service_name', 'server_address'] as const;
const MESSAGE_COUNT_LABELS = ['messaging_system', 'messaging_destination_name', 'service_name'] as const;
const DNS_LABELS = ['dns_question_type', 'dns_response_code', 'service_name'] as const;

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/**
 * Client-side metrics of database, messaging and DNS calls, as OTel names them, counted from every
 * exchange (never sampled). Server-side exchanges of these protocols feed the service window
 * and the graph, not these: OTel defines them from the caller's view.
 */
export class ProtocolMetrics {
  readonly #db = new BoundCache<BoundHistogram>();
  readonly #messaging = new BoundCache<BoundHistogram>();
  readonly #sent = new BoundCache<BoundCounter>();
  readonly #consumed = new BoundCache<BoundCounter>();
  readonly #dns = new BoundCache<BoundHistogram>();
  readonly #dbDuration;
  readonly #messagingDuration;
  readonly #sentMessages;
  readonly #consumedMessages;
  readonly #dnsDuration;

  constructor(registry: MetricRegistry) {
    this.#dbDuration = registry.histogram({
      name: 'db_client_operation_duration_seconds',
      help: 'Duration of database client operations (PostgreSQL, MySQL, Redis, MongoDB, memcached), request sent to response received, as seen on the client socket.',
      labelNames: DB_LABELS,
      buckets: DB_DURATION_BUCKETS,
    });
    this.#messagingDuration = registry.histogram({
      name: 'messaging_client_operation_duration_seconds',
      help: 'Duration of messaging client operations (Kafka requests), as seen on the client socket.',
      labelNames: MESSAGING_LABELS,
      buckets: MESSAGING_DURATION_BUCKETS,
    });
    this.#sentMessages = registry.counter({
      name: 'messaging_client_sent_messages_total',
      help: 'Messages a client produced (Kafka records in Produce requests).',
      labelNames: MESSAGE_COUNT_LABELS,
    });
    this.#consumedMessages = registry.counter({
      name: 'messaging_client_consumed_messages_total',
      help: 'Messages a client received (Kafka records in Fetch responses).',
      labelNames: MESSAGE_COUNT_LABELS,
    });
    this.#dnsDuration = registry.histogram({
      name: 'dns_lookup_duration_seconds',
      help: 'Duration of DNS queries, query sent to answer received, as seen on the asking socket.',
      labelNames: DNS_LABELS,
      buckets: DB_DURATION_BUCKETS,
    });
  }

  /** One exchange (or `count` alike: kernel tallies). */
  record(x: L7Exchange, count = 1): void {
    if (x.side !== 'client') return;
    const seconds = x.durationMs / 1000;
    const a = x.attributes;
    if (DB_SYSTEMS.has(x.protocol)) {
      const operation = x.operation ?? '';
      const collection = x.resource !== null && x.protocol !== 'redis' && x.protocol !== 'memcached' ? x.resource : '';
      const status = x.failed === true ? text(a['db.response.status_code']) || x.statusText || '' : '';
      const key = `${x.protocol}\0${operation}\0${collection}\0${status}\0${x.serviceName}\0${x.remoteAddr}`;
      (this.#db.get(key) ?? this.#db.set(key, this.#dbDuration.bind({
        db_system_name: x.protocol,
        db_operation_name: operation,
        db_collection_name: collection,
        db_response_status_code: status,
        service_name: x.serviceName,
        server_address: x.remoteAddr,
      }))).observe(seconds, count);
      return;
    }
    if (x.protocol === 'kafka') {
      const destination = text(a['messaging.destination.name']);
      const operation = text(a['messaging.operation.name']) || (x.operation ?? '');
      const errorType = x.failed === true ? text(a['error.type']) || x.statusText || '_OTHER' : '';
      const key = `${operation}\0${destination}\0${errorType}\0${x.serviceName}\0${x.remoteAddr}`;
      (this.#messaging.get(key) ?? this.#messaging.set(key, this.#messagingDuration.bind({
        messaging_system: 'kafka',
        messaging_operation_name: operation,
        messaging_destination_name: destination,
        error_type: errorType,
        service_name: x.serviceName,
        server_address: x.remoteAddr,
      }))).observe(seconds, count);
      const messages = a['messaging.batch.message_count'];
      if (typeof messages === 'number' && messages > 0 && x.failed !== true) {
        const counts = { messaging_system: 'kafka', messaging_destination_name: destination, service_name: x.serviceName };
        const countKey = `${destination}\0${x.serviceName}`;
        if (x.operation === 'Produce') (this.#sent.get(countKey) ?? this.#sent.set(countKey, this.#sentMessages.bind(counts))).inc(messages);
        else if (x.operation === 'Fetch') (this.#consumed.get(countKey) ?? this.#consumed.set(countKey, this.#consumedMessages.bind(counts))).inc(messages);
      }
      return;
    }
    if (x.protocol === 'dns') {
      const questionType = x.operation ?? '';
      const responseCode = x.statusText ?? '';
      const key = `${questionType}\0${responseCode}\0${x.serviceName}`;
      (this.#dns.get(key) ?? this.#dns.set(key, this.#dnsDuration.bind({
        dns_question_type: questionType,
        dns_response_code: responseCode,
        service_name: x.serviceName,
      }))).observe(seconds, count);
    }
  }
}
