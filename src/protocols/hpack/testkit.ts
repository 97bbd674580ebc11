// A minimal HPACK encoder for tests (not used by the agent): builds header blocks field by
// field so tests can state exactly which representation they exercise.

import { HUFFMAN_CODES, HUFFMAN_CODE_LENGTHS } from './huffman.js';

/** "8286 8441" → bytes; whitespace ignored. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** RFC 7541 §5.1, `flags` being the bits above the prefix in the first byte. */
export function encodeInteger(value: number, prefixBits: number, flags = 0): Uint8Array {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Uint8Array.of(flags | value);
  const out = [flags | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

export function huffmanEncode(text: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const sym of text) {
    const len = HUFFMAN_CODE_LENGTHS[sym]!;
    const code = HUFFMAN_CODES[sym]!;
    for (let i = len - 1; i >= 0; i--) {
      acc = (acc << 1) | (Math.floor(code / 2 ** i) & 1);
      if (++bits === 8) {
        out.push(acc);
        acc = 0;
        bits = 0;
      }
    }
  }
  if (bits > 0) out.push(((acc << (8 - bits)) | ((1 << (8 - bits)) - 1)) & 0xff);
  return Uint8Array.from(out);
}

export function latin1Bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

export function encodeString(s: string, huffman = false): Uint8Array {
  const raw = latin1Bytes(s);
  const body = huffman ? huffmanEncode(raw) : raw;
  return concatBytes(encodeInteger(body.length, 7, huffman ? 0x80 : 0), body);
}

export function indexed(index: number): Uint8Array {
  return encodeInteger(index, 7, 0x80);
}

export type Indexing = 'incremental' | 'without' | 'never';

/** A literal field; `name` a number is an index (static or dynamic) for the name. */
export function literal(name: string | number, value: string, indexing: Indexing = 'without', huffman = false): Uint8Array {
  const [prefix, flags] = indexing === 'incremental' ? [6, 0x40] : indexing === 'never' ? [4, 0x10] : [4, 0x00];
  if (typeof name === 'number') return concatBytes(encodeInteger(name, prefix, flags), encodeString(value, huffman));
  return concatBytes(encodeInteger(0, prefix, flags), encodeString(name, huffman), encodeString(value, huffman));
}

export function sizeUpdate(size: number): Uint8Array {
  return encodeInteger(size, 5, 0x20);
}

/** One header block from its representations. */
export function block(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts);
}
