import { quantiles } from './histogram.js';
import type { StoreAlert } from './records.js';
import { OP_KIND, SERVICE_KIND } from './rollup-kinds.js';
import { primarySide, readServiceSeries, seriesPoints, type BucketPoint } from './service-series.js';
import { errorRate, nullIfEmpty, rateSeconds, readRollup, red, type Aggregate, type RollupSource } from './rollup-read.js';
import { rangeWindow, tiles, type Tile } from './window.js';
import { rangeLabel, type OperationKey, type OverviewAnswer, type OverviewService, type SeriesPoint, type TopErrorsRow, type TopLatencyRow } from './answers.js';

export const TOP_ROWS = 10;
/**
 * Operations whose histograms are read first while looking for the slowest; each further read
 * takes four times as many. A read costs about one scan of the window's rows whatever the
 * number of keys (SQLite checks each row against the key list), so few large reads win.
 */
const FIRST_CANDIDATES = 50;

function overviewPoint(t: number, b: BucketPoint | undefined): SeriesPoint {
  if (b === undefined) return { t, requests: 0, errors: 0, p95_ms: null };
  return { t, requests: b.requests, errors: b.errors, p95_ms: b.p95_ms };
}

export function operationKey(key: readonly (string | number)[]): OperationKey {
  return {
    service_name: String(key[0]),
    side: key[1] === 'client' ? 'client' : 'server',
    protocol: String(key[2]),
    operation: nullIfEmpty(key[3]),
    resource: nullIfEmpty(key[4]),
  };
}

/**
 * The `n` operations with the highest p95, exactly, without reading every operation's
 * histogram. The p95 of several rows together is at most the largest p95 of the rows (each
 * row has 95% of its values at or below its own p95, so at or below the largest), which SQLite
 * finds cheaply from each row's stored p95: operations are read in order of that bound until
 * the next ones cannot beat the n-th p95 found. With a row per operation (sparse traffic) the
 * bound is the p95 itself.
 */
function topByP95(src: RollupSource, ts: readonly Tile[], nowMs: number, totals: readonly Aggregate[], n: number): TopLatencyRow[] {
  const candidates = [...totals].sort((a, b) => b.p95Bound - a.p95Bound);
  const top: TopLatencyRow[] = [];
  for (let i = 0, size = FIRST_CANDIDATES; i < candidates.length; i += size, size *= 4) {
    const chunk = candidates.slice(i, i + size);
    if (top.length >= n && chunk[0]!.p95Bound < (top[n - 1]!.p95_ms ?? 0)) break;
    const read = readRollup(src, { kind: OP_KIND, tiles: ts, groupBy: OP_KIND.keys, ids: chunk.map((c) => c.keyId), nowMs });
    for (const op of read) {
      top.push({ ...operationKey(op.key), requests: op.sums[0] ?? 0, p95_ms: op.hist === null ? null : quantiles(op.hist, [0.95])[0] ?? null });
    }
    top.sort((a, b) => (b.p95_ms ?? -1) - (a.p95_ms ?? -1) || b.requests - a.requests);
    top.length = Math.min(top.length, n);
  }
  return top;
}

export function overview(src: RollupSource, rangeMs: number, nowMs: number, alerts: StoreAlert[]): OverviewAnswer {
  const w = rangeWindow(rangeMs, nowMs);
  const seconds = rateSeconds(src, SERVICE_KIND, w, w.firstBucketMs);
  const services: OverviewService[] = [];
  for (const [name, svc] of readServiceSeries(src, w)) {
    const side = svc[primarySide(svc)];
    services.push({ name, ...red(side.requests, side.errors, side.hist, seconds), series: seriesPoints(w, side, overviewPoint) });
  }
  services.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const opTiles = tiles(w.firstBucketMs, nowMs, OP_KIND.resolutions);
  const totals = readRollup(src, { kind: OP_KIND, tiles: opTiles, groupBy: OP_KIND.keys, sumsOnly: true, nowMs });
  const failing: TopErrorsRow[] = totals.filter((op) => (op.sums[1] ?? 0) > 0).map((op) => {
    const requests = op.sums[0] ?? 0;
    const errors = op.sums[1] ?? 0;
    return { ...operationKey(op.key), requests, errors, error_rate: errorRate(requests, errors) };
  });
  failing.sort((a, b) => b.errors - a.errors || b.error_rate - a.error_rate);
  return {
    range: rangeLabel(rangeMs),
    services,
    top_latency: topByP95(src, opTiles, nowMs, totals, TOP_ROWS),
    top_errors: failing.slice(0, TOP_ROWS),
    alerts,
  };
}
