// Splits one direction of an HTTP/2 connection into frames (RFC 9113 §4), as bytes arrive in
// arbitrary chunks with gaps where capture kept only a prefix of a segment.
//
// DATA payloads are never buffered: they stream through `dataContent` and are counted by the
// frame's length, so a gap inside one costs nothing but its content. Other frames are kept whole
// (up to `maxKeptPayload`) for the owner to read.
//
// A gap that swallows a frame header loses the frame boundaries (so does a capture that starts
// mid-connection). The reader then scans for a header that is strictly well-formed and that the
// owner finds plausible: a frame of a stream it tracks is taken at once; anything else (a
// connection frame, a new stream) only once confirmed — the next header is visible and possible,
// or the frame ends exactly where the captured bytes do, or the candidate starts a captured
// segment and the following gap covers its end (segments usually start on a frame). Failing that
// within `resyncBudget` bytes, the direction is given up (`unparsable`): its bytes are only counted.
//
// Memory: at most 9 header bytes, one kept payload (≤ maxKeptPayload) and a resync window
// (RESYNC_WINDOW bytes).

import { CONNECTION_PREFACE, DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_SIZE, Flag, FrameType } from './constants.js';
import { plausibleFrameHeader, possibleFrameHeader, readFrameHeader, type FrameHeader } from './frame-header.js';

export interface FrameSink {
  /** The client connection preface went by. */
  prefaceSeen(): void;
  /** A frame header was read; its payload follows. */
  frameStart(h: FrameHeader): void;
  /** DATA content (padding excluded): `chunk` holds the `n` bytes, or is null when they were lost. */
  dataContent(h: FrameHeader, chunk: Uint8Array | null, n: number): void;
  /**
   * The frame's last byte went by at `nowNs`. `payload`: the whole payload of a kept frame (not
   * DATA, PING, WINDOW_UPDATE, PRIORITY, unknown types), null when not kept or lost. `damaged`:
   * bytes the owner needed were lost. Only valid during the call.
   */
  frameEnd(h: FrameHeader, payload: Uint8Array | null, damaged: boolean, nowNs: number): void;
  /** `n` bytes outside any frame: the preface, or skipped while frame boundaries were unknown. */
  stray(n: number): void;
  /** Frame boundaries are lost: frames may be missing from here until the next `frameStart`. */
  syncLost(): void;
  /** While resynchronising: how believable a frame with this header is from this side now. */
  plausible(h: FrameHeader): Plausibility;
  /** Largest frame this side may send (the peer's SETTINGS_MAX_FRAME_SIZE). */
  maxFrameSize(): number;
}

export interface FrameReaderOptions {
  /**
   * `preface`: the client side of a new connection (the preface, then frames); `frames`: frames
   * from the first byte (the server side); `unknown`: maybe mid-frame (capture started late).
   */
  start: 'preface' | 'frames' | 'unknown';
  /** Largest non-DATA payload kept for the owner (default 64 KiB); larger ones are skipped. */
  maxKeptPayload?: number;
  /** Bytes scanned for a frame boundary before giving up on the direction (default 256 KiB). */
  resyncBudget?: number;
}

export const enum Plausibility {
  No = 0,
  /** Taken only once the bytes around it confirm a frame boundary. */
  IfConfirmed = 1,
  Yes = 2,
}

const enum State { Preface, Header, Payload, Resync, Dead }
const enum Payload { Keep, Skip, Data }

/** Bytes held while looking for a frame boundary. */
const RESYNC_WINDOW = 32 * 1024;
const DEFAULT_MAX_KEPT = 64 * 1024;
const DEFAULT_RESYNC_BUDGET = 256 * 1024;

const KEPT_TYPES = new Set<number>([
  FrameType.HEADERS, FrameType.RST_STREAM, FrameType.SETTINGS, FrameType.PUSH_PROMISE, FrameType.GOAWAY,
  FrameType.CONTINUATION,
]);

