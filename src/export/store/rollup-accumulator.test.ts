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
});
