// Incremental HTTP/1.x parser for one direction of one connection.
//
// Input is what socket-level capture delivers: ordered chunks that may be split anywhere, may
// hold several pipelined messages, and may have holes ("gaps": bytes known to exist, by count
// only). Output is one record per message, byte-exact. The parser never throws on input and never
// buffers bodies: only a head (start line + fields) is copied, and only when it spans chunks, into
// one buffer of at most `maxHeaderBytes`.
//
// Body framing follows RFC 9112 §6.3. When the framing cannot be known (lost head bytes, bad
// Content-Length, broken chunk framing, or bytes that are not HTTP at all) the current message is
// marked, keeps absorbing bytes, and the parser looks for the next line that is a plausible start
// line ("resync"). Start-line candidates are always confirmed by the same scanner that parses
// them, so a resync can never loop on a line it then rejects.

import {
  COLON, COMMA, CR, HEX, HT, HTTP1_PREFIX, LF, LOWER, SEMICOLON, SP, TCHAR,
  ascii, isTargetByte, knownMethodSuffix, latin1, methodString, startsWithHttp1,
} from './bytes.js';
import {
  HTTP1_REDACTED,
  type Http1BodyFraming,
  type Http1Headers,
  type Http1Message,
  type Http1MessageProblem,
  type Http1Request,
  type Http1Response,
} from './types.js';

export const HTTP1_DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
/** Below this a limit would reject ordinary heads; it also keeps the resync window useful. */
const MIN_HEADER_LIMIT = 256;
/** Methods are short; a longer token at a message start is not a request line. */
const MAX_METHOD_LENGTH = 24;
/** 13 hex digits = 2^52, still an exact JS number. */
const MAX_CHUNK_SIZE_DIGITS = 13;
/** First size of the head buffer: most heads that span segments are small. */
const INITIAL_BUFFER = 1024;
/** A grown buffer above this is dropped once its head is parsed, so idle connections stay small. */
const RETAINED_BUFFER = 4096;
const EMPTY = new Uint8Array(0);
/** Field-line ends remembered while looking for the end of a head (more are found again). */
const MAX_TRACKED_LINES = 64;
/** Pending request methods the standalone response parser remembers. */
const MAX_EXPECTED_METHODS = 1024;

export interface Http1ParserOptions {
  /** Largest head (start line + fields + empty line) parsed; bigger heads are `truncated`. */
  maxHeaderBytes?: number;
  /** Keep Authorization/Cookie/Set-Cookie only as "[REDACTED]" (default true). */
  redactSecrets?: boolean;
}

export interface Http1ResponseParserOptions extends Http1ParserOptions {
  /**
   * Method of the oldest request not yet answered by a final response, asked when a final
   * response head is complete: a response to HEAD has no body and a 2xx to CONNECT opens a
   * tunnel. Without it, methods given to `expectResponseTo` are used, then "GET".
   */
  requestMethod?: () => string | undefined;
}

/**
 * Receives messages. Every message is given to `onHead` once (its start line and fields are
 * known, or it is known to be unreadable) and later to `onMessage` once; counters and `endNs`
 * are final only at `onMessage`.
 */
export interface Http1MessageListener<M extends Http1Message> {
  onHead(message: M): void;
  onMessage(message: M): void;
}

// Parser states.
const IDLE = 0;
const HEAD = 1;
const BODY_LENGTH = 2;
const BODY_CLOSE = 3;
const SEEK = 4;
const PASSTHROUGH = 5;
const CHUNK_SIZE = 6;
const CHUNK_EXT = 7;
const CHUNK_SIZE_LF = 8;
const CHUNK_DATA = 9;
const CHUNK_DATA_CR = 10;
const CHUNK_DATA_LF = 11;
const TRAILER_START = 12;
const TRAILER_CR = 13;
const TRAILER_LINE = 14;

// Start-line scanner states.
const SL_METHOD = 0;
const SL_TARGET0 = 1;
const SL_TARGET = 2;
const SL_VERSION = 3;
const SL_STATUS = 4;
const SL_AFTER_STATUS = 5;
const SL_REASON = 6;
const SL_LF = 7;
const SL_DONE = 8;
const SL_BAD = 9;

// Chunked-body step outcomes.
const STEP_MORE = 0;
const STEP_DONE = 1;
const STEP_BAD = 2;
const STEP_TOO_LONG = 3;

// Selected header ids, in the order of the values array.
const H_HOST = 0;
const H_USER_AGENT = 1;
const H_CONTENT_TYPE = 2;
const H_CONTENT_LENGTH = 3;
const H_TRANSFER_ENCODING = 4;
const H_CONNECTION = 5;
const H_UPGRADE = 6;
const H_EXPECT = 7;
const H_AUTHORIZATION = 8;
const H_COOKIE = 9;
const H_SET_COOKIE = 10;
const HEADER_COUNT = 11;

const N_HOST = ascii('host');
const N_USER_AGENT = ascii('user-agent');
const N_CONTENT_TYPE = ascii('content-type');
const N_CONTENT_LENGTH = ascii('content-length');
const N_TRANSFER_ENCODING = ascii('transfer-encoding');
const N_CONNECTION = ascii('connection');
const N_UPGRADE = ascii('upgrade');
const N_EXPECT = ascii('expect');
const N_AUTHORIZATION = ascii('authorization');
const N_COOKIE = ascii('cookie');
const N_SET_COOKIE = ascii('set-cookie');
const CHUNKED = ascii('chunked');

const VERSIONS = ['1.0', '1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9'];

