// HTTP/2 (RFC 9113) as exchanges: one per stream, reported when the response ends (END_STREAM)
// or the stream is reset, in completion order. gRPC streams (content-type application/grpc...)
// are reported as `grpc`.
//
// Each direction has its frame reader and HPACK decoder. Header blocks are always decoded, even
// for streams we do not report, because each one may change the decoder's table. A capture that
// starts mid-connection (no preface) or loses frames keeps going: HPACK reports fields it cannot
// know as unknown (see hpack/decoder.ts), streams first seen mid-way are reported `truncated`.
//
// Memory: at most `maxPending` open streams (default 256; past it the oldest is reported
// `no-response`), one pending header block per direction (≤ maxHeaderBlockBytes, default 64 KiB),
// the frame readers' buffers (frame-reader.ts), HPACK tables (≤ 64 KiB each), and the ids of the
// last 512 finished streams.

import type { ExchangeProblem, ProtocolExchange, ProtocolParser, ProtocolParserOptions } from '../exchange.js';
import { HpackDecoder } from '../hpack/decoder.js';
import { DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_SIZE, Flag, FrameType, Setting } from './constants.js';
import type { FrameHeader } from './frame-header.js';
import { FrameReader, Plausibility, type FrameSink } from './frame-reader.js';
import { Http2Stream } from './stream.js';
import { toExchange } from './to-exchange.js';

export interface Http2UpgradedRequest {
  /** The HTTP/1.1 request that carried `Upgrade: h2c`; it becomes stream 1 (RFC 7540 §3.2). */
  method: string;
  path: string;
  scheme?: string;
  authority?: string;
  userAgent?: string;
  contentType?: string;
}

export interface Http2ParserOptions extends ProtocolParserOptions {
  /**
   * Start right after an HTTP/1.1 `101 Switching Protocols` to h2c: the client then sends the
   * preface, the server its SETTINGS and the response to this request on stream 1. The request's
   * own bytes were HTTP/1.1 and are not counted here (requestBytes 0).
   */
  afterUpgrade?: Http2UpgradedRequest;
  /** Largest header block (HEADERS + CONTINUATION) decoded; larger ones are lost (default 64 KiB). */
  maxHeaderBlockBytes?: number;
}

type Side = 'client' | 'server';

/** Header fields whose values are never kept, not even in the HPACK table. */
const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

const DEFAULT_MAX_PENDING = 256;
const DEFAULT_MAX_HEADER_BLOCK = 64 * 1024;
const RECENTLY_CLOSED = 512;

interface HeaderBlock {
  streamId: number;
  /** PUSH_PROMISE: the request of the promised stream. */
  promisedId: number | null;
  endStream: boolean;
  parts: Uint8Array[];
  size: number;
  /** A fragment was lost or the block outgrew the cap: it cannot be decoded. */
  lost: boolean;
  startNs: number;
}

interface Direction {
  readonly side: Side;
  readonly reader: FrameReader;
  readonly decoder: HpackDecoder;
  /** A header block waiting for its CONTINUATION frames. */
  block: HeaderBlock | null;
  /** The peer's SETTINGS_MAX_FRAME_SIZE: the most this side may send in one frame. */
  maxFrameSize: number;
  ignoredBytes: number;
  framesSeen: number;
}

export class Http2Parser implements ProtocolParser {
  private readonly fromClient: Direction;
  private readonly fromServer: Direction;
  private readonly streams = new Map<number, Http2Stream>();
  private readonly closedIds = new Set<number>();
  private readonly closedOrder: number[] = [];
  private readonly maxPending: number;
  private readonly maxBlock: number;
  private upgrade: Http2UpgradedRequest | null;
  private highestClientStream = 0;
  private highestServerStream = 0;
  private completedCount = 0;
  /** Streams may exist that we never saw open (capture began mid-connection, or lost frames). */
  private uncertain = false;
  private midStream: boolean | null = null;
  private out: ProtocolExchange[] = [];
  private isClosed = false;

