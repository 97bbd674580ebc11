// RED statistics over a sliding window: per service here, per service-graph edge in
// service-graph.ts. Recording is O(1) (a logarithm and a map update); percentiles are computed
// only when someone asks (the API), by merging the window's buckets.

export const DEFAULT_WINDOW_MS = 5 * 60_000;
export const DEFAULT_BUCKET_MS = 10_000;
export const DEFAULT_MAX_SERVICES = 1000;
/** Where services past `maxServices` are counted. */
export const OTHER_SERVICE = '_other';

/** Relative accuracy of percentiles: a reported value is within 1% of a value actually observed. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Durations at or below 1 µs are kept as "zero"; at or above ~11.6 days as that maximum. */
const MIN_MS = 0.001;
const MAX_MS = 1e9;
const MAX_INDEX = Math.ceil(Math.log(MAX_MS) / LOG_GAMMA);

/**
 * A log-bucketed latency sketch (DDSketch-style): bucket i holds values in (γ^(i-1), γ^i] with
 * γ = 1.01/0.99, so any quantile is reported within 1% relative error. Sparse: only buckets in
 * use exist, at most ~2,100 for the whole 1 µs .. 11 days range (a service typically uses tens).
 */
export class LatencySketch {
  readonly #buckets = new Map<number, number>();
  #zero = 0;
  #count = 0;

  get count(): number {
    return this.#count;
  }

  add(ms: number, count = 1): void {
    if (!(ms > MIN_MS)) {
      if (ms === ms) this.#zero += count; // NaN is no observation
      else return;
    } else {
      const i = ms >= MAX_MS ? MAX_INDEX : Math.ceil(Math.log(ms) / LOG_GAMMA);
      this.#buckets.set(i, (this.#buckets.get(i) ?? 0) + count);
    }
    this.#count += count;
  }

