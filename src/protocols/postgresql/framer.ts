// Cuts one direction of a connection into protocol messages. Messages are read by their length
// field: a message longer than the body cap is counted and skipped past, keeping only its first
// bytes, so memory stays bounded whatever the stream holds. When framing is lost (a capture gap
// crossing a message boundary, bytes that cannot be a header, a capture that starts mid-stream)
// the framer scans a bounded window for the next message whose whole structure checks out, and
// carries on from there.
//
// Memory: one buffer of at most maxBodyBytes + 8 bytes (header bytes, a kept body prefix, or the
// resynchronisation window), allocated as it is needed.

import {
  isMessageType, isWeakType, plausibleHeader, plausibleStartup, readInt32, validBody, type Side,
} from './wire.js';

/**
 * - `untyped`: startup-phase packets (int32 length, int32 code, ...), client side only.
 * - `answer`: one byte answering SSLRequest / GSSENCRequest, server side only.
 * - `typed`: type byte + int32 length + body.
 * - `resync`: looking for the next plausible typed message.
 * - `off`: bytes are not ours to read (encrypted, terminated); they are counted and dropped.
 */
export type FramerMode = 'off' | 'untyped' | 'answer' | 'typed' | 'resync';

/** Why bytes could not be framed: lost to a capture gap, not a message, or before the first message seen. */
export type LossReason = 'gap' | 'invalid' | 'start';

/** Handed to the listener; the framer reuses the object, so it is valid only during the callback. */
export interface WireMessage {
  form: 'typed' | 'untyped' | 'answer';
  /** The type byte (typed), the answer byte (answer), 0 (untyped). */
  type: number;
  /** The whole message on the wire, including bytes lost to gaps or skipped past the cap. */
  wireBytes: number;
  /** The payload after the length, or its first bytes. A view, valid only during the callback. */
  body: Uint8Array;
  /** `body` is the whole payload and none of it was lost. */
  complete: boolean;
  /** Bytes of this message that capture gaps took. */
  lostBytes: number;
  startNs: number;
  endNs: number;
}

export interface FramerListener {
  message(m: WireMessage): void;
  /** `bytes` of the stream could not be framed; what follows them may start anywhere. */
  lost(bytes: number, reason: LossReason, nowNs: number): void;
}

export interface FramerOptions {
  side: Side;
  initialMode: FramerMode;
  /** Longest body kept; longer ones are skipped past after their first maxBodyBytes. */
  maxBodyBytes: number;
  /** Whether the parser reads the body of this message type (others are counted, never copied). */
  keepsBody(type: number, form: WireMessage['form']): boolean;
}

interface Reading {
  form: 'typed' | 'untyped';
  type: number;
  wireBytes: number;
  headerBytes: number;
  /** Bytes of the message consumed so far (header included). */
  consumed: number;
  /** Body bytes to keep, and kept so far (in `buf` from 0). */
  keep: number;
  kept: number;
  /** A gap cut the body: later bytes cannot extend the kept prefix. */
  frozen: boolean;
  lost: number;
  startNs: number;
}

const EMPTY = new Uint8Array(0);

export class MessageFramer {
  private modeNow: FramerMode;
  private readonly side: Side;
  private readonly maxBody: number;
  private readonly capacity: number;
  private readonly keepsBody: FramerOptions['keepsBody'];
  private readonly listener: FramerListener;
  private buf: Uint8Array = EMPTY;
  private bufLen = 0;
  private bufStartNs = 0;
  /** The message being read (`current`, reused) or null between messages. */
  private reading: Reading | null = null;
  private readonly current: Reading = {
    form: 'typed', type: 0, wireBytes: 0, headerBytes: 0, consumed: 0, keep: 0, kept: 0, frozen: false, lost: 0, startNs: 0,
  };
  private readonly out: WireMessage = {
    form: 'typed', type: 0, wireBytes: 0, body: EMPTY, complete: true, lostBytes: 0, startNs: 0, endNs: 0,
  };
  private answers = '';
  private scanFrom = 0;
  private lossReason: LossReason = 'start';
  private framedAny = false;
  private replay: Uint8Array | null = null;
  /** Bytes dropped unread: mode `off`, or buffered bytes discarded by a mode change. */
  ignoredBytes = 0;

  constructor(options: FramerOptions, listener: FramerListener) {
    this.side = options.side;
    this.maxBody = options.maxBodyBytes;
    this.capacity = options.maxBodyBytes + 8;
    this.keepsBody = options.keepsBody;
    this.listener = listener;
    this.modeNow = options.initialMode;
  }

  get mode(): FramerMode {
    return this.modeNow;
  }

  get bufferedBytes(): number {
    return this.bufLen;
  }

  get bufferCapacity(): number {
    return this.buf.length;
  }

