// The JSON answers of docs/ui-api.md, as the store's queries return them.
import type { NodeKind } from './graph-rules.js';
import type { StoreAlert, StoredFlow, StoredSpan } from './records.js';
import type { Red } from './rollup-read.js';

export interface SeriesPoint {
  /** Bucket start, epoch ms. */
  t: number;
  requests: number;
  errors: number;
  p95_ms: number | null;
}

export interface OverviewService extends Red {
  name: string;
  series: SeriesPoint[];
}

/** One (service, side, protocol, operation, resource); `side` tells a service's own requests from its calls. */
export interface OperationKey {
  service_name: string;
  side: 'server' | 'client';
  protocol: string;
  operation: string | null;
  resource: string | null;
}

export interface TopLatencyRow extends OperationKey {
  requests: number;
  p95_ms: number | null;
}

export interface TopErrorsRow extends OperationKey {
  requests: number;
  errors: number;
  error_rate: number;
}

export interface OverviewAnswer {
  range: string;
  services: OverviewService[];
  top_latency: TopLatencyRow[];
  top_errors: TopErrorsRow[];
  alerts: StoreAlert[];
}

export interface GraphNodeAnswer {
  id: string;
  kind: NodeKind;
  protocol?: string;
}

export interface GraphEdgeAnswer extends Red {
  client: string;
  server: string;
  protocol: string;
}

export interface GraphAnswer {
  nodes: GraphNodeAnswer[];
  edges: GraphEdgeAnswer[];
  window_seconds: number;
}

export interface OperationRow extends Red {
  side: 'server' | 'client';
  protocol: string;
  operation: string | null;
  resource: string | null;
}

export interface PercentilePoint {
  t: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  requests: number;
  errors: number;
}

export interface ServiceAnswer {
  name: string;
  range: string;
  /** Which of the service's spans its RED, histogram, percentiles, status codes, slow and failed lists are of. */
  side: 'server' | 'client';
  operations: OperationRow[];
  latency_histogram: { le_ms: number | null; count: number }[];
  percentiles: PercentilePoint[];
  status_codes: { status: number | string | null; count: number }[];
  slow: StoredSpan[];
  failed: StoredSpan[];
  inbound: GraphEdgeAnswer[];
  outbound: GraphEdgeAnswer[];
}

export interface SpansPage {
  total: number;
  items: StoredSpan[];
  limit: number;
  offset: number;
}

export interface TopTalker {
  service_name: string;
  remote: string;
  bytes_sent: number;
  bytes_received: number;
  flows: number;
}

export interface FlowsSummaryAnswer {
  range: string;
  flows: number;
  failed: number;
  retransmits: number;
  top_talkers: TopTalker[];
  failed_recent: StoredFlow[];
  retransmit_recent: StoredFlow[];
  recent: StoredFlow[];
}

/** `5m`, `1h`, `24h` for the API's ranges, else whole seconds (`90s`). */
export function rangeLabel(rangeMs: number): string {
  if (rangeMs === 5 * 60_000) return '5m';
  if (rangeMs === 3_600_000) return '1h';
  if (rangeMs === 86_400_000) return '24h';
  return `${Math.round(rangeMs / 1000)}s`;
}
