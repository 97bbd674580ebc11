// Splits one direction of a MySQL connection into logical packets: 3-byte little-endian payload
// length, 1-byte sequence id, payload; a payload of exactly 16 MiB - 1 continues in the next
// packet. Only a prefix of each payload is kept (MAX_KEPT_PAYLOAD): the parser needs the first
// bytes of a packet, never a whole row or blob, so large packets are counted and skipped.
//
// A gap inside a payload whose length is known costs nothing but the lost bytes (the packet is
// marked `lost`). A gap that reaches past the end of a packet hides the next header, so framing
// is lost: the framer then buffers bytes (at most RESYNC_WINDOW) and asks a SyncRule at every
// offset whether a packet plausibly starts there.

import { MAX_PACKET_PAYLOAD } from './constants.js';

/** Payload bytes kept per packet: enough for SQL text of ordinary statements and any status packet. */
export const MAX_KEPT_PAYLOAD = 16 * 1024;
/** Bytes held while looking for the next packet boundary after framing was lost. */
export const RESYNC_WINDOW = 16 * 1024;
/** Chunk starts remembered inside the resync window (each is a likely packet boundary). */
const MAX_CHUNK_STARTS = 16;
const EMPTY = new Uint8Array(0);

/**
 * Room for at least `need` bytes, doubling from 256 up to `limit`: the buffer follows the bytes
 * that arrived, not the length the header claims (which may be garbage).
 */
function grow(kept: Uint8Array, used: number, need: number, limit: number): Uint8Array {
  const size = Math.min(limit, Math.max(need, 256, 2 * kept.length));
  const out = new Uint8Array(size);
  out.set(kept.subarray(0, used));
  return out;
}

interface ChunkStart {
  at: number;
  ns: number;
}

export interface Packet {
  /** Sequence id of the first physical packet. */
  seq: number;
  /** Sequence id of the last physical packet (differs only for 16 MiB continuations). */
  lastSeq: number;
  /** Logical payload length (all physical packets). */
  length: number;
  /** The captured prefix of the payload, contiguous from its start, at most MAX_KEPT_PAYLOAD. */
  payload: Uint8Array;
  /** Headers and payload as they were on the wire (what the stream consumed for it). */
  wireBytes: number;
  /** Capture lost some of its payload bytes. */
  lost: boolean;
  /** The stream ended (close) before the packet did. */
  partial: boolean;
  /** First packet found after framing was lost. */
  resynced: boolean;
  startNs: number;
  endNs: number;
}

export const REJECT = 0;
export const WAIT = 1;
export const ACCEPT = 2;
/** Like WAIT, for a start the rule expects (a chunk start that begins like the awaited packet): nothing after it is accepted meanwhile. */
export const HOLD = 3;
export type Verdict = typeof REJECT | typeof WAIT | typeof ACCEPT | typeof HOLD;

/** Decides whether a packet header plausibly starts at `at` in `buf` (bytes after lost framing). */
export interface SyncRule {
  /** WAIT / HOLD: cannot tell before more bytes arrive. `chunkStart`: a capture chunk began exactly here. */
  check(buf: Uint8Array, at: number, chunkStart: boolean): Verdict;
}

export interface FramerSink {
  packet(p: Packet): void;
  /** Bytes that belonged to no packet the framer could find. */
  discarded(n: number): void;
  /** Framing was lost (a gap hid a packet header). */
  lostSync(nowNs: number): void;
}

interface Building {
  seq: number;
  lastSeq: number;
  length: number;
  kept: Uint8Array;
  keptLength: number;
  /** Stop copying: the kept prefix is full or a gap interrupted it. */
  keepClosed: boolean;
  consumed: number;
  lost: boolean;
  resynced: boolean;
  startNs: number;
}

