// DNS over TCP frames each message with a 2-byte big-endian length (RFC 1035 §4.2.2, RFC 7766).
// One direction's bytes go in, in whatever chunks the capture made; whole messages come out.
// Only the first MAX_KEPT_BYTES of a message are kept: header and question fit many times over,
// the rest of a large response (zone transfers, big TXT sets) is counted, not stored.
//
// A gap inside a message costs only that message's unseen bytes. A gap that swallows a length
// prefix loses the framing, and the stream has no marker to find it again; the framer then skips
// whole chunks until one starts like a length-prefixed message (writers send a message per
// write, so chunk starts are the likely message starts).

import type { ExchangeProblem } from '../exchange.js';

/** Per direction, whatever the input: the kept prefix of one message. */
export const MAX_KEPT_BYTES = 4096;
const PREFIX_BYTES = 2;

export interface FramedMessage {
  /** The message's first bytes, contiguous, without the length prefix; valid during the callback only. */
  bytes: Uint8Array;
  /** Length prefix included, as on the wire. */
  wireBytes: number;
  /** `bytes` is all of the message. */
  whole: boolean;
  /** Why some of it is missing: `truncated` (a gap), `connection-closed` (ended inside it). */
  cut: ExchangeProblem | null;
  /** Chunk times of its first and last bytes. */
  startNs: number;
  endNs: number;
}

type State = 'length' | 'body' | 'lost';

export class DnsTcpFramer {
  private state: State = 'length';
  private readonly kept = new Uint8Array(MAX_KEPT_BYTES);
  private keptLength = 0;
  private prefix = 0;
  private prefixBytes = 0;
  private messageLength = 0;
  /** Bytes of the body seen or lost to gaps so far. */
  private bodySeen = 0;
  /** A gap hit the body: nothing after it is kept, since the kept bytes must be contiguous. */
  private gapped = false;
  private startNs = 0;
  private skipped = 0;

  constructor(
    private readonly onMessage: (message: FramedMessage) => void,
    /** Whether a chunk starts like a message of this direction; used to regain framing. */
    private readonly looksLikeStart: (chunk: Uint8Array) => boolean,
  ) {}

  /** Bytes held: the kept part of the message being read, and a partial length prefix. */
  get bufferedBytes(): number {
    return this.keptLength + this.prefixBytes;
  }

  /** Bytes that belong to no framed message: after lost framing, or in a message cut by close. */
  get skippedBytes(): number {
    return this.skipped;
  }

  push(chunk: Uint8Array, nowNs: number): void {
    if (this.state === 'lost') {
      if (!this.looksLikeStart(chunk)) {
        this.skipped += chunk.length;
        return;
      }
      this.state = 'length';
    }
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'length') {
        if (this.prefixBytes === 0) this.startNs = nowNs;
        this.prefix = (this.prefix << 8) | chunk[i++]!;
        if (++this.prefixBytes < PREFIX_BYTES) continue;
        this.beginBody(nowNs);
        continue;
      }
      const take = Math.min(chunk.length - i, this.messageLength - this.bodySeen);
      if (!this.gapped && this.keptLength === this.bodySeen && this.keptLength < MAX_KEPT_BYTES) {
        const keep = Math.min(take, MAX_KEPT_BYTES - this.keptLength);
        this.kept.set(chunk.subarray(i, i + keep), this.keptLength);
        this.keptLength += keep;
      }
      this.bodySeen += take;
      i += take;
      if (this.bodySeen === this.messageLength) this.finish(null, nowNs);
    }
  }

  gap(n: number, nowNs: number): void {
    if (n <= 0) return;
    if (this.state === 'body' && n <= this.messageLength - this.bodySeen) {
      this.gapped = true;
      this.bodySeen += n;
      if (this.bodySeen === this.messageLength) this.finish('truncated', nowNs);
      return;
    }
    // The next length prefix (or part of the current one) was not seen.
    if (this.state === 'body') {
      const rest = this.messageLength - this.bodySeen;
      this.gapped = true;
      this.bodySeen = this.messageLength;
      this.finish('truncated', nowNs);
      this.skipped += n - rest;
    } else {
      this.skipped += n + this.prefixBytes;
      this.resetPrefix();
    }
    this.state = 'lost';
  }

  /** The stream ended: a message still being read comes out cut, a partial prefix is skipped. */
  end(nowNs: number): void {
    if (this.state === 'body') {
      // Its wire size is only what was seen: the rest never existed.
      this.messageLength = this.bodySeen;
      this.finish('connection-closed', nowNs);
    } else if (this.state === 'length') {
      this.skipped += this.prefixBytes;
      this.resetPrefix();
    }
    this.state = 'length';
  }

  private beginBody(nowNs: number): void {
    this.messageLength = this.prefix;
    this.resetPrefix();
    this.bodySeen = 0;
    this.keptLength = 0;
    this.gapped = false;
    this.state = 'body';
    // A zero length frames an empty message; it still ends here.
    if (this.messageLength === 0) this.finish(null, nowNs);
  }

  private finish(cut: ExchangeProblem | null, nowNs: number): void {
    const message: FramedMessage = {
      bytes: this.kept.subarray(0, this.keptLength),
      wireBytes: PREFIX_BYTES + this.messageLength,
      whole: this.keptLength === this.messageLength,
      cut: cut ?? (this.gapped ? 'truncated' : null),
      startNs: this.startNs,
      endNs: Math.max(this.startNs, nowNs),
    };
    this.keptLength = 0;
    this.bodySeen = 0;
    this.messageLength = 0;
    this.gapped = false;
    this.state = 'length';
    this.onMessage(message);
  }

  private resetPrefix(): void {
    this.prefix = 0;
    this.prefixBytes = 0;
  }
}
