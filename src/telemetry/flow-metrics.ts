import type { FlowRecord } from './flow-record.js';
import { BoundCache } from './metrics/bound-cache.js';
import type { BoundCounter } from './metrics/counter.js';
import type { BoundHistogram } from './metrics/histogram.js';
import type { MetricRegistry } from './metrics/registry.js';
import { DEFAULT_MAX_PEERS_PER_SERVICE, PeerBudget } from './peer-budget.js';

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

/**
 * The series one kind of ended flow (service, peer, direction, status) updates. The optional ones
 * are bound on first use: a series exists once something was observed in it (failed connects
 * have no duration series, connections without a measured RTT no RTT series).
 */
interface FlowSeries {
  readonly connections: BoundCounter;
  readonly sent: BoundCounter;
  readonly received: BoundCounter;
  duration?: BoundHistogram;
  rtt?: BoundHistogram;
  retransmits?: BoundCounter;
}

export interface FlowMetricsOptions {
  /** Distinct peers per service before new ones are labelled `_other` (metrics.max_peers_per_service). */
  maxPeersPerService?: number;
}

/**
 * Aggregated TCP flow metrics. Cardinality is bounded per service (its peers) and per metric (the
 * registry's series limit).
 */
export class FlowMetrics {
  readonly #series = new BoundCache<FlowSeries>();
  readonly #peers: PeerBudget;
  readonly #connections;
  readonly #bytes;
  readonly #duration;
  readonly #rtt;
  readonly #retransmits;

  constructor(registry: MetricRegistry, options: FlowMetricsOptions = {}) {
    const peerOverflow = registry.counter({
      name: 'sonde_tcp_peer_overflow_total',
      help: 'Ended TCP connections counted under peer="_other" because their service had reached its peer limit (metrics.max_peers_per_service).',
      labelNames: ['service_name'] as const,
    });
    this.#peers = new PeerBudget({
      maxPeersPerService: options.maxPeersPerService ?? DEFAULT_MAX_PEERS_PER_SERVICE,
      onOverflow: (service_name) => peerOverflow.inc({ service_name }),
    });
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
    const peer = this.#peers.label(service_name, peerLabel(r));
    const key = `${service_name}\0${peer}\0${r.direction}\0${r.status}`;
    const s = this.#series.get(key) ?? this.#series.set(key, {
      connections: this.#connections.bind({ service_name, peer, direction: r.direction, status: r.status }),
      sent: this.#bytes.bind({ service_name, peer, direction: 'sent' }),
      received: this.#bytes.bind({ service_name, peer, direction: 'received' }),
    });
    s.connections.inc();
    s.sent.inc(r.bytes_sent);
    s.received.inc(r.bytes_received);
    if (r.status !== 'failed') {
      (s.duration ??= this.#duration.bind({ service_name, peer, direction: r.direction })).observe(r.duration_ms / 1000);
      if (r.srtt_us > 0) (s.rtt ??= this.#rtt.bind({ service_name, peer })).observe(r.srtt_us / 1e6);
    }
    if (r.retransmits > 0) (s.retransmits ??= this.#retransmits.bind({ service_name, peer })).inc(r.retransmits);
  }
}
