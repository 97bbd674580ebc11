import type { LabelInput, LabelSet, MetricLimits } from './labels.js';
import { ValueMetric, type ValueSeries } from './value-metric.js';

export interface CounterDefinition<N extends readonly string[]> {
  /** Must end in `_total`. */
  readonly name: string;
  readonly help: string;
  readonly labelNames: N;
  /** Overrides the registry's `maxSeriesPerMetric` for this metric. */
  readonly maxSeries?: number;
}

export type CounterSeries = ValueSeries;

export interface CounterFamily {
  readonly type: 'counter';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Sorted by label values. */
  readonly series: readonly CounterSeries[];
}

/** A counter pre-resolved to one label set: no keying or lookup per update. */
export interface BoundCounter {
  inc(value?: number): void;
}

export class Counter<N extends readonly string[]> extends ValueMetric<N> {
  readonly type = 'counter' as const;

  constructor(definition: CounterDefinition<N>, limits: MetricLimits) {
    super(definition, limits);
  }

  /**
   * Adds `value` (default 1). Negative or NaN increments are dropped rather than thrown: a
   * counter that went down would read as a reset to Prometheus, and this runs per event.
   */
  inc(labels: LabelSet<N>, value = 1): void {
    if (!(value >= 0)) return;
    this.cell(labels).value += value;
  }

  bind(labels: LabelSet<N>): BoundCounter {
    const { cell, overflowed } = this.table.resolve(labels as LabelInput);
    if (!overflowed) {
      return {
        inc(value = 1) {
          if (value >= 0) cell.value += value;
        },
      };
    }
    // A handle bound past the limit keeps counting each of its updates as overflow, the same
    // as unbound updates would.
    const onOverflow = this.onOverflow;
    return {
      inc(value = 1) {
        if (!(value >= 0)) return;
        cell.value += value;
        onOverflow();
      },
    };
  }

  collect(): CounterFamily {
    return { type: 'counter', name: this.name, help: this.help, labelNames: [...this.labelNames], series: this.snapshot() };
  }
}
