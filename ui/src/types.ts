/** Response shapes of docs/ui-api.md; the UI reads nothing else. */

export type Range = '5m' | '1h' | '24h';

export type Protocol =
  | 'http' | 'http2' | 'grpc' | 'postgresql' | 'mysql' | 'redis' | 'mongodb' | 'kafka' | 'dns' | 'memcached';

export const PROTOCOLS: readonly Protocol[] = [
  'http', 'http2', 'grpc', 'postgresql', 'mysql', 'redis', 'mongodb', 'kafka', 'dns', 'memcached',
];

export interface Span {
  id: string;
  start: string;
  duration_ms: number;
  protocol: Protocol;
  side: 'server' | 'client';
  pid: number;
  comm: string;
  exe: string | null;
  service_name: string;
  peer_service: string | null;
  local_addr: string;
  local_port: number;
  remote_addr: string;
  remote_port: number;
  operation: string;
  resource: string;
  status: number | string | null;
  error: boolean;
  request_bytes: number;
  response_bytes: number;
  sample_weight: number;
  problem: string | null;
  attributes: Record<string, unknown>;
}

export interface Flow {
  id: string;
  start: string;
  end: string;
  duration_ms: number;
  pid: number;
  comm: string;
  exe: string | null;
  service_name: string;
  peer_service: string | null;
  direction: 'inbound' | 'outbound';
  local_addr: string;
  local_port: number;
  remote_addr: string;
  remote_port: number;
  bytes_sent: number;
  bytes_received: number;
  retransmits: number;
  srtt_us: number;
  status: 'closed' | 'reset' | 'failed';
  partial: boolean;
}

export interface SeriesPoint {
  t: number;
  requests: number;
  errors: number;
  p95_ms: number | null;
}

export interface ServiceSummary {
  name: string;
  requests: number;
  rate_per_s: number;
  errors: number;
  error_rate: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  series: SeriesPoint[];
}

export interface TopLatencyRow {
  service_name: string;
  protocol: Protocol;
  operation: string;
  resource: string;
  requests: number;
  p95_ms: number | null;
}

export interface TopErrorsRow {
  service_name: string;
  protocol: Protocol;
  operation: string;
  resource: string;
  requests: number;
  errors: number;
  error_rate: number;
}

/** The contract leaves alerts open ("alerting fills it later"); these are the fields shown when present. */
export interface Alert {
  name?: string;
  severity?: string;
  service_name?: string;
  summary?: string;
  since?: string;
  state?: string;
  [key: string]: unknown;
}

export interface Overview {
  range: Range;
  services: ServiceSummary[];
  top_latency: TopLatencyRow[];
  top_errors: TopErrorsRow[];
  alerts: Alert[];
}

export type NodeKind = 'service' | 'database' | 'cache' | 'broker' | 'external';

export interface GraphNode {
  id: string;
  kind: NodeKind;
  protocol?: Protocol;
}

export interface GraphEdge {
  client: string;
  server: string;
  protocol: Protocol;
  requests: number;
  rate_per_s: number;
  errors: number;
  error_rate: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  window_seconds: number;
}

export interface OperationRow {
  protocol: Protocol;
  operation: string;
  resource: string;
  requests: number;
  rate_per_s: number;
  errors: number;
  error_rate: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}

export interface PercentilePoint {
  t: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  requests: number;
  errors: number;
}

export interface ServiceDetail {
  name: string;
  operations: OperationRow[];
  latency_histogram: { le_ms: number | null; count: number }[];
  percentiles: PercentilePoint[];
  status_codes: { status: number | string | null; count: number }[];
  slow: Span[];
  failed: Span[];
  inbound: GraphEdge[];
  outbound: GraphEdge[];
}

export interface SpanPage {
  total: number;
  items: Span[];
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

export interface FlowSummary {
  flows: number;
  failed: number;
  retransmits: number;
  top_talkers: TopTalker[];
  failed_recent: Flow[];
  retransmit_recent: Flow[];
  recent: Flow[];
}

export interface AlertList {
  alerts: Alert[];
}

export interface Tick {
  t: number;
  spans: number;
  flows: number;
}
