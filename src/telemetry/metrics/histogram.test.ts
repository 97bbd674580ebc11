import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, exponentialBuckets, linearBuckets, normalizeBuckets } from './histogram.js';

function histogram(buckets: readonly number[] = [0.0001, 0.001, 0.01], maxSeries = 100) {
  let overflows = 0;
  const h = new Histogram(
    { name: 'sonde_tcp_rtt_seconds', help: 'RTT', labelNames: ['service_name'] as const, buckets },
    { maxSeries, onOverflow: () => { overflows++; } },
  );
  return { h, overflows: () => overflows };
}

describe('Histogram.observe', () => {
  // bucketCounts are per bucket: [<=0.0001, <=0.001, <=0.01, +Inf]
  const cases: { name: string; observations: [number, number?][]; counts: number[]; sum: number; count: number }[] = [
    { name: 'one value in the middle bucket', observations: [[0.0004]], counts: [0, 1, 0, 0], sum: 0.0004, count: 1 },
    { name: 'upper bound is inclusive (le)', observations: [[0.001]], counts: [0, 1, 0, 0], sum: 0.001, count: 1 },
    { name: 'above every bound goes to +Inf', observations: [[3]], counts: [0, 0, 0, 1], sum: 3, count: 1 },
    { name: 'zero and negatives go to the first bucket', observations: [[0], [-1]], counts: [2, 0, 0, 0], sum: -1, count: 2 },
    { name: 'weighted observation', observations: [[0.005, 4]], counts: [0, 0, 4, 0], sum: 0.02, count: 4 },
    { name: 'NaN value is dropped', observations: [[Number.NaN], [0.00005]], counts: [1, 0, 0, 0], sum: 0.00005, count: 1 },
    { name: 'zero, negative and infinite counts are dropped', observations: [[1, 0], [1, -2], [1, Number.POSITIVE_INFINITY], [1]], counts: [0, 0, 0, 1], sum: 1, count: 1 },
    { name: '+Inf value lands in +Inf', observations: [[Number.POSITIVE_INFINITY]], counts: [0, 0, 0, 1], sum: Number.POSITIVE_INFINITY, count: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { h } = histogram();
      const bound = histogram().h;
      for (const [value, count] of c.observations) {
        h.observe({ service_name: 'nginx' }, value, count);
        bound.bind({ service_name: 'nginx' }).observe(value, count);
      }
      for (const m of [h, bound]) {
        const series = m.collect().series[0];
        assert.ok(series);
        assert.deepEqual(series.bucketCounts, c.counts);
        assert.equal(series.count, c.count);
        assert.ok(Math.abs(series.sum - c.sum) < 1e-12 || series.sum === c.sum, `sum ${series.sum}`);
      }
    });
  }

  it('a dropped observation does not create a series', () => {
    const { h } = histogram();
    h.observe({ service_name: 'a' }, Number.NaN);
    assert.deepEqual(h.collect().series, []);
  });

  it('finds the right bucket among many bounds', () => {
    const bounds = linearBuckets(1, 1, 100);
    const { h } = histogram(bounds);
    for (let v = 0.5; v <= 101; v += 1) h.observe({ service_name: 'x' }, v);
    const [series] = h.collect().series;
    assert.deepEqual(series?.bucketCounts, new Array<number>(101).fill(1));
  });

  it('folds past the limit and counts each folded observation', () => {
    const { h, overflows } = histogram(undefined, 1);
    h.observe({ service_name: 'a' }, 1);
    h.observe({ service_name: 'b' }, 1);
    h.observe({ service_name: 'c' }, 1);
    assert.deepEqual(h.collect().series.map((s) => [s.labelValues, s.count]), [[['_other'], 2], [['a'], 1]]);
    assert.equal(overflows(), 2);
  });

  it('snapshots are copies', () => {
    const { h } = histogram();
    h.observe({ service_name: 'a' }, 1);
    const family = h.collect();
    h.observe({ service_name: 'a' }, 1);
    assert.deepEqual(family.series[0]?.bucketCounts, [0, 0, 0, 1]);
    assert.deepEqual(family.buckets, [0.0001, 0.001, 0.01]);
  });
});

describe('normalizeBuckets', () => {
  const good: { name: string; input: number[]; want: number[] }[] = [
    { name: 'plain', input: [1, 2, 3], want: [1, 2, 3] },
    { name: 'trailing +Inf dropped', input: [1, Number.POSITIVE_INFINITY], want: [1] },
    { name: 'negative bounds allowed', input: [-1, 0, 1], want: [-1, 0, 1] },
  ];
  for (const c of good) it(c.name, () => assert.deepEqual(normalizeBuckets('h', c.input), c.want));

  const bad: { name: string; input: number[]; error: RegExp }[] = [
    { name: 'empty', input: [], error: /histogram "h": needs at least one/ },
    { name: 'only +Inf', input: [Number.POSITIVE_INFINITY], error: /at least one finite/ },
    { name: 'descending', input: [2, 1], error: /strictly ascending, got 2 then 1/ },
    { name: 'duplicate', input: [1, 1], error: /strictly ascending/ },
    { name: 'NaN', input: [1, Number.NaN], error: /NaN is not a finite number/ },
    { name: '+Inf in the middle', input: [1, Number.POSITIVE_INFINITY, 2], error: /Infinity is not a finite/ },
  ];
  for (const c of bad) it(`rejects ${c.name}`, () => assert.throws(() => normalizeBuckets('h', c.input), c.error));
});

describe('bucket generators', () => {
  it('exponentialBuckets gives clean decimal bounds', () => {
    assert.deepEqual(exponentialBuckets(0.0001, 10, 6), [0.0001, 0.001, 0.01, 0.1, 1, 10]);
    assert.deepEqual(exponentialBuckets(1, 2, 4), [1, 2, 4, 8]);
  });
  it('linearBuckets gives clean decimal bounds', () => {
    assert.deepEqual(linearBuckets(0.1, 0.1, 3), [0.1, 0.2, 0.3]);
  });
  it('rejects nonsense arguments', () => {
    assert.throws(() => exponentialBuckets(0, 2, 3), /start > 0/);
    assert.throws(() => exponentialBuckets(1, 1, 3), /factor > 1/);
    assert.throws(() => linearBuckets(0, 0, 3), /width > 0/);
    assert.throws(() => linearBuckets(0, 1, 0), /count >= 1/);
  });
});