  /** Switches what the next bytes are read as; anything buffered is dropped. */
  setMode(mode: FramerMode): void {
    this.ignoredBytes += this.reading !== null ? this.reading.consumed : this.bufLen;
    this.bufLen = 0;
    this.reading = null;
    this.scanFrom = 0;
    this.modeNow = mode;
  }

  /** Expect one byte from `accepted` (the answer to SSLRequest / GSSENCRequest), typed messages after it. */
  expectAnswer(accepted: string): void {
    this.setMode('answer');
    this.answers = accepted;
  }

  push(input: Uint8Array, nowNs: number): void {
    // Bytes replayed from the resync window come before the rest of the input: keep a resume point.
    const resume: { src: Uint8Array; at: number }[] = [];
    let src = input;
    let at = 0;
    for (;;) {
      if (this.replay !== null) {
        if (at < src.length) resume.push({ src, at });
        src = this.replay;
        at = 0;
        this.replay = null;
        continue;
      }
      if (at >= src.length) {
        const r = resume.pop();
        if (r === undefined) return;
        src = r.src;
        at = r.at;
        continue;
      }
      at = this.step(src, at, nowNs);
    }
  }

  /** `n` bytes of this direction were not captured. */
  gap(n: number, nowNs: number): void {
    if (n <= 0) return;
    switch (this.modeNow) {
      case 'off':
        this.ignoredBytes += n;
        return;
      case 'resync': {
        const dropped = this.bufLen;
        this.bufLen = 0;
        this.scanFrom = 0;
        if (this.framedAny) this.lossReason = 'gap';
        this.listener.lost(dropped + n, this.lossReason, nowNs);
        return;
      }
      case 'answer':
        this.enterResync('gap');
        this.listener.lost(n, 'gap', nowNs);
        return;
      default:
    }
    const r = this.reading;
    if (r !== null) {
      const take = Math.min(n, r.wireBytes - r.consumed);
      r.consumed += take;
      r.lost += take;
      r.frozen = true;
      if (r.consumed === r.wireBytes) this.finish(nowNs);
      if (n > take) this.gap(n - take, nowNs);
      return;
    }
    const dropped = this.bufLen;
    this.bufLen = 0;
    const reason: LossReason = this.framedAny ? 'gap' : 'start';
    this.enterResync(reason);
    this.listener.lost(dropped + n, reason, nowNs);
  }

  private step(src: Uint8Array, at: number, nowNs: number): number {
    switch (this.modeNow) {
      case 'off':
        this.ignoredBytes += src.length - at;
        return src.length;
      case 'answer': {
        const b = src[at]!;
        // Anything else (an old server's ErrorResponse) is read as a typed message.
        this.modeNow = 'typed';
        if (!this.answers.includes(String.fromCharCode(b))) return at;
        this.framedAny = true;
        this.emit('answer', b, 1, EMPTY, true, 0, nowNs, nowNs);
        return at + 1;
      }
      case 'resync':
        return this.stepResync(src, at, nowNs);
      default:
        return this.stepFramed(src, at, nowNs);
    }
  }

  private stepFramed(src: Uint8Array, at: number, nowNs: number): number {
    let i = at;
    if (this.reading === null) {
      const untyped = this.modeNow === 'untyped';
      const need = untyped ? 8 : 5;
      // The header, read where it is: in the input when whole there, else gathered in the buffer.
      let head = src;
      let h = i;
      if (this.bufLen === 0 && src.length - i >= need) {
        this.bufStartNs = nowNs;
      } else {
        if (this.bufLen === 0) this.bufStartNs = nowNs;
        const take = Math.min(need - this.bufLen, src.length - i);
        this.append(src, i, take);
        i += take;
        if (this.bufLen < need) return i;
        head = this.buf;
        h = 0;
      }
      const type = untyped ? 0 : head[h]!;
      const length = readInt32(head, untyped ? h : h + 1);
      const ok = untyped ? plausibleStartup(length, readInt32(head, h + 4) >>> 0) : plausibleHeader(this.side, type, length);
      if (head === src) i += need;
      if (!ok) {
        if (head === src) this.append(src, h, need);
        // A failed untyped header may still be a typed message (capture started mid-stream).
        this.enterResync(this.framedAny ? 'invalid' : 'start');
        this.scanFrom = untyped ? 0 : 1;
        return i;
      }
      const form = untyped ? 'untyped' : 'typed';
      const r = this.current;
      r.form = form;
      r.type = type;
      r.wireBytes = untyped ? length : length + 1;
      r.headerBytes = untyped ? 4 : 5;
      r.consumed = need;
      r.keep = this.keepsBody(type, form) ? Math.min(length - 4, this.maxBody) : 0;
      r.kept = 0;
      r.frozen = false;
      r.lost = 0;
      r.startNs = this.bufStartNs;
      this.reading = r;
      this.bufLen = 0;
      if (untyped) {
        // The protocol code is the first body field: keep it with the body.
        this.append(head, h + 4, 4);
        r.kept = 4;
      }
    }
    const r = this.reading;
    const take = Math.min(src.length - i, r.wireBytes - r.consumed);
    if (!r.frozen && r.kept < r.keep) {
      const k = Math.min(take, r.keep - r.kept);
      this.append(src, i, k);
      r.kept += k;
    }
    r.consumed += take;
    i += take;
    if (r.consumed === r.wireBytes) this.finish(nowNs);
    return i;
  }