function nameIs(src: Uint8Array, s: number, name: Uint8Array): boolean {
  for (let k = 0; k < name.length; k++) if (LOWER[src[s + k]!] !== name[k]) return false;
  return true;
}

/** Selected-header id of the field name `src[s..e)`, or -1 for every other field. */
function headerId(src: Uint8Array, s: number, e: number): number {
  // Length and first letter rule out almost every other field before a full compare.
  const first = LOWER[src[s]!]!;
  switch (e - s) {
    case 4: return first === 0x68 && nameIs(src, s, N_HOST) ? H_HOST : -1;
    case 6:
      if (first === 0x63) return nameIs(src, s, N_COOKIE) ? H_COOKIE : -1;
      return first === 0x65 && nameIs(src, s, N_EXPECT) ? H_EXPECT : -1;
    case 7: return first === 0x75 && nameIs(src, s, N_UPGRADE) ? H_UPGRADE : -1;
    case 10:
      if (first === 0x75) return nameIs(src, s, N_USER_AGENT) ? H_USER_AGENT : -1;
      if (first === 0x63) return nameIs(src, s, N_CONNECTION) ? H_CONNECTION : -1;
      return first === 0x73 && nameIs(src, s, N_SET_COOKIE) ? H_SET_COOKIE : -1;
    case 12: return first === 0x63 && nameIs(src, s, N_CONTENT_TYPE) ? H_CONTENT_TYPE : -1;
    case 13: return first === 0x61 && nameIs(src, s, N_AUTHORIZATION) ? H_AUTHORIZATION : -1;
    case 14: return first === 0x63 && nameIs(src, s, N_CONTENT_LENGTH) ? H_CONTENT_LENGTH : -1;
    case 17: return first === 0x74 && nameIs(src, s, N_TRANSFER_ENCODING) ? H_TRANSFER_ENCODING : -1;
    default: return -1;
  }
}

function isSecret(id: number): boolean {
  return id === H_AUTHORIZATION || id === H_COOKIE || id === H_SET_COOKIE;
}

function isOws(b: number | undefined): boolean {
  return b === SP || b === HT;
}

export class Http1MessageParser<M extends Http1Message = Http1Message> {
  /** All bytes given to `push` plus all gap lengths. */
  totalBytes = 0;
  /** Bytes after a protocol switch (101, CONNECT tunnel, or non-HTTP after an Upgrade request). */
  passthroughBytes = 0;
  /** Bytes belonging to no message: blank lines left at the end of the stream. */
  discardedBytes = 0;
  /** Messages given to `onMessage`. */
  messages = 0;

  private readonly listener: Http1MessageListener<M>;
  private readonly isResponse: boolean;
  private readonly limit: number;
  private readonly redact: boolean;
  private readonly methodSource: (() => string | undefined) | null;
  private readonly expected: string[] = [];

  private state = IDLE;
  /** Head bytes (state HEAD) or the current line's tail (state SEEK); allocated on first use. */
  private buf: Uint8Array | null = null;
  private bufLen = 0;

  // The message being read.
  private msg: M | null = null;
  private mStartNs = 0;
  private mEndNs = 0;
  private mBytes = 0;
  private mBody = 0;
  private mGap = 0;
  /** Blank lines seen before the next start line; they are attributed to that message. */
  private preamble = 0;

  // Start-line scanner; offsets are relative to the message start so they survive buffering.
  private sl = SL_METHOD;
  private slOff = 0;
  private slK = 0;
  private slMethodEnd = 0;
  private slTargetStart = 0;
  private slTargetEnd = 0;
  private slMinor = -1;
  private slAcc = 0;
  private slStatus = 0;
  private slReasonStart = 0;
  private slReasonEnd = 0;
  private slLen = 0;

  // Head-end scanner: where the last call stopped, and the LFs it passed (offsets from the
  // message start) so field lines are not searched for twice.
  private hsLineStart = false;
  private hsCR = false;
  private readonly lineEnds = new Int32Array(MAX_TRACKED_LINES);
  private lineCount = 0;

  // Framing facts from the head being parsed.
  private fLength = -1;
  private fLengthBad = false;
  /** 0: no Transfer-Encoding, 1: chunked is the final coding, 2: some other final coding. */
  private fTE = 0;
  private fUpgrade = false;
  private readonly values: (string | null)[] = new Array<string | null>(HEADER_COUNT).fill(null);

  // Body progress.
  private remaining = 0;
  private chunkSize = 0;
  private chunkDigits = 0;
  private lineBytes = 0;

  // Resync: whether the buffered/current line began at a real line start, and when it began.
  private lineReal = false;
  private lineNs = 0;
  /** While resyncing, the line window is a ring once full: its oldest byte is here. */
  private ringStart = 0;
  /** Where the last rejected start-line candidate stopped being plausible. */
  private confirmStop = 0;

  /** The last request asked to switch protocols, so non-HTTP bytes next are the new protocol. */
  private mayUpgrade = false;

  constructor(kind: M['kind'], listener: Http1MessageListener<M>, options: Http1ResponseParserOptions = {}) {
    this.listener = listener;
    this.isResponse = kind === 'response';
    const limit = options.maxHeaderBytes;
    this.limit = typeof limit === 'number' && Number.isFinite(limit)
      ? Math.max(MIN_HEADER_LIMIT, Math.floor(limit))
      : HTTP1_DEFAULT_MAX_HEADER_BYTES;
    this.redact = options.redactSecrets !== false;
    this.methodSource = options.requestMethod ?? null;
  }

  static requests(listener: Http1MessageListener<Http1Request>, options?: Http1ParserOptions): Http1MessageParser<Http1Request> {
    return new Http1MessageParser<Http1Request>('request', listener, options);
  }

