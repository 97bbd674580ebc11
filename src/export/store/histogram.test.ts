import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  addEncoded, binOf, binUpperMs, durationAboveAtLeast, encodeDense, encodeSparse, histogramRows, HISTOGRAM_BINS,
  mergeEncoded, newDenseHistogram, quantiles,
} from './histogram.js';

function denseOf(values: readonly number[]): Float64Array {
  const h = newDenseHistogram();
  for (const v of values) h[binOf(v)]! += 1;
  return h;
}

/** Exact nearest-rank quantile of a sample. */
function exact(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('latency histogram', () => {
  const bins: { name: string; ms: number; bin: number }[] = [
    { name: 'zero', ms: 0, bin: 0 },
    { name: 'negative', ms: -5, bin: 0 },
    { name: 'NaN', ms: Number.NaN, bin: 0 },
    { name: 'one microsecond', ms: 0.001, bin: 0 },
    { name: 'two microseconds', ms: 0.002, bin: 4 },
    { name: 'one millisecond', ms: 1, bin: Math.ceil(4 * Math.log2(1000)) },
    { name: 'an hour (past the last bound)', ms: 3_600_000, bin: HISTOGRAM_BINS - 1 },
  ];
  for (const c of bins) {
    it(`bins ${c.name}`, () => assert.equal(binOf(c.ms), c.bin));
  }

  it('puts each value at or under its bin upper bound and above the previous one', () => {
    for (const ms of [0.0015, 0.37, 1, 2.5, 17, 999, 12_345]) {
      const bin = binOf(ms);
      assert.ok(ms <= binUpperMs(bin)! * (1 + 1e-12), `${ms} <= upper of ${bin}`);
      assert.ok(ms > binUpperMs(bin - 1)! * (1 - 1e-12), `${ms} > upper of ${bin - 1}`);
    }
  });

  it('round-trips sparse and dense encodings and merges by adding', () => {
    const a = encodeSparse(new Map([[3, 2], [70, 7]]));
    const b = encodeDense(denseOf([1, 1, 5]));
    const merged = newDenseHistogram();
    addEncoded(merged, mergeEncoded(a, b));
    assert.equal(merged[3], 2);
    assert.equal(merged[70], 7);
    assert.equal(merged[binOf(1)], 2);
    assert.equal(merged[binOf(5)], 1);
    assert.equal(merged.reduce((x, y) => x + y, 0), 12);
  });

  it('ignores a truncated trailing entry and null blobs', () => {
    const h = newDenseHistogram();
    const blob = encodeSparse(new Map([[10, 4]]));
    addEncoded(h, Buffer.concat([blob, Buffer.from([11, 1])]));
    addEncoded(h, null);
    assert.equal(h[10], 4);
    assert.equal(h[11], 0);
  });

  it('reports percentiles within 2^(1/8) of the exact value', () => {
    // Deterministic spread over five decades.
    const values = Array.from({ length: 5000 }, (_, i) => 0.01 * 10 ** ((i * 7919 % 5000) / 1000));
    const h = denseOf(values);
    const qs = [0.5, 0.9, 0.95, 0.99];
    const got = quantiles(h, qs);
    qs.forEach((q, i) => {
      const ratio = got[i]! / exact(values, q);
      assert.ok(ratio <= 2 ** (1 / 8) + 0.001 && ratio >= 2 ** (-1 / 8) - 0.001, `q=${q}: ${got[i]} vs ${exact(values, q)}`);
    });
  });

  it('has no percentiles when empty', () => {
    assert.deepEqual(quantiles(newDenseHistogram(), [0.5]), [null]);
    assert.deepEqual(histogramRows(newDenseHistogram()), []);
  });

  it('lists bins from the first to the last non-empty one', () => {
    const rows = histogramRows(denseOf([1, 4]));
    assert.equal(rows.length, binOf(4) - binOf(1) + 1);
    assert.equal(rows[0]!.count, 1);
    assert.equal(rows.at(-1)!.count, 1);
    assert.equal(rows.reduce((n, r) => n + r.count, 0), 2);
  });

  it('finds a bound with at least n values above it', () => {
    const values = [1, 2, 3, 50, 60, 70, 80];
    const bound = durationAboveAtLeast(denseOf(values), 3)!;
    const above = values.filter((v) => v >= bound).length;
    assert.ok(above >= 3, `${above} values >= ${bound}`);
    assert.ok(above < values.length, 'the bound excludes the fast ones');
    assert.equal(durationAboveAtLeast(denseOf(values), 100), undefined);
  });
});
