import { SeriesTable, compareLabelValues } from './labels.js';
import type { LabelInput, LabelSet, MetricLimits } from './labels.js';

export interface CounterDefinition<N extends readonly string[]> {
  /** Must end in `_total`. */
  readonly name: string;
  readonly help: string;
  readonly labelNames: N;
  /** Overrides the registry's `maxSeriesPerMetric` for this metric. */
  readonly maxSeries?: number;
}

export interface CounterSeries {
  readonly labelValues: readonly string[];
  readonly value: number;
}

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

interface CounterCell {
  readonly labelValues: readonly string[];
  value: number;
}

function createCell(labelValues: readonly string[]): CounterCell {
  return { labelValues, value: 0 };
}

export class Counter<N extends readonly string[]> {
  readonly type = 'counter' as const;
  readonly name: string;
  readonly help: string;
  readonly labelNames: N;
  private readonly table: SeriesTable<CounterCell>;
  private readonly onOverflow: () => void;

  constructor(definition: CounterDefinition<N>, limits: MetricLimits) {
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

  /**
   * Adds `value` (default 1). Negative or NaN increments are dropped rather than thrown: a
   * counter that went down would read as a reset to Prometheus, and this runs per event.
   */
  inc(labels: LabelSet<N>, value = 1): void {
    if (!(value >= 0)) return;
    this.table.lookup(labels as LabelInput).value += value;
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

  /** Current value, or undefined if the label set has no series (does not create one). */
  get(labels: LabelSet<N>): number | undefined {
    return this.table.peek(labels as LabelInput)?.value;
  }

  collect(): CounterFamily {
    const series: CounterSeries[] = [];
    for (const cell of this.table.allCells()) {
      series.push({ labelValues: cell.labelValues, value: cell.value });
    }
    series.sort((a, b) => compareLabelValues(a.labelValues, b.labelValues));
    return { type: 'counter', name: this.name, help: this.help, labelNames: [...this.labelNames], series };
  }
}
