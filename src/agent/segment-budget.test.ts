import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SegmentBudget } from './segment-budget.js';

describe('SegmentBudget', () => {
  it('halves on drops, down to a sixteenth of the ceiling', () => {
    const b = new SegmentBudget(10_000);
    assert.deepEqual([1, 1, 1, 1, 1, 1].map((d) => b.update(d)), [5000, 2500, 1250, 625, 625, 625]);
  });

  it('grows back by a quarter after five quiet periods, never past the ceiling', () => {
    const b = new SegmentBudget(10_000);
    b.update(3);
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) seen.push(b.update(0));
    assert.deepEqual(seen.filter((v, i) => i === 0 || v !== seen[i - 1]), [5000, 6250, 7813, 9767, 10_000]);
  });

  it('stays at the ceiling while nothing drops', () => {
    const b = new SegmentBudget(123.4);
    for (let i = 0; i < 10; i++) assert.equal(b.update(0), 124);
  });

  it('refuses a ceiling that is not a positive number', () => {
    assert.throws(() => new SegmentBudget(0), /positive/);
    assert.throws(() => new SegmentBudget(Number.POSITIVE_INFINITY), /positive/);
  });
});
