// The message a RespScanner reports: its shape (type, count, size, timing) and short prefixes
// of the few values pairing needs. Never the payloads: keys and values are user data.

/** Pseudo type of an inline (telnet-style) command: `PING\r\n`. */
export const INLINE = 0x20;

/** How many leading elements (or the value itself, for a top-level simple value) are captured. */
export const HEAD_SLOTS = 3;
/** Longest captured prefix of one value: command names, subcommands, error prefixes fit. */
export const HEAD_CAP = 64;

/** Why a message ended before its last byte. */
export type RespCut = 'gap' | 'unparsable' | 'closed';

/**
 * The message the scanner just finished. One object, reused for every message: listeners read
 * it during the callback and keep only what they copy out.
 */
export class RespMessage {
  /** Top-level type byte after any attributes (`+`, `*`, `%`...), INLINE, or 0 when cut before it. */
  type = 0;
  /** Declared count of a top-level aggregate (-1 null, -2 streamed); word count of an inline command. */
  count = 0;
  /** Whole message on the wire, including attributes and bytes counted through gaps. */
  bytes = 0;
  startNs = 0;
  endNs = 0;
  /** Bit i set: a gap took bytes of head i, so what `head(i)` returns may be incomplete. */
  lostHeads = 0;
  /** Contained a RESP3-only type. */
  resp3 = false;
  /** null when the message ended normally. */
  cut: RespCut | null = null;
  // Plain arrays, not typed ones: one parser per connection, and typed-array allocation costs
  // more than the few bytes it saves.
  /** @internal */ readonly slotBytes: number[] = [];
  /** @internal Captured length per slot, -1 when the slot holds no simple value. */
  readonly slotLength: number[] = [-1, -1, -1];
  /** @internal Type byte of each captured element. */
  readonly slotType: number[] = [0, 0, 0];

  /**
   * Prefix (latin1, ≤ HEAD_CAP bytes) of the i-th element of a top-level aggregate or inline
   * command, or of the value itself (i = 0) for a top-level simple value; null when that element
   * is an aggregate, a null, or absent.
   */
  head(i: number): string | null {
    const n = this.slotLength[i];
    if (n === undefined || n < 0) return null;
    const at = i * HEAD_CAP;
    // One string, not one per byte appended (a 16-byte key made 16 of them).
    return String.fromCharCode(...this.slotBytes.slice(at, at + n));
  }

  /** Type byte of the i-th captured element (`$`, `:`...), 0 when none. */
  headType(i: number): number {
    return (this.slotLength[i] ?? -1) >= 0 ? this.slotType[i]! : 0;
  }

  /** Whether the i-th head is exactly `word` (already lower-case), compared case-insensitively. */
  headIs(i: number, word: string): boolean {
    const n = this.slotLength[i];
    if (n !== word.length) return false;
    const at = i * HEAD_CAP;
    for (let k = 0; k < n; k++) {
      const b = this.slotBytes[at + k]!;
      const lower = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
      if (lower !== word.charCodeAt(k)) return false;
    }
    return true;
  }
}
