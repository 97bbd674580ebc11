import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecordSampler } from './sampler.js';

class FakeClock {
  ms = 1_000_000;
  readonly now = (): number => this.ms;
}

interface Tally {
  offered: number;
  kept: number;
  weightSum: number;
  weights: Set<number>;
}

/** Offers `perMs` records every millisecond for `ms` milliseconds. */
function drive(sampler: RecordSampler, clock: FakeClock, perMs: number, ms: number): Tally {
  const t: Tally = { offered: 0, kept: 0, weightSum: 0, weights: new Set() };
  for (let i = 0; i < ms; i++) {
    for (let j = 0; j < perMs; j++) {
      const w = sampler.offer();
      t.offered++;
      if (w > 0) {
        t.kept++;
        t.weightSum += w;
        t.weights.add(w);
      }
    }
    clock.ms += 1;
  }
  return t;
}

describe('RecordSampler', () => {
  it('keeps a burst of the whole bucket (two seconds of budget) unsampled', () => {
    const clock = new FakeClock();
    const s = new RecordSampler({ budgetPerSecond: 10_000, now: clock.now });
    for (let i = 0; i < 20_000; i++) assert.equal(s.offer(), 1, `record ${i}`);
    assert.equal(s.weight, 1);
    assert.equal(s.dropped, 0);
  });

  it('never samples a sustained rate at the budget, with bursts of several thousand on top', () => {
    const clock = new FakeClock();
    const s = new RecordSampler({ budgetPerSecond: 10_000, now: clock.now });
    for (let second = 0; second < 10; second++) {
      const burst = drive(s, clock, 0, 0);
      for (let i = 0; i < 8000; i++) burst.weightSum += s.offer();
      assert.equal(burst.weightSum, 8000, `burst in second ${second}`);
      const steady = drive(s, clock, 10, 1000);
      assert.equal(steady.kept, steady.offered, `second ${second}`);
      assert.deepEqual([...steady.weights], [1]);
      // Let the bucket refill before the next burst.
      drive(s, clock, 0, 1000);
    }
    assert.equal(s.dropped, 0);
  });

  it('samples a sustained overload at about the budget, weights adding up to the offers', () => {
    const clock = new FakeClock();
    const s = new RecordSampler({ budgetPerSecond: 10_000, now: clock.now });
    // 30,000/s against a refill of 10,000/s: the bucket (20,000) lasts one second.
    const first = drive(s, clock, 30, 900);
    assert.equal(first.kept, first.offered, 'the first 0.9 s are within the burst');
    const rest = drive(s, clock, 30, 10_000);
    assert.ok(rest.kept < rest.offered / 2, `sampled: kept ${rest.kept} of ${rest.offered}`);
    // Once the ratio has adapted (N = 3), the kept rate is the budget.
    const steady = drive(s, clock, 30, 5000);
    assert.equal(s.weight, 3);
    assert.deepEqual([...steady.weights], [3]);
    assert.ok(Math.abs(steady.kept - 50_000) <= 1, `kept ${steady.kept} in 5 s`);
    // Unbiased: weights account for every offer, up to the cycle in progress.
    const all = first.offered + rest.offered + steady.offered;
    const weighted = first.weightSum + rest.weightSum + steady.weightSum;
    assert.ok(weighted >= all && weighted - all < s.weight, `weights ${weighted} for ${all} offers`);
    assert.equal(s.kept + s.dropped, all);
  });

  it('adapts N to the rate, up and down', () => {
    const clock = new FakeClock();
    const s = new RecordSampler({ budgetPerSecond: 1000, now: clock.now });
    drive(s, clock, 10, 3000); // 10,000/s
    assert.equal(s.weight, 10);
    drive(s, clock, 4, 3000); // 4,000/s
    assert.equal(s.weight, 4);
    const back = drive(s, clock, 1, 3000); // at the budget again
    assert.equal(s.weight, 1);
    assert.ok(back.weights.has(1));
    const later = drive(s, clock, 1, 3000);
    assert.deepEqual([...later.weights], [1], 'whole again once the rate is back at the budget');
    assert.equal(later.kept, later.offered);
  });

  it('keeps exact weight accounting across a change of N', () => {
    const clock = new FakeClock();
    const s = new RecordSampler({ budgetPerSecond: 100, burstSeconds: 1, now: clock.now });
    let offered = 0;
    let weighted = 0;
    for (const perMs of [5, 1, 3, 0, 2]) {
      const t = drive(s, clock, perMs, 2000);
      offered += t.offered;
      weighted += t.weightSum;
    }
    assert.ok(weighted >= offered && weighted - offered < Math.max(s.weight, 2) * 2, `weights ${weighted} for ${offered}`);
  });

  it('never samples with an infinite budget', () => {
    const clock = new FakeClock();
    const s = new RecordSampler({ budgetPerSecond: Number.POSITIVE_INFINITY, now: clock.now });
    const t = drive(s, clock, 100, 100);
    assert.equal(t.kept, t.offered);
  });

  it('survives a clock stepping back', () => {
    const clock = new FakeClock();
    const s = new RecordSampler({ budgetPerSecond: 10, burstSeconds: 1, now: clock.now });
    for (let i = 0; i < 10; i++) assert.equal(s.offer(), 1);
    clock.ms -= 60_000;
    assert.ok(Number.isInteger(s.offer()));
    clock.ms += 61_000;
    // Five a second, under the budget: whole records again within a couple of windows.
    const weights: number[] = [];
    for (let i = 0; i < 20; i++) {
      weights.push(s.offer());
      clock.ms += 200;
    }
    assert.deepEqual(weights.slice(-10), new Array(10).fill(1));
  });

  const bad: { name: string; options: ConstructorParameters<typeof RecordSampler>[0]; error: RegExp }[] = [
    { name: 'zero budget', options: { budgetPerSecond: 0 }, error: /budgetPerSecond must be a positive number/ },
    { name: 'NaN budget', options: { budgetPerSecond: Number.NaN }, error: /budgetPerSecond/ },
    { name: 'negative burst', options: { burstSeconds: -1 }, error: /burstSeconds must be a positive number/ },
    { name: 'infinite burst', options: { burstSeconds: Number.POSITIVE_INFINITY }, error: /burstSeconds/ },
  ];
  for (const c of bad) it(`rejects ${c.name}`, () => assert.throws(() => new RecordSampler(c.options), c.error));
});
