// Header octets as a string, one char per byte. HTTP field values are octets, not UTF-8 text
// (RFC 9110 §5.5); latin1 keeps every byte, never fails, and round-trips.

const CHUNK = 4096;
/** Below this, a plain loop beats building an argument list. */
const SHORT = 32;

export function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  let s = '';
  for (let i = start; i < end; i += CHUNK) {
    const part = bytes.subarray(i, Math.min(end, i + CHUNK));
    s += String.fromCharCode.apply(null, part as unknown as number[]);
  }
  return s;
}
