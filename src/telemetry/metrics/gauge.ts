import type { LabelInput, LabelSet, MetricLimits } from './labels.js';
import { ValueMetric, type ValueSeries } from './value-metric.js';

export interface GaugeDefinition<N extends readonly string[]> {
  /** Must not end in `_total`, `_count`, `_sum` or `_bucket`. */
  readonly name: string;
  readonly help: string;
  readonly labelNames: N;
  /** Overrides the registry's `maxSeriesPerMetric` for this metric. */
  readonly maxSeries?: number;
}

export type GaugeSeries = ValueSeries;

export interface GaugeFamily {
  readonly type: 'gauge';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Sorted by label values. */
  readonly series: readonly GaugeSeries[];
}

/** A gauge pre-resolved to one label set: no keying or lookup per update. */
export interface BoundGauge {
  set(value: number): void;
  inc(value?: number): void;
  dec(value?: number): void;
}

export class Gauge<N extends readonly string[]> extends ValueMetric<N> {
  readonly type = 'gauge' as const;

  constructor(definition: GaugeDefinition<N>, limits: MetricLimits) {
    super(definition, limits);
  }

  set(labels: LabelSet<N>, value: number): void {
    this.cell(labels).value = value;
  }

  inc(labels: LabelSet<N>, value = 1): void {
    this.cell(labels).value += value;
  }

  dec(labels: LabelSet<N>, value = 1): void {
    this.cell(labels).value -= value;
  }

  bind(labels: LabelSet<N>): BoundGauge {
    const { cell, overflowed } = this.table.resolve(labels as LabelInput);
    // Past the limit every update still counts as overflow, the same as unbound updates.
    const note = overflowed ? this.onOverflow : undefined;
    return {
      set(value) {
        cell.value = value;
        note?.();
      },
      inc(value = 1) {
        cell.value += value;
        note?.();
      },
      dec(value = 1) {
        cell.value -= value;
        note?.();
      },
    };
  }

  collect(): GaugeFamily {
    return { type: 'gauge', name: this.name, help: this.help, labelNames: [...this.labelNames], series: this.snapshot() };
  }
}