  static responses(listener: Http1MessageListener<Http1Response>, options?: Http1ResponseParserOptions): Http1MessageParser<Http1Response> {
    return new Http1MessageParser<Http1Response>('response', listener, options);
  }

  /** Bytes currently held in the internal buffer (never more than `maxHeaderBytes`). */
  get bufferedBytes(): number {
    return this.bufLen;
  }

  /** Size of the internal buffer (grows on demand, never beyond `maxHeaderBytes`). */
  get bufferCapacity(): number {
    return this.buf === null ? 0 : this.buf.length;
  }

  /** The effective head limit. */
  get maxHeaderBytes(): number {
    return this.limit;
  }

  /** Whether the stream switched protocols and is no longer parsed. */
  get switched(): boolean {
    return this.state === PASSTHROUGH;
  }

  /** Standalone response parsing: the method of the next request, in order (see `requestMethod`). */
  expectResponseTo(method: string): void {
    if (this.expected.length >= MAX_EXPECTED_METHODS) this.expected.shift();
    this.expected.push(method);
  }

  push(bytes: Uint8Array, nowNs: number): void {
    const end = bytes.length;
    if (end === 0) return;
    this.totalBytes += end;
    let pos = 0;
    while (pos < end) {
      switch (this.state) {
        case IDLE:
          pos = this.idle(bytes, pos, end, nowNs);
          break;
        case HEAD:
          pos = this.head(bytes, pos, end, nowNs);
          break;
        case BODY_LENGTH: {
          const n = Math.min(this.remaining, end - pos);
          pos += n;
          this.remaining -= n;
          this.mBody += n;
          this.mBytes += n;
          this.mEndNs = nowNs;
          if (this.remaining === 0) this.finish(null);
          break;
        }
        case BODY_CLOSE:
          this.mBody += end - pos;
          this.mBytes += end - pos;
          this.mEndNs = nowNs;
          pos = end;
          break;
        case SEEK:
          pos = this.seek(bytes, pos, end, nowNs);
          break;
        case PASSTHROUGH:
          this.passthroughBytes += end - pos;
          pos = end;
          break;
        default:
          pos = this.chunked(bytes, pos, end, nowNs);
      }
    }
  }

  /** `length` bytes exist here but were not captured. */
  gap(length: number, nowNs: number): void {
    // Positions must stay integral: a fractional count would leave a fraction of a byte pending.
    if (!(length >= 1) || !Number.isFinite(length)) return;
    let n = Math.floor(length);
    this.totalBytes += n;
    while (n > 0) {
      switch (this.state) {
        case IDLE:
          if (this.mayUpgrade) {
            this.passthroughBytes += n + this.preamble;
            this.preamble = 0;
            this.state = PASSTHROUGH;
            return;
          }
          // A message start was lost: keep its place in the sequence so pairing stays aligned.
          this.begin(nowNs);
          this.countGap(n, nowNs);
          this.openBlind('truncated');
          this.toSeek(false);
          return;
        case HEAD:
          this.countGap(n, nowNs);
          this.abandonHead('truncated');
          // (unless the listener switched protocols from onHead)
          if (this.state === HEAD) this.toSeek(false);
          return;
        case BODY_LENGTH: {
          const k = Math.min(n, this.remaining);
          this.remaining -= k;
          this.mBody += k;
          this.countGap(k, nowNs);
          n -= k;
          if (this.remaining === 0) this.finish(null);
          break;
        }
        case CHUNK_DATA: {
          const k = Math.min(n, this.remaining);
          this.remaining -= k;
          this.mBody += k;
          this.countGap(k, nowNs);
          n -= k;
          if (this.remaining === 0) this.state = CHUNK_DATA_CR;
          break;
        }
        case BODY_CLOSE:
          this.mBody += n;
          this.countGap(n, nowNs);
          return;
        case PASSTHROUGH:
          this.passthroughBytes += n;
          return;
        case SEEK:
          this.countGap(n, nowNs);
          this.bufLen = 0;
          this.ringStart = 0;
          this.lineReal = false;
          return;
        default:
          // Inside chunk framing or trailers: the chunk boundaries are lost with these bytes.
          this.countGap(n, nowNs);
          this.setProblem('truncated');
          this.toSeek(false);
          return;
      }
    }
  }

  /** The stream ended (connection closed): completes or abandons the message in progress. */
  end(nowNs: number): void {
    // Messages end at their last byte, not at the close, so nowNs only marks the call.
    void nowNs;
    switch (this.state) {
      case IDLE:
        this.discardedBytes += this.preamble;
        this.preamble = 0;
        break;
      case HEAD:
        this.abandonHead('connection-closed');
        this.finish(null);
        break;
      case BODY_CLOSE:
      case SEEK:
        this.finish(null);
        break;
      case PASSTHROUGH:
        break;
      default:
        this.finish('connection-closed');
    }
    this.state = IDLE;
    this.bufLen = 0;
    this.ringStart = 0;
    this.buf = null;
    this.mayUpgrade = false;
  }

  /**
   * The connection switched protocols (a 101, or a tunnel): what follows is not HTTP/1. An open
   * message is completed as it stands; later bytes are only counted.
   */
  switchProtocols(): void {
    switch (this.state) {
      case IDLE:
        this.passthroughBytes += this.preamble;
        this.preamble = 0;
        break;
      case HEAD:
        // Never reported through onHead: not a message, just bytes of the new protocol.
        this.passthroughBytes += this.mBytes;
        break;
      case PASSTHROUGH:
        break;
      default:
        this.finish(null);
    }
    this.bufLen = 0;
    this.ringStart = 0;
    this.buf = null;
    this.state = PASSTHROUGH;
  }

