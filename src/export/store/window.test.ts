import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HOUR_MS, MINUTE_MS, OPEN_END_MS, rangeWindow, RANGES_MS, RESOLUTIONS_MS, rollupKeepMs, tiles } from './window.js';

const NOW = Date.UTC(2026, 0, 15, 12, 34, 56, 789);

describe('range windows', () => {
  const cases = [
    { name: '5m', rangeMs: RANGES_MS['5m']!, bucketMs: 10_000, buckets: 30 },
    { name: '1h', rangeMs: RANGES_MS['1h']!, bucketMs: MINUTE_MS, buckets: 60 },
    { name: '24h', rangeMs: RANGES_MS['24h']!, bucketMs: 10 * MINUTE_MS, buckets: 144 },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.buckets} buckets of ${c.bucketMs / 1000} s ending with the one holding now`, () => {
      const w = rangeWindow(c.rangeMs, NOW);
      assert.equal(w.bucketMs, c.bucketMs);
      assert.equal(w.buckets, c.buckets);
      const last = w.firstBucketMs + (w.buckets - 1) * w.bucketMs;
      assert.ok(last <= NOW && NOW < last + w.bucketMs);
      assert.equal(w.firstBucketMs % c.bucketMs, 0);
    });

    it(`${c.name}: tiles cover the window exactly once`, () => {
      const w = rangeWindow(c.rangeMs, NOW);
      const ts = tiles(w.firstBucketMs, NOW);
      // Every 10 s bucket of the window is in exactly one tile; none before the window is.
      for (let t = w.firstBucketMs - 60_000; t <= NOW; t += 10_000) {
        const covering = ts.filter((tile) => Math.floor(t / tile.resMs) * tile.resMs >= tile.fromMs && Math.floor(t / tile.resMs) * tile.resMs < tile.toMs);
        assert.equal(covering.length, t >= w.firstBucketMs ? 1 : 0, `bucket ${new Date(t).toISOString()}`);
      }
      assert.equal(ts.filter((t) => t.toMs === OPEN_END_MS).length, 1, 'one open-ended tile');
      const newest = ts.find((t) => t.toMs === OPEN_END_MS)!;
      assert.ok(newest.fromMs <= NOW && newest.resMs <= MINUTE_MS, 'the newest records come from the rows written first');
      for (const tile of ts) assert.equal(tile.fromMs % tile.resMs, 0);
    });
  }

  it('uses whole hours for most of a day, minutes at the newest end', () => {
    const w = rangeWindow(RANGES_MS['24h']!, NOW);
    const ts = tiles(w.firstBucketMs, NOW, [MINUTE_MS, 10 * MINUTE_MS, HOUR_MS]);
    const hour = ts.find((t) => t.resMs === HOUR_MS)!;
    assert.ok(hour.toMs - hour.fromMs >= 22 * HOUR_MS);
    assert.equal(ts.find((t) => t.toMs === OPEN_END_MS)!.resMs, MINUTE_MS);
  });

  it('keeps rollups as long as their longest reader, never much past the retention', () => {
    for (const res of RESOLUTIONS_MS) {
      assert.ok(rollupKeepMs(res, 24 * HOUR_MS) <= 24 * HOUR_MS + res);
      assert.equal(rollupKeepMs(res, MINUTE_MS), MINUTE_MS + res);
    }
    assert.ok(rollupKeepMs(10 * MINUTE_MS, 24 * HOUR_MS) >= 24 * HOUR_MS);
    assert.ok(rollupKeepMs(MINUTE_MS, 24 * HOUR_MS) >= HOUR_MS);
  });
});