  private finish(nowNs: number): void {
    const r = this.reading!;
    this.reading = null;
    const body = r.kept === 0 ? EMPTY : this.buf.subarray(0, r.kept);
    this.bufLen = 0;
    this.framedAny = true;
    this.emit(r.form, r.type, r.wireBytes, body, r.lost === 0 && r.kept === r.wireBytes - r.headerBytes, r.lost, r.startNs, nowNs);
  }

  private emit(
    form: WireMessage['form'], type: number, wireBytes: number, body: Uint8Array, complete: boolean, lostBytes: number,
    startNs: number, endNs: number,
  ): void {
    const m = this.out;
    m.form = form;
    m.type = type;
    m.wireBytes = wireBytes;
    m.body = body;
    m.complete = complete;
    m.lostBytes = lostBytes;
    m.startNs = startNs;
    m.endNs = endNs;
    this.listener.message(m);
  }

  private enterResync(reason: LossReason): void {
    this.modeNow = 'resync';
    this.reading = null;
    this.lossReason = reason;
    this.scanFrom = 0;
  }

  private stepResync(src: Uint8Array, at: number, nowNs: number): number {
    const take = Math.min(src.length - at, this.capacity - this.bufLen);
    this.append(src, at, take);
    this.scan(nowNs);
    return at + take;
  }

  /** Drops window bytes that cannot start a message; back to `typed` at the first that can. */
  private scan(nowNs: number): void {
    for (;;) {
      let p = this.scanFrom;
      let verdict: 'yes' | 'no' | 'wait' = 'no';
      for (; p < this.bufLen; p++) {
        verdict = this.candidateAt(p);
        if (verdict !== 'no') break;
      }
      if (p > 0) {
        this.buf.copyWithin(0, p, this.bufLen);
        this.bufLen -= p;
        this.listener.lost(p, this.lossReason, nowNs);
      }
      this.scanFrom = 0;
      if (verdict === 'yes') {
        this.modeNow = 'typed';
        this.replay = this.buf.slice(0, this.bufLen);
        this.bufLen = 0;
        return;
      }
      // A candidate that cannot complete inside a full window never will: try the next byte.
      if (verdict === 'wait' && this.bufLen === this.capacity) {
        this.scanFrom = 1;
        continue;
      }
      return;
    }
  }

  private candidateAt(p: number): 'yes' | 'no' | 'wait' {
    const b = this.buf;
    const avail = this.bufLen - p;
    const type = b[p]!;
    if (!isMessageType(this.side, type)) return 'no';
    if (avail < 5) return avail >= 2 && b[p + 1] !== 0 ? 'no' : 'wait';
    const length = readInt32(b, p + 1);
    const total = length + 1;
    if (!plausibleHeader(this.side, type, length) || total > this.capacity) return 'no';
    if (avail < total) return 'wait';
    if (!validBody(this.side, type, b.subarray(p + 5, p + total))) return 'no';
    // Opaque bodies (CopyData, password) prove nothing: they need a plausible message after them.
    const weak = isWeakType(type);
    const next = p + total;
    const rest = this.bufLen - next;
    if (rest === 0) return weak ? 'wait' : 'yes';
    if (!isMessageType(this.side, b[next]!)) return 'no';
    if (rest < 5) return weak ? 'wait' : 'yes';
    return plausibleHeader(this.side, b[next]!, readInt32(b, next + 1)) ? 'yes' : 'no';
  }

  private append(src: Uint8Array, at: number, n: number): void {
    if (n <= 0) return;
    const need = this.bufLen + n;
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.min(this.capacity, Math.max(need, this.buf.length * 2, 64)));
      grown.set(this.buf.subarray(0, this.bufLen));
      this.buf = grown;
    }
    if (n <= 32) {
      // Cheaper than a subarray for header-sized copies.
      const b = this.buf;
      for (let k = 0; k < n; k++) b[this.bufLen + k] = src[at + k]!;
    } else {
      this.buf.set(src.subarray(at, at + n), this.bufLen);
    }
    this.bufLen = need;
  }
}