  merge(other: LatencySketch): void {
    for (const [i, n] of other.#buckets) this.#buckets.set(i, (this.#buckets.get(i) ?? 0) + n);
    this.#zero += other.#zero;
    this.#count += other.#count;
  }

  clear(): void {
    this.#buckets.clear();
    this.#zero = 0;
    this.#count = 0;
  }

  /** The q-quantile (0..1) in ms, or null when empty. */
  quantile(q: number): number | null {
    return this.quantiles([q])[0] ?? null;
  }

  /** Several quantiles (ascending) with one sort of the buckets. */
  quantiles(qs: readonly number[]): Array<number | null> {
    if (this.#count === 0) return qs.map(() => null);
    const keys = [...this.#buckets.keys()].sort((a, b) => a - b);
    const out: Array<number | null> = [];
    let k = 0;
    let seen = this.#zero;
    for (const q of qs) {
      const rank = Math.max(0, Math.min(1, q)) * (this.#count - 1);
      if (rank < this.#zero) {
        out.push(0);
        continue;
      }
      while (k < keys.length) {
        const key = keys[k] as number;
        const n = this.#buckets.get(key) as number;
        if (seen + n > rank) break;
        seen += n;
        k++;
      }
      const key = keys[Math.min(k, keys.length - 1)] as number;
      out.push((2 * GAMMA ** key) / (GAMMA + 1));
    }
    return out;
  }
}

/** What a window holds for one key (a service, an edge). */
export interface WindowSummary {
  requests: number;
  errors: number;
  /** Requests per second over `windowSeconds`. */
  requestRate: number;
  /** Fraction of requests that were errors (0..1). */
  errorRate: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  windowSeconds: number;
}

interface Bucket {
  epoch: number;
  requests: number;
  errors: number;
  readonly latency: LatencySketch;
}

export interface WindowOptions {
  readonly windowMs?: number;
  readonly bucketMs?: number;
}

/** Validates window/bucket lengths and returns how many buckets a window has. */
export function bucketCount(windowMs: number, bucketMs: number): number {
  if (!Number.isInteger(bucketMs) || bucketMs < 1) throw new RangeError(`bucketMs must be a positive integer, got ${String(bucketMs)}`);
  if (!Number.isInteger(windowMs) || windowMs < bucketMs || windowMs % bucketMs !== 0) {
    throw new RangeError(`windowMs must be a whole multiple of bucketMs (${bucketMs}), got ${String(windowMs)}`);
  }
  return windowMs / bucketMs;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Requests, errors and latency of one key over a sliding window of whole buckets (the oldest
 * bucket drops out whole). Buckets are reused in a ring: memory is fixed once allocated.
 */
export class WindowedStats {
  readonly #bucketMs: number;
  readonly #ring: Bucket[];
  #lastEpoch = Number.NEGATIVE_INFINITY;

  constructor(windowMs: number, bucketMs: number) {
    const n = bucketCount(windowMs, bucketMs);
    this.#bucketMs = bucketMs;
    this.#ring = Array.from({ length: n }, () => ({ epoch: Number.NEGATIVE_INFINITY, requests: 0, errors: 0, latency: new LatencySketch() }));
  }

  /** When this key last recorded anything (start of that bucket), to forget idle keys. */
  get lastBucketStartMs(): number {
    return this.#lastEpoch * this.#bucketMs;
  }

  record(nowMs: number, durationMs: number, error: boolean, count = 1): void {
    const epoch = Math.floor(nowMs / this.#bucketMs);
    const n = this.#ring.length;
    const b = this.#ring[((epoch % n) + n) % n] as Bucket;
    if (b.epoch !== epoch) {
      b.epoch = epoch;
      b.requests = 0;
      b.errors = 0;
      b.latency.clear();
    }
    b.requests += count;
    if (error) b.errors += count;
    b.latency.add(durationMs, count);
    if (epoch > this.#lastEpoch) this.#lastEpoch = epoch;
  }

  /**
   * The window ending now, or null when nothing was recorded in it. `sinceMs` (when tracking
   * began) shortens the window a rate is divided by, so rates are right from the first seconds.
   */
  summary(nowMs: number, sinceMs = Number.NEGATIVE_INFINITY): WindowSummary | null {
    const current = Math.floor(nowMs / this.#bucketMs);
    const oldest = current - this.#ring.length + 1;
    const merged = new LatencySketch();
    let requests = 0;
    let errors = 0;
    for (const b of this.#ring) {
      if (b.epoch < oldest || b.epoch > current) continue;
      requests += b.requests;
      errors += b.errors;
      merged.merge(b.latency);
    }
    if (requests === 0) return null;
    const windowSeconds = windowSecondsAt(nowMs, this.#bucketMs, this.#ring.length, sinceMs);
    const [p50, p95, p99] = merged.quantiles([0.5, 0.95, 0.99]);
    return {
      requests,
      errors,
      requestRate: round(requests / windowSeconds, 3),
      errorRate: round(errors / requests, 4),
      p50Ms: p50 === null || p50 === undefined ? null : round(p50, 3),
      p95Ms: p95 === null || p95 === undefined ? null : round(p95, 3),
      p99Ms: p99 === null || p99 === undefined ? null : round(p99, 3),
      windowSeconds,
    };
  }
}

/**
 * Seconds the window ending at `nowMs` covers: from the start of its oldest bucket (or from
 * `sinceMs`, when later) to now, at least one second so a first request does not read as a
 * rate of thousands per second.
 */
export function windowSecondsAt(nowMs: number, bucketMs: number, buckets: number, sinceMs: number): number {
  const current = Math.floor(nowMs / bucketMs);
  const start = Math.max((current - buckets + 1) * bucketMs, sinceMs);
  return round(Math.max(1000, nowMs - start) / 1000, 3);
}

/** One row of `/api/v1/services`: a service's inbound (server-side) RED over the window. */
export interface ServiceStat {
  service: string;
  requests: number;
  errors: number;
  request_rate: number;
  error_rate: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  window_seconds: number;
}

export interface ServiceStatsOptions extends WindowOptions {
  /** Services tracked at once; past it new ones are counted under `_other`. */
  readonly maxServices?: number;
  /** Wall-clock milliseconds. */
  readonly now?: () => number;
}

/** Per-service request rate, error rate and p50/p95/p99 latency over a sliding window. */
export class ServiceStats {
  readonly windowMs: number;
  readonly bucketMs: number;
  readonly #maxServices: number;
  readonly #now: () => number;
  readonly #startedMs: number;
  readonly #services = new Map<string, WindowedStats>();

  constructor(options: ServiceStatsOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.bucketMs = options.bucketMs ?? DEFAULT_BUCKET_MS;
    bucketCount(this.windowMs, this.bucketMs);
    const max = options.maxServices ?? DEFAULT_MAX_SERVICES;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxServices must be a positive integer, got ${String(max)}`);
    this.#maxServices = max;
    this.#now = options.now ?? Date.now;
    this.#startedMs = this.#now();
  }

  /** One server-side exchange of `service` (or `count` alike). */
  record(service: string, durationMs: number, error: boolean, count = 1): void {
    let stats = this.#services.get(service);
    if (stats === undefined) stats = this.#add(service);
    stats.record(this.#now(), durationMs, error, count);
  }

  /** Every service with requests in the window, sorted by name. */
  snapshot(): ServiceStat[] {
    const now = this.#now();
    const out: ServiceStat[] = [];
    for (const [service, stats] of this.#services) {
      const s = stats.summary(now, this.#startedMs);
      if (s === null) {
        this.#services.delete(service); // idle for a whole window: forget it
        continue;
      }
      out.push({
        service,
        requests: s.requests,
        errors: s.errors,
        request_rate: s.requestRate,
        error_rate: s.errorRate,
        p50_ms: s.p50Ms,
        p95_ms: s.p95Ms,
        p99_ms: s.p99Ms,
        window_seconds: s.windowSeconds,
      });
    }
    return out.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  }

  #add(service: string): WindowedStats {
    if (this.#services.size >= this.#maxServices) {
      this.#forgetIdle();
      if (this.#services.size >= this.#maxServices) {
        const other = this.#services.get(OTHER_SERVICE);
        if (other !== undefined) return other;
        service = OTHER_SERVICE;
      }
    }
    const stats = new WindowedStats(this.windowMs, this.bucketMs);
    this.#services.set(service, stats);
    return stats;
  }

  #forgetIdle(): void {
    const cutoff = this.#now() - this.windowMs;
    for (const [service, stats] of this.#services) {
      if (stats.lastBucketStartMs + this.bucketMs <= cutoff) this.#services.delete(service);
    }
  }
}