  constructor(options: Http2ParserOptions = {}) {
    const max = options.maxPending;
    this.maxPending = typeof max === 'number' && Number.isFinite(max) && max >= 1 ? Math.floor(max) : DEFAULT_MAX_PENDING;
    const maxBlock = options.maxHeaderBlockBytes;
    this.maxBlock = typeof maxBlock === 'number' && maxBlock > 0 ? maxBlock : DEFAULT_MAX_HEADER_BLOCK;
    this.upgrade = options.afterUpgrade ?? null;
    const known = this.upgrade !== null;
    this.fromClient = this.direction('client', known);
    this.fromServer = this.direction('server', known);
    if (known) this.highestClientStream = 1;
  }

  client(bytes: Uint8Array, nowNs: number): ProtocolExchange[] {
    if (this.isClosed) this.fromClient.ignoredBytes += bytes.length;
    else {
      this.startUpgrade(nowNs);
      this.fromClient.reader.push(bytes, nowNs);
    }
    return this.take();
  }

  server(bytes: Uint8Array, nowNs: number): ProtocolExchange[] {
    if (this.isClosed) this.fromServer.ignoredBytes += bytes.length;
    else {
      this.startUpgrade(nowNs);
      this.fromServer.reader.push(bytes, nowNs);
    }
    return this.take();
  }

  clientGap(n: number, nowNs: number): ProtocolExchange[] {
    if (!(n > 0)) return [];
    if (this.isClosed) this.fromClient.ignoredBytes += n;
    else this.fromClient.reader.gap(n, nowNs);
    return this.take();
  }

  serverGap(n: number, nowNs: number): ProtocolExchange[] {
    if (!(n > 0)) return [];
    if (this.isClosed) this.fromServer.ignoredBytes += n;
    else this.fromServer.reader.gap(n, nowNs);
    return this.take();
  }

  close(nowNs: number): ProtocolExchange[] {
    if (this.isClosed) return [];
    this.startUpgrade(nowNs);
    for (const s of [...this.streams.values()]) this.complete(s, s.finalResponseSeen ? 'connection-closed' : 'no-response');
    for (const d of [this.fromClient, this.fromServer]) {
      d.ignoredBytes += d.reader.unfinishedBytes;
      d.block = null;
    }
    this.isClosed = true;
    return this.take();
  }

  /** Bytes held: partial frames, kept payloads, resync windows, pending header blocks. */
  get bufferedBytes(): number {
    return this.fromClient.reader.bufferedBytes + this.fromServer.reader.bufferedBytes
      + (this.fromClient.block?.size ?? 0) + (this.fromServer.block?.size ?? 0);
  }

  /** Streams open (waiting to be reported). */
  get pendingStreams(): number {
    return this.streams.size;
  }

  /** Bytes not part of any reported exchange: preface, connection frames, skipped or late bytes. */
  get ignoredClientBytes(): number {
    return this.fromClient.ignoredBytes;
  }

  get ignoredServerBytes(): number {
    return this.fromServer.ignoredBytes;
  }

  /**
   * true: the capture began mid-connection (no client preface, or the server's first frame was not
   * its SETTINGS); false: the connection's start was seen; null: not known yet.
   */
  get startedMidStream(): boolean | null {
    return this.midStream;
  }

  /** A direction was given up (no frame boundary found again after lost bytes). */
  get unparsable(): boolean {
    return this.fromClient.reader.unparsable || this.fromServer.reader.unparsable;
  }

  private direction(side: Side, known: boolean): Direction {
    const sink: FrameSink = {
      prefaceSeen: () => this.prefaceSeen(),
      frameStart: (h) => this.frameStart(d, h),
      dataContent: (h, chunk, n) => this.dataContent(d, h, chunk, n),
      frameEnd: (h, payload, damaged, nowNs) => this.frameEnd(d, h, payload, damaged, nowNs),
      stray: (n) => { d.ignoredBytes += n; },
      syncLost: () => this.syncLost(d),
      plausible: (h) => this.plausible(d, h),
      maxFrameSize: () => d.maxFrameSize,
    };
    const d: Direction = {
      side,
      reader: new FrameReader(sink, { start: side === 'client' ? 'preface' : known ? 'frames' : 'unknown' }),
      decoder: new HpackDecoder({ tableKnown: known, redactValuesOf: CREDENTIAL_HEADERS }),
      block: null,
      maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
      ignoredBytes: 0,
      framesSeen: 0,
    };
    return d;
  }