  // ---------------------------------------------------------------------------------------------

  private idle(src: Uint8Array, pos: number, end: number, nowNs: number): number {
    // RFC 9112 §2.2: tolerate empty lines before a start line (old clients add one after a body).
    while (pos < end) {
      const b = src[pos]!;
      if (b !== CR && b !== LF) break;
      pos++;
      this.preamble++;
    }
    if (pos < end) this.begin(nowNs);
    return pos;
  }

  private begin(nowNs: number): void {
    this.state = HEAD;
    this.msg = null;
    this.mStartNs = nowNs;
    this.mEndNs = nowNs;
    this.mBytes = this.preamble;
    this.preamble = 0;
    this.mBody = 0;
    this.mGap = 0;
    this.bufLen = 0;
    this.ringStart = 0;
    this.resetStartLine();
    this.hsLineStart = false;
    this.hsCR = false;
    this.lineCount = 0;
    this.fLength = -1;
    this.fLengthBad = false;
    this.fTE = 0;
    this.fUpgrade = false;
  }

  private resetStartLine(): void {
    this.sl = this.isResponse ? SL_VERSION : SL_METHOD;
    this.slOff = 0;
    this.slK = 0;
    this.slMethodEnd = 0;
    this.slTargetStart = 0;
    this.slTargetEnd = 0;
    this.slMinor = -1;
    this.slAcc = 0;
    this.slStatus = 0;
    this.slReasonStart = 0;
    this.slReasonEnd = 0;
    this.slLen = 0;
  }

  private head(src: Uint8Array, pos: number, end: number, nowNs: number): number {
    const room = this.limit - this.bufLen;
    const lim = end - pos > room ? pos + room : end;
    let i = pos;
    if (this.sl !== SL_DONE) {
      i = this.scanStartLine(src, pos, lim);
      if (this.sl === SL_BAD) return this.badStart(pos, nowNs);
    }
    if (this.sl === SL_DONE) {
      const e = this.scanHeadEnd(src, i, lim, this.bufLen - pos);
      if (e >= 0) {
        this.mBytes += e - pos;
        this.mEndNs = nowNs;
        if (this.bufLen === 0) {
          this.completeHead(src, pos, e);
        } else {
          this.append(src, pos, e);
          this.completeHead(this.buf!, 0, this.bufLen);
        }
        return e;
      }
    }
    this.append(src, pos, lim);
    this.mBytes += lim - pos;
    this.mEndNs = nowNs;
    // Not complete within the limit: report what is known, skip the rest.
    if (this.bufLen >= this.limit) {
      this.abandonHead('truncated');
      if (this.state === HEAD) this.toSeek(false);
    }
    return lim;
  }

  private append(src: Uint8Array, s: number, e: number): void {
    if (e <= s) return;
    this.reserve(this.bufLen + (e - s)).set(src.subarray(s, e), this.bufLen);
    this.bufLen += e - s;
  }

  /** The buffer, with room for `n` bytes (callers never ask for more than the limit). */
  private reserve(n: number): Uint8Array {
    const buf = this.buf;
    if (buf !== null && buf.length >= n) return buf;
    let cap = buf === null ? INITIAL_BUFFER : buf.length;
    while (cap < n) cap *= 2;
    if (cap > this.limit) cap = this.limit;
    const grown = new Uint8Array(cap);
    if (buf !== null && this.bufLen > 0) grown.set(buf.subarray(0, this.bufLen));
    this.buf = grown;
    return grown;
  }

  private releaseBuffer(): void {
    if (this.buf !== null && this.buf.length > RETAINED_BUFFER) this.buf = null;
  }

  /** The first bytes of a message are not a start line. */
  private badStart(pos: number, nowNs: number): number {
    if (this.mayUpgrade) {
      this.passthroughBytes += this.mBytes;
      this.bufLen = 0;
      this.state = PASSTHROUGH;
      return pos;
    }
    this.openBlind('unparsable');
    // Rescan the same line from its start (buffered part first): a start line may follow garbage.
    this.state = SEEK;
    this.lineReal = true;
    this.lineNs = this.bufLen > 0 ? this.mStartNs : nowNs;
    return pos;
  }

