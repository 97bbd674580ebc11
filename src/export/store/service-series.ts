import { newDenseHistogram, type DenseHistogram } from './histogram.js';
import { SERVICE_KIND } from './rollup-kinds.js';
import { readRollup, scanRows, seriesTile, type RollupSource } from './rollup-read.js';
import { tiles, type RangeWindow } from './window.js';

/** One bucket of a service side, as its rollup row has it. */
export interface BucketPoint {
  requests: number;
  errors: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}

/** One side of a service over a window: totals and the series, bucket by bucket (oldest first, holes for empty ones). */
export interface SideSeries {
  requests: number;
  errors: number;
  hist: DenseHistogram;
  buckets: (BucketPoint | undefined)[];
}

export interface ServiceSeries {
  server: SideSeries;
  client: SideSeries;
}

function emptySide(w: RangeWindow): SideSeries {
  return { requests: 0, errors: 0, hist: newDenseHistogram(), buckets: new Array<BucketPoint | undefined>(w.buckets) };
}

const SERIES_COLUMNS = ['count', 'errors', 'p50_ms', 'p95_ms', 'p99_ms'];

/**
 * Per service (all, or the one named), both sides over the window. The service rollup is keyed
 * by (service, side) alone, so a bucket is one row, read with its stored percentiles (no
 * histogram); the totals' histograms come from the window's tiles (whole hours where it can).
 */
export function readServiceSeries(src: RollupSource, w: RangeWindow, name?: string): Map<string, ServiceSeries> {
  const out = new Map<string, ServiceSeries>();
  const sideOf = (service: string, side: unknown): SideSeries => {
    let svc = out.get(service);
    if (svc === undefined) {
      svc = { server: emptySide(w), client: emptySide(w) };
      out.set(service, svc);
    }
    return side === 'client' ? svc.client : svc.server;
  };
  const ids = name === undefined ? null : src.keys.idsWhere(SERVICE_KIND, (k) => k[0] === name);
  const sides = new Map<number, SideSeries | null>();
  scanRows(src, SERVICE_KIND, seriesTile(w), ids, (row) => {
    const id = row[1] as number;
    let side = sides.get(id);
    if (side === undefined) {
      const key = src.keys.keyOf(id);
      side = key === undefined ? null : sideOf(String(key[0]), key[1]);
      sides.set(id, side);
    }
    if (side === null) return;
    const [bucket, , requests, errors, p50, p95, p99] = row as [number, number, number, number, number | null, number | null, number | null];
    side.requests += requests;
    side.errors += errors;
    side.buckets[(bucket - w.firstBucketMs) / w.bucketMs] = { requests, errors, p50_ms: p50, p95_ms: p95, p99_ms: p99 };
  }, SERIES_COLUMNS);
  const totals = readRollup(src, {
    kind: SERVICE_KIND,
    tiles: tiles(w.firstBucketMs, w.nowMs, SERVICE_KIND.resolutions),
    groupBy: SERVICE_KIND.keys,
    nowMs: w.nowMs,
    ...(ids === null ? {} : { ids }),
  });
  for (const t of totals) {
    if (t.hist !== null) sideOf(String(t.key[0]), t.key[1]).hist = t.hist;
  }
  return out;
}

/** A service's own requests are its server side; a service seen only as a client has only its calls. */
export function primarySide(svc: ServiceSeries): 'server' | 'client' {
  return svc.server.requests > 0 || svc.client.requests === 0 ? 'server' : 'client';
}

/** Every bucket of the window, oldest first, empty ones passed as undefined. */
export function seriesPoints<T>(w: RangeWindow, side: SideSeries, point: (t: number, b: BucketPoint | undefined) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < w.buckets; i++) out.push(point(w.firstBucketMs + i * w.bucketMs, side.buckets[i]));
  return out;
}
