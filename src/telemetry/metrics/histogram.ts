import { SeriesTable, compareLabelValues } from './labels.js';
import type { LabelInput, LabelSet, MetricLimits } from './labels.js';

export interface HistogramDefinition<N extends readonly string[]> {
  /** Should end in a base unit (`_seconds`, `_bytes`); must not end in `_total`, `_count`, ... */
  readonly name: string;
  readonly help: string;
  readonly labelNames: N;
  /** Finite upper bounds, strictly ascending; a trailing +Inf is allowed and implied anyway. */
  readonly buckets: readonly number[];
  /** Overrides the registry's `maxSeriesPerMetric` for this metric. */
  readonly maxSeries?: number;
}

export interface HistogramSeries {
  readonly labelValues: readonly string[];
  /**
   * Per-bucket counts, NOT cumulative (the OTLP shape): index i counts observations in
   * (buckets[i-1], buckets[i]]; the last entry, at index buckets.length, counts those above
   * every bound. Prometheus output accumulates them.
   */
  readonly bucketCounts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

export interface HistogramFamily {
  readonly type: 'histogram';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Finite upper bounds, ascending, without +Inf. */
  readonly buckets: readonly number[];
  /** Sorted by label values. */
  readonly series: readonly HistogramSeries[];
}

/** A histogram pre-resolved to one label set: no keying or lookup per update. */
export interface BoundHistogram {
  observe(value: number, count?: number): void;
}

interface HistogramCell {
  readonly labelValues: readonly string[];
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * Validates bucket bounds and returns them without a trailing +Inf. Throws naming the metric:
 * unsorted or duplicate bounds would silently misfile observations.
 */
export function normalizeBuckets(metricName: string, buckets: readonly number[]): number[] {
  const bounds = buckets.length > 0 && buckets[buckets.length - 1] === Number.POSITIVE_INFINITY
    ? buckets.slice(0, -1)
    : [...buckets];
  if (bounds.length === 0) {
    throw new Error(`histogram "${metricName}": needs at least one finite bucket bound`);
  }
  for (let i = 0; i < bounds.length; i++) {
    const bound = bounds[i] as number;
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new Error(`histogram "${metricName}": bucket bound ${String(bound)} is not a finite number`);
    }
    if (i > 0 && !(bound > (bounds[i - 1] as number))) {
      throw new Error(
        `histogram "${metricName}": buckets must be strictly ascending, got ${String(bounds[i - 1])} then ${String(bound)}`,
      );
    }
  }
  return bounds;
}

// Bounds are rounded to 15 significant digits so repeated float arithmetic yields the `le`
// values a human would write (0.001, not 0.0010000000000000002).
function tidy(value: number): number {
  return Number(value.toPrecision(15));
}

/** `count` bounds: start, start*factor, start*factor^2, ... */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (!(start > 0) || !(factor > 1) || !Number.isInteger(count) || count < 1) {
    throw new Error('exponentialBuckets: need start > 0, factor > 1 and an integer count >= 1');
  }
  return Array.from({ length: count }, (_, i) => tidy(start * factor ** i));
}

/** `count` bounds: start, start+width, start+2*width, ... */
export function linearBuckets(start: number, width: number, count: number): number[] {
  if (!Number.isFinite(start) || !(width > 0) || !Number.isInteger(count) || count < 1) {
    throw new Error('linearBuckets: need a finite start, width > 0 and an integer count >= 1');
  }
  return Array.from({ length: count }, (_, i) => tidy(start + width * i));
}

/** Index of the first bound >= value, or bounds.length when value is above all of them. */
function bucketIndex(bounds: Float64Array, value: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((bounds[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function record(cell: HistogramCell, bounds: Float64Array, value: number, count: number): void {
  const i = bucketIndex(bounds, value);
  cell.counts[i] = (cell.counts[i] as number) + count;
  cell.sum += value * count;
  cell.count += count;
}

// NaN would poison `sum` for the life of the series; a non-positive or non-finite count is not
// an observation. Both are dropped rather than thrown because this runs per event.
function acceptable(value: number, count: number): boolean {
  return value === value && count > 0 && count !== Number.POSITIVE_INFINITY;
}

export class Histogram<N extends readonly string[]> {
  readonly type = 'histogram' as const;
  readonly name: string;
  readonly help: string;
  readonly labelNames: N;
  /** Validated finite bounds, without +Inf. */
  readonly buckets: readonly number[];
  private readonly bounds: Float64Array;
  private readonly table: SeriesTable<HistogramCell>;
  private readonly onOverflow: () => void;

  constructor(definition: HistogramDefinition<N>, limits: MetricLimits) {
    this.name = definition.name;
    this.help = definition.help;
    this.labelNames = definition.labelNames;
    this.buckets = normalizeBuckets(definition.name, definition.buckets);
    this.bounds = Float64Array.from(this.buckets);
    this.onOverflow = limits.onOverflow;
    const slots = this.buckets.length + 1;
    this.table = new SeriesTable({
      labelNames: definition.labelNames,
      maxSeries: limits.maxSeries,
      createCell: (labelValues) => ({ labelValues, counts: new Float64Array(slots), sum: 0, count: 0 }),
      onOverflow: limits.onOverflow,
    });
  }

  /** Records `count` observations of `value` (count > 1 for pre-aggregated kernel data). */
  observe(labels: LabelSet<N>, value: number, count = 1): void {
    if (!acceptable(value, count)) return;
    record(this.table.lookup(labels as LabelInput), this.bounds, value, count);
  }

  bind(labels: LabelSet<N>): BoundHistogram {
    const { cell, overflowed } = this.table.resolve(labels as LabelInput);
    const bounds = this.bounds;
    // Past the limit every update still counts as overflow, the same as unbound updates.
    const note = overflowed ? this.onOverflow : undefined;
    return {
      observe(value, count = 1) {
        if (!acceptable(value, count)) return;
        record(cell, bounds, value, count);
        note?.();
      },
    };
  }

  collect(): HistogramFamily {
    const series: HistogramSeries[] = [];
    for (const cell of this.table.allCells()) {
      series.push({ labelValues: cell.labelValues, bucketCounts: Array.from(cell.counts), sum: cell.sum, count: cell.count });
    }
    series.sort((a, b) => compareLabelValues(a.labelValues, b.labelValues));
    return {
      type: 'histogram',
      name: this.name,
      help: this.help,
      labelNames: [...this.labelNames],
      buckets: [...this.buckets],
      series,
    };
  }
}