  /**
   * Scans start-line bytes from `i`. Stops after the LF (SL_DONE), at the offending byte
   * (SL_BAD), or at `end` with the state saved.
   */
  private scanStartLine(src: Uint8Array, i: number, end: number): number {
    let st = this.sl;
    const off = this.slOff - i;
    scan: while (i < end) {
      let b = src[i]!;
      switch (st) {
        case SL_METHOD:
          if (TCHAR[b] === 1) {
            if (i + off >= MAX_METHOD_LENGTH) { st = SL_BAD; break scan; }
            break;
          }
          if (b === SP && i + off > 0) { this.slMethodEnd = i + off; st = SL_TARGET0; break; }
          st = SL_BAD;
          break scan;
        case SL_TARGET0:
          if (isTargetByte(b)) { this.slTargetStart = i + off; st = SL_TARGET; break; }
          st = SL_BAD;
          break scan;
        case SL_TARGET:
          // Targets are the long part of a request line: a tight loop, no per-byte switch.
          while (b > SP && b !== 0x7f) {
            if (++i === end) break scan;
            b = src[i]!;
          }
          if (b === SP) { this.slTargetEnd = i + off; st = SL_VERSION; this.slK = 0; break; }
          st = SL_BAD;
          break scan;
        case SL_VERSION: {
          const k = this.slK;
          if (k < 7) {
            if (b !== HTTP1_PREFIX[k]) { st = SL_BAD; break scan; }
            this.slK = k + 1;
            break;
          }
          if (k === 7) {
            if (b < 0x30 || b > 0x39) { st = SL_BAD; break scan; }
            this.slMinor = b - 0x30;
            this.slK = 8;
            break;
          }
          if (this.isResponse) {
            if (b === SP) { st = SL_STATUS; this.slK = 0; this.slAcc = 0; break; }
          } else if (b === CR) {
            st = SL_LF;
            break;
          } else if (b === LF) {
            i++;
            st = SL_DONE;
            break scan;
          }
          st = SL_BAD;
          break scan;
        }
        case SL_STATUS:
          if (b >= 0x30 && b <= 0x39 && (this.slK > 0 || b !== 0x30)) {
            this.slAcc = this.slAcc * 10 + (b - 0x30);
            if (++this.slK === 3) { this.slStatus = this.slAcc; st = SL_AFTER_STATUS; }
            break;
          }
          st = SL_BAD;
          break scan;
        case SL_AFTER_STATUS:
          // Some servers send no reason and no space ("HTTP/1.1 200\r\n").
          this.slReasonStart = this.slReasonEnd = i + off;
          if (b === SP) { this.slReasonStart = this.slReasonEnd = i + off + 1; st = SL_REASON; break; }
          if (b === CR) { st = SL_LF; break; }
          if (b === LF) { i++; st = SL_DONE; break scan; }
          st = SL_BAD;
          break scan;
        case SL_REASON:
          while (b !== CR && b !== LF) {
            if (++i === end) break scan;
            b = src[i]!;
          }
          this.slReasonEnd = i + off;
          if (b === CR) { st = SL_LF; break; }
          i++;
          st = SL_DONE;
          break scan;
        case SL_LF:
          if (b === LF) { i++; st = SL_DONE; break scan; }
          st = SL_BAD;
          break scan;
        default:
          break scan;
      }
      i++;
    }
    this.sl = st;
    this.slOff = i + off;
    if (st === SL_DONE) {
      this.slLen = i + off;
      this.hsLineStart = true;
      this.hsCR = false;
    }
    return i;
  }

  /**
   * Looks for the empty line that ends the head, continuing from where the last call stopped.
   * Returns the index just past it, or -1.
   */
  private scanHeadEnd(src: Uint8Array, i: number, end: number, base: number): number {
    while (i < end) {
      if (this.hsLineStart) {
        const b = src[i]!;
        if (b === LF) return i + 1;
        if (this.hsCR) {
          // A CR not followed by LF: the line merely starts with CR.
          this.hsCR = false;
          this.hsLineStart = false;
        } else if (b === CR) {
          this.hsCR = true;
          i++;
          continue;
        } else {
          this.hsLineStart = false;
        }
      }
      const lf = src.indexOf(LF, i);
      if (lf < 0 || lf >= end) return -1;
      if (this.lineCount < MAX_TRACKED_LINES) this.lineEnds[this.lineCount++] = lf + base;
      i = lf + 1;
      this.hsLineStart = true;
    }
    return -1;
  }

  /** Parses a complete head `src[h0..hEnd)`, reports it, and sets up the body. */
  private completeHead(src: Uint8Array, h0: number, hEnd: number): void {
    this.bufLen = 0;
    const msg = this.build(src, h0, hEnd);
    msg.headerBytes = hEnd - h0;
    if (src === this.buf) this.releaseBuffer();
    let framing: Http1BodyFraming;
    let tunnel = false;
    if (this.isResponse) {
      const status = (msg as Http1Response).status;
      if (status < 200) {
        framing = status === 101 ? 'tunnel' : 'none';
        if (status === 101) { this.takeMethod(); tunnel = true; }
      } else {
        const method = this.takeMethod();
        if (method === 'HEAD' || status === 204 || status === 304) framing = 'none';
        else if (method === 'CONNECT' && status < 300) { framing = 'tunnel'; tunnel = true; }
        else if (this.fTE === 1) framing = 'chunked';
        else if (this.fTE === 2) framing = 'close';
        else if (this.fLengthBad) framing = 'unknown';
        else if (this.fLength >= 0) framing = this.fLength > 0 ? 'content-length' : 'none';
        else framing = 'close';
      }
    } else {
      this.mayUpgrade = this.fUpgrade || (msg as Http1Request).method === 'CONNECT';
      if (this.fTE === 1) framing = 'chunked';
      else if (this.fTE === 2) framing = 'unknown'; // RFC 9112 §6.3: length cannot be determined
      else if (this.fLengthBad) framing = 'unknown';
      else framing = this.fLength > 0 ? 'content-length' : 'none';
    }
    msg.bodyFraming = framing;
    if (framing === 'unknown') msg.problem = 'unparsable';
    this.msg = msg;
    this.listener.onHead(msg);
    switch (framing) {
      case 'content-length':
        this.state = BODY_LENGTH;
        this.remaining = this.fLength;
        break;
      case 'chunked':
        this.state = CHUNK_SIZE;
        this.chunkSize = 0;
        this.chunkDigits = 0;
        break;
      case 'close':
        this.state = BODY_CLOSE;
        break;
      case 'unknown':
        // The body's end cannot be known: skip to the next plausible message start.
        this.toSeek(true);
        break;
      default:
        this.finish(null);
        if (tunnel) this.state = PASSTHROUGH;
    }
  }

  private takeMethod(): string {
    if (this.methodSource !== null) return this.methodSource() ?? 'GET';
    return this.expected.shift() ?? 'GET';
  }

