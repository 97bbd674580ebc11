import { durationAboveAtLeast, histogramRows, type DenseHistogram } from './histogram.js';
import { edgeAnswers, edgeSeconds, edgeTotals } from './query-graph.js';
import { operationKey } from './query-overview.js';
import { primarySide, readServiceSeries, seriesPoints } from './service-series.js';
import { slowestSpans, querySpans, type SpanFilter } from './query-spans.js';
import type { StoredSpan } from './records.js';
import { OP_KIND, STATUS_KIND } from './rollup-kinds.js';
import { rateSeconds, readRollup, red, tilesStart, type RollupSource } from './rollup-read.js';
import type { StatementCache } from './statement-cache.js';
import { rangeWindow, tiles } from './window.js';
import { rangeLabel, type OperationRow, type PercentilePoint, type ServiceAnswer } from './answers.js';

/** Spans in the slow and failed lists of the service page. */
export const SERVICE_SPAN_LIST = 10;

/**
 * The slowest spans: the histogram says how slow the slowest few are at least, so only spans
 * past that bound are read (through the duration-class index) instead of the whole range.
 * Raw rows can be fewer than the rollup counted (sampled, or removed for size): then the bound
 * is dropped and the range is read.
 */
function slowest(cache: StatementCache, filter: SpanFilter, hist: DenseHistogram): StoredSpan[] {
  const bound = durationAboveAtLeast(hist, SERVICE_SPAN_LIST);
  if (bound !== undefined) {
    const found = slowestSpans(cache, { ...filter, minDurationMs: bound }, SERVICE_SPAN_LIST);
    if (found.length >= SERVICE_SPAN_LIST) return found;
  }
  return slowestSpans(cache, filter, SERVICE_SPAN_LIST);
}

/** One service over a window, or null when it has no spans and no edges in it. */
export function service(src: RollupSource, name: string, rangeMs: number, nowMs: number): ServiceAnswer | null {
  const { cache } = src;
  const w = rangeWindow(rangeMs, nowMs);
  const inbound = edgeTotals(src, w, (k) => k[1] === name);
  const outbound = edgeTotals(src, w, (k) => k[0] === name);
  const svc = readServiceSeries(src, w, name).get(name);
  if (svc === undefined && inbound.length === 0 && outbound.length === 0) return null;

  const side = svc === undefined ? 'server' : primarySide(svc);
  const own = svc?.[side];
  const percentiles: PercentilePoint[] = own === undefined ? [] : seriesPoints(w, own, (t, b) => {
    if (b === undefined) return { t, p50_ms: null, p95_ms: null, p99_ms: null, requests: 0, errors: 0 };
    return { t, p50_ms: b.p50_ms, p95_ms: b.p95_ms, p99_ms: b.p99_ms, requests: b.requests, errors: b.errors };
  });

  const opTiles = tiles(w.firstBucketMs, nowMs, OP_KIND.resolutions);
  const opSeconds = rateSeconds(src, OP_KIND, w, tilesStart(opTiles));
  const operations: OperationRow[] = readRollup(src, { kind: OP_KIND, tiles: opTiles, groupBy: ['side', 'protocol', 'operation', 'resource'], where: (k) => k[0] === name, nowMs })
    .map((op) => {
      const { side: opSide, protocol, operation, resource } = operationKey([name, ...op.key]);
      return { side: opSide, protocol, operation, resource, ...red(op.sums[0] ?? 0, op.sums[1] ?? 0, op.hist, opSeconds) };
    })
    .sort((a, b) => b.requests - a.requests || (a.side < b.side ? 1 : a.side > b.side ? -1 : 0));

  const status_codes = readRollup(src, { kind: STATUS_KIND, tiles: tiles(w.firstBucketMs, nowMs, STATUS_KIND.resolutions), groupBy: ['status'], where: (k) => k[0] === name && k[1] === side, sumsOnly: true, nowMs })
    .map((s) => ({ status: s.key[0] === '' || s.key[0] === undefined ? null : s.key[0], count: s.sums[0] ?? 0 }))
    .sort((a, b) => b.count - a.count);

  const filter = { service: name, side, sinceMs: w.firstBucketMs } as const;
  const seconds = edgeSeconds(src, w);
  return {
    name,
    range: rangeLabel(rangeMs),
    side,
    operations,
    latency_histogram: own === undefined ? [] : histogramRows(own.hist),
    percentiles,
    status_codes,
    slow: own === undefined ? [] : slowest(cache, filter, own.hist),
    failed: own === undefined || own.errors === 0 ? [] : querySpans(cache, { ...filter, error: true }, SERVICE_SPAN_LIST, 0).items,
    inbound: edgeAnswers(inbound, seconds),
    outbound: edgeAnswers(outbound, seconds),
  };
}
