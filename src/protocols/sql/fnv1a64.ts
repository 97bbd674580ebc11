// FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3), over the UTF-8 bytes
// of a string: cheap, stable across runs and languages, and good enough to group query shapes.
// Computed on two 32-bit halves, as BigInt arithmetic per byte would be several times slower,
// and encoding as it goes (a lone surrogate counts as U+FFFD, as TextEncoder has it).

const TWO_32 = 0x1_0000_0000;

/** 16 lower-case hex digits. */
export function fnv1a64Hex(text: string): string {
  const h = { hi: 0xcbf29ce4, lo: 0x84222325 };
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      step(h, c);
      continue;
    }
    if (c < 0x800) {
      step(h, 0xc0 | (c >> 6));
      step(h, 0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        step(h, 0xf0 | (cp >> 18));
        step(h, 0x80 | ((cp >> 12) & 0x3f));
        step(h, 0x80 | ((cp >> 6) & 0x3f));
        step(h, 0x80 | (cp & 0x3f));
        continue;
      }
      c = 0xfffd;
    }
    step(h, 0xe0 | (c >> 12));
    step(h, 0x80 | ((c >> 6) & 0x3f));
    step(h, 0x80 | (c & 0x3f));
  }
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');
}

function step(h: { hi: number; lo: number }, byte: number): void {
  const lo = (h.lo ^ byte) >>> 0;
  // h * (2^40 + 0x1b3): the 2^40 term only moves lo's low 24 bits into hi.
  const low = lo * 0x1b3;
  h.hi = (Math.imul(h.hi, 0x1b3) + (lo << 8) + Math.floor(low / TWO_32)) >>> 0;
  h.lo = low >>> 0;
}
