import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fnv1a64Hex } from './fnv1a64.js';

/** The definition, in BigInt: slow and obviously right. */
function reference(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(text)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

describe('fnv1a64Hex', () => {
  // Published FNV-1a 64 test vectors.
  const vectors: [string, string][] = [['', 'cbf29ce484222325'], ['a', 'af63dc4c8601ec8c'], ['foobar', '85944171f73967e8']];
  for (const [input, want] of vectors) it(`vector ${JSON.stringify(input)}`, () => assert.equal(fnv1a64Hex(input), want));

  it('matches the BigInt definition on varied text, multi-byte UTF-8 included', () => {
    const samples = [
      'SELECT ?', 'é', '日本語', '😀 emoji', 'x'.repeat(3000), '\u0000\u00ff\uffff', 'UPDATE t SET a = ? WHERE b IN (?)',
      'lone \ud800 high', 'lone \udc00 low', 'pair at end \ud83d\ude00', 'high at end \ud83d',
    ];
    for (let i = 0; i < 300; i++) samples.push(String.fromCharCode(...Array.from({ length: i % 37 }, (_, k) => (i * 7919 + k * 104729) % 0x10000)));
    for (const s of samples) assert.equal(fnv1a64Hex(s), reference(s), JSON.stringify(s.slice(0, 20)));
  });
});
