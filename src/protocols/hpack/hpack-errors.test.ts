import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, type HpackProblem } from './decoder.js';
import { block, encodeInteger, hex, indexed, literal } from './testkit.js';

describe('HPACK errors return a problem, never throw', () => {
  const cases: { name: string; wire: Uint8Array; problem: HpackProblem; fieldsBefore: number }[] = [
    { name: 'index 0', wire: block(indexed(2), indexed(0)), problem: 'index-out-of-range', fieldsBefore: 1 },
    { name: 'index past the (known, empty) dynamic table', wire: block(indexed(62)), problem: 'index-out-of-range', fieldsBefore: 0 },
    { name: 'literal name index past the table', wire: block(literal(70, 'v')), problem: 'index-out-of-range', fieldsBefore: 0 },
    { name: 'truncated integer', wire: hex('82 ff'), problem: 'truncated', fieldsBefore: 1 },
    { name: 'integer over 31 bits', wire: hex('ff ff ff ff ff 0f'), problem: 'integer-too-large', fieldsBefore: 0 },
    { name: 'endless zero continuation bytes', wire: hex('ff 80 80 80 80 80 80 80 80 01'), problem: 'integer-too-large', fieldsBefore: 0 },
    { name: 'string longer than the block (oversized)', wire: hex('40 0a 61 62'), problem: 'truncated', fieldsBefore: 0 },
    { name: 'literal value missing', wire: hex('40 01 61'), problem: 'truncated', fieldsBefore: 0 },
    { name: 'Huffman padding not all ones', wire: block(encodeInteger(4, 4), hex('81 00')), problem: 'bad-huffman', fieldsBefore: 0 },
    { name: 'Huffman padding of a whole byte', wire: block(encodeInteger(4, 4), hex('82 07 ff')), problem: 'bad-huffman', fieldsBefore: 0 },
    { name: 'Huffman EOS in a value', wire: block(encodeInteger(4, 4), hex('84 ff ff ff ff')), problem: 'bad-huffman', fieldsBefore: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = new HpackDecoder();
      const out = d.decode(c.wire);
      assert.equal(out.problem, c.problem);
      assert.ok(out.fields.length >= c.fieldsBefore);
      for (const f of out.fields.slice(c.fieldsBefore)) assert.equal(f.unknown, true, 'a damaged field is unknown, not guessed');
    });
  }

  it('a bad Huffman value with a known length: the rest of the block still decodes', () => {
    const d = new HpackDecoder();
    const out = d.decode(block(encodeInteger(4, 4), hex('81 00'), indexed(3)));
    assert.equal(out.problem, 'bad-huffman');
    assert.deepEqual(out.fields, [
      { name: ':path', value: null, unknown: true },
      { name: ':method', value: 'POST', unknown: false },
    ]);
  });

  it('a block cut mid-way forgets the table: later dynamic references are unknown, not stale', () => {
    const d = new HpackDecoder();
    d.decode(block(literal('x-a', '1', 'incremental')));
    assert.equal(d.decode(hex('40 0a 61')).problem, 'truncated');
    assert.equal(d.tableKnown, false);
    const out = d.decode(block(indexed(62)));
    assert.equal(out.problem, null);
    assert.deepEqual(out.fields, [{ name: null, value: null, unknown: true }]);
  });

  it('an out-of-range index in a known table stops trusting the table', () => {
    const d = new HpackDecoder();
    d.decode(block(literal('x-a', '1', 'incremental')));
    d.decode(block(indexed(63)));
    assert.equal(d.tableKnown, false);
    assert.equal(d.entries().length, 0);
  });

  it('random blocks never throw and keep the table within its capacity', () => {
    let seed = 7;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 16;
    };
    const d = new HpackDecoder({ capacity: 2048, settingsLimit: 1 << 16 });
    for (let i = 0; i < 5000; i++) {
      const b = new Uint8Array(next() % 64);
      for (let k = 0; k < b.length; k++) b[k] = next() & 0xff;
      const out = d.decode(b);
      assert.ok(out.fields.length <= b.length);
      assert.ok(d.tableSize <= 2048);
    }
  });
});
