import type { FlowRecord } from './flow-record.js';
import type { MetricRegistry } from './metrics/registry.js';

// Connections live from sub-millisecond (loopback RPCs) to hours (pools, streams).
const DURATION_BUCKETS = [0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 600, 3600];
// Loopback RTTs are tens of microseconds; WAN ones hundreds of milliseconds.
const RTT_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** The peer label: a known local service, else the remote endpoint (ports only where they name a service). */
export function peerLabel(r: FlowRecord): string {
  if (r.peer_service) return r.peer_service;
  if (r.direction !== 'outbound') return r.remote_addr;
  // IPv6 in brackets: "2001:db8::1:443" would itself parse as an address.
  return r.remote_addr.includes(':') ? `[${r.remote_addr}]:${r.remote_port}` : `${r.remote_addr}:${r.remote_port}`;
}

/** Aggregated TCP flow metrics; cardinality is bounded by the registry's per-metric series limit. */
export class FlowMetrics {
  readonly #connections;
  readonly #bytes;
  readonly #duration;
  readonly #rtt;
  readonly #retransmits;

  constructor(registry: MetricRegistry) {
    this.#connections = registry.counter({
      name: 'sonde_tcp_connections_total',
      help: 'TCP connections that ended, by direction and how they ended (closed, reset, failed).',
      labelNames: ['service_name', 'peer', 'direction', 'status'] as const,
    });
    this.#bytes = registry.counter({
      name: 'sonde_tcp_bytes_total',
      help: 'TCP payload bytes of ended connections, sent and received, as the kernel counted them.',
      labelNames: ['service_name', 'peer', 'direction'] as const,
    });
    this.#duration = registry.histogram({
      name: 'sonde_tcp_connection_duration_seconds',
      help: 'Lifetime of ended TCP connections, from SYN to close.',
      labelNames: ['service_name', 'peer', 'direction'] as const,
      buckets: DURATION_BUCKETS,
    });
    this.#rtt = registry.histogram({
      name: 'sonde_tcp_rtt_seconds',
      help: 'Smoothed round-trip time of TCP connections when they ended.',
      labelNames: ['service_name', 'peer'] as const,
      buckets: RTT_BUCKETS,
    });
    this.#retransmits = registry.counter({
      name: 'sonde_tcp_retransmits_total',
      help: 'TCP segments retransmitted on ended connections.',
      labelNames: ['service_name', 'peer'] as const,
    });
  }

  record(r: FlowRecord): void {
    const service_name = r.service_name;
    const peer = peerLabel(r);
    this.#connections.inc({ service_name, peer, direction: r.direction, status: r.status });
    this.#bytes.inc({ service_name, peer, direction: 'sent' }, r.bytes_sent);
    this.#bytes.inc({ service_name, peer, direction: 'received' }, r.bytes_received);
    if (r.status !== 'failed') {
      this.#duration.observe({ service_name, peer, direction: r.direction }, r.duration_ms / 1000);
      if (r.srtt_us > 0) this.#rtt.observe({ service_name, peer }, r.srtt_us / 1e6);
    }
    if (r.retransmits > 0) this.#retransmits.inc({ service_name, peer }, r.retransmits);
  }
}
