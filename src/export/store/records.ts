// What the store takes in. These are the store's own shapes: the agent maps its span and flow
// records onto them, so the store does not depend on any one protocol's record type.

export type StoreProtocol =
  | 'http' | 'http2' | 'grpc' | 'postgresql' | 'mysql' | 'redis' | 'mongodb' | 'kafka' | 'dns' | 'memcached';

export const STORE_PROTOCOLS: readonly StoreProtocol[] = [
  'http', 'http2', 'grpc', 'postgresql', 'mysql', 'redis', 'mongodb', 'kafka', 'dns', 'memcached',
];

export type StoreAttributeValue = string | number | boolean | null;

/** One L7 exchange: the record of docs/ui-api.md without its `id` (the store assigns it). */
export interface StoreSpan {
  /** RFC 3339 with milliseconds, UTC. */
  start: string;
  duration_ms: number;
  protocol: StoreProtocol;
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
  operation: string | null;
  resource: string | null;
  /** A number for HTTP, the protocol's own spelling otherwise (`42P01`, `NXDOMAIN`), null when no response. */
  status: number | string | null;
  error: boolean;
  request_bytes: number;
  response_bytes: number;
  sample_weight: number;
  problem: string | null;
  /** Captured as TLS plaintext (uprobes); absent is false. */
  tls?: boolean;
  attributes: Record<string, StoreAttributeValue>;
}

/** A span as the API returns it. */
export interface StoredSpan extends StoreSpan {
  id: number;
}

/** One closed TCP flow: the fields of the flow record (docs/flows.md). */
export interface StoreFlow {
  start: string;
  end: string;
  duration_ms: number;
  pid: number;
  comm: string;
  exe: string | null;
  service_name: string;
  peer_service: string | null;
  container_id: string | null;
  direction: 'inbound' | 'outbound';
  family: 'ipv4' | 'ipv6';
  local_addr: string;
  local_port: number;
  remote_addr: string;
  remote_port: number;
  bytes_sent: number;
  bytes_received: number;
  segments_sent: number;
  segments_received: number;
  retransmits: number;
  srtt_us: number;
  status: 'closed' | 'reset' | 'failed';
  partial: boolean;
  owner_source: 'connect' | 'accept' | 'listener' | 'proc-snapshot' | 'unknown';
  socket_cookie: number;
}

export interface StoredFlow extends StoreFlow {
  id: number;
}

export interface StoreProcessEvent {
  /** RFC 3339. */
  time: string;
  kind: 'exec' | 'exit';
  pid: number;
  comm: string;
  exe: string | null;
  service_name: string;
}

export interface StoreAlert {
  id: string;
  name: string;
  severity: string;
  state: string;
  /** RFC 3339. */
  started: string;
  ended: string | null;
  summary: string;
}
