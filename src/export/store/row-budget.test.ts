import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RowBudget } from './row-budget.js';

describe('RowBudget', () => {
  it('passes a burst of two seconds whole, then the rate', () => {
    let now = 0;
    const b = new RowBudget(100, () => now);
    let admitted = 0;
    for (let i = 0; i < 500; i++) if (b.admit(false)) admitted++;
    assert.equal(admitted, 200, 'the burst');
    now += 1000;
    admitted = 0;
    for (let i = 0; i < 500; i++) if (b.admit(false)) admitted++;
    assert.equal(admitted, 100, 'one second of rate');
  });

  it('keeps admitting errors from their own share once the budget is spent', () => {
    let now = 0;
    const b = new RowBudget(100, () => now);
    for (let i = 0; i < 200; i++) b.admit(false);
    assert.equal(b.admit(false), false);
    let errors = 0;
    for (let i = 0; i < 100; i++) if (b.admit(true)) errors++;
    assert.equal(errors, 50, 'a quarter of the rate, two seconds deep');
  });

  it('keeps everything when unlimited', () => {
    const b = new RowBudget(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 100_000; i++) assert.equal(b.admit(false), true);
  });

  it('refuses a rate that is not positive', () => {
    assert.throws(() => new RowBudget(0), /positive/);
    assert.throws(() => new RowBudget(Number.NaN), /positive/);
  });
});
