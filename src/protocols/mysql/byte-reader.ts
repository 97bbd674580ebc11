// Bounds-checked little-endian reads over one packet payload. A read past the end sets `failed`
// and yields 0 / empty, so packet decoders check once at the end instead of after every field.

const UTF8 = new TextDecoder('utf-8', { fatal: false });

export class ByteReader {
  pos: number;
  failed = false;

  constructor(readonly bytes: Uint8Array, start = 0) {
    this.pos = start;
  }

  get remaining(): number {
    return Math.max(0, this.bytes.length - this.pos);
  }

  private take(n: number): number {
    const at = this.pos;
    if (n < 0 || at + n > this.bytes.length) {
      this.failed = true;
      this.pos = this.bytes.length;
      return -1;
    }
    this.pos += n;
    return at;
  }

  u8(): number {
    const at = this.take(1);
    return at < 0 ? 0 : this.bytes[at]!;
  }

  u16(): number {
    const at = this.take(2);
    return at < 0 ? 0 : this.bytes[at]! | (this.bytes[at + 1]! << 8);
  }

  u32(): number {
    const at = this.take(4);
    if (at < 0) return 0;
    const b = this.bytes;
    return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
  }

  /**
   * Length-encoded integer. 0xfb (NULL in rows) and 0xff are not integers: `failed`. Values past
   * 2^53 lose precision, which no count this parser keeps can reach.
   */
  lenenc(): number {
    const first = this.u8();
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.u16();
    if (first === 0xfd) {
      const at = this.take(3);
      return at < 0 ? 0 : this.bytes[at]! | (this.bytes[at + 1]! << 8) | (this.bytes[at + 2]! << 16);
    }
    if (first === 0xfe) {
      const low = this.u32();
      const high = this.u32();
      return low + high * 0x100000000;
    }
    this.failed = true;
    return 0;
  }

  skip(n: number): void {
    this.take(n);
  }

  bytesOf(n: number): Uint8Array {
    const at = this.take(n);
    return at < 0 ? new Uint8Array(0) : this.bytes.subarray(at, at + n);
  }

  /** Up to the next NUL (consumed); to the end when there is none. */
  nulTerminated(): Uint8Array {
    const start = this.pos;
    let end = this.bytes.indexOf(0, start);
    if (end < 0) {
      end = this.bytes.length;
      this.pos = end;
    } else {
      this.pos = end + 1;
    }
    return this.bytes.subarray(start, end);
  }

  lenencBytes(): Uint8Array {
    const n = this.lenenc();
    return this.failed ? new Uint8Array(0) : this.bytesOf(n);
  }

  rest(): Uint8Array {
    const at = Math.min(this.pos, this.bytes.length);
    this.pos = this.bytes.length;
    return this.bytes.subarray(at);
  }
}

export function utf8(bytes: Uint8Array): string {
  return UTF8.decode(bytes);
}
