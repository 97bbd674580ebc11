// HPACK integers (RFC 7541 §5.1): an N-bit prefix, then 7 bits per continuation byte, least
// significant group first.

/** The block ended inside the integer. */
export const INTEGER_TRUNCATED = -1;
/** The integer does not fit in 31 bits: no field, length or index of ours can be that large. */
export const INTEGER_TOO_LARGE = -2;

const LIMIT = 0x7fffffff;

/**
 * Reads the integer whose prefix is the low `prefixBits` bits of `bytes[pos]`. Returns the value
 * and sets `cursor.pos` past it, or returns INTEGER_TRUNCATED / INTEGER_TOO_LARGE.
 */
export function readInteger(bytes: Uint8Array, cursor: { pos: number }, end: number, prefixBits: number): number {
  let pos = cursor.pos;
  if (pos >= end) return INTEGER_TRUNCATED;
  const max = (1 << prefixBits) - 1;
  let value = bytes[pos++]! & max;
  if (value < max) {
    cursor.pos = pos;
    return value;
  }
  let scale = 1;
  for (;;) {
    if (pos >= end) return INTEGER_TRUNCATED;
    const b = bytes[pos++]!;
    value += (b & 0x7f) * scale;
    if (value > LIMIT) return INTEGER_TOO_LARGE;
    if ((b & 0x80) === 0) break;
    scale *= 128;
    // Redundant zero continuation bytes could otherwise loop over a whole block without growing
    // the value; five groups already exceed 31 bits.
    if (scale > 2 ** 35) return INTEGER_TOO_LARGE;
  }
  cursor.pos = pos;
  return value;
}
