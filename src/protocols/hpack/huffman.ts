// HPACK's static Huffman code (RFC 7541 Appendix B) and its decoder.
//
// The code is canonical: within one length, codes follow symbol order, and each length starts
// right after the previous one's last code shifted left. So the RFC's table is fully described by
// the bit length of each symbol, and the codes are recomputed here at module load.
//
// Decoding walks the code tree four bits at a time through a table built once at load: for each
// of the 256 internal tree nodes and each nibble, the node reached and the symbol completed on the
// way, if any (every code is at least 5 bits long, so a nibble completes at most one). That is
// 4096 32-bit entries (16 KiB), against 30 steps per symbol for a bit-by-bit walk.

/** Bit length of the code of each symbol 0..255, then EOS (256). */
export const HUFFMAN_CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0x00
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 0x10
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, //         0x20 ' ' .. '/'
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, //              0x30 '0' .. '?'
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, //                0x40 '@' .. 'O'
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, //             0x50 'P' .. '_'
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, //                0x60 '`' .. 'o'
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, //            0x70 'p' .. 0x7f
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 0x80
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 0x90
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 0xa0
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 0xb0
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 0xc0
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 0xd0
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 0xe0
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 0xf0
  30, //                                                             EOS
];

export const EOS = 256;

/** Code of each symbol, right-aligned in `HUFFMAN_CODE_LENGTHS[sym]` bits. */
export const HUFFMAN_CODES: readonly number[] = canonicalCodes(HUFFMAN_CODE_LENGTHS);

function canonicalCodes(lengths: readonly number[]): number[] {
  const order = lengths.map((len, sym) => ({ len, sym })).sort((a, b) => a.len - b.len || a.sym - b.sym);
  const codes = new Array<number>(lengths.length).fill(0);
  let code = 0;
  let len = order[0]!.len;
  for (const entry of order) {
    // Multiplication, not <<: 30-bit codes would turn negative once shifted.
    code *= 2 ** (entry.len - len);
    len = entry.len;
    codes[entry.sym] = code;
    code++;
  }
  return codes;
}

// Entry layout: bits 0-7 next node, bits 8-15 symbol, bit 16 a symbol was completed, bit 17 EOS
// was decoded (always an error in a string literal, RFC 7541 §5.2).
const EMITS = 1 << 16;
const FAILS = 1 << 17;

interface DecodeTables {
  /** [node * 16 + nibble] → entry. */
  transitions: Uint32Array;
  /** Per node: 1 when stopping there is valid padding (at most 7 bits, all ones, §5.2). */
  paddingOk: Uint8Array;
}

const TABLES: DecodeTables = buildTables();

function buildTables(): DecodeTables {
  // The tree: 256 internal nodes for 257 leaves. children[node*2 + bit] ≥ 0 is an internal node,
  // < 0 is the leaf of symbol -(value + 1).
  const children = new Int32Array(512).fill(0x7fffffff);
  const depth = new Uint8Array(256);
  const allOnes = new Uint8Array(256);
  allOnes[0] = 1;
  let nodes = 1;
  for (let sym = 0; sym <= EOS; sym++) {
    const len = HUFFMAN_CODE_LENGTHS[sym]!;
    const code = HUFFMAN_CODES[sym]!;
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = Math.floor(code / 2 ** i) & 1;
      const slot = node * 2 + bit;
      if (i === 0) {
        children[slot] = -(sym + 1);
      } else {
        if (children[slot] === 0x7fffffff) {
          children[slot] = nodes;
          depth[nodes] = depth[node]! + 1;
          allOnes[nodes] = allOnes[node]! & bit;
          nodes++;
        }
        node = children[slot]!;
      }
    }
  }
  const transitions = new Uint32Array(256 * 16);
  for (let start = 0; start < nodes; start++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = start;
      let entry = 0;
      for (let b = 3; b >= 0; b--) {
        const next = children[node * 2 + ((nibble >> b) & 1)]!;
        if (next >= 0) {
          node = next;
          continue;
        }
        const sym = -next - 1;
        if (sym === EOS) {
          entry |= FAILS;
          break;
        }
        entry |= EMITS | (sym << 8);
        node = 0;
      }
      transitions[start * 16 + nibble] = entry | node;
    }
  }
  const paddingOk = new Uint8Array(256);
  for (let n = 0; n < nodes; n++) paddingOk[n] = allOnes[n] === 1 && depth[n]! <= 7 ? 1 : 0;
  return { transitions, paddingOk };
}

/** Huffman decoding failed: the string contains EOS. */
export const HUFFMAN_EOS = -1;
/** Huffman decoding failed: the last bits are not a valid padding (over 7 bits or not all ones). */
export const HUFFMAN_BAD_PADDING = -2;

/** Most bytes `n` encoded bytes can decode to (5-bit codes are the shortest). */
export function huffmanDecodedBound(n: number): number {
  return Math.floor((n * 8) / 5);
}

/**
 * Decodes `src[start, end)` into `out` (which must hold `huffmanDecodedBound(end - start)` bytes),
 * or only counts the decoded bytes when `out` is null. Returns the decoded length, or
 * HUFFMAN_EOS / HUFFMAN_BAD_PADDING.
 */
export function huffmanDecode(src: Uint8Array, start: number, end: number, out: Uint8Array | null): number {
  const { transitions, paddingOk } = TABLES;
  let node = 0;
  let n = 0;
  for (let i = start; i < end; i++) {
    const byte = src[i]!;
    let entry = transitions[node * 16 + (byte >> 4)]!;
    if ((entry & FAILS) !== 0) return HUFFMAN_EOS;
    if ((entry & EMITS) !== 0) {
      if (out !== null) out[n] = (entry >> 8) & 0xff;
      n++;
    }
    node = entry & 0xff;
    entry = transitions[node * 16 + (byte & 0x0f)]!;
    if ((entry & FAILS) !== 0) return HUFFMAN_EOS;
    if ((entry & EMITS) !== 0) {
      if (out !== null) out[n] = (entry >> 8) & 0xff;
      n++;
    }
    node = entry & 0xff;
  }
  return paddingOk[node] === 1 ? n : HUFFMAN_BAD_PADDING;
}
