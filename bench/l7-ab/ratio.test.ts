import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { geometricMeanRatio, nsPerRun, type AbRound } from './ratio.js';

describe('l7-ab ratio', () => {
  it('an order effect of the same size either way cancels out', () => {
    const rounds: AbRound[] = [
      { first: 'a', aNsPerRun: 300, bNsPerRun: 250 }, // b second: 50 ns cheaper by position
      { first: 'b', aNsPerRun: 250, bNsPerRun: 300 },
    ];
    assert.ok(Math.abs(geometricMeanRatio(rounds) - 1) < 1e-9);
  });
  it('a build that is 10% cheaper reads 0.9 whatever the order', () => {
    const rounds: AbRound[] = [
      { first: 'a', aNsPerRun: 300, bNsPerRun: 270 },
      { first: 'b', aNsPerRun: 280, bNsPerRun: 252 },
    ];
    assert.ok(Math.abs(geometricMeanRatio(rounds) - 0.9) < 1e-9);
  });
  it('rounds where a build did not run are left out; none usable is NaN', () => {
    assert.equal(geometricMeanRatio([{ first: 'a', aNsPerRun: Number.NaN, bNsPerRun: 10 }]), Number.NaN);
    assert.ok(Math.abs(geometricMeanRatio([{ first: 'a', aNsPerRun: 0, bNsPerRun: 5 }, { first: 'b', aNsPerRun: 10, bNsPerRun: 20 }]) - 2) < 1e-9);
  });
  it('ns per run sums the programs named, counting from zero for one loaded after the first reading', () => {
    const before = new Map([[1, { ns: 1000, runs: 10 }]]);
    const after = new Map([[1, { ns: 3000, runs: 20 }], [2, { ns: 600, runs: 2 }], [3, { ns: 99, runs: 1 }]]);
    assert.equal(nsPerRun(before, after, [1, 2]), 2600 / 12);
    assert.ok(Number.isNaN(nsPerRun(before, after, [4])));
  });
});
