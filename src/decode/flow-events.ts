import type { RawBatch } from '../kernel/ring-buffer.js';
import { decodeBatch, readU64, type DecodeProblem } from './batch.js';
import {
  FLOW_CLOSE_EVENT_SIZE, FLOW_EXEC_EVENT_SIZE, FLOW_LISTEN_EVENT_SIZE, FLOW_OPEN_EVENT_SIZE,
  FlowCloseEventOffsets as C, FlowDirection, FlowEventType, FlowFlags, FlowOpenEventOffsets as O, FlowStatus,
  readFlowExecEvent, readFlowListenEvent,
} from './generated/flows.js';
import { AddressTexts, CommTexts } from './cached-text.js';
import { formatAddress, ipVersion } from './ip-address.js';

export type Direction = 'inbound' | 'outbound' | 'unknown';
export type FlowStatusName = 'closed' | 'reset' | 'failed';

/** A TCP connection that reached CLOSE, as the kernel saw it (identity not yet resolved). */
export interface FlowCloseKernelEvent {
  kind: 'flow-close';
  family: 4 | 6;
  direction: Direction;
  status: FlowStatusName;
  /** Opened before the probes were attached: start and owner unknown. */
  partial: boolean;
  accepted: boolean;
  resetReceived: boolean;
  resetSent: boolean;
  pid: number;
  tid: number;
  comm: string;
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
  startNs: number;
  endNs: number;
  bytesSent: number;
  bytesReceived: number;
  segmentsSent: number;
  segmentsReceived: number;
  retransmits: number;
  srttUs: number;
  socketCookie: number;
}

export interface ListenKernelEvent {
  kind: 'listen';
  family: 4 | 6;
  pid: number;
  comm: string;
  localAddr: string;
  localPort: number;
}

export interface ExecKernelEvent {
  kind: 'exec';
  pid: number;
  ppid: number;
  comm: string;
  filename: string;
  /** argv as far as the kernel copied it (the last one may be cut short). */
  args: string[];
}

const utf8 = new TextDecoder('utf-8');

/** NUL-separated argv bytes -> strings. */
export function splitArgs(bytes: Uint8Array, length: number): string[] {
  const out: string[] = [];
  let from = 0;
  const end = Math.min(length, bytes.length);
  for (let i = 0; i < end; i++) {
    if (bytes[i] === 0) {
      out.push(utf8.decode(bytes.subarray(from, i)));
      from = i + 1;
    }
  }
  if (from < end) out.push(utf8.decode(bytes.subarray(from, end)));
  return out;
}

/** The owner of a live connection became known (connect or accept). */
export interface OpenKernelEvent {
  kind: 'open';
  direction: Direction;
  pid: number;
  comm: string;
  socketCookie: number;
  /** The connection's ends (null when the kernel reported no IPv4/IPv6 family). */
  tuple: { localAddr: string; localPort: number; remoteAddr: string; remotePort: number } | null;
}

export type FlowKernelEvent = FlowCloseKernelEvent | ListenKernelEvent | ExecKernelEvent | OpenKernelEvent;


const DIRECTIONS: Record<number, Direction> = {
  [FlowDirection.INBOUND]: 'inbound',
  [FlowDirection.OUTBOUND]: 'outbound',
};
const STATUSES: Record<number, FlowStatusName> = {
  [FlowStatus.CLOSED]: 'closed',
  [FlowStatus.RESET]: 'reset',
  [FlowStatus.FAILED]: 'failed',
};

// Close and open events come once per connection end: read straight from the batch, names and
// addresses through caches (see cached-text.ts).
const addresses = new AddressTexts();
const comms = new CommTexts();

/** Decodes one record. Returns a problem name for records that are too short or unknown. */
export function decodeFlowRecord(view: DataView, at: number, length: number): FlowKernelEvent | DecodeProblem {
  if (length < 1) return 'truncated';
  switch (view.getUint8(at)) {
    case FlowEventType.CLOSE: {
      if (length < FLOW_CLOSE_EVENT_SIZE) return 'truncated';
      const fam = ipVersion(view.getUint8(at + C.family));
      if (fam === null) return 'bad-family';
      const flags = view.getUint8(at + C.flags);
      return {
        kind: 'flow-close',
        family: fam,
        direction: DIRECTIONS[view.getUint8(at + C.direction)] ?? 'unknown',
        status: STATUSES[view.getUint8(at + C.status)] ?? 'closed',
        partial: (flags & FlowFlags.PARTIAL) !== 0,
        accepted: (flags & FlowFlags.ACCEPTED) !== 0,
        resetReceived: (flags & FlowFlags.RST_RECEIVED) !== 0,
        resetSent: (flags & FlowFlags.RST_SENT) !== 0,
        pid: view.getUint32(at + C.pid, true),
        tid: view.getUint32(at + C.tid, true),
        comm: comms.read(view, at + C.comm),
        localAddr: addresses.format(view, at + C.localAddr, fam),
        localPort: view.getUint16(at + C.localPort, true),
        remoteAddr: addresses.format(view, at + C.remoteAddr, fam),
        remotePort: view.getUint16(at + C.remotePort, true),
        startNs: readU64(view, at + C.startNs),
        endNs: readU64(view, at + C.endNs),
        bytesSent: readU64(view, at + C.bytesSent),
        bytesReceived: readU64(view, at + C.bytesReceived),
        segmentsSent: view.getUint32(at + C.segsOut, true),
        segmentsReceived: view.getUint32(at + C.segsIn, true),
        retransmits: Math.max(view.getUint32(at + C.totalRetrans, true), view.getUint32(at + C.retransmitEvents, true)),
        srttUs: view.getUint32(at + C.srttUs, true),
        socketCookie: readU64(view, at + C.socketCookie),
      };
    }
    case FlowEventType.LISTEN: {
      if (length < FLOW_LISTEN_EVENT_SIZE) return 'truncated';
      const e = readFlowListenEvent(view, at);
      const fam = ipVersion(e.family);
      if (fam === null) return 'bad-family';
      return { kind: 'listen', family: fam, pid: e.pid, comm: e.comm, localAddr: formatAddress(e.family, e.localAddr), localPort: e.localPort };
    }
    case FlowEventType.EXEC: {
      if (length < FLOW_EXEC_EVENT_SIZE) return 'truncated';
      const e = readFlowExecEvent(view, at);
      return { kind: 'exec', pid: e.pid, ppid: e.ppid, comm: e.comm, filename: e.filename, args: splitArgs(e.args, e.argsLen) };
    }
    case FlowEventType.OPEN: {
      if (length < FLOW_OPEN_EVENT_SIZE) return 'truncated';
      const fam = ipVersion(view.getUint8(at + O.family));
      return {
        kind: 'open',
        direction: DIRECTIONS[view.getUint8(at + O.direction)] ?? 'unknown',
        pid: view.getUint32(at + O.pid, true),
        comm: comms.read(view, at + O.comm),
        socketCookie: readU64(view, at + O.cookie),
        tuple: fam === null ? null : {
          localAddr: addresses.format(view, at + O.localAddr, fam),
          localPort: view.getUint16(at + O.localPort, true),
          remoteAddr: addresses.format(view, at + O.remoteAddr, fam),
          remotePort: view.getUint16(at + O.remotePort, true),
        },
      };
    }
    default:
      return 'unknown-type';
  }
}

/** Decodes a ring-buffer batch; bad records are counted by problem, never thrown. */
export function decodeFlowBatch(batch: RawBatch, emit: (event: FlowKernelEvent) => void, problem: (p: DecodeProblem) => void): void {
  decodeBatch(batch, decodeFlowRecord, emit, problem);
}
