// Cuts one direction of a connection into length-prefixed messages (Kafka: big-endian size;
// MongoDB: little-endian length), keeping only a bounded prefix of each. The parsers need the
// header and the first fields of a message (command name, collection, topic, error code); the
// rest is counted, not held, so a 50 MB fetch response or a 48 MB insert costs the same memory as
// a heartbeat. How a header is read and judged is the protocol's `FrameRule`. Capture loses bytes
// ("gaps"): inside a message they only shorten the contiguous prefix; past a message's end they
// hide where the next one starts, and the stream hunts for a plausible header again, byte by byte.

/** One whole message (or what arrived of it before the stream ended). */
export interface Frame {
  /**
   * Contiguous bytes from the message's first byte: at most the keep limit, fewer when a gap
   * fell inside that range. Valid only during the callback (the buffer is reused).
   */
  readonly head: Uint8Array;
  /** Bytes of the message on the wire (declared length; what arrived when `cut`). */
  readonly length: number;
  /** Length the header declared: what to read the message against, even when `cut`. */
  readonly declaredLength: number;
  readonly startNs: number;
  readonly endNs: number;
  /** The stream ended inside the message. */
  readonly cut: boolean;
}

export interface FrameRule {
  /** Bytes needed to judge a header (at most the smallest message). */
  readonly headerBytes: number;
  /**
   * Whole length (length field included) of the message that would start with `head` (exactly
   * `headerBytes` long), or -1 when these bytes cannot start one. `resyncing`: bytes were lost or
   * rejected before, so `head` may be the middle of a message; the rule should be stricter.
   */
  frameLength(head: Uint8Array, resyncing: boolean): number;
}

export interface FrameSink {
  frame(frame: Frame): void;
  /** `bytes` that do not frame as this protocol, first seen at `startNs`, last at `endNs`. */
  junk(bytes: number, startNs: number, endNs: number): void;
}

/** At a message boundary, inside a message, or looking for the next header after lost sync. */
type Mode = 'header' | 'body' | 'hunting';

export class FrameStream {
  private readonly header: Uint8Array;
  private readonly headerTimes: number[];
  private headerFill = 0;
  private keep: Uint8Array | null = null;
  private kept = 0;
  private keeping = true;
  private frameLength = 0;
  private declaredLength = 0;
  private consumed = 0;
  private frameStartNs = 0;
  private mode: Mode = 'header';
  /** While hunting: whether the skipped bytes are junk (reported) or the rest of a lost message. */
  private huntingJunk = false;
  private junkBytes = 0;
  private junkStartNs = 0;
  private junkEndNs = 0;
  private ignored = 0;

  constructor(private readonly rule: FrameRule, private readonly maxKeep: number, private readonly sink: FrameSink) {
    this.header = new Uint8Array(rule.headerBytes);
    this.headerTimes = new Array<number>(rule.headerBytes).fill(0);
  }

  /** Bytes held: a partial header, or the kept prefix of the message in progress. */
  get bufferedBytes(): number {
    return this.mode === 'body' ? this.kept : this.headerFill;
  }

  /** Bytes that belong to no frame and to no junk report: lost sync after a gap, cut headers. */
  get ignoredBytes(): number {
    return this.ignored;
  }

  push(bytes: Uint8Array, nowNs: number): void {
    let i = 0;
    const n = bytes.length;
    while (i < n) {
      if (this.mode === 'body') {
        const take = Math.min(this.frameLength - this.consumed, n - i);
        if (this.keeping && this.kept < this.maxKeep) {
          const copy = Math.min(take, this.maxKeep - this.kept);
          this.keep!.set(bytes.subarray(i, i + copy), this.kept);
          this.kept += copy;
        }
        this.consumed += take;
        i += take;
        if (this.consumed === this.frameLength) this.finish(nowNs, false);
        continue;
      }
      this.header[this.headerFill] = bytes[i]!;
      this.headerTimes[this.headerFill] = nowNs;
      this.headerFill++;
      i++;
      if (this.headerFill === this.header.length) this.judgeHeader(nowNs);
    }
  }

  gap(n: number, nowNs: number): void {
    if (!(n > 0)) return;
    let rest = n;
    if (this.mode === 'body') {
      const inFrame = Math.min(rest, this.frameLength - this.consumed);
      this.keeping = false;
      this.consumed += inFrame;
      rest -= inFrame;
      if (this.consumed === this.frameLength) this.finish(nowNs, false);
      if (rest === 0) return;
    }
    // The gap hides the next header (or part of it): where messages start is unknown now.
    this.flushJunk();
    this.ignored += this.headerFill + rest;
    this.headerFill = 0;
    this.mode = 'hunting';
    this.huntingJunk = false;
  }

  /** The stream ended: a message in progress is delivered as cut, pending junk is reported. */
  end(nowNs: number): void {
    if (this.mode === 'body') {
      this.frameLength = this.consumed;
      this.finish(nowNs, true);
    }
    if (this.mode === 'hunting' && this.huntingJunk) {
      this.addJunk(this.headerFill, this.headerTimes[0] ?? nowNs, nowNs);
    } else {
      this.ignored += this.headerFill;
    }
    this.headerFill = 0;
    this.flushJunk();
    this.mode = 'header';
  }

  private judgeHeader(nowNs: number): void {
    const hunting = this.mode === 'hunting';
    const length = this.rule.frameLength(this.header, hunting);
    if (length >= this.header.length) {
      this.flushJunk();
      this.startFrame(length);
      if (this.consumed === this.frameLength) this.finish(nowNs, false);
      return;
    }
    // Not a header: its first byte is skipped and the rest is judged again.
    if (!hunting) {
      this.mode = 'hunting';
      this.huntingJunk = true;
    }
    if (this.huntingJunk) this.addJunk(1, this.headerTimes[0]!, this.headerTimes[0]!);
    else this.ignored++;
    this.header.copyWithin(0, 1);
    for (let k = 1; k < this.headerTimes.length; k++) this.headerTimes[k - 1] = this.headerTimes[k]!;
    this.headerFill--;
  }

  private startFrame(length: number): void {
    if (this.keep === null) this.keep = new Uint8Array(this.maxKeep);
    this.keep.set(this.header, 0);
    this.kept = this.header.length;
    this.keeping = true;
    this.frameLength = length;
    this.declaredLength = length;
    this.consumed = this.header.length;
    this.frameStartNs = this.headerTimes[0]!;
    this.headerFill = 0;
    this.mode = 'body';
  }

  private finish(nowNs: number, cut: boolean): void {
    this.mode = 'header';
    const head = this.keep!.subarray(0, this.kept);
    this.kept = 0;
    this.sink.frame({ head, length: this.frameLength, declaredLength: this.declaredLength, startNs: this.frameStartNs, endNs: Math.max(nowNs, this.frameStartNs), cut });
  }

  private addJunk(bytes: number, startNs: number, endNs: number): void {
    if (bytes <= 0) return;
    if (this.junkBytes === 0) this.junkStartNs = startNs;
    this.junkBytes += bytes;
    this.junkEndNs = Math.max(endNs, this.junkStartNs);
  }

  private flushJunk(): void {
    if (this.junkBytes === 0) return;
    const bytes = this.junkBytes;
    this.junkBytes = 0;
    this.sink.junk(bytes, this.junkStartNs, this.junkEndNs);
  }
}
