import { SeriesTable, compareLabelValues } from './labels.js';
import type { LabelInput, LabelSet, MetricLimits } from './labels.js';

export interface GaugeDefinition<N extends readonly string[]> {
  /** Must not end in `_total`, `_count`, `_sum` or `_bucket`. */
  readonly name: string;
  readonly help: string;
  readonly labelNames: N;
  /** Overrides the registry's `maxSeriesPerMetric` for this metric. */
  readonly maxSeries?: number;
}

export interface GaugeSeries {
  readonly labelValues: readonly string[];
  readonly value: number;
}

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

interface GaugeCell {
  readonly labelValues: readonly string[];
  value: number;
}

function createCell(labelValues: readonly string[]): GaugeCell {
  return { labelValues, value: 0 };
}

export class Gauge<N extends readonly string[]> {
  readonly type = 'gauge' as const;
  readonly name: string;
  readonly help: string;
  readonly labelNames: N;
  private readonly table: SeriesTable<GaugeCell>;
  private readonly onOverflow: () => void;

  constructor(definition: GaugeDefinition<N>, limits: MetricLimits) {
    this.name = definition.name;
    this.help = definition.help;
    this.labelNames = definition.labelNames;
    this.onOverflow = limits.onOverflow;
    this.table = new SeriesTable({
      labelNames: definition.labelNames,
      maxSeries: limits.maxSeries,
      createCell,
      onOverflow: limits.onOverflow,
    });
  }

  set(labels: LabelSet<N>, value: number): void {
    this.table.lookup(labels as LabelInput).value = value;
  }

  inc(labels: LabelSet<N>, value = 1): void {
    this.table.lookup(labels as LabelInput).value += value;
  }

  dec(labels: LabelSet<N>, value = 1): void {
    this.table.lookup(labels as LabelInput).value -= value;
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

  /** Current value, or undefined if the label set has no series (does not create one). */
  get(labels: LabelSet<N>): number | undefined {
    return this.table.peek(labels as LabelInput)?.value;
  }

  collect(): GaugeFamily {
    const series: GaugeSeries[] = [];
    for (const cell of this.table.allCells()) {
      series.push({ labelValues: cell.labelValues, value: cell.value });
    }
    series.sort((a, b) => compareLabelValues(a.labelValues, b.labelValues));
    return { type: 'gauge', name: this.name, help: this.help, labelNames: [...this.labelNames], series };
  }
}