export class FrameReader {
  private state: State;
  private readonly sink: FrameSink;
  private readonly maxKept: number;
  private readonly budget: number;
  private prefaceMatched = 0;
  private readonly header = new Uint8Array(FRAME_HEADER_SIZE);
  private headerFill = 0;
  private headerStartNs = 0;
  private frame: FrameHeader | null = null;
  private offset = 0;
  private kind: Payload = Payload.Skip;
  private kept: Uint8Array | null = null;
  private whole: Uint8Array | null = null;
  private damaged = false;
  /** DATA padding length; -1 until its byte is read. */
  private padLength = -1;
  /** Grown on demand up to RESYNC_WINDOW: most connections never lose sync. */
  private window = new Uint8Array(0);
  private windowFill = 0;
  private scanned = 0;
  private skipped = 0;
  /** Window bytes from a found frame boundary on, to read before the rest of the segment. */
  private replay: Uint8Array | null = null;
  /** Window offset of a candidate waiting for more bytes to be confirmed; -1 when none. */
  private undecided = -1;
  /** The window's first byte is the first byte of a captured segment (after a gap, or the start). */
  private windowAtSegmentStart: boolean;

  constructor(sink: FrameSink, options: FrameReaderOptions) {
    this.sink = sink;
    this.maxKept = options.maxKeptPayload ?? DEFAULT_MAX_KEPT;
    this.budget = options.resyncBudget ?? DEFAULT_RESYNC_BUDGET;
    this.state = options.start === 'preface' ? State.Preface : options.start === 'frames' ? State.Header : State.Resync;
    this.windowAtSegmentStart = true;
  }

  /** Bytes held: a partial frame header, a kept payload, the resync window. */
  get bufferedBytes(): number {
    return this.headerFill + (this.kept?.length ?? 0) + this.windowFill;
  }

  /** Bytes received that are not (yet) part of a finished frame nor reported as stray. */
  get unfinishedBytes(): number {
    if (this.state === State.Payload) return FRAME_HEADER_SIZE + this.offset;
    return this.headerFill + this.windowFill + (this.state === State.Preface ? this.prefaceMatched : 0);
  }

  /** Bytes skipped because frame boundaries were unknown (the preface is not counted). */
  get skippedBytes(): number {
    return this.skipped;
  }

  /** The direction was given up: no frame boundary found within the resync budget. */
  get unparsable(): boolean {
    return this.state === State.Dead;
  }

  push(bytes: Uint8Array, nowNs: number): void {
    // Bytes found again by a resync are replayed before the rest of their segment: a stack of
    // segments instead of recursion, so hostile input cannot grow the call stack.
    const work: Uint8Array[] = [bytes];
    while (work.length > 0) {
      const segment = work.pop()!;
      let i = 0;
      while (i < segment.length) {
        switch (this.state) {
          case State.Preface: i = this.matchPreface(segment, i); break;
          case State.Header: i = this.readHeader(segment, i, nowNs); break;
          case State.Payload: i = this.readPayload(segment, i, nowNs); break;
          case State.Resync: i = this.resync(segment, i, nowNs); break;
          default:
            this.stray(segment.length - i);
            i = segment.length;
        }
        if (this.replay !== null) {
          work.push(segment.subarray(i), this.replay);
          this.replay = null;
          break;
        }
      }
    }
  }

  gap(n: number, nowNs: number): void {
    if (!(n > 0)) return;
    if (this.state === State.Preface) {
      if (this.prefaceMatched === 0) {
        this.loseSync(n);
        this.windowAtSegmentStart = true;
        return;
      }
      // A preface that started right is taken to continue.
      const take = Math.min(n, CONNECTION_PREFACE.length - this.prefaceMatched);
      this.prefaceMatched += take;
      n -= take;
      if (this.prefaceMatched === CONNECTION_PREFACE.length) this.endPreface();
      if (n === 0) return;
    }
    if (this.state === State.Payload) {
      const frame = this.frame!;
      const take = Math.min(n, frame.length - this.offset);
      if (this.kind === Payload.Data) this.dataLost(frame, take);
      else if (this.kind === Payload.Keep) {
        this.damaged = true;
        this.kind = Payload.Skip;
        this.kept = null;
      }
      this.offset += take;
      n -= take;
      if (this.offset === frame.length) this.endFrame(nowNs);
      if (n === 0) return;
    }
    if (this.state === State.Header) {
      this.loseSync(this.headerFill + n);
      this.headerFill = 0;
      this.windowAtSegmentStart = true;
      return;
    }
    if (this.state === State.Resync) {
      if (this.undecided === 0 && this.windowAtSegmentStart && this.windowFill > 0) {
        // The segment began with a candidate whose frame runs into this gap: take it.
        const frames = this.window.slice(0, this.windowFill);
        this.windowFill = 0;
        this.undecided = -1;
        this.state = State.Header;
        this.push(frames, nowNs);
        this.gap(n, nowNs);
        return;
      }
      // Bytes before and after a gap are not contiguous: no header can span them.
      this.stray(this.windowFill + n);
      this.windowFill = 0;
      this.undecided = -1;
      this.windowAtSegmentStart = true;
      return;
    }
    this.stray(n);
  }

