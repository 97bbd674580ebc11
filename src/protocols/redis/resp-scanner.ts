// Incremental RESP2/RESP3 framing for one direction of a Redis connection.
//
// The scanner never buffers a message: it walks the bytes once, keeps a stack of open aggregates
// and, for the few values the pairing logic reads (the command name and its first arguments, the
// error prefix, the kind of a push), a short prefix of each. Bulk payloads are skipped by count, so
// a 100 MB SET costs the same memory as a PING, and a capture gap that falls inside a payload is
// counted through without losing the message boundary.
//
// Memory per scanner is fixed: HEAD_SLOTS × HEAD_CAP prefix bytes and a MAX_DEPTH-deep stack.

import { HEAD_CAP, HEAD_SLOTS, INLINE, RespMessage, type RespCut } from './resp-message.js';

/** Far deeper than Redis nests replies: beyond it the bytes are treated as garbage. */
const MAX_DEPTH = 32;
/** Longest header line (`$` + length): lengths beyond 2^53 are garbage anyway. */
const MAX_HEADER = 17;
/** Longest simple line (`+`, `-`, `:`...) accepted, so junk without CRLF is given up on. */
const MAX_LINE = 1 << 20;
/** Redis refuses inline commands past 64 KiB (PROTO_INLINE_MAX_SIZE). */
const MAX_INLINE = 64 * 1024;
/** Redis refuses more than 1M arguments in one command. */
const MAX_CLIENT_ARGS = 1024 * 1024;

const CR = 0x0d;
const LF = 0x0a;

const enum State {
  Type,
  Header,
  HeaderLf,
  Line,
  LineLf,
  Blob,
  BlobCr,
  BlobLf,
  Inline,
  Resync,
}

const enum Frame {
  Aggregate,
  Attribute,
  StreamedString,
}

/** RESP3-only type bytes: seeing one means the connection speaks RESP3. */
const RESP3_TYPE = new Uint8Array(256);
for (const c of '_,#!=(%~>|') RESP3_TYPE[c.charCodeAt(0)] = 1;

/** Type bytes a reply can start with: resynchronisation candidates on the server side. */
const SERVER_START = new Uint8Array(256);
for (const c of '+-:$*_,#!=(%~>|') SERVER_START[c.charCodeAt(0)] = 1;