  private take(): ProtocolExchange[] {
    if (this.out.length === 0) return [];
    const out = this.out;
    this.out = [];
    return out;
  }

  /** After h2c, stream 1 exists from the first byte on: its request was the HTTP/1.1 one. */
  private startUpgrade(nowNs: number): void {
    const u = this.upgrade;
    if (u === null) return;
    this.upgrade = null;
    const s = this.open(1, nowNs);
    s.method = u.method;
    s.path = u.path;
    s.scheme = u.scheme ?? 'http';
    s.authority = u.authority ?? null;
    s.userAgent = u.userAgent ?? null;
    s.requestContentType = u.contentType ?? null;
    s.requestHeadSeen = true;
    s.requestEnded = true;
  }

  private prefaceSeen(): void {
    this.midStream ??= false;
    this.fromClient.decoder.reset();
  }

  private syncLost(d: Direction): void {
    if (d.side === 'client' && this.midStream === null) this.midStream = true;
    this.uncertain = true;
    d.decoder.forget();
    this.dropBlock(d);
    for (const s of this.streams.values()) s.partial = true;
  }

  private plausible(d: Direction, h: FrameHeader): Plausibility {
    if (h.type === FrameType.CONTINUATION) return Plausibility.No;
    if (h.streamId !== 0 && this.streams.has(h.streamId)) return Plausibility.Yes;
    if (h.streamId === 0) return Plausibility.IfConfirmed;
    if (h.type === FrameType.HEADERS) return d.side === 'server' || h.streamId % 2 === 1 ? Plausibility.IfConfirmed : Plausibility.No;
    if (h.type === FrameType.PUSH_PROMISE) return d.side === 'server' && h.streamId % 2 === 1 ? Plausibility.IfConfirmed : Plausibility.No;
    // A frame of a stream we do not track: believable only while we know of no stream at all.
    return this.streams.size === 0 && this.completedCount === 0 ? Plausibility.IfConfirmed : Plausibility.No;
  }

  private frameStart(d: Direction, h: FrameHeader): void {
    if (d.block !== null && (h.type !== FrameType.CONTINUATION || h.streamId !== d.block.streamId)) {
      // Nothing may interleave a header block (RFC 9113 §6.10): the block is lost.
      this.dropBlock(d);
    }
    if (d.framesSeen++ === 0 && d.side === 'server' && !this.fromServer.decoder.tableKnown) {
      // A new connection's server starts with SETTINGS (RFC 9113 §3.4): seeing that first, with
      // nothing skipped before it, means its HPACK table starts empty.
      const fresh = d.reader.skippedBytes === 0 && h.type === FrameType.SETTINGS && (h.flags & Flag.ACK) === 0;
      if (fresh) d.decoder.reset();
      else this.uncertain = true;
      this.midStream ??= !fresh;
    }
    if (h.type === FrameType.HEADERS || h.type === FrameType.DATA) this.streamFor(d, h);
  }

  private streamFor(d: Direction, h: FrameHeader): Http2Stream | null {
    const id = h.streamId;
    const existing = this.streams.get(id);
    if (existing !== undefined) return existing;
    if (id === 0 || this.closedIds.has(id)) return null;
    const odd = id % 2 === 1;
    if (h.type === FrameType.HEADERS && d.side === 'client') {
      if (!odd || (id <= this.highestClientStream && !this.uncertain)) return null;
      this.highestClientStream = Math.max(this.highestClientStream, id);
      return this.open(id, h.startNs);
    }
    // A response or body whose stream opening we never saw.
    if (!this.uncertain) return null;
    const s = this.open(id, h.startNs);
    s.partial = true;
    return s;
  }

  private open(id: number, startNs: number): Http2Stream {
    while (this.streams.size >= this.maxPending) {
      const oldest = this.streams.values().next().value as Http2Stream;
      this.complete(oldest, 'no-response');
    }
    const s = new Http2Stream(id, startNs);
    this.streams.set(id, s);
    return s;
  }

