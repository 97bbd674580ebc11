import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readName, skipName } from './name.js';
import { wireName } from './testkit.js';

/** example.test at 0 (14 bytes), then whatever `rest` is, starting at 14. */
function withExample(rest: number[]): Uint8Array {
  return Uint8Array.from([...wireName('example.test'), ...rest]);
}

describe('readName / skipName', () => {
  const cases: { name: string; bytes: Uint8Array; start: number; want: ReturnType<typeof readName>; skip: number | string }[] = [
    { name: 'plain labels', bytes: withExample([]), start: 0, want: { name: 'example.test', end: 14 }, skip: 14 },
    {
      name: 'pointer back to earlier labels', bytes: withExample([3, 0x77, 0x77, 0x77, 0xc0, 0]), start: 14,
      want: { name: 'www.example.test', end: 20 }, skip: 20,
    },
    {
      name: 'pointer to a pointer', bytes: withExample([3, 0x77, 0x77, 0x77, 0xc0, 0, 1, 0x61, 0xc0, 14]), start: 20,
      want: { name: 'a.www.example.test', end: 24 }, skip: 24,
    },
    {
      name: 'pointer into the middle of a name', bytes: withExample([1, 0x78, 0xc0, 8]), start: 14,
      want: { name: 'x.test', end: 18 }, skip: 18,
    },
    { name: 'self pointer', bytes: withExample([0xc0, 14]), start: 14, want: 'pointer-loop', skip: 16 },
    { name: 'forward pointer', bytes: withExample([0xc0, 16, 0]), start: 14, want: 'pointer-loop', skip: 16 },
    {
      name: 'pointer back to the labels that led to it', bytes: withExample([1, 0x61, 0xc0, 14]), start: 14,
      want: 'pointer-loop', skip: 18,
    },
    { name: 'pointer out of range', bytes: withExample([0xc0, 0x40]), start: 14, want: 'pointer-out-of-range', skip: 16 },
    { name: 'pointer cut after its first byte', bytes: withExample([0xc0]), start: 14, want: 'truncated', skip: 'truncated' },
    { name: 'label cut', bytes: Uint8Array.from([5, 0x61, 0x62]), start: 0, want: 'truncated', skip: 'truncated' },
    { name: 'no root label', bytes: Uint8Array.from([1, 0x61]), start: 0, want: 'truncated', skip: 'truncated' },
    { name: 'start past the end', bytes: Uint8Array.from([0]), start: 1, want: 'truncated', skip: 'truncated' },
    { name: 'label too long (0x40 type)', bytes: Uint8Array.from([0x40, 0]), start: 0, want: 'label-too-long', skip: 'label-too-long' },
    { name: 'label too long (0x80 type)', bytes: Uint8Array.from([0x80, 0]), start: 0, want: 'label-too-long', skip: 'label-too-long' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(readName(c.bytes, c.start), c.want);
      assert.equal(skipName(c.bytes, c.start), c.skip);
    });
  }

  it('pointer chain longer than any real name', () => {
    // Root at 0, then at 2k a pointer to 2(k-1): every jump goes backwards, but 200 of them.
    const bytes = new Uint8Array(2 * 201);
    for (let k = 1; k <= 200; k++) {
      const target = 2 * (k - 1);
      bytes[2 * k] = 0xc0 | (target >> 8);
      bytes[2 * k + 1] = target & 0xff;
    }
    assert.equal(readName(bytes, 2 * 200), 'pointer-loop');
    assert.deepEqual(readName(bytes, 2 * 100), { name: '.', end: 202 }, 'a hundred jumps is still fine');
  });

  it('255 wire octets is the limit', () => {
    // 3 labels of 63 + one of 61: 64*3 + 62 + 1 = 255 octets.
    const ok = [63, 63, 63, 61].map((n) => 'a'.repeat(n)).join('.');
    assert.deepEqual(readName(Uint8Array.from(wireName(ok)), 0), { name: ok, end: 255 });
    const tooLong = [63, 63, 63, 62].map((n) => 'a'.repeat(n)).join('.');
    assert.equal(readName(Uint8Array.from(wireName(tooLong)), 0), 'name-too-long');
    assert.equal(skipName(Uint8Array.from(wireName(tooLong)), 0), 'name-too-long');
  });
});
