// Reads Kafka's primitive types (big-endian integers, unsigned varints, int16- or varint-prefixed
// strings, arrays and bytes) from a captured prefix of one message. Two ways to fail, both
// sticky, neither throws: `cut` (a read needed bytes past the prefix held) and `bad` (the bytes
// contradict the format, e.g. a length running past the message's end). Skips may pass the end
// of the prefix as long as they stay within the message: that is how a 1 MB record set is
// stepped over to reach the next partition's fields, if they were captured.

const utf8 = new TextDecoder('utf-8');

/** Longest string kept (topic, group and client ids are limited to 249 / a few hundred bytes). */
export const MAX_KEPT_STRING = 255;

export class WireReader {
  private at: number;

  /** A read needed bytes past those held. */
  cut = false;
  /** The bytes contradict the format. */
  bad = false;

  /**
   * @param bytes the bytes held (a prefix of the message)
   * @param start where to begin reading
   * @param end the message's end (may lie past `bytes.length`)
   */
  constructor(private readonly bytes: Uint8Array, start: number, private readonly end: number) {
    this.at = start;
  }

  get failed(): boolean {
    return this.cut || this.bad;
  }

  get position(): number {
    return this.at;
  }

  /** Bytes left in the message (held or not). */
  get remaining(): number {
    return this.end - this.at;
  }

  /** Whether `n` more bytes can be read here; marks the failure when not. */
  private take(n: number): boolean {
    if (this.failed) return false;
    if (n < 0 || this.at + n > this.end) { this.bad = true; return false; }
    if (this.at + n > this.bytes.length) { this.cut = true; return false; }
    return true;
  }

  int8(): number {
    if (!this.take(1)) return 0;
    const v = this.bytes[this.at]!;
    this.at += 1;
    return v > 127 ? v - 256 : v;
  }

  int16(): number {
    if (!this.take(2)) return 0;
    const v = (this.bytes[this.at]! << 8) | this.bytes[this.at + 1]!;
    this.at += 2;
    return v > 0x7fff ? v - 0x10000 : v;
  }

  int32(): number {
    if (!this.take(4)) return 0;
    const b = this.bytes;
    const v = (b[this.at]! << 24) | (b[this.at + 1]! << 16) | (b[this.at + 2]! << 8) | b[this.at + 3]!;
    this.at += 4;
    return v;
  }

  /** Unsigned varint (at most 5 bytes, 32 bits), as used by compact lengths and tagged fields. */
  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (!this.take(1)) return 0;
      const b = this.bytes[this.at]!;
      this.at++;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) { this.bad = true; return 0; }
        return value;
      }
    }
    this.bad = true;
    return 0;
  }

  /** Moves past `n` bytes, which need not be held (only within the message). */
  skip(n: number): void {
    if (this.failed) return;
    if (n < 0 || this.at + n > this.end) { this.bad = true; return; }
    this.at += n;
  }

  /**
   * Forgets a `cut` and moves to `position`, later in the message: for a caller that can do
   * without the bytes it could not read before that point (record batch headers).
   */
  resumeAt(position: number): void {
    if (this.bad) return;
    this.cut = false;
    this.skip(position - this.at);
  }

  /** A (nullable) string: int16 length, or compact (varint length + 1). At most MAX_KEPT_STRING chars kept. */
  string(compact: boolean): string | null {
    const n = compact ? this.uvarint() - 1 : this.int16();
    if (this.failed || n < 0) return null;
    const keep = Math.min(n, MAX_KEPT_STRING * 4);
    if (!this.take(keep)) return null;
    const s = utf8.decode(this.bytes.subarray(this.at, this.at + keep));
    this.at += keep;
    this.skip(n - keep);
    return s.length > MAX_KEPT_STRING ? s.slice(0, MAX_KEPT_STRING) : s;
  }

  skipString(compact: boolean): void {
    const n = compact ? this.uvarint() - 1 : this.int16();
    if (n > 0) this.skip(n);
  }

  /**
   * Length of a (nullable) array or byte string: int32, or compact (varint length + 1). -1 for
   * null. A count larger than the bytes left is `bad` (every element takes at least one byte).
   */
  length(compact: boolean): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    if (this.failed) return 0;
    if (n < -1) { this.bad = true; return 0; }
    if (n > this.remaining) { this.bad = true; return 0; }
    return n;
  }

  /** Skips an array of fixed-size elements (int32 arrays: `width` 4). */
  skipFixedArray(compact: boolean, width: number): void {
    const n = this.length(compact);
    if (n > 0) this.skip(n * width);
  }

  /** Skips a tagged-field section (flexible versions): count, then (tag, size, data) each. */
  skipTaggedFields(): void {
    const count = this.uvarint();
    if (count > this.remaining) { this.bad = true; return; }
    for (let i = 0; i < count && !this.failed; i++) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }
}