export class PacketFramer {
  private readonly header = new Uint8Array(4);
  private headerHave = 0;
  private headerStartNs = 0;
  /** Bytes left in the current physical packet's payload; -1 while reading a header. */
  private payloadLeft = -1;
  /** The current physical packet is full-size: the logical packet continues after it. */
  private continues = false;
  private building: Building | null = null;
  private seeking: boolean;
  private seekBuffer = EMPTY;
  private seekLength = 0;
  /** Where capture chunks began in the resync window, and when (the earliest ones are kept). */
  private chunkStarts: ChunkStart[] = [];
  /** Time of the chunk holding the window's first byte when its own start is gone. */
  private windowStartNs = 0;
  /** Offsets of the window that could not be judged yet, ascending. */
  private waiting: number[] = [];
  /** Offsets from here on have never been judged. */
  private scannedTo = 0;
  private nextIsResynced = false;
  private halted = false;

  constructor(private readonly sink: FramerSink, private readonly rule: SyncRule, startSeeking: boolean) {
    this.seeking = startSeeking;
  }

  /** Bytes held: a partial header, the kept prefix of the packet being read, the resync window. */
  get bufferedBytes(): number {
    return this.headerHave + (this.building?.keptLength ?? 0) + this.seekLength;
  }

  get isSeeking(): boolean {
    return this.seeking;
  }

  /** Part of a packet has been read (header bytes or payload). */
  get midPacket(): boolean {
    return !this.seeking && (this.headerHave > 0 || this.building !== null);
  }

  push(bytes: Uint8Array, nowNs: number): void {
    if (this.halted) {
      if (bytes.length > 0) this.sink.discarded(bytes.length);
      return;
    }
    if (this.seeking) this.seek(bytes, nowNs);
    else this.consume(bytes, nowNs);
  }

  gap(n: number, nowNs: number): void {
    if (n <= 0) return;
    if (this.halted) {
      this.sink.discarded(n);
      return;
    }
    if (this.seeking) {
      // Nothing before a gap can anchor a packet after it.
      this.dropSeekBuffer();
      this.sink.discarded(n);
      return;
    }
    const b = this.building;
    if (this.payloadLeft >= 0 && b !== null) {
      const inPacket = Math.min(n, this.payloadLeft);
      b.consumed += inPacket;
      b.lost = true;
      b.keepClosed = true;
      this.payloadLeft -= inPacket;
      if (this.payloadLeft > 0) return;
      this.endPhysical(nowNs);
      const rest = n - inPacket;
      // A gap that ends exactly at a packet end keeps framing (the next byte is a header)...
      if (rest === 0) return;
      // ...one that goes further hides the next header.
      this.loseSync(rest, nowNs);
      return;
    }
    this.loseSync(n, nowNs);
  }

  /**
   * The packet being read is not trusted (bytes nobody is waiting for): drop it and look for
   * a new packet start in the next bytes.
   */
  abandon(): void {
    if (this.halted || this.seeking) return;
    const dropped = this.headerHave + (this.building?.consumed ?? 0);
    this.resetPacket();
    if (dropped > 0) this.sink.discarded(dropped);
    this.seeking = true;
    this.nextIsResynced = true;
  }

  /** While seeking, forget what is buffered: a fresh response is expected in the next bytes. */
  restartSeek(): void {
    if (this.seeking) this.dropSeekBuffer();
  }

  /** Ignore everything from now on (TLS, compression). */
  halt(): void {
    if (this.halted) return;
    const held = this.headerHave + (this.building?.consumed ?? 0) + this.seekLength;
    this.resetPacket();
    this.seekLength = 0;
    this.seekBuffer = EMPTY;
    this.chunkStarts = [];
    this.waiting = [];
    this.scannedTo = 0;
    this.halted = true;
    if (held > 0) this.sink.discarded(held);
  }

  /** End of stream: a packet cut short is handed over `partial`, anything else is discarded. */
  flush(nowNs: number): void {
    if (this.seeking) {
      this.dropSeekBuffer();
      return;
    }
    const b = this.building;
    if (b !== null) {
      const consumed = b.consumed + this.headerHave;
      this.building = null;
      this.headerHave = 0;
      this.payloadLeft = -1;
      this.continues = false;
      this.sink.packet(this.toPacket(b, consumed, nowNs, true));
    } else if (this.headerHave > 0) {
      const n = this.headerHave;
      this.headerHave = 0;
      this.sink.discarded(n);
    }
  }

