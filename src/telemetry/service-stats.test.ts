import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LatencySketch, ServiceStats, WindowedStats, bucketCount, windowSecondsAt } from './service-stats.js';

class FakeClock {
  ms = 1_700_000_000_000; // a whole multiple of 10 s
  readonly now = (): number => this.ms;
}

function within(actual: number | null, expected: number, relative = 0.01): void {
  assert.ok(actual !== null, `expected about ${expected}, got null`);
  assert.ok(Math.abs(actual - expected) <= expected * relative + 1e-9, `expected ${expected} ±${relative * 100}%, got ${actual}`);
}

describe('LatencySketch', () => {
  it('is empty at first', () => {
    const s = new LatencySketch();
    assert.equal(s.count, 0);
    assert.equal(s.quantile(0.5), null);
  });

  const distributions: { name: string; values: () => number[]; checks: { q: number; want: number }[] }[] = [
    { name: '1..1000 ms uniform', values: () => Array.from({ length: 1000 }, (_, i) => i + 1), checks: [{ q: 0.5, want: 500.5 }, { q: 0.95, want: 950 }, { q: 0.99, want: 990 }] },
    { name: 'one value', values: () => [42], checks: [{ q: 0.5, want: 42 }, { q: 0.99, want: 42 }] },
    { name: 'sub-millisecond loopback', values: () => Array.from({ length: 100 }, (_, i) => 0.05 + i * 0.001), checks: [{ q: 0.5, want: 0.0995 }] },
    { name: 'long tail', values: () => [...new Array<number>(990).fill(2), ...new Array<number>(10).fill(5000)], checks: [{ q: 0.5, want: 2 }, { q: 0.99, want: 2 }, { q: 1, want: 5000 }] },
    { name: 'minutes', values: () => [120_000, 180_000, 240_000], checks: [{ q: 0.5, want: 180_000 }] },
  ];
  for (const d of distributions) {
    it(`quantiles within 1%: ${d.name}`, () => {
      const s = new LatencySketch();
      for (const v of d.values()) s.add(v);
      for (const c of d.checks) within(s.quantile(c.q), c.want, 0.0101);
    });
  }

  it('keeps zero and sub-microsecond durations as 0', () => {
    const s = new LatencySketch();
    s.add(0);
    s.add(0.0001);
    s.add(10);
    assert.equal(s.quantile(0), 0);
    assert.equal(s.quantile(0.5), 0);
    within(s.quantile(1), 10);
  });

  it('ignores NaN and clamps huge values', () => {
    const s = new LatencySketch();
    s.add(Number.NaN);
    assert.equal(s.count, 0);
    s.add(Number.POSITIVE_INFINITY);
    assert.equal(s.count, 1);
    assert.ok(Number.isFinite(s.quantile(1) as number));
  });

  it('merges', () => {
    const a = new LatencySketch();
    const b = new LatencySketch();
    for (let i = 1; i <= 50; i++) a.add(i);
    for (let i = 51; i <= 100; i++) b.add(i);
    a.merge(b);
    assert.equal(a.count, 100);
    within(a.quantile(0.5), 50, 0.0101);
    const [p50, p99] = a.quantiles([0.5, 0.99]);
    within(p50 ?? null, 50, 0.0101);
    within(p99 ?? null, 99, 0.0101);
  });
});

describe('bucketCount', () => {
  const cases: { name: string; windowMs: number; bucketMs: number; want: number | RegExp }[] = [
    { name: 'default 5 min / 10 s', windowMs: 300_000, bucketMs: 10_000, want: 30 },
    { name: 'one bucket', windowMs: 1000, bucketMs: 1000, want: 1 },
    { name: 'not a multiple', windowMs: 15_000, bucketMs: 10_000, want: /whole multiple/ },
    { name: 'zero bucket', windowMs: 1000, bucketMs: 0, want: /bucketMs must be a positive integer/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (typeof c.want === 'number') assert.equal(bucketCount(c.windowMs, c.bucketMs), c.want);
      else assert.throws(() => bucketCount(c.windowMs, c.bucketMs), c.want);
    });
  }
});

