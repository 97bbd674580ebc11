import type { RawBatch } from '../kernel/ring-buffer.js';
import {
  L7_SEGMENT_EVENT_SIZE, L7_SHED_EVENT_SIZE, L7_TLS_BIND_EVENT_SIZE, L7_TLS_DATA_EVENT_SIZE, L7_TLS_FREE_EVENT_SIZE,
  L7Direction, L7EventType, L7Flags, L7SegmentEventOffsets as O, L7TlsBindEventOffsets as B, L7TlsDataEventOffsets as D,
  L7TlsFreeEventOffsets as F,
} from './generated/l7.js';
import { ipVersion } from './ip-address.js';
import { decodeBatch, readU64, type DecodeProblem } from './batch.js';

/**
 * One captured TCP segment (or UDP datagram) of an L7 connection. Address bytes and payload are views into the
 * ring-buffer batch (no copies); format addresses only when a connection is first seen.
 */
export interface L7Segment {
  kind: 'segment';
  egress: boolean;
  messageStart: boolean;
  /** One whole UDP datagram (DNS over UDP): no stream, `seq` is 0. */
  datagram: boolean;
  protocol: number;
  family: 4 | 6;
  localPort: number;
  remotePort: number;
  seq: number;
  payloadLength: number;
  /** The sending process for egress payload, 0 for ingress (see sonde_l7_segment_event.pid). */
  senderPid: number;
  socketCookie: number;
  tsNs: number;
  localAddrBytes: Uint8Array;
  remoteAddrBytes: Uint8Array;
  payload: Uint8Array;
  /** TLS plaintext from the TLS library (uprobes): `seq` is the plaintext offset, not TCP's. */
  tls: boolean;
  /**
   * A server socket that captures for its local client as well (l7.mirror_local_peers): the
   * client socket's cookie and its writer when the two were linked; absent or 0 otherwise.
   */
  peerCookie?: number;
  peerPid?: number;
}

/**
 * Plaintext of one TLS call (or a slice of it). `socketCookie` is 0 while the kernel has not yet
 * seen which socket the TLS object talks over (then the address fields are empty too).
 */
export interface L7TlsData extends Omit<L7Segment, 'kind'> {
  kind: 'tls-data';
  /** The process that called the TLS library (both directions). */
  pid: number;
  /** The library's object (SSL *, gnutls session) in that process. */
  tlsId: number;
}

/** A TLS object is tied to the TCP socket carrying its records. */
export interface L7TlsBind {
  kind: 'tls-bind';
  pid: number;
  tlsId: number;
  socketCookie: number;
  family: 4 | 6;
  localPort: number;
  remotePort: number;
  localAddrBytes: Uint8Array;
  remoteAddrBytes: Uint8Array;
}

/** A TLS object was freed (its address may serve another connection next). */
export interface L7TlsFree {
  kind: 'tls-free';
  pid: number;
  tlsId: number;
}

/** The kernel stopped capturing a connection for a while (over budget): forget its parser state. */
export interface L7Shed {
  kind: 'shed';
  socketCookie: number;
}

export type L7Event = L7Segment | L7Shed | L7TlsData | L7TlsBind | L7TlsFree;


/**
 * A segment as decoded from the batch. The address views are made on first use: the stream
 * layer reads them once per connection, and two typed-array views per segment were an eighth of
 * everything the agent allocated under load.
 */
class DecodedSegment implements L7Segment {
  readonly kind = 'segment';
  constructor(
    readonly egress: boolean,
    readonly messageStart: boolean,
    readonly datagram: boolean,
    readonly protocol: number,
    readonly family: 4 | 6,
    readonly localPort: number,
    readonly remotePort: number,
    readonly seq: number,
    readonly payloadLength: number,
    readonly senderPid: number,
    readonly socketCookie: number,
    readonly tsNs: number,
    readonly peerPid: number,
    readonly peerCookie: number,
    readonly payload: Uint8Array,
    /** Where the event starts in `payload.buffer`. */
    private readonly base: number,
  ) {}

  readonly tls = false;

  get localAddrBytes(): Uint8Array {
    return new Uint8Array(this.payload.buffer, this.base + O.localAddr, 16);
  }

  get remoteAddrBytes(): Uint8Array {
    return new Uint8Array(this.payload.buffer, this.base + O.remoteAddr, 16);
  }
}