  private dataContent(d: Direction, h: FrameHeader, chunk: Uint8Array | null, n: number): void {
    const s = this.streams.get(h.streamId);
    if (s === undefined) return;
    const counter = d.side === 'client' ? s.requestMessages : s.responseMessages;
    if (d.side === 'client') s.requestBodyBytes += n;
    else s.responseBodyBytes += n;
    if (chunk === null) counter.skip(n);
    else counter.feed(chunk);
  }

  private frameEnd(d: Direction, h: FrameHeader, payload: Uint8Array | null, damaged: boolean, nowNs: number): void {
    const s = h.streamId === 0 ? undefined : this.streams.get(h.streamId);
    const size = FRAME_HEADER_SIZE + h.length;
    if (s === undefined) d.ignoredBytes += size;
    else {
      if (d.side === 'client') s.requestBytes += size;
      else s.responseBytes += size;
      if (nowNs > s.endNs) s.endNs = nowNs;
      if (damaged) s.truncated = true;
    }
    switch (h.type) {
      case FrameType.DATA:
        if (s !== undefined && (h.flags & Flag.END_STREAM) !== 0) this.endStream(d, s);
        break;
      case FrameType.HEADERS:
        this.headers(d, h, payload);
        break;
      case FrameType.CONTINUATION:
        this.continuation(d, h, payload);
        break;
      case FrameType.PUSH_PROMISE:
        if (d.side === 'server') this.pushPromise(d, h, payload);
        break;
      case FrameType.RST_STREAM:
        if (s !== undefined) {
          s.resetCode = payload !== null && payload.length >= 4 ? readUint32(payload, 0) : -1;
          this.complete(s, null);
        }
        break;
      case FrameType.SETTINGS:
        if (payload !== null && (h.flags & Flag.ACK) === 0) this.settings(d, payload);
        break;
      case FrameType.GOAWAY:
        if (payload !== null && payload.length >= 8) this.goaway(d, readUint32(payload, 0) & 0x7fffffff);
        break;
      default:
    }
  }

  private headers(d: Direction, h: FrameHeader, payload: Uint8Array | null): void {
    const fragment = payload === null ? null : headerFragment(payload, h.flags, h.flags & Flag.PRIORITY ? 5 : 0);
    this.beginBlock(d, h, fragment, null);
  }

  private pushPromise(d: Direction, h: FrameHeader, payload: Uint8Array | null): void {
    const pad = payload !== null && (h.flags & Flag.PADDED) !== 0 ? 1 : 0;
    const promised = payload !== null && payload.length >= pad + 4 ? readUint32(payload, pad) & 0x7fffffff : null;
    const fragment = payload === null ? null : headerFragment(payload, h.flags, 4);
    this.beginBlock(d, h, fragment, promised ?? 0);
  }

  private beginBlock(d: Direction, h: FrameHeader, fragment: Uint8Array | null, promisedId: number | null): void {
    const block: HeaderBlock = {
      streamId: h.streamId,
      promisedId,
      endStream: promisedId === null && (h.flags & Flag.END_STREAM) !== 0,
      parts: [],
      size: 0,
      lost: fragment === null || fragment.length > this.maxBlock,
      startNs: h.startNs,
    };
    if ((h.flags & Flag.END_HEADERS) !== 0) {
      this.finishBlock(d, block, block.lost ? null : fragment);
      return;
    }
    // The frame's payload is only valid during this call: keep a copy until the block is whole.
    if (!block.lost) {
      block.parts.push(fragment!.slice());
      block.size = fragment!.length;
    }
    d.block = block;
  }

  private continuation(d: Direction, h: FrameHeader, payload: Uint8Array | null): void {
    const block = d.block;
    if (block === null || block.streamId !== h.streamId) {
      // The HEADERS it continues was lost: so is the block, and the table changes it held.
      d.decoder.forget();
      const s = this.streams.get(h.streamId);
      if (s !== undefined) s.truncated = true;
      return;
    }
    if (payload === null || block.size + payload.length > this.maxBlock) {
      block.lost = true;
      block.parts = [];
      block.size = 0;
    } else if (!block.lost) {
      block.parts.push(payload.slice());
      block.size += payload.length;
    }
    if ((h.flags & Flag.END_HEADERS) === 0) return;
    d.block = null;
    this.finishBlock(d, block, block.lost ? null : joinParts(block.parts, block.size));
  }