describe('windowSecondsAt', () => {
  const cases: { name: string; now: number; since: number; want: number }[] = [
    { name: 'a bucket that just began reads as one second', now: 300_000, since: 0, want: 1 },
    { name: 'mid bucket', now: 305_000, since: 0, want: 5 },
    { name: 'started recently', now: 305_000, since: 303_000, want: 2 },
    { name: 'at least one second', now: 305_000, since: 305_000, want: 1 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(windowSecondsAt(c.now, 10_000, 1, c.since), c.want));
  it('30 buckets of 10 s, 5 s into the current one', () => assert.equal(windowSecondsAt(1_000_005_000, 10_000, 30, 0), 295));
});

describe('WindowedStats', () => {
  it('drops buckets that slid out of the window, whole', () => {
    const w = new WindowedStats(30_000, 10_000);
    w.record(0, 10, false);
    w.record(10_000, 20, true);
    w.record(20_000, 30, false);
    assert.equal(w.summary(29_999)?.requests, 3);
    assert.equal(w.summary(30_000)?.requests, 2, 'the first bucket is out');
    assert.equal(w.summary(40_000)?.errors, 0);
    assert.equal(w.summary(50_000), null);
  });

  it('reuses a ring slot for a new epoch', () => {
    const w = new WindowedStats(20_000, 10_000);
    w.record(0, 1, true);
    w.record(20_000, 2, false); // same slot, two buckets later
    const s = w.summary(20_000);
    assert.equal(s?.requests, 1);
    assert.equal(s?.errors, 0);
  });
});

describe('ServiceStats', () => {
  it('reports rate, error rate and percentiles per service over the window', () => {
    const clock = new FakeClock();
    const stats = new ServiceStats({ now: clock.now });
    clock.ms += 60_000; // a minute after start
    for (let i = 1; i <= 100; i++) stats.record('web', i, i > 98);
    for (let i = 0; i < 30; i++) stats.record('api', 5, false);
    const [api, web] = stats.snapshot();
    assert.deepEqual(api, {
      service: 'api', requests: 30, errors: 0, request_rate: 0.5, error_rate: 0,
      p50_ms: api?.p50_ms, p95_ms: api?.p95_ms, p99_ms: api?.p99_ms, window_seconds: 60,
    });
    within(api?.p50_ms ?? null, 5);
    assert.equal(web?.service, 'web');
    assert.equal(web?.requests, 100);
    assert.equal(web?.error_rate, 0.02);
    assert.equal(web?.request_rate, 1.667);
    within(web?.p50_ms ?? null, 50, 0.0101);
    within(web?.p95_ms ?? null, 95, 0.0101);
    within(web?.p99_ms ?? null, 99, 0.0101);
  });

  it('divides by the full window once it has been running that long, and forgets idle services', () => {
    const clock = new FakeClock();
    const stats = new ServiceStats({ now: clock.now, windowMs: 60_000, bucketMs: 10_000 });
    clock.ms += 120_000;
    for (let i = 0; i < 60; i++) stats.record('web', 1, false);
    clock.ms += 5000;
    assert.equal(stats.snapshot()[0]?.window_seconds, 55);
    assert.equal(stats.snapshot()[0]?.request_rate, round3(60 / 55));
    clock.ms += 60_000;
    assert.deepEqual(stats.snapshot(), []);
  });

  it('folds services past the limit into _other', () => {
    const clock = new FakeClock();
    const stats = new ServiceStats({ now: clock.now, maxServices: 2 });
    for (const s of ['a', 'b', 'c', 'd']) stats.record(s, 1, false);
    assert.deepEqual(stats.snapshot().map((s) => [s.service, s.requests]), [['_other', 2], ['a', 1], ['b', 1]]);
  });

  it('makes room by forgetting idle services first', () => {
    const clock = new FakeClock();
    const stats = new ServiceStats({ now: clock.now, maxServices: 1, windowMs: 10_000, bucketMs: 10_000 });
    stats.record('a', 1, false);
    clock.ms += 20_000;
    stats.record('b', 1, false);
    assert.deepEqual(stats.snapshot().map((s) => s.service), ['b']);
  });
});

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
