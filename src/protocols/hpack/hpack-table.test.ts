import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder } from './decoder.js';
import { block, indexed, literal, sizeUpdate } from './testkit.js';

const entry = (name: string, value: string): [string, string] => [name, value];
const names = (d: HpackDecoder): [string | null, string | null][] => d.entries().map((e) => [e.name, e.value]);

describe('HPACK dynamic table', () => {
  it('evicts the oldest entries once the size exceeds the maximum', () => {
    const d = new HpackDecoder();
    // Each entry: 32 + 1 + 100 = 133 octets; 4096 / 133 → 30 fit.
    const value = 'v'.repeat(100);
    for (let i = 0; i < 35; i++) d.decode(block(literal(`${i % 10}`, value, 'incremental')));
    assert.equal(d.entries().length, 30);
    assert.equal(d.tableSize, 30 * 133);
    assert.equal(d.entries()[0]!.name, '4', 'newest is the 35th insertion');
    assert.equal(d.entries()[29]!.name, '5', 'oldest surviving is the 6th insertion');
  });

  it('size update shrinks the table (evicting) and allows regrowth up to the limit', () => {
    const d = new HpackDecoder();
    d.decode(block(literal('a', '1', 'incremental'), literal('b', '2', 'incremental'), literal('c', '3', 'incremental')));
    assert.deepEqual(names(d), [entry('c', '3'), entry('b', '2'), entry('a', '1')]);
    const out = d.decode(block(sizeUpdate(68), indexed(62)));
    assert.equal(out.problem, null);
    assert.equal(d.maxTableSize, 68);
    assert.deepEqual(names(d), [entry('c', '3'), entry('b', '2')]);
    assert.deepEqual(out.fields, [{ name: 'c', value: '3', unknown: false }]);
    d.decode(block(sizeUpdate(4096), literal('d', '4', 'incremental')));
    assert.deepEqual(names(d), [entry('d', '4'), entry('c', '3'), entry('b', '2')]);
  });

  it('size update to 0 empties the table', () => {
    const d = new HpackDecoder();
    d.decode(block(literal('a', '1', 'incremental')));
    d.decode(block(sizeUpdate(0), sizeUpdate(4096)));
    assert.equal(d.entries().length, 0);
    assert.equal(d.tableSize, 0);
  });

  it('an entry larger than the whole table empties it and is not added', () => {
    const d = new HpackDecoder({ settingsLimit: 100 });
    d.decode(block(sizeUpdate(100), literal('a', '1', 'incremental')));
    assert.equal(d.entries().length, 1);
    d.decode(block(literal('big', 'x'.repeat(80), 'incremental')));
    assert.equal(d.entries().length, 0);
  });

  it('size update above the SETTINGS limit is a problem (still applied up to the capacity)', () => {
    const d = new HpackDecoder({ settingsLimit: 4096 });
    assert.equal(d.decode(block(sizeUpdate(8192))).problem, 'size-update-too-large');
    const raised = new HpackDecoder();
    raised.setSettingsLimit(8192);
    assert.equal(raised.decode(block(sizeUpdate(8192))).problem, null);
    assert.equal(raised.maxTableSize, 8192);
  });

  it('size update after a field is misplaced', () => {
    const d = new HpackDecoder();
    assert.equal(d.decode(block(indexed(2), sizeUpdate(0))).problem, 'size-update-misplaced');
  });

  it('never holds more than its capacity, whatever size the encoder announces', () => {
    const d = new HpackDecoder({ capacity: 1000, settingsLimit: 1 << 20 });
    const out = d.decode(block(sizeUpdate(1 << 20), ...Array.from({ length: 50 }, (_, i) => literal(`k${i}`, 'v'.repeat(40), 'incremental'))));
    assert.equal(out.problem, null);
    assert.ok(d.tableSize <= 1000, `table ${d.tableSize}`);
    // A reference past what the capacity kept is unknown, not an error.
    const old = d.decode(block(indexed(62 + 40)));
    assert.equal(old.problem, null);
    assert.deepEqual(old.fields, [{ name: null, value: null, unknown: true }]);
  });

  it('literal without indexing and never-indexed leave the table alone', () => {
    const d = new HpackDecoder();
    d.decode(block(literal('x', '1', 'without'), literal('y', '2', 'never'), literal(4, '/p', 'without')));
    assert.equal(d.entries().length, 0);
  });

  it('a literal whose name is a dynamic entry', () => {
    const d = new HpackDecoder();
    d.decode(block(literal('x-trace', 'one', 'incremental')));
    const out = d.decode(block(literal(62, 'two', 'incremental')));
    assert.deepEqual(out.fields, [{ name: 'x-trace', value: 'two', unknown: false }]);
    assert.deepEqual(names(d), [entry('x-trace', 'two'), entry('x-trace', 'one')]);
  });
});