  private resetPacket(): void {
    this.headerHave = 0;
    this.payloadLeft = -1;
    this.continues = false;
    this.building = null;
  }

  private loseSync(discardedBytes: number, nowNs: number): void {
    const b = this.building;
    const held = this.headerHave;
    this.resetPacket();
    if (b !== null) {
      // A continuation whose next header fell into the gap: report what was read of it.
      b.lost = true;
      this.sink.packet(this.toPacket(b, b.consumed + held, nowNs, false));
    } else if (held > 0) {
      discardedBytes += held;
    }
    this.sink.discarded(discardedBytes);
    this.seeking = true;
    this.nextIsResynced = true;
    this.dropSeekBuffer();
    this.sink.lostSync(nowNs);
  }

  private dropSeekBuffer(): void {
    const n = this.seekLength;
    this.seekLength = 0;
    this.seekBuffer = EMPTY;
    this.chunkStarts = [];
    this.waiting = [];
    this.scannedTo = 0;
    if (n > 0) this.sink.discarded(n);
  }

  /** `startKnown`: headerStartNs is already set for the first packet (bytes held while seeking). */
  private consume(bytes: Uint8Array, nowNs: number, startKnown = false): void {
    const n = bytes.length;
    let i = 0;
    while (i < n) {
      if (this.halted) {
        this.sink.discarded(n - i);
        return;
      }
      if (this.payloadLeft < 0) {
        if (this.headerHave === 0 && this.building === null && !(startKnown && i === 0)) this.headerStartNs = nowNs;
        while (this.headerHave < 4 && i < n) this.header[this.headerHave++] = bytes[i++]!;
        if (this.headerHave < 4) return;
        this.startPhysical();
        if (this.payloadLeft === 0) this.endPhysical(nowNs);
        continue;
      }
      const b = this.building!;
      const take = Math.min(this.payloadLeft, n - i);
      if (!b.keepClosed) {
        const limit = Math.min(b.length, MAX_KEPT_PAYLOAD);
        const copy = Math.min(take, limit - b.keptLength);
        if (b.keptLength + copy > b.kept.length) b.kept = grow(b.kept, b.keptLength, b.keptLength + copy, limit);
        b.kept.set(bytes.subarray(i, i + copy), b.keptLength);
        b.keptLength += copy;
        if (b.keptLength === limit) b.keepClosed = true;
      }
      b.consumed += take;
      this.payloadLeft -= take;
      i += take;
      if (this.payloadLeft === 0) this.endPhysical(nowNs);
    }
  }

  private startPhysical(): void {
    const h = this.header;
    const length = h[0]! | (h[1]! << 8) | (h[2]! << 16);
    const seq = h[3]!;
    this.headerHave = 0;
    this.payloadLeft = length;
    this.continues = length === MAX_PACKET_PAYLOAD;
    const b = this.building;
    if (b === null) {
      this.building = {
        seq, lastSeq: seq, length, kept: EMPTY, keptLength: 0,
        keepClosed: length === 0, consumed: 4, lost: false, resynced: this.nextIsResynced, startNs: this.headerStartNs,
      };
      this.nextIsResynced = false;
    } else {
      b.lastSeq = seq;
      b.length += length;
      b.consumed += 4;
    }
  }

  private endPhysical(nowNs: number): void {
    this.payloadLeft = -1;
    if (this.continues) return;
    const b = this.building!;
    this.building = null;
    this.sink.packet(this.toPacket(b, b.consumed, nowNs, false));
  }

  private toPacket(b: Building, wireBytes: number, endNs: number, partial: boolean): Packet {
    return {
      seq: b.seq, lastSeq: b.lastSeq, length: b.length, payload: b.kept.subarray(0, b.keptLength), wireBytes,
      lost: b.lost, partial, resynced: b.resynced, startNs: b.startNs, endNs,
    };
  }