  /**
   * Builds the message record from the head in `src[h0..hEnd)`: the start line as far as the
   * scanner got, and every complete field line (a partial head has no empty line yet).
   */
  private build(src: Uint8Array, h0: number, hEnd: number): M {
    const values = this.values;
    for (let k = 0; k < HEADER_COUNT; k++) values[k] = null;
    if (this.sl === SL_DONE) {
      let ls = h0 + this.slLen;
      const tracked = this.lineCount;
      for (let k = 0; ls < hEnd; k++) {
        let lf: number;
        if (k < tracked) lf = h0 + this.lineEnds[k]!;
        else {
          lf = src.indexOf(LF, ls);
          if (lf < 0) break;
        }
        if (lf >= hEnd) break;
        let le = lf;
        if (le > ls && src[le - 1] === CR) le--;
        if (le === ls) break;
        this.fieldLine(src, ls, le);
        ls = lf + 1;
      }
    }
    const headers: Http1Headers = {
      host: values[H_HOST] ?? null,
      'user-agent': values[H_USER_AGENT] ?? null,
      'content-type': values[H_CONTENT_TYPE] ?? null,
      'content-length': values[H_CONTENT_LENGTH] ?? null,
      'transfer-encoding': values[H_TRANSFER_ENCODING] ?? null,
      connection: values[H_CONNECTION] ?? null,
      upgrade: values[H_UPGRADE] ?? null,
      expect: values[H_EXPECT] ?? null,
      authorization: values[H_AUTHORIZATION] ?? null,
      cookie: values[H_COOKIE] ?? null,
      'set-cookie': values[H_SET_COOKIE] ?? null,
    };
    const version = this.slMinor >= 0 && (this.isResponse || this.sl === SL_DONE) ? VERSIONS[this.slMinor]! : '';
    if (this.isResponse) {
      const done = this.sl === SL_DONE;
      const res: Http1Response = {
        kind: 'response',
        status: this.slStatus,
        reason: done ? latin1(src, h0 + this.slReasonStart, h0 + this.slReasonEnd) : '',
        version,
        headers,
        headerBytes: 0,
        bodyBytes: 0,
        messageBytes: 0,
        gapBytes: 0,
        bodyFraming: 'unknown',
        startNs: this.mStartNs,
        endNs: this.mEndNs,
        problem: null,
      };
      return res as M;
    }
    const req: Http1Request = {
      kind: 'request',
      method: this.slMethodEnd > 0 ? methodString(src, h0, h0 + this.slMethodEnd) : '',
      target: this.slTargetEnd > 0 ? latin1(src, h0 + this.slTargetStart, h0 + this.slTargetEnd) : '',
      version,
      headers,
      headerBytes: 0,
      bodyBytes: 0,
      messageBytes: 0,
      gapBytes: 0,
      bodyFraming: 'unknown',
      startNs: this.mStartNs,
      endNs: this.mEndNs,
      problem: null,
    };
    return req as M;
  }

  private fieldLine(src: Uint8Array, ls: number, le: number): void {
    // obs-fold continuation (RFC 9112 §5.2): none of the kept fields legitimately uses it.
    if (isOws(src[ls])) return;
    // The name is not validated as a token: only the selected names are kept, and matching one
    // exactly is validation enough. Lines without a colon are skipped (a server would reject them).
    let c = ls;
    while (c < le && src[c] !== COLON) c++;
    if (c === ls || c === le) return;
    const id = headerId(src, ls, c);
    if (id < 0) return;
    let vs = c + 1;
    let ve = le;
    while (vs < ve && isOws(src[vs])) vs++;
    while (ve > vs && isOws(src[ve - 1])) ve--;
    if (id === H_CONTENT_LENGTH) this.contentLength(src, vs, ve);
    else if (id === H_TRANSFER_ENCODING) this.transferEncoding(src, vs, ve);
    else if (id === H_UPGRADE) this.fUpgrade = true;
    const values = this.values;
    if (this.redact && isSecret(id)) {
      values[id] = HTTP1_REDACTED;
      return;
    }
    const v = latin1(src, vs, ve);
    const prev = values[id];
    values[id] = prev === null || prev === undefined ? v : prev + ', ' + v;
  }

  /** RFC 9110 §8.6: a list of identical values is one value; anything else is unusable. */
  private contentLength(src: Uint8Array, vs: number, ve: number): void {
    let i = vs;
    let value = -1;
    if (vs === ve) { this.fLengthBad = true; return; }
    while (i < ve) {
      while (i < ve && isOws(src[i])) i++;
      let v = 0;
      let digits = 0;
      while (i < ve) {
        const d = src[i]! - 0x30;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
        digits++;
        i++;
      }
      if (digits === 0 || v > Number.MAX_SAFE_INTEGER) { this.fLengthBad = true; return; }
      while (i < ve && isOws(src[i])) i++;
      if (i < ve) {
        if (src[i] !== COMMA) { this.fLengthBad = true; return; }
        i++;
      }
      if (value >= 0 && v !== value) { this.fLengthBad = true; return; }
      value = v;
    }
    if (this.fLength >= 0 && this.fLength !== value) { this.fLengthBad = true; return; }
    this.fLength = value;
  }

  /** Only the final coding matters for framing: the last element of the last field. */
  private transferEncoding(src: Uint8Array, vs: number, ve: number): void {
    let e = ve;
    while (e > vs && (isOws(src[e - 1]) || src[e - 1] === COMMA)) e--;
    let s = e;
    while (s > vs && src[s - 1] !== COMMA) s--;
    while (s < e && isOws(src[s])) s++;
    this.fTE = e - s === CHUNKED.length && nameIs(src, s, CHUNKED) ? 1 : 2;
  }

