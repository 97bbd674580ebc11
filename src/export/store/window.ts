// Time windows of the API's ranges and the rollup resolutions that cover them.

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;

/** Rollup resolutions, finest first; each divides the next, so their buckets nest. */
export const RESOLUTIONS_MS: readonly number[] = [10 * SECOND_MS, MINUTE_MS, 10 * MINUTE_MS, HOUR_MS];

/** The ranges of the API (`range=`), in ms. */
export const RANGES_MS: Readonly<Record<string, number>> = { '5m': 5 * MINUTE_MS, '1h': HOUR_MS, '24h': 24 * HOUR_MS };
export const DEFAULT_RANGE = '1h';

/** Series points: 10 s for 5m, 1 min for 1h, 10 min for 24h (and for anything longer). */
export function seriesBucketMs(rangeMs: number): number {
  if (rangeMs <= 5 * MINUTE_MS) return 10 * SECOND_MS;
  if (rangeMs <= HOUR_MS) return MINUTE_MS;
  return 10 * MINUTE_MS;
}

export interface RangeWindow {
  rangeMs: number;
  nowMs: number;
  bucketMs: number;
  /** Start of the oldest series bucket: the window is [firstBucketMs, nowMs]. */
  firstBucketMs: number;
  /** Series points, the last one being the bucket that holds nowMs. */
  buckets: number;
}

/** The last `rangeMs / bucketMs` buckets, the current (partial) one included. */
export function rangeWindow(rangeMs: number, nowMs: number): RangeWindow {
  const bucketMs = seriesBucketMs(rangeMs);
  const buckets = Math.max(1, Math.ceil(rangeMs / bucketMs));
  const lastBucketMs = Math.floor(nowMs / bucketMs) * bucketMs;
  return { rangeMs, nowMs, bucketMs, firstBucketMs: lastBucketMs - (buckets - 1) * bucketMs, buckets };
}

/** Rollup rows of resolution `resMs` with `fromMs <= bucket < toMs`. */
export interface Tile {
  resMs: number;
  fromMs: number;
  toMs: number;
}

/** Past any bucket that can hold data: the open end of the newest tile. */
export const OPEN_END_MS = Number.MAX_SAFE_INTEGER;

/**
 * Rollup rows that add up to exactly [start, now]: whole buckets of the coarsest resolution
 * that fit (hours, for a day), the edges on both sides from finer ones (ten-minute, minute,
 * ten-second rows). The newest records are thus always read from the finest rows, which are
 * written first (see RollupAccumulator), and the newest tile is open-ended (the current bucket
 * keeps filling). `start` is `startMs` rounded down to the finest resolution given: a 5m window
 * read from minute rows starts at the minute, so it spans 5 to 6 minutes.
 */
export function tiles(startMs: number, nowMs: number, resolutions: readonly number[] = RESOLUTIONS_MS): Tile[] {
  const finest = resolutions[0]!;
  const out: Tile[] = [];
  const cover = (lo: number, hi: number, level: number): void => {
    if (lo >= hi) return;
    const res = resolutions[level]!;
    const a = Math.ceil(lo / res) * res;
    const b = Math.floor(hi / res) * res;
    if (level > 0 && a >= b) {
      cover(lo, hi, level - 1);
      return;
    }
    if (level === 0) {
      out.push({ resMs: res, fromMs: lo, toMs: hi });
      return;
    }
    cover(lo, a, level - 1);
    out.push({ resMs: res, fromMs: a, toMs: b });
    cover(b, hi, level - 1);
  };
  const start = Math.floor(startMs / finest) * finest;
  const end = Math.floor(nowMs / finest) * finest + finest;
  cover(start, end, resolutions.length - 1);
  const newest = out.reduce((n, t) => (t.toMs > n.toMs ? t : n), out[0]!);
  if (newest !== undefined) newest.toMs = OPEN_END_MS;
  return out;
}

/** How long rollup rows of a resolution are kept: as long as the longest range that reads them, at most the retention. */
export function rollupKeepMs(resMs: number, retentionMs: number): number {
  const longestReader = resMs <= 10 * SECOND_MS ? 15 * MINUTE_MS : resMs <= MINUTE_MS ? 2 * HOUR_MS : 24 * HOUR_MS;
  return Math.min(longestReader, retentionMs) + resMs;
}
