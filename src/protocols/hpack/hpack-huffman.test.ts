import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EOS, HUFFMAN_BAD_PADDING, HUFFMAN_CODES, HUFFMAN_CODE_LENGTHS, HUFFMAN_EOS, huffmanDecode, huffmanDecodedBound,
} from './huffman.js';
import { huffmanEncode, hex, latin1Bytes } from './testkit.js';

function decode(bytes: Uint8Array): number | string {
  const out = new Uint8Array(huffmanDecodedBound(bytes.length));
  const n = huffmanDecode(bytes, 0, bytes.length, out);
  return n < 0 ? n : String.fromCharCode(...out.subarray(0, n));
}

describe('HPACK Huffman code', () => {
  it('is a complete prefix code over 257 symbols (Kraft sum exactly 1)', () => {
    assert.equal(HUFFMAN_CODE_LENGTHS.length, 257);
    let sum = 0;
    for (const len of HUFFMAN_CODE_LENGTHS) sum += 2 ** -len;
    assert.equal(sum, 1);
  });

  it('recomputes the codes RFC 7541 Appendix B lists', () => {
    const listed: [number, number][] = [
      [0, 0x1ff8], [1, 0x7fffd8], [10, 0x3ffffffc], [0x20, 0x14], [0x30, 0x0], [0x3a, 0x5c], [0x58, 0xfc],
      [0x5c, 0x7fff0], [0x7f, 0xffffffc], [0x80, 0xfffe6], [0xc3, 0x7fff1], [0xd3, 0x7ffffe0], [0xfe, 0x7fffff0],
      [0xff, 0x3ffffee], [EOS, 0x3fffffff],
    ];
    for (const [sym, code] of listed) assert.equal(HUFFMAN_CODES[sym], code, `symbol ${sym}`);
  });

  it('round-trips every byte value, alone and among others', () => {
    for (let b = 0; b < 256; b++) {
      const text = String.fromCharCode(b);
      assert.equal(decode(huffmanEncode(latin1Bytes(text))), text, `byte ${b}`);
      const mixed = `a${text}zz${text}0`;
      assert.equal(decode(huffmanEncode(latin1Bytes(mixed))), mixed, `byte ${b} mixed`);
    }
  });

  const cases: { name: string; input: string; want: number | string }[] = [
    { name: 'empty string', input: '', want: '' },
    { name: 'RFC C.4.1 authority', input: 'f1e3 c2e5 f23a 6ba0 ab90 f4ff', want: 'www.example.com' },
    { name: 'RFC C.4.2 no-cache', input: 'a8eb 1064 9cbf', want: 'no-cache' },
    { name: 'one 5-bit symbol padded with three ones', input: '07', want: '0' },
    { name: 'padding not all ones', input: '00', want: HUFFMAN_BAD_PADDING },
    { name: 'padding of 8 bits (a whole 0xff byte)', input: '07 ff', want: HUFFMAN_BAD_PADDING },
    { name: 'EOS inside the string', input: 'ff ff ff ff', want: HUFFMAN_EOS },
    { name: 'eight padding bits alone', input: 'ff', want: HUFFMAN_BAD_PADDING },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(decode(hex(c.input)), c.want));
  }

  it('counts without writing when given no output buffer', () => {
    const enc = huffmanEncode(latin1Bytes('counting only'));
    assert.equal(huffmanDecode(enc, 0, enc.length, null), 'counting only'.length);
  });

  it('decodes a sub-range of a larger buffer', () => {
    const enc = huffmanEncode(latin1Bytes('custom-key'));
    const framed = new Uint8Array(enc.length + 4);
    framed.set(enc, 2);
    const out = new Uint8Array(32);
    const n = huffmanDecode(framed, 2, 2 + enc.length, out);
    assert.equal(String.fromCharCode(...out.subarray(0, n)), 'custom-key');
  });
});