  /** A message whose start line was not seen (lost to a gap, or not HTTP). */
  private openBlind(problem: Http1MessageProblem): void {
    this.resetStartLine();
    const msg = this.build(EMPTY, 0, 0);
    msg.problem = problem;
    this.msg = msg;
    this.listener.onHead(msg);
  }

  /**
   * The head cannot be completed (gap, limit, end of stream): report what the buffered part
   * holds. The caller decides what happens to the rest.
   */
  private abandonHead(problem: Http1MessageProblem): void {
    const msg = this.build(this.buf ?? EMPTY, 0, this.bufLen);
    msg.headerBytes = this.bufLen;
    msg.problem = problem;
    this.bufLen = 0;
    this.releaseBuffer();
    this.msg = msg;
    this.listener.onHead(msg);
  }

  private countGap(n: number, nowNs: number): void {
    this.mBytes += n;
    this.mGap += n;
    this.mEndNs = nowNs;
  }

  private setProblem(problem: Http1MessageProblem): void {
    if (this.msg !== null && this.msg.problem === null) this.msg.problem = problem;
  }

  /** Keep counting bytes into the open message until a plausible message start. */
  private toSeek(lineReal: boolean): void {
    this.state = SEEK;
    this.bufLen = 0;
    this.ringStart = 0;
    this.lineReal = lineReal;
    this.lineNs = this.mEndNs;
  }

  private finish(problem: Http1MessageProblem | null): void {
    const m = this.msg;
    this.msg = null;
    this.state = IDLE;
    if (m === null) return;
    m.bodyBytes = this.mBody;
    m.messageBytes = this.mBytes;
    m.gapBytes = this.mGap;
    m.endNs = this.mEndNs;
    if (problem !== null && m.problem === null) m.problem = problem;
    this.messages++;
    this.listener.onMessage(m);
  }

  // --- resync ----------------------------------------------------------------------------------

  private seek(src: Uint8Array, pos: number, end: number, nowNs: number): number {
    const lf = src.indexOf(LF, pos);
    if (lf < 0 || lf >= end) {
      this.keepLineTail(src, pos, end, nowNs);
      this.mBytes += end - pos;
      this.mEndNs = nowNs;
      return end;
    }
    const next = lf + 1;
    if (this.bufLen === 0) {
      let ls = pos;
      let real = this.lineReal;
      if (next - ls > this.limit) { ls = next - this.limit; real = false; }
      const start = this.findStart(src, ls, next, real);
      if (start >= 0) {
        this.mBytes += start - pos;
        if (start > pos) this.mEndNs = nowNs;
        this.finish(null);
        this.begin(nowNs);
        return start;
      }
    } else {
      this.keepLineTail(src, pos, next, nowNs);
      const buf = this.linearize();
      const start = this.findStart(buf, 0, this.bufLen, this.lineReal);
      if (start >= 0) {
        // The start line began in an earlier chunk: move it to the front and continue the head.
        const carried = this.bufLen - start;
        const startNs = this.lineNs;
        this.mBytes += next - pos - carried;
        this.mEndNs = nowNs;
        this.finish(null);
        this.begin(startNs);
        this.mEndNs = nowNs;
        buf.copyWithin(0, start, start + carried);
        this.scanStartLine(buf, 0, carried);
        this.bufLen = carried;
        this.mBytes += carried;
        return next;
      }
    }
    this.mBytes += next - pos;
    this.mEndNs = nowNs;
    this.bufLen = 0;
    this.ringStart = 0;
    this.lineReal = true;
    return next;
  }

  /**
   * Keeps the current line's last `limit` bytes: a start line can only be that long, and it may
   * follow any amount of body bytes on the same "line". Once full the window is a ring, so tiny
   * segments cost what they carry, not a window shift each.
   */
  private keepLineTail(src: Uint8Array, s: number, e: number, nowNs: number): void {
    const n = e - s;
    if (n <= 0) return;
    const limit = this.limit;
    if (this.bufLen === 0) this.lineNs = nowNs;
    if (n >= limit) {
      this.reserve(limit).set(src.subarray(e - limit, e), 0);
      this.bufLen = limit;
      this.ringStart = 0;
      this.lineReal = false;
      return;
    }
    if (this.bufLen + n <= limit) {
      // Not full yet, so not wrapped: ringStart is 0.
      this.reserve(this.bufLen + n).set(src.subarray(s, e), this.bufLen);
      this.bufLen += n;
      return;
    }
    const buf = this.reserve(limit);
    const w = (this.ringStart + this.bufLen) % limit;
    const first = Math.min(n, limit - w);
    buf.set(src.subarray(s, s + first), w);
    if (first < n) buf.set(src.subarray(s + first, e), 0);
    const dropped = this.bufLen + n - limit;
    this.ringStart = (this.ringStart + dropped) % limit;
    this.bufLen = limit;
    this.lineReal = false;
  }

  /** The line window in order, from index 0 (rotated in place: no second buffer). */
  private linearize(): Uint8Array {
    const buf = this.buf!;
    const k = this.ringStart;
    if (k !== 0) {
      const len = this.bufLen;
      buf.subarray(0, k).reverse();
      buf.subarray(k, len).reverse();
      buf.subarray(0, len).reverse();
      this.ringStart = 0;
    }
    return buf;
  }

