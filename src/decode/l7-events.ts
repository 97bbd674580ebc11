import type { RawBatch } from '../kernel/ring-buffer.js';
import { L7_SEGMENT_EVENT_SIZE, L7_SHED_EVENT_SIZE, L7Direction, L7EventType, L7Flags, L7SegmentEventOffsets as O } from './generated/l7.js';
import { AF_INET, AF_INET6 } from './ip-address.js';
import { decodeBatch, type DecodeProblem } from './batch.js';

/**
 * One captured TCP segment of an L7 connection. Address bytes and payload are views into the
 * ring-buffer batch (no copies); format addresses only when a connection is first seen.
 */
export interface L7Segment {
  kind: 'segment';
  egress: boolean;
  messageStart: boolean;
  protocol: number;
  family: 4 | 6;
  localPort: number;
  remotePort: number;
  seq: number;
  payloadLength: number;
  socketCookie: number;
  tsNs: number;
  localAddrBytes: Uint8Array;
  remoteAddrBytes: Uint8Array;
  payload: Uint8Array;
}

/** The kernel stopped capturing a connection for a while (over budget): forget its parser state. */
export interface L7Shed {
  kind: 'shed';
  socketCookie: number;
}

export type L7Event = L7Segment | L7Shed;

/** Decodes one record; reads only the fields it needs, straight from the batch. */
export function decodeL7Record(view: DataView, at: number, length: number): L7Event | DecodeProblem {
  if (length < 1) return 'truncated';
  const type = view.getUint8(at);
  if (type === L7EventType.SHED) {
    if (length < L7_SHED_EVENT_SIZE) return 'truncated';
    return { kind: 'shed', socketCookie: view.getUint32(at + 8, true) + view.getUint32(at + 12, true) * 4294967296 };
  }
  if (type !== L7EventType.SEGMENT) return 'unknown-type';
  if (length < L7_SEGMENT_EVENT_SIZE) return 'truncated';
  const rawFamily = view.getUint8(at + O.family);
  const family = rawFamily === AF_INET ? 4 : rawFamily === AF_INET6 ? 6 : null;
  if (family === null) return 'bad-family';
  const captured = view.getUint32(at + O.captured, true);
  if (L7_SEGMENT_EVENT_SIZE + captured > length) return 'truncated';
  const base = view.byteOffset + at;
  const flags = view.getUint8(at + O.flags);
  return {
    kind: 'segment',
    egress: view.getUint8(at + O.direction) === L7Direction.EGRESS,
    messageStart: (flags & L7Flags.MESSAGE_START) !== 0,
    protocol: view.getUint8(at + O.protocol),
    family,
    localPort: view.getUint16(at + O.localPort, true),
    remotePort: view.getUint16(at + O.remotePort, true),
    seq: view.getUint32(at + O.seq, true),
    payloadLength: view.getUint32(at + O.payloadLen, true),
    socketCookie: view.getUint32(at + O.cookie, true) + view.getUint32(at + O.cookie + 4, true) * 4294967296,
    tsNs: view.getUint32(at + O.tsNs, true) + view.getUint32(at + O.tsNs + 4, true) * 4294967296,
    localAddrBytes: new Uint8Array(view.buffer, base + O.localAddr, 16),
    remoteAddrBytes: new Uint8Array(view.buffer, base + O.remoteAddr, 16),
    payload: new Uint8Array(view.buffer, base + L7_SEGMENT_EVENT_SIZE, captured),
  };
}

export function decodeL7Batch(batch: RawBatch, emit: (event: L7Event) => void, problem: (p: DecodeProblem) => void): void {
  decodeBatch(batch, decodeL7Record, emit, problem);
}
