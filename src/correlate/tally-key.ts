// Twins of the hashes in bpf/lib/l7_tally.bpf.h. The kernel tallies exchanges of paused
// connections under a hash of their path or SQL text; user space computes the same hash for the
// exchanges it parses and so learns which route or table each hash stands for. Change both
// together: a mismatch shows as tallied exchanges without a route or table
// (test/http-shedding.test.ts, test/db-tally.test.ts).

const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;
/** Bytes of path or SQL text the kernel looks at (L7_TALLY_SCAN_BYTES). */
export const TALLY_SCAN_BYTES = 96;
/** Bytes of SQL text the kernel hashes, skipped ones not counted (L7_TALLY_DETAIL_BYTES). */
export const TALLY_DETAIL_BYTES = 64;

const fnv = (h: number, byte: number): number => Math.imul(h ^ byte, FNV_PRIME) >>> 0;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** Kernel bytes are what was on the wire: paths and SQL as UTF-8. */
const encoder = new TextEncoder();

/**
 * The first TALLY_SCAN_BYTES bytes of `text` as UTF-8, one byte per UTF-16 unit. This runs for
 * every parsed record, so ASCII (nearly every path and statement) is the text itself, unsliced.
 */
function scanned(text: string): string {
  const n = Math.min(text.length, TALLY_SCAN_BYTES);
  for (let i = 0; i < n; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      const bytes = encoder.encode(text.slice(0, TALLY_SCAN_BYTES)).subarray(0, TALLY_SCAN_BYTES);
      return String.fromCharCode(...bytes);
    }
  }
  return text;
}

/**
 * The kernel's key for an HTTP request target: FNV-1a by '/'-separated segments of the path (up
 * to ' ', '?', '#', CR, NUL or 96 bytes), a segment holding a digit folding as 0.
 */
export function pathTallyKey(target: string): number {
  const bytes = scanned(target);
  const length = Math.min(bytes.length, TALLY_SCAN_BYTES);
  let h = FNV_OFFSET;
  let seg = FNV_OFFSET;
  let digit = false;
  for (let i = 0; i < length; i++) {
    const c = bytes.charCodeAt(i);
    if (c === 0x20 || c === 0x3f || c === 0x23 || c === 0x0d || c === 0) break;
    if (c === 0x2f) {
      h = fnv(h, digit ? 0 : seg);
      seg = FNV_OFFSET;
      digit = false;
      continue;
    }
    seg = fnv(seg, c);
    if (isDigit(c)) digit = true;
  }
  return fnv(h, digit ? 0 : seg);
}

/**
 * The kernel's key for SQL text: FNV-1a of its first 96 bytes (to a NUL) without digits and
 * quoted literals, at most 64 bytes hashed.
 */
export function sqlTallyKey(sql: string): number {
  const bytes = scanned(sql);
  const length = Math.min(bytes.length, TALLY_SCAN_BYTES);
  let h = FNV_OFFSET;
  let quoted = false;
  let hashed = 0;
  for (let i = 0; i < length; i++) {
    const c = bytes.charCodeAt(i);
    if (c === 0 || hashed >= TALLY_DETAIL_BYTES) break;
    if (c === 0x27) {
      quoted = !quoted;
      continue;
    }
    if (quoted || isDigit(c)) continue;
    h = fnv(h, c);
    hashed++;
  }
  return h;
}