  private matchPreface(bytes: Uint8Array, i: number): number {
    while (i < bytes.length && this.prefaceMatched < CONNECTION_PREFACE.length) {
      if (bytes[i] !== CONNECTION_PREFACE[this.prefaceMatched]) {
        // Not a new connection: what matched so far is ordinary stream content.
        const matched = this.prefaceMatched;
        this.prefaceMatched = 0;
        this.loseSync(0);
        if (matched > 0) this.windowPush(CONNECTION_PREFACE.subarray(0, matched));
        // Whatever came first was the start of a segment, so possibly of a frame.
        this.windowAtSegmentStart = true;
        return i;
      }
      this.prefaceMatched++;
      i++;
    }
    if (this.prefaceMatched === CONNECTION_PREFACE.length) this.endPreface();
    return i;
  }

  private endPreface(): void {
    this.sink.stray(CONNECTION_PREFACE.length);
    this.prefaceMatched = 0;
    this.state = State.Header;
    this.sink.prefaceSeen();
  }

  private readHeader(bytes: Uint8Array, i: number, nowNs: number): number {
    if (this.headerFill === 0) this.headerStartNs = nowNs;
    const take = Math.min(FRAME_HEADER_SIZE - this.headerFill, bytes.length - i);
    this.header.set(bytes.subarray(i, i + take), this.headerFill);
    this.headerFill += take;
    if (this.headerFill < FRAME_HEADER_SIZE) return i + take;
    this.headerFill = 0;
    if (!possibleFrameHeader(this.header, 0, 0xffffff)) {
      // A peer would not send this: we are not where we think we are.
      this.loseSync(0);
      // The header's bytes after its first may still hold the real boundary.
      this.stray(1);
      this.windowPush(this.header.subarray(1));
      return i + take;
    }
    this.beginFrame(readFrameHeader(this.header, 0, this.headerStartNs), nowNs);
    return i + take;
  }

  private beginFrame(h: FrameHeader, nowNs: number): void {
    this.frame = h;
    this.offset = 0;
    this.damaged = false;
    this.kept = null;
    this.whole = null;
    this.padLength = -1;
    this.kind = h.type === FrameType.DATA ? Payload.Data
      : KEPT_TYPES.has(h.type) && h.length <= this.maxKept ? Payload.Keep : Payload.Skip;
    this.state = State.Payload;
    this.sink.frameStart(h);
    if (h.length === 0) this.endFrame(nowNs);
  }

  private readPayload(bytes: Uint8Array, i: number, nowNs: number): number {
    const frame = this.frame!;
    const take = Math.min(frame.length - this.offset, bytes.length - i);
    if (this.kind === Payload.Data) this.dataBytes(frame, bytes, i, take);
    else if (this.kind === Payload.Keep) {
      if (this.offset === 0 && take === frame.length) this.whole = bytes.subarray(i, i + take);
      else {
        this.kept ??= new Uint8Array(frame.length);
        this.kept.set(bytes.subarray(i, i + take), this.offset);
      }
    }
    this.offset += take;
    if (this.offset === frame.length) this.endFrame(nowNs);
    return i + take;
  }

  private dataBytes(frame: FrameHeader, bytes: Uint8Array, i: number, n: number): void {
    if (n > 0 && this.offset === 0 && (frame.flags & Flag.PADDED) !== 0) {
      this.padLength = bytes[i]!;
      if (this.padLength >= frame.length) {
        this.padLength = frame.length - 1;
        this.damaged = true;
      }
    }
    const [from, count] = this.contentPart(frame, this.offset, n);
    if (count > 0) this.sink.dataContent(frame, bytes.subarray(i + from, i + from + count), count);
  }

  private dataLost(frame: FrameHeader, n: number): void {
    if (n > 0 && this.offset === 0 && (frame.flags & Flag.PADDED) !== 0) {
      // The padding length went missing: the content/padding split is unknown, count it all.
      this.padLength = 0;
      this.damaged = true;
    }
    const count = this.contentPart(frame, this.offset, n)[1];
    if (count > 0) this.sink.dataContent(frame, null, count);
  }