  private seek(bytes: Uint8Array, nowNs: number): void {
    if (this.seekLength === 0 && bytes.length > 0 && this.rule.check(bytes, 0, true) === ACCEPT) {
      // The common case (a chunk that starts with a packet): no copy into the window.
      this.seeking = false;
      this.consume(bytes, nowNs);
      return;
    }
    let i = 0;
    let first = true;
    while (i < bytes.length && this.seeking && !this.halted) {
      const take = Math.min(RESYNC_WINDOW - this.seekLength, bytes.length - i);
      if (this.seekBuffer.length < this.seekLength + take) {
        const grown = new Uint8Array(Math.min(RESYNC_WINDOW, Math.max(this.seekLength + take, 2 * this.seekBuffer.length)));
        grown.set(this.seekBuffer.subarray(0, this.seekLength));
        this.seekBuffer = grown;
      }
      if (first) {
        if (this.seekLength === 0) this.windowStartNs = nowNs;
        if (this.chunkStarts.length < MAX_CHUNK_STARTS) this.chunkStarts.push({ at: this.seekLength, ns: nowNs });
        first = false;
      }
      this.seekBuffer.set(bytes.subarray(i, i + take), this.seekLength);
      this.seekLength += take;
      i += take;
      const found = this.scan();
      if (found !== null) {
        // Found a packet start: frame the remaining buffered bytes, then the rest of the input.
        this.headerStartNs = found.startNs;
        this.consume(found.rest, nowNs, true);
        if (i < bytes.length) this.push(bytes.subarray(i), nowNs);
        return;
      }
    }
  }

  private isChunkStart(at: number): boolean {
    for (const c of this.chunkStarts) if (c.at === at) return true;
    return false;
  }

  /** Time of the chunk that carried the byte at `at` of the window. */
  private timeAt(at: number): number {
    let ns = this.windowStartNs;
    for (const c of this.chunkStarts) if (c.at <= at) ns = c.ns;
    return ns;
  }

  /**
   * The bytes from an accepted packet start and their time (seeking ends), or null (still
   * seeking). A rejected offset stays rejected as bytes are added (rules judge the bytes there,
   * and the hints they use only change while the window is empty), so each scan looks again
   * only at the offsets that were waiting and at the new ones.
   */
  private scan(): { rest: Uint8Array; startNs: number } | null {
    const buf = this.seekBuffer.subarray(0, this.seekLength);
    const waits: number[] = [];
    let held = false;
    const candidates = this.waiting;
    let k = 0;
    for (let at = candidates[0] ?? this.scannedTo; at < buf.length;) {
      let verdict = this.rule.check(buf, at, this.isChunkStart(at));
      // A candidate that had a whole window to prove itself and did not is rejected.
      if ((verdict === WAIT || verdict === HOLD) && buf.length - at >= RESYNC_WINDOW) verdict = REJECT;
      // An accepted start wins over an earlier undecided one (accepting takes evidence, waiting
      // only a length that runs past the end), unless that one is a held, expected start.
      if (verdict === ACCEPT && !held) {
        const rest = buf.slice(at);
        const startNs = this.timeAt(at);
        if (at > 0) this.sink.discarded(at);
        this.seekLength = 0;
        this.seekBuffer = EMPTY;
        this.chunkStarts = [];
        this.waiting = [];
        this.scannedTo = 0;
        this.seeking = false;
        return { rest, startNs };
      }
      if (verdict === HOLD) held = true;
      // Held back (an accepted start behind a held one) counts as waiting too.
      if (verdict !== REJECT) waits.push(at);
      // Next: the following waiting offset, then every offset past the previous scan.
      k++;
      if (k < candidates.length) at = candidates[k]!;
      else at = Math.max(at + 1, this.scannedTo);
    }
    const drop = waits.length > 0 ? waits[0]! : buf.length;
    this.waiting = waits.map((w) => w - drop);
    this.scannedTo = buf.length - drop;
    if (drop > 0) {
      this.seekBuffer.copyWithin(0, drop, this.seekLength);
      this.seekLength -= drop;
      this.windowStartNs = this.timeAt(drop);
      this.chunkStarts = this.chunkStarts.map((c) => ({ at: c.at - drop, ns: c.ns })).filter((c) => c.at >= 0);
      this.sink.discarded(drop);
    }
    return null;
  }
}
