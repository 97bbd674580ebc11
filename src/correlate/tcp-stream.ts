/** Where an ordered stream's bytes go: captured bytes, or a count of bytes that exist but were not copied. */
export interface StreamSink {
  data(bytes: Uint8Array, tsNs: number): void;
  gap(length: number, tsNs: number): void;
}

export interface TcpStreamStats {
  duplicates: number;
  reordered: number;
  holes: number;
}

interface Pending {
  seq: number;
  payloadLength: number;
  bytes: Uint8Array;
  tsNs: number;
}

/** Signed distance a - b in 32-bit sequence space (TCP sequence numbers wrap). */
export function seqDiff(a: number, b: number): number {
  return ((a - b) | 0);
}

/**
 * Rebuilds one direction of a TCP connection from captured segments: retransmitted bytes are
 * delivered once, segments that arrive early wait for the gap before them to fill, and a hole
 * that never fills (a segment the kernel could not report) becomes a gap rather than a stall.
 * Segments carry `payloadLength` real bytes of which `bytes` (a prefix) were captured.
 */
export class TcpStream {
  #next: number | null = null;
  #pending: Pending[] = [];
  readonly #sink: StreamSink;
  readonly #maxPending: number;
  readonly stats: TcpStreamStats = { duplicates: 0, reordered: 0, holes: 0 };

  constructor(sink: StreamSink, maxPending = 16) {
    this.#sink = sink;
    this.#maxPending = maxPending;
  }

  /** The next sequence number expected, once the stream has started. */
  get next(): number | null {
    return this.#next;
  }

  segment(seq: number, payloadLength: number, bytes: Uint8Array, tsNs: number): void {
    if (payloadLength <= 0) return;
    if (this.#next === null) this.#next = seq >>> 0;
    const ahead = seqDiff(seq, this.#next);
    if (ahead > 0) {
      this.stats.reordered++;
      this.#pending.push({ seq: seq >>> 0, payloadLength, bytes: bytes.slice(), tsNs });
      if (this.#pending.length > this.#maxPending) this.#skipToEarliestPending();
      return;
    }
    this.#deliver(seq >>> 0, payloadLength, bytes, tsNs);
    this.#drainPending();
  }

  /** The connection ended: whatever still waits behind a hole is delivered after a gap. */
  flush(): void {
    while (this.#pending.length > 0) this.#skipToEarliestPending();
  }

  /** Delivers the part of a segment at or after #next. */
  #deliver(seq: number, payloadLength: number, bytes: Uint8Array, tsNs: number): void {
    const next = this.#next as number;
    const old = -seqDiff(seq, next); // bytes of this segment already delivered
    if (old >= payloadLength) {
      this.stats.duplicates++;
      return;
    }
    if (old > 0) this.stats.duplicates++;
    const from = Math.max(old, 0);
    if (from < bytes.length) this.#sink.data(from === 0 ? bytes : bytes.subarray(from), tsNs);
    const uncaptured = payloadLength - Math.max(from, bytes.length);
    if (uncaptured > 0) this.#sink.gap(uncaptured, tsNs);
    this.#next = (seq + payloadLength) >>> 0;
  }

  #drainPending(): void {
    if (this.#pending.length === 0) return;
    this.#pending.sort((a, b) => seqDiff(a.seq, b.seq));
    let progressed = true;
    while (progressed && this.#pending.length > 0) {
      progressed = false;
      const first = this.#pending[0] as Pending;
      if (seqDiff(first.seq, this.#next as number) <= 0) {
        this.#pending.shift();
        this.#deliver(first.seq, first.payloadLength, first.bytes, first.tsNs);
        progressed = true;
      }
    }
  }

  /** Gives up on the hole before the earliest waiting segment: reports it as a gap. */
  #skipToEarliestPending(): void {
    this.#pending.sort((a, b) => seqDiff(a.seq, b.seq));
    const first = this.#pending[0] as Pending;
    const hole = seqDiff(first.seq, this.#next as number);
    if (hole > 0) {
      this.stats.holes++;
      this.#sink.gap(hole, first.tsNs);
      this.#next = first.seq;
    }
    this.#drainPending();
  }
}