  /**
   * Where in the complete line `src[ls..le)` (LF included) a start line begins, or -1. Requests
   * are found from their " HTTP/1.x" end, since that is the only fixed part: the method is the
   * token before the target. `lineReal`: `ls` is a true line start.
   */
  private findStart(src: Uint8Array, ls: number, le: number, lineReal: boolean): number {
    let i = ls;
    while (i < le) {
      const h = src.indexOf(0x48, i);
      if (h < 0 || h >= le) return -1;
      i = h + 1;
      if (!startsWithHttp1(src, h, le)) continue;
      if (this.isResponse) {
        if (this.confirmStart(src, h, le)) return h;
        // A candidate starting before the point where this one failed meets the same stray CR
        // in its reason phrase, or breaks its own "HTTP/1.x ddd": skipping keeps a line linear.
        if (this.confirmStop > i) i = this.confirmStop;
        continue;
      }
      const sp2 = h - 1;
      if (sp2 <= ls || src[sp2] !== SP) continue;
      let t = sp2;
      while (t > ls && isTargetByte(src[t - 1]!)) t--;
      if (t === sp2 || t <= ls || src[t - 1] !== SP) continue;
      const sp1 = t - 1;
      let m = sp1;
      while (m > ls && TCHAR[src[m - 1]!] === 1) m--;
      if (m === sp1) continue;
      // Body bytes glued to a method are tchars too ("hello" + "GET"): a known method at the end
      // of the token is the better guess; an unknown method only counts where a line starts or
      // after a byte that cannot be in a token.
      let cand = knownMethodSuffix(src, m, sp1);
      if (cand < 0 && (m > ls || lineReal)) cand = m;
      if (cand >= 0 && this.confirmStart(src, cand, le)) return cand;
    }
    return -1;
  }

  /** Runs the real start-line scanner over a candidate line. */
  private confirmStart(src: Uint8Array, s: number, le: number): boolean {
    this.resetStartLine();
    const j = this.scanStartLine(src, s, le);
    const ok = this.sl === SL_DONE && j === le;
    this.confirmStop = j;
    this.resetStartLine();
    return ok;
  }

  // --- chunked bodies --------------------------------------------------------------------------

  private chunked(src: Uint8Array, pos: number, end: number, nowNs: number): number {
    let i = pos;
    let st = this.state;
    let step = STEP_MORE;
    loop: while (i < end) {
      const b = src[i]!;
      switch (st) {
        case CHUNK_SIZE: {
          const h = HEX[b]!;
          if (h < 16) {
            if (this.chunkDigits === MAX_CHUNK_SIZE_DIGITS) { step = STEP_BAD; break loop; }
            this.chunkSize = this.chunkSize * 16 + h;
            this.chunkDigits++;
            break;
          }
          if (this.chunkDigits === 0) { step = STEP_BAD; break loop; }
          if (b === CR) st = CHUNK_SIZE_LF;
          else if (b === LF) st = this.afterSizeLine();
          else if (b === SEMICOLON || b === SP || b === HT) { st = CHUNK_EXT; this.lineBytes = 0; }
          else { step = STEP_BAD; break loop; }
          break;
        }
        case CHUNK_EXT: {
          // Extensions are skipped, but bounded so garbage cannot pose as one forever.
          let j = i;
          while (j < end && src[j] !== CR && src[j] !== LF) j++;
          this.lineBytes += j - i;
          if (this.lineBytes > this.limit) { i = j; step = STEP_BAD; break loop; }
          i = j;
          if (j === end) break loop;
          st = src[j] === CR ? CHUNK_SIZE_LF : this.afterSizeLine();
          break;
        }
        case CHUNK_SIZE_LF:
          if (b !== LF) { step = STEP_BAD; break loop; }
          st = this.afterSizeLine();
          break;
        case CHUNK_DATA: {
          const n = Math.min(this.remaining, end - i);
          i += n;
          this.remaining -= n;
          this.mBody += n;
          if (this.remaining === 0) st = CHUNK_DATA_CR;
          continue loop;
        }
        case CHUNK_DATA_CR:
          if (b === CR) st = CHUNK_DATA_LF;
          else if (b === LF) { st = CHUNK_SIZE; this.chunkSize = 0; this.chunkDigits = 0; }
          else { step = STEP_BAD; break loop; }
          break;
        case CHUNK_DATA_LF:
          if (b !== LF) { step = STEP_BAD; break loop; }
          st = CHUNK_SIZE;
          this.chunkSize = 0;
          this.chunkDigits = 0;
          break;
        case TRAILER_START:
          if (b === LF) { i++; step = STEP_DONE; break loop; }
          if (b === CR) { st = TRAILER_CR; break; }
          st = TRAILER_LINE;
          continue loop;
        case TRAILER_CR:
          if (b === LF) { i++; step = STEP_DONE; break loop; }
          st = TRAILER_LINE;
          continue loop;
        default: {
          // TRAILER_LINE: fields are not kept, only counted (bounded like a head).
          const lf = src.indexOf(LF, i);
          const stop = lf < 0 || lf >= end ? end : lf + 1;
          this.lineBytes += stop - i;
          i = stop;
          if (this.lineBytes > this.limit) { step = STEP_TOO_LONG; break loop; }
          if (lf >= 0 && lf < end) st = TRAILER_START;
          continue loop;
        }
      }
      i++;
    }
    this.state = st;
    if (i > pos) {
      this.mBytes += i - pos;
      this.mEndNs = nowNs;
    }
    if (step === STEP_DONE) this.finish(null);
    else if (step === STEP_BAD) { this.setProblem('unparsable'); this.toSeek(false); }
    else if (step === STEP_TOO_LONG) { this.setProblem('truncated'); this.toSeek(false); }
    return i;
  }

  private afterSizeLine(): number {
    if (this.chunkSize === 0) {
      this.lineBytes = 0;
      return TRAILER_START;
    }
    this.remaining = this.chunkSize;
    return CHUNK_DATA;
  }
}