  /** Of `n` payload bytes at payload offset `at`: where the content starts among them, and how many. */
  private contentPart(frame: FrameHeader, at: number, n: number): [number, number] {
    const padded = (frame.flags & Flag.PADDED) !== 0;
    const start = padded ? 1 : 0;
    const end = frame.length - (padded ? Math.max(this.padLength, 0) : 0);
    const from = Math.max(at, start);
    const to = Math.min(at + n, end);
    return to > from ? [from - at, to - from] : [0, 0];
  }

  private endFrame(nowNs: number): void {
    const frame = this.frame!;
    const payload = this.kind === Payload.Keep ? (this.whole ?? this.kept) : null;
    this.frame = null;
    this.kept = null;
    this.whole = null;
    this.state = State.Header;
    this.sink.frameEnd(frame, payload, this.damaged, nowNs);
  }

  private loseSync(strayBytes: number): void {
    this.state = State.Resync;
    this.windowFill = 0;
    this.undecided = -1;
    // Lost inside a segment (a gap sets it back).
    this.windowAtSegmentStart = false;
    this.scanned = 0;
    this.stray(strayBytes);
    this.sink.syncLost();
  }

  private stray(n: number): void {
    if (n <= 0) return;
    this.skipped += n;
    this.sink.stray(n);
  }

  /** Scans for a frame boundary; returns how far into `bytes` it consumed. */
  private resync(bytes: Uint8Array, i: number, nowNs: number): number {
    while (i < bytes.length) {
      const take = Math.min(RESYNC_WINDOW - this.windowFill, bytes.length - i);
      this.windowPush(bytes.subarray(i, i + take));
      i += take;
      for (;;) {
        const at = this.findBoundary(nowNs);
        if (at >= 0) {
          this.stray(at);
          this.replay = this.window.slice(at, this.windowFill);
          this.windowFill = 0;
          this.undecided = -1;
          this.state = State.Header;
          return i;
        }
        // Keep what could still begin a header, or the undecided candidate onward.
        let drop = this.undecided >= 0 ? this.undecided : this.windowFill - (FRAME_HEADER_SIZE - 1);
        // A candidate the whole window cannot confirm is dropped, and the scan goes on past it.
        const stuck = drop <= 0 && this.windowFill === RESYNC_WINDOW;
        if (stuck) drop = 1;
        if (drop <= 0) break;
        this.stray(drop);
        this.window.copyWithin(0, drop, this.windowFill);
        this.windowFill -= drop;
        this.undecided = this.undecided >= drop ? this.undecided - drop : -1;
        this.windowAtSegmentStart = false;
        this.scanned += drop;
        if (this.scanned > this.budget) {
          this.state = State.Dead;
          this.stray(this.windowFill + bytes.length - i);
          this.windowFill = 0;
          return bytes.length;
        }
        if (!stuck) break;
      }
    }
    return i;
  }

  /** Appends to the window (never past RESYNC_WINDOW: callers take at most the room left). */
  private windowPush(bytes: Uint8Array): void {
    const need = this.windowFill + bytes.length;
    if (need > this.window.length) {
      const grown = new Uint8Array(Math.min(RESYNC_WINDOW, Math.max(need, this.window.length * 2, 256)));
      grown.set(this.window.subarray(0, this.windowFill));
      this.window = grown;
    }
    this.window.set(bytes, this.windowFill);
    this.windowFill += bytes.length;
  }

  /**
   * Window offset of a confirmed frame boundary, or -1. Sets `undecided` to the offset of a
   * candidate that more bytes could confirm, scanning no further than it.
   */
  private findBoundary(nowNs: number): number {
    this.undecided = -1;
    const max = Math.max(this.sink.maxFrameSize(), DEFAULT_MAX_FRAME_SIZE);
    const w = this.window.subarray(0, this.windowFill);
    for (let at = 0; at + FRAME_HEADER_SIZE <= w.length; at++) {
      if (!plausibleFrameHeader(w, at, max)) continue;
      const h = readFrameHeader(w, at, nowNs);
      const belief = this.sink.plausible(h);
      if (belief === Plausibility.No) continue;
      const next = at + FRAME_HEADER_SIZE + h.length;
      if (next + FRAME_HEADER_SIZE <= w.length) {
        if (possibleFrameHeader(w, next, max)) return at;
        continue;
      }
      if (belief === Plausibility.Yes || next === w.length) return at;
      this.undecided = at;
      return -1;
    }
    return -1;
  }
}
