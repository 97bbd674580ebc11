import type { CorrelatedFlow } from '../correlate/flow-correlator.js';
import { globMatch } from '../correlate/service-name.js';
import { rfc3339 } from '../lib/rfc3339.js';

/** The public shape of a closed TCP flow (JSON, snake_case): the output contract of issue #2. */
export interface FlowRecord {
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
  /** The connection opened before sonde started: start is when sonde started, owner may be inferred. */
  partial: boolean;
  owner_source: CorrelatedFlow['ownerSource'];
  socket_cookie: number;
}

export function toFlowRecord(f: CorrelatedFlow): FlowRecord {
  const k = f.kernel;
  return {
    start: rfc3339(f.startMs),
    end: rfc3339(f.startMs + f.durationMs),
    duration_ms: Math.round(f.durationMs * 1000) / 1000,
    pid: f.pid,
    comm: f.comm,
    exe: f.exe,
    service_name: f.serviceName,
    peer_service: f.peerService,
    container_id: f.containerId,
    direction: f.direction,
    family: k.family === 4 ? 'ipv4' : 'ipv6',
    local_addr: k.localAddr,
    local_port: k.localPort,
    remote_addr: k.remoteAddr,
    remote_port: k.remotePort,
    bytes_sent: k.bytesSent,
    bytes_received: k.bytesReceived,
    segments_sent: k.segmentsSent,
    segments_received: k.segmentsReceived,
    retransmits: k.retransmits,
    srtt_us: k.srttUs,
    status: k.status,
    partial: k.partial,
    owner_source: f.ownerSource,
    socket_cookie: k.socketCookie,
  };
}

export interface FlowFilter {
  pid?: number;
  port?: number;
  comm?: string;
}

/** --pid, --port (either end) and --comm (`*` globs) filters, shared by the CLI and the API. */
export function matchesFlow(r: FlowRecord, filter: FlowFilter): boolean {
  if (filter.pid !== undefined && r.pid !== filter.pid) return false;
  if (filter.port !== undefined && r.local_port !== filter.port && r.remote_port !== filter.port) return false;
  if (filter.comm !== undefined && !globMatch(filter.comm, r.comm)) return false;
  return true;
}
