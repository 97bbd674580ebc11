import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RollupAccumulator } from './rollup-accumulator.js';
import { OTHER, type RollupKind } from './rollup-kinds.js';
import { HOUR_MS, RESOLUTIONS_MS } from './window.js';

const KIND: RollupKind = {
  id: 99, table: 't', keys: ['name'], sums: ['count'], histogram: true, rowPercentiles: [], resolutions: RESOLUTIONS_MS, cap: 3, fold: () => [OTHER],
};
const T = Date.UTC(2026, 0, 15, 12, 0, 0);

describe('rollup accumulator', () => {
  it('adds records per key and bucket at every resolution', () => {
    const acc = new RollupAccumulator([KIND]);
    acc.add(0, T + 1_000, ['a'], [1], 5, 1);
    acc.add(0, T + 2_000, ['a'], [1], 5, 1);
    acc.add(0, T + 15_000, ['a'], [2], 7, 2); // next 10 s bucket, same minute
    acc.add(0, T + 61_000, ['b'], [1], 9, 1);
    const [rows] = acc.drain(true);
    const at = (res: number, name: string, bucket: number) => rows!.find((r) => r.resMs === res && r.key[0] === name && r.bucketMs === bucket);
    assert.deepEqual(at(10_000, 'a', T)!.sums, [2]);
    assert.deepEqual(at(10_000, 'a', T + 10_000)!.sums, [2]);
    assert.deepEqual(at(60_000, 'a', T)!.sums, [4]);
    assert.deepEqual([...at(60_000, 'a', T)!.hist!], [[5, 2], [7, 2]]);
    assert.deepEqual(at(HOUR_MS, 'a', T)!.sums, [4]);
    assert.deepEqual(at(HOUR_MS, 'b', T)!.sums, [1]);
    assert.equal(rows!.filter((r) => r.resMs === 600_000).length, 2);
    assert.ok(acc.empty, 'drain empties it');
    for (const res of RESOLUTIONS_MS) assert.ok(rows!.some((r) => r.resMs === res));
  });

  it('rolls up only to the resolutions of the kind', () => {
    const acc = new RollupAccumulator([{ ...KIND, resolutions: [60_000, HOUR_MS] }]);
    acc.add(0, T + 1_000, ['a'], [1], 5, 1);
    acc.add(0, T + 15_000, ['a'], [1], 5, 1);
    const [rows] = acc.drain(true);
    assert.deepEqual(rows!.map((r) => [r.resMs, r.sums[0]]), [[60_000, 2], [HOUR_MS, 2]]);
  });

  it('keeps adding up coarse rows until they are asked for', () => {
    const acc = new RollupAccumulator([KIND]);
    acc.add(0, T + 1_000, ['a'], [1], 5, 1);
    const first = acc.drain(false)[0]!;
    assert.deepEqual(first.map((r) => r.resMs), [10_000, 60_000]);
    assert.equal(acc.emptyFine, true);
    assert.equal(acc.empty, false, 'the 10 min and hour rows wait');
    acc.add(0, T + 2_000, ['a'], [2], 5, 2);
    const second = acc.drain(true)[0]!;
    assert.deepEqual(second.filter((r) => r.resMs >= 600_000).map((r) => [r.resMs, r.sums[0]]), [[600_000, 3], [HOUR_MS, 3]]);
    assert.deepEqual(second.filter((r) => r.resMs === 60_000).map((r) => r.sums[0]), [2], 'fast rows hold only what came since');
    assert.equal(acc.empty, true);
  });

  it('folds keys past the cap of a bucket, keeps counting known ones', () => {
    const acc = new RollupAccumulator([KIND]);
    for (const name of ['a', 'b', 'c', 'd', 'e']) acc.add(0, T, [name], [1], -1, 1);
    const first = acc.drain(true)[0]!.filter((r) => r.resMs === 10_000);
    assert.deepEqual(first.map((r) => [r.key[0], r.sums[0]]).sort(), [['(other)', 2], ['a', 1], ['b', 1], ['c', 1]]);
    // Same bucket, next batch: a known key still counts as itself, a new one is folded.
    acc.add(0, T + 1_000, ['a'], [1], -1, 1);
    acc.add(0, T + 1_000, ['z'], [1], -1, 1);
    const second = acc.drain(true)[0]!.filter((r) => r.resMs === 10_000);
    assert.deepEqual(second.map((r) => r.key[0]).sort(), ['(other)', 'a']);
    // A new bucket starts with room again.
    acc.add(0, T + HOUR_MS, ['z'], [1], -1, 1);
    assert.deepEqual(acc.drain(true)[0]!.filter((r) => r.resMs === HOUR_MS).map((r) => r.key[0]), ['z']);
  });

  it('keeps no reference to the key and sums it is given', () => {
    const acc = new RollupAccumulator([KIND]);
    const key = ['a'];
    const sums = [1];
    acc.add(0, T, key, sums, 5, 1);
    key[0] = 'b';
    sums[0] = 2;
    acc.add(0, T, key, sums, 5, 2);
    key[0] = 'zzz';
    const rows = acc.drain(true)[0]!.filter((r) => r.resMs === 10_000);
    assert.deepEqual(rows.map((r) => [r.key, r.keyText, r.sums]), [[['a'], 'a', [1]], [['b'], 'b', [2]]]);
  });

  it('tells rows apart by key text: values that read the same share a row, the first key names it', () => {
    const kind: RollupKind = { ...KIND, keys: ['name', 'status'], sums: ['count', 'sum_ms'] };
    const acc = new RollupAccumulator([kind]);
    acc.add(0, T, ['a', 200], [1, 0.5], 5, 1, 3);
    acc.add(0, T + 1_000, ['a', '200'], [1, 0.25], 6, 1, 7);
    acc.add(0, T + 2_000, ['a', 200], [1, 0.25], 5, 1);
    // Values holding the separator: different keys, same text, as when the text was the row's id.
    acc.add(0, T, ['x\u0001y', 'z'], [1, 0], -1, 1);
    acc.add(0, T, ['x', 'y\u0001z'], [1, 0], -1, 1);
    const rows = acc.drain(true)[0]!.filter((r) => r.resMs === 10_000);
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0]!.key, ['a', 200]);
    assert.deepEqual(rows[0]!.sums, [3, 1]);
    assert.equal(rows[0]!.max, 7);
    assert.deepEqual([...rows[0]!.hist!], [[5, 2], [6, 1]]);
    assert.deepEqual(rows[1]!.key, ['x\u0001y', 'z']);
    assert.deepEqual(rows[1]!.sums, [2, 0]);
  });

  it('drains rows in the order they were first added, across buckets', () => {
    const acc = new RollupAccumulator([{ ...KIND, cap: 100 }]);
    acc.add(0, T, ['a'], [1], -1, 1);
    acc.add(0, T + 10_000, ['b'], [1], -1, 1);
    acc.add(0, T + 1_000, ['c'], [1], -1, 1); // late, for the first bucket
    acc.add(0, T + 10_000, ['a'], [1], -1, 1);
    const rows = acc.drain(false)[0]!;
    assert.deepEqual(rows.filter((r) => r.resMs === 10_000).map((r) => [r.bucketMs - T, r.key[0]]), [[0, 'a'], [10_000, 'b'], [0, 'c'], [10_000, 'a']]);
    assert.deepEqual(rows.filter((r) => r.resMs === 60_000).map((r) => [r.key[0], r.sums[0]]), [['a', 2], ['b', 1], ['c', 1]]);
    acc.add(0, T, ['a'], [1], -1, 1);
    assert.deepEqual(acc.drain(false)[0]!.filter((r) => r.resMs === 10_000).map((r) => r.sums[0]), [1], 'a drained bucket starts over');
  });
});