  private finishBlock(d: Direction, block: HeaderBlock, bytes: Uint8Array | null): void {
    const owner = this.streams.get(block.streamId);
    if (bytes === null) {
      d.decoder.forget();
      if (owner !== undefined) owner.truncated = true;
    } else {
      const decoded = d.decoder.decode(bytes);
      if (block.promisedId !== null) {
        this.promised(block, decoded.fields, decoded.problem !== null);
        return;
      }
      if (owner !== undefined) {
        if (decoded.problem !== null) owner.malformed = true;
        if (d.side === 'client') owner.applyRequestFields(decoded.fields);
        else owner.applyResponseFields(decoded.fields);
      }
    }
    if (owner !== undefined && block.endStream) this.endStream(d, owner);
  }

  /** A server push: the promised stream's request comes from the PUSH_PROMISE. */
  private promised(block: HeaderBlock, fields: Parameters<Http2Stream['applyRequestFields']>[0], malformed: boolean): void {
    const id = block.promisedId!;
    if (id === 0 || id % 2 === 1 || this.streams.has(id) || this.closedIds.has(id)) return;
    if (id <= this.highestServerStream && !this.uncertain) return;
    this.highestServerStream = Math.max(this.highestServerStream, id);
    const s = this.open(id, block.startNs);
    s.applyRequestFields(fields);
    s.malformed = malformed;
    s.requestEnded = true;
  }

  private endStream(d: Direction, s: Http2Stream): void {
    if (d.side === 'client') {
      s.requestEnded = true;
      return;
    }
    s.responseEnded = true;
    this.complete(s, null);
  }

  private settings(d: Direction, payload: Uint8Array): void {
    // Settings bound what the *other* side sends: its HPACK encoder, its frame sizes.
    const peer = d === this.fromClient ? this.fromServer : this.fromClient;
    for (let i = 0; i + 6 <= payload.length; i += 6) {
      const id = (payload[i]! << 8) | payload[i + 1]!;
      const value = readUint32(payload, i + 2);
      if (id === Setting.HEADER_TABLE_SIZE) peer.decoder.setSettingsLimit(value);
      else if (id === Setting.MAX_FRAME_SIZE && value >= DEFAULT_MAX_FRAME_SIZE && value <= 0xffffff) peer.maxFrameSize = value;
    }
  }

  /** Streams the GOAWAY's receiver opened above `lastStreamId` were never processed (RFC 9113 §6.8). */
  private goaway(d: Direction, lastStreamId: number): void {
    const refusedParity = d.side === 'server' ? 1 : 0;
    for (const s of [...this.streams.values()]) {
      if (s.id > lastStreamId && s.id % 2 === refusedParity) {
        s.refused = true;
        this.complete(s, 'no-response');
      }
    }
  }

  private dropBlock(d: Direction): void {
    const block = d.block;
    if (block === null) return;
    d.block = null;
    d.decoder.forget();
    const s = this.streams.get(block.streamId);
    if (s !== undefined) s.truncated = true;
  }

  private complete(s: Http2Stream, problem: ExchangeProblem | null): void {
    if (!this.streams.delete(s.id)) return;
    this.closedIds.add(s.id);
    this.closedOrder.push(s.id);
    if (this.closedOrder.length > RECENTLY_CLOSED) this.closedIds.delete(this.closedOrder.shift()!);
    this.completedCount++;
    this.out.push(toExchange(s, problem));
  }
}

/** The header block fragment of a HEADERS / PUSH_PROMISE payload: padding and fixed fields removed. */
function headerFragment(payload: Uint8Array, flags: number, fixed: number): Uint8Array | null {
  let start = 0;
  let end = payload.length;
  if ((flags & Flag.PADDED) !== 0) {
    if (payload.length < 1) return null;
    start = 1;
    end -= payload[0]!;
  }
  start += fixed;
  return start <= end ? payload.subarray(start, end) : null;
}

function joinParts(parts: readonly Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function readUint32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