/** Decodes one record; reads only the fields it needs, straight from the batch. */
export function decodeL7Record(view: DataView, at: number, length: number): L7Event | DecodeProblem {
  if (length < 1) return 'truncated';
  const type = view.getUint8(at);
  if (type === L7EventType.SHED) {
    if (length < L7_SHED_EVENT_SIZE) return 'truncated';
    return { kind: 'shed', socketCookie: readU64(view, at + 8) };
  }
  if (type === L7EventType.TLS_DATA) return decodeTlsData(view, at, length);
  if (type === L7EventType.TLS_BIND) return decodeTlsBind(view, at, length);
  if (type === L7EventType.TLS_FREE) {
    if (length < L7_TLS_FREE_EVENT_SIZE) return 'truncated';
    return { kind: 'tls-free', pid: view.getUint32(at + F.pid, true), tlsId: readU64(view, at + F.tlsId) };
  }
  if (type !== L7EventType.SEGMENT) return 'unknown-type';
  if (length < L7_SEGMENT_EVENT_SIZE) return 'truncated';
  const rawFamily = view.getUint8(at + O.family);
  const family = ipVersion(rawFamily);
  if (family === null) return 'bad-family';
  const captured = view.getUint32(at + O.captured, true);
  if (L7_SEGMENT_EVENT_SIZE + captured > length) return 'truncated';
  const base = view.byteOffset + at;
  const flags = view.getUint8(at + O.flags);
  return new DecodedSegment(
    view.getUint8(at + O.direction) === L7Direction.EGRESS,
    (flags & L7Flags.MESSAGE_START) !== 0,
    (flags & L7Flags.DATAGRAM) !== 0,
    view.getUint8(at + O.protocol),
    family,
    view.getUint16(at + O.localPort, true),
    view.getUint16(at + O.remotePort, true),
    view.getUint32(at + O.seq, true),
    view.getUint32(at + O.payloadLen, true),
    view.getUint32(at + O.pid, true),
    readU64(view, at + O.cookie),
    readU64(view, at + O.tsNs),
    view.getUint32(at + O.peerPid, true),
    readU64(view, at + O.peerCookie),
    new Uint8Array(view.buffer, base + L7_SEGMENT_EVENT_SIZE, captured),
    base,
  );
}

function decodeTlsData(view: DataView, at: number, length: number): L7TlsData | DecodeProblem {
  if (length < L7_TLS_DATA_EVENT_SIZE) return 'truncated';
  const cookie = readU64(view, at + D.cookie);
  // Not tied to a socket yet: no family. The bind event brings one.
  const family = cookie === 0 ? 4 : ipVersion(view.getUint8(at + D.family));
  if (family === null) return 'bad-family';
  const captured = view.getUint32(at + D.captured, true);
  if (L7_TLS_DATA_EVENT_SIZE + captured > length) return 'truncated';
  const base = view.byteOffset + at;
  const pid = view.getUint32(at + D.pid, true);
  return {
    kind: 'tls-data',
    egress: view.getUint8(at + D.direction) === L7Direction.EGRESS,
    messageStart: (view.getUint8(at + D.flags) & L7Flags.MESSAGE_START) !== 0,
    datagram: false,
    protocol: view.getUint8(at + D.protocol),
    family,
    localPort: view.getUint16(at + D.localPort, true),
    remotePort: view.getUint16(at + D.remotePort, true),
    seq: view.getUint32(at + D.seq, true),
    payloadLength: view.getUint32(at + D.payloadLen, true),
    senderPid: pid,
    socketCookie: cookie,
    tsNs: readU64(view, at + D.tsNs),
    localAddrBytes: new Uint8Array(view.buffer, base + D.localAddr, 16),
    remoteAddrBytes: new Uint8Array(view.buffer, base + D.remoteAddr, 16),
    payload: new Uint8Array(view.buffer, base + L7_TLS_DATA_EVENT_SIZE, captured),
    tls: true,
    pid,
    tlsId: readU64(view, at + D.tlsId),
  };
}

function decodeTlsBind(view: DataView, at: number, length: number): L7TlsBind | DecodeProblem {
  if (length < L7_TLS_BIND_EVENT_SIZE) return 'truncated';
  const family = ipVersion(view.getUint8(at + B.family));
  if (family === null) return 'bad-family';
  const base = view.byteOffset + at;
  return {
    kind: 'tls-bind',
    pid: view.getUint32(at + B.pid, true),
    tlsId: readU64(view, at + B.tlsId),
    socketCookie: readU64(view, at + B.cookie),
    family,
    localPort: view.getUint16(at + B.localPort, true),
    remotePort: view.getUint16(at + B.remotePort, true),
    localAddrBytes: new Uint8Array(view.buffer, base + B.localAddr, 16),
    remoteAddrBytes: new Uint8Array(view.buffer, base + B.remoteAddr, 16),
  };
}

export function decodeL7Batch(batch: RawBatch, emit: (event: L7Event) => void, problem: (p: DecodeProblem) => void, from = 0, to = batch.count): void {
  decodeBatch(batch, decodeL7Record, emit, problem, from, to);
}