function isLetter(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

export interface RespListener {
  /** A message ended, or was cut (`message.cut`). The object is reused after the call returns. */
  onMessage(message: RespMessage): void;
  /** The scanner lost its place (a gap it cannot count through, or bytes that are not RESP). */
  onLoss(): void;
}

export type RespSide = 'client' | 'server';

export class RespScanner {
  private state = State.Type;
  /** The open aggregates, innermost last (grown on demand, at most MAX_DEPTH). */
  private readonly frameKind: Frame[] = [];
  /** Elements still expected, -1 for a streamed aggregate (ends at `.`). */
  private readonly frameLeft: number[] = [];
  /** Elements read so far. */
  private readonly frameIndex: number[] = [];
  private depth = 0;

  /** Type byte of the value being read (for headers: what the header introduces). */
  private valueType = 0;
  private number = 0;
  private numberLength = 0;
  private numberNegative = false;
  private numberStreamed = false;
  private lineLength = 0;
  private lineBad = false;
  private blobLeft = 0;
  /** The blob being read is one chunk of a streamed string, not a value of its own. */
  private blobIsChunk = false;
  /** Slot the current simple value is captured into, or -1. */
  private slot = -1;

  private inlineQuote = 0;
  private inlineEscape = false;
  private inlineInWord = false;

  private inMessage = false;
  private sawInline = false;
  private resyncCandidate = false;
  private lastByte = LF;
  private skipped = 0;
  private readonly msg = new RespMessage();

  constructor(private readonly side: RespSide, private readonly listener: RespListener) {}

  /** Bytes that belonged to no message: skipped while resynchronising, or lost in gaps. */
  get skippedBytes(): number {
    return this.skipped;
  }

  /** Captured prefix bytes held for the message in progress (at most HEAD_SLOTS × HEAD_CAP). */
  get bufferedBytes(): number {
    if (!this.inMessage) return 0;
    let n = 0;
    for (let i = 0; i < HEAD_SLOTS; i++) n += Math.max(0, this.msg.slotLength[i]!);
    return n;
  }

  /** Between messages: nothing half-read, nothing being skipped. */
  get idle(): boolean {
    if (this.inMessage) return false;
    return this.state === State.Type || (this.state === State.Resync && this.resyncCandidate);
  }

  push(bytes: Uint8Array, nowNs: number): void {
    const n = bytes.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case State.Blob: {
          const take = Math.min(this.blobLeft, n - i);
          if (this.slot >= 0) this.capture(bytes, i, i + take);
          this.blobLeft -= take;
          this.msg.bytes += take;
          i += take;
          if (this.blobLeft === 0) this.state = State.BlobCr;
          this.lastByte = bytes[i - 1]!;
          continue;
        }
        case State.Line: {
          // Fast path: copy up to the CR in one go (never past the line limit, so where an
          // overlong line fails does not depend on how the bytes were chunked).
          let j = i;
          const stop = Math.min(n, i + MAX_LINE + 1 - this.lineLength);
          while (j < stop && bytes[j] !== CR && bytes[j] !== LF) j++;
          if (j > i) {
            this.lineBytes(bytes, i, j);
            this.msg.bytes += j - i;
            this.lastByte = bytes[j - 1]!;
            i = j;
            if (this.state !== State.Line) continue;
            if (this.lineLength > MAX_LINE) { this.fail(); continue; }
          }
          if (i < n) this.step(bytes[i++]!, nowNs);
          continue;
        }
        default:
          this.step(bytes[i++]!, nowNs);
      }
    }
    if (this.inMessage) this.msg.endNs = Math.max(this.msg.endNs, nowNs);
  }

  /**
   * `n` bytes of this direction were not captured. Inside a bulk payload they are counted through
   * (the message stays framed); anywhere else the scanner resynchronises. Returns true when the
   * gap was counted through.
   */
  gap(n: number, nowNs: number): boolean {
    if (!(n > 0)) return true;
    const m = this.msg;
    if (this.state === State.Resync) {
      this.skipped += n;
      this.resyncCandidate = true;
      return false;
    }
    const countable = this.state === State.Blob ? this.blobLeft + 2
      : this.state === State.BlobCr ? 2
      : this.state === State.BlobLf ? 1
      : 0;
    if (countable > 0 && n <= countable) {
      // The payload's capture slot, if any, no longer holds a true prefix.
      if (this.slot >= 0 && m.slotLength[this.slot]! < HEAD_CAP) m.lostHeads |= 1 << this.slot;
      m.bytes += n;
      m.endNs = Math.max(m.endNs, nowNs);
      let rest = n;
      if (this.state === State.Blob) {
        const take = Math.min(rest, this.blobLeft);
        this.blobLeft -= take;
        rest -= take;
        if (this.blobLeft === 0) this.state = State.BlobCr;
      }
      if (rest > 0 && this.state === State.BlobCr) { rest--; this.state = State.BlobLf; }
      if (rest > 0 && this.state === State.BlobLf) this.blobDone(nowNs);
      return true;
    }
    if (this.inMessage) {
      // What is left of the current payload certainly belongs to this message.
      m.bytes += countable;
      this.skipped += n - countable;
      m.endNs = Math.max(m.endNs, nowNs);
      this.cut('gap');
    } else {
      this.skipped += n;
    }
    this.enterResync(true);
    this.listener.onLoss();
    return false;
  }

  /** The stream ended: a message in progress is reported cut. */
  end(nowNs: number): void {
    if (this.inMessage) {
      this.msg.endNs = Math.max(this.msg.endNs, nowNs);
      this.cut('closed');
    }
    this.reset(State.Type);
  }

  private step(b: number, nowNs: number): void {
    // Set first: a failure on this byte resynchronises right after it when it is an LF.
    this.lastByte = b;
    switch (this.state) {
      case State.Type:
        this.typeByte(b, nowNs);
        break;
      case State.Header:
        this.msg.bytes++;
        this.headerByte(b);
        break;
      case State.HeaderLf:
        this.msg.bytes++;
        if (b !== LF) { this.fail(); break; }
        this.headerDone(nowNs);
        break;
      case State.Line:
        // Only CR or LF reach here (the fast path takes the rest).
        this.msg.bytes++;
        if (b !== CR) { this.fail(); break; }
        this.state = State.LineLf;
        break;
      case State.LineLf:
        this.msg.bytes++;
        if (b !== LF || this.lineBad) { this.fail(); break; }
        this.lineDone(nowNs);
        break;
      case State.BlobCr:
        this.msg.bytes++;
        if (b !== CR) { this.fail(); break; }
        this.state = State.BlobLf;
        break;
      case State.BlobLf:
        this.msg.bytes++;
        if (b !== LF) { this.fail(); break; }
        this.blobDone(nowNs);
        break;
      case State.Inline:
        this.inlineByte(b, nowNs);
        break;
      case State.Resync:
        this.resyncByte(b, nowNs);
        break;
      case State.Blob:
        // Reached only through push(), which handles payloads itself.
        break;
    }
  }

  private resyncByte(b: number, nowNs: number): void {
    const startsMessage = this.side === 'server'
      ? SERVER_START[b] === 1
      : b === 0x2a || (this.sawInline && isLetter(b));
    if (this.resyncCandidate && startsMessage) {
      this.state = State.Type;
      this.typeByte(b, nowNs);
      return;
    }
    this.skipped++;
    this.resyncCandidate = b === LF;
  }

  private typeByte(b: number, nowNs: number): void {
    const m = this.msg;
    if (!this.inMessage) this.beginMessage(nowNs);
    m.bytes++;
    const top = this.depth === 0 ? -1 : this.frameKind[this.depth - 1]!;
    if (top === Frame.StreamedString) {
      if (b !== 0x3b /* ; */) { this.fail(); return; }
      this.beginHeader(b);
      return;
    }
    if (this.side === 'client') {
      if (this.depth === 0) {
        if (b === 0x2a /* * */) { m.type = b; this.beginHeader(b); return; }
        this.beginInline(b);
        return;
      }
      if (b !== 0x24 /* $ */) { this.fail(); return; }
    }
    if (RESP3_TYPE[b] === 1) m.resp3 = true;
    if (this.depth === 0 && b !== 0x7c /* | */) m.type = b;
    switch (b) {
      case 0x2b: case 0x2d: case 0x3a: case 0x2c: case 0x28: case 0x23: case 0x5f: // + - : , ( # _
        this.beginLine(b);
        return;
      case 0x24: case 0x21: case 0x3d: // $ ! =
      case 0x2a: case 0x25: case 0x7e: case 0x3e: case 0x7c: // * % ~ > |
        this.beginHeader(b);
        return;
      case 0x2e: // . ends a streamed aggregate
        if (this.depth === 0 || this.frameLeft[this.depth - 1] !== -1) { this.fail(); return; }
        this.beginLine(b);
        return;
      default:
        this.fail();
    }
  }

  private beginMessage(nowNs: number): void {
    const m = this.msg;
    this.inMessage = true;
    m.type = 0;
    m.count = 0;
    m.bytes = 0;
    m.startNs = nowNs;
    m.endNs = nowNs;
    m.lostHeads = 0;
    m.resp3 = false;
    m.cut = null;
    for (let i = 0; i < HEAD_SLOTS; i++) {
      m.slotLength[i] = -1;
      m.slotType[i] = 0;
    }
  }

  /** Picks the capture slot for a value starting now (type byte `b`), or -1. */
  private slotFor(b: number): number {
    if (this.depth === 0) return b === 0x7c ? -1 : 0;
    if (this.depth !== 1 || this.frameKind[0] !== Frame.Aggregate || b === 0x7c) return -1;
    const index = this.frameIndex[0]!;
    return index < HEAD_SLOTS ? index : -1;
  }

  private beginLine(b: number): void {
    this.valueType = b;
    this.lineLength = 0;
    this.lineBad = false;
    this.slot = b === 0x2e ? -1 : this.slotFor(b);
    if (this.slot >= 0) this.openSlot(this.slot, b);
    this.state = State.Line;
  }

  private beginHeader(b: number): void {
    this.valueType = b;
    this.number = 0;
    this.numberLength = 0;
    this.numberNegative = false;
    this.numberStreamed = false;
    this.state = State.Header;
  }

  private openSlot(slot: number, type: number): void {
    this.msg.slotLength[slot] = 0;
    this.msg.slotType[slot] = type;
  }

  private capture(src: Uint8Array, s: number, e: number): void {
    const m = this.msg;
    const have = m.slotLength[this.slot]!;
    const take = Math.min(e - s, HEAD_CAP - have);
    if (take <= 0) return;
    const at = this.slot * HEAD_CAP + have;
    for (let k = 0; k < take; k++) m.slotBytes[at + k] = src[s + k]!;
    m.slotLength[this.slot] = have + take;
  }

  private lineBytes(src: Uint8Array, s: number, e: number): void {
    if (this.slot >= 0) this.capture(src, s, e);
    const t = this.valueType;
    const before = this.lineLength;
    this.lineLength += e - s;
    if (t === 0x5f || t === 0x2e) { this.lineBad = true; return; } // `_` and `.` lines are empty
    if (t === 0x3a || t === 0x28) {
      for (let k = s; k < e; k++) {
        const c = src[k]!;
        const sign = (c === 0x2d || c === 0x2b) && k - s + before === 0;
        if (!sign && (c < 0x30 || c > 0x39)) { this.lineBad = true; return; }
      }
    } else if (t === 0x23) {
      const c = src[s]!;
      if (this.lineLength !== 1 || (c !== 0x74 && c !== 0x66)) this.lineBad = true;
    }
  }

  private headerByte(b: number): void {
    if (b === CR) {
      if (this.numberLength === 0 || (this.numberNegative && this.numberLength === 1)) { this.fail(); return; }
      this.state = State.HeaderLf;
      return;
    }
    if (++this.numberLength > MAX_HEADER || this.numberStreamed) { this.fail(); return; }
    if (b >= 0x30 && b <= 0x39) {
      this.number = this.number * 10 + (b - 0x30);
    } else if (b === 0x2d && this.numberLength === 1) {
      this.numberNegative = true;
    } else if (b === 0x3f /* ? */ && this.numberLength === 1 && this.canStream()) {
      this.numberStreamed = true;
    } else {
      this.fail();
    }
  }

  private canStream(): boolean {
    const t = this.valueType;
    return this.side === 'server' && (t === 0x24 || t === 0x2a || t === 0x25 || t === 0x7e || t === 0x7c);
  }

  private headerDone(nowNs: number): void {
    const t = this.valueType;
    const value = this.numberNegative ? -this.number : this.number;
    if (!Number.isSafeInteger(value)) { this.fail(); return; }
    if (t === 0x3b /* ; chunk of a streamed string */) {
      if (value < 0) { this.fail(); return; }
      if (value === 0) { this.popFrame(); this.valueDone(false, nowNs); return; }
      this.beginBlob(value, true, -1);
      return;
    }
    const isBlob = t === 0x24 || t === 0x21 || t === 0x3d;
    const slot = this.slotFor(t);
    if (this.depth === 0 && t !== 0x7c) this.msg.count = this.numberStreamed ? -2 : value;
    if (this.numberStreamed) {
      if (!this.pushFrame(isBlob ? Frame.StreamedString : t === 0x7c ? Frame.Attribute : Frame.Aggregate, -1)) return;
      this.state = State.Type;
      return;
    }
    if (value < 0) {
      // Redis skips a client's `*0` / `*-1`; from the server -1 is the RESP2 null (bulk or array).
      const skippedCommand = this.side === 'client' && t === 0x2a && this.depth === 0;
      if (!skippedCommand && (value !== -1 || this.side === 'client')) { this.fail(); return; }
      this.valueDone(false, nowNs);
      return;
    }
    if (isBlob) {
      this.beginBlob(value, false, slot);
      return;
    }
    if (this.side === 'client') {
      if (value > MAX_CLIENT_ARGS) { this.fail(); return; }
      // `*0` (and `*-1`, refused above) carry no command: Redis skips them.
      if (value === 0) { this.valueDone(false, nowNs); return; }
    }
    const pairs = t === 0x25 || t === 0x7c;
    const elements = pairs ? value * 2 : value;
    if (elements === 0) { this.valueDone(t === 0x7c, nowNs); return; }
    if (!this.pushFrame(t === 0x7c ? Frame.Attribute : Frame.Aggregate, elements)) return;
    this.state = State.Type;
  }

  private beginBlob(length: number, chunk: boolean, slot: number): void {
    this.blobLeft = length;
    this.blobIsChunk = chunk;
    this.slot = slot;
    if (slot >= 0) this.openSlot(slot, this.valueType);
    this.state = length === 0 ? State.BlobCr : State.Blob;
  }

  private blobDone(nowNs: number): void {
    this.slot = -1;
    if (this.blobIsChunk) { this.state = State.Type; return; }
    this.valueDone(false, nowNs);
  }

  private lineDone(nowNs: number): void {
    this.slot = -1;
    if (this.valueType === 0x2e) {
      const wasAttribute = this.frameKind[this.depth - 1] === Frame.Attribute;
      this.popFrame();
      this.valueDone(wasAttribute, nowNs);
      return;
    }
    this.valueDone(false, nowNs);
  }

  private pushFrame(kind: Frame, elements: number): boolean {
    if (this.depth >= MAX_DEPTH) { this.fail(); return false; }
    this.frameKind[this.depth] = kind;
    this.frameLeft[this.depth] = elements;
    this.frameIndex[this.depth] = 0;
    this.depth++;
    return true;
  }

  private popFrame(): void {
    if (this.depth > 0) this.depth--;
  }

  /** A value ended; it completes its parent aggregates as far as they are full. */
  private valueDone(isAttribute: boolean, nowNs: number): void {
    let attribute = isAttribute;
    while (this.depth > 0) {
      const top = this.depth - 1;
      // Attributes describe the next value and do not count as an element of their parent.
      if (!attribute) {
        this.frameIndex[top] = this.frameIndex[top]! + 1;
        if (this.frameLeft[top]! > 0) this.frameLeft[top] = this.frameLeft[top]! - 1;
      }
      if (this.frameLeft[top] !== 0) {
        this.state = State.Type;
        return;
      }
      attribute = this.frameKind[top] === Frame.Attribute;
      this.depth--;
    }
    this.state = State.Type;
    // A top-level attribute prefixes the reply that follows: the message goes on.
    if (!attribute) this.finish(nowNs);
  }

  private finish(nowNs: number): void {
    const m = this.msg;
    m.endNs = Math.max(m.endNs, nowNs);
    this.inMessage = false;
    this.listener.onMessage(m);
  }

  private beginInline(b: number): void {
    this.sawInline = true;
    this.msg.type = INLINE;
    this.msg.count = 0;
    this.lineLength = 0;
    this.inlineQuote = 0;
    this.inlineEscape = false;
    this.inlineInWord = false;
    this.slot = -1;
    this.state = State.Inline;
    this.msg.bytes--; // counted again by inlineByte
    this.inlineByte(b, this.msg.startNs);
  }

  private inlineByte(b: number, nowNs: number): void {
    const m = this.msg;
    m.bytes++;
    // Redis cuts the line at LF first and splits arguments after, so quotes do not span lines.
    if (b === LF) {
      this.slot = -1;
      this.finish(nowNs);
      this.state = State.Type;
      return;
    }
    if (++this.lineLength > MAX_INLINE) { this.fail(); return; }
    if (this.inlineQuote !== 0) {
      // Inside quotes (redis splits arguments like a shell): bytes are argument content.
      if (this.inlineEscape) this.inlineEscape = false;
      else if (b === 0x5c && this.inlineQuote === 0x22) { this.inlineEscape = true; return; }
      else if (b === this.inlineQuote) { this.inlineQuote = 0; return; }
      this.inlineContent(b);
      return;
    }
    const space = b === 0x20 || b === 0x09 || b === CR || b === LF || b === 0x0b || b === 0x0c;
    if (space) {
      this.inlineInWord = false;
      this.slot = -1;
      return;
    }
    if (!this.inlineInWord) {
      this.inlineInWord = true;
      const index = m.count++;
      this.slot = index < HEAD_SLOTS ? index : -1;
      if (this.slot >= 0) this.openSlot(this.slot, 0x24);
    }
    if (b === 0x22 || b === 0x27) { this.inlineQuote = b; return; }
    this.inlineContent(b);
  }

  private inlineContent(b: number): void {
    if (!this.inlineInWord) {
      // A quote opened a word: `""` is an (empty) argument of its own.
      this.inlineInWord = true;
    }
    if (this.slot < 0) return;
    const m = this.msg;
    const have = m.slotLength[this.slot]!;
    if (have < HEAD_CAP) {
      m.slotBytes[this.slot * HEAD_CAP + have] = b;
      m.slotLength[this.slot] = have + 1;
    }
  }

  /** Bytes that cannot be RESP: report what was read, then look for the next message start. */
  private fail(): void {
    const m = this.msg;
    // The offending byte was counted into the message; it is junk, not message.
    if (this.inMessage) {
      m.bytes--;
      this.skipped++;
      if (m.bytes > 0) this.cut('unparsable');
      else this.inMessage = false;
    } else {
      this.skipped++;
    }
    this.enterResync(false);
    this.listener.onLoss();
  }

  private cut(reason: RespCut): void {
    const m = this.msg;
    // The value being captured when the message was cut is only a prefix of itself.
    if (this.slot >= 0) m.lostHeads |= 1 << this.slot;
    m.cut = reason;
    this.inMessage = false;
    this.listener.onMessage(m);
  }

  private enterResync(afterGap: boolean): void {
    this.reset(State.Resync);
    // After a gap the next byte may well start a message (capture lost whole segments).
    this.resyncCandidate = afterGap || this.lastByte === LF;
  }

  private reset(state: State): void {
    this.state = state;
    this.depth = 0;
    this.slot = -1;
    this.inMessage = false;
    this.blobLeft = 0;
  }
}
