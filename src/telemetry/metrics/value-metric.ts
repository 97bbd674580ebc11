import { SeriesTable, compareLabelValues } from './labels.js';
import type { LabelInput, LabelSet, MetricLimits } from './labels.js';

/** One number per label set: what counters and gauges share. */
export interface ValueCell {
  readonly labelValues: readonly string[];
  value: number;
}

export interface ValueSeries {
  readonly labelValues: readonly string[];
  readonly value: number;
}

function createCell(labelValues: readonly string[]): ValueCell {
  return { labelValues, value: 0 };
}

/** The series table, lookup and snapshot of a metric holding one value per label set. */
export abstract class ValueMetric<N extends readonly string[]> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: N;
  protected readonly table: SeriesTable<ValueCell>;
  protected readonly onOverflow: () => void;

  constructor(definition: { name: string; help: string; labelNames: N }, limits: MetricLimits) {
    this.name = definition.name;
    this.help = definition.help;
    this.labelNames = definition.labelNames;
    this.onOverflow = limits.onOverflow;
    this.table = new SeriesTable({ labelNames: definition.labelNames, maxSeries: limits.maxSeries, createCell, onOverflow: limits.onOverflow });
  }

  protected cell(labels: LabelSet<N>): ValueCell {
    return this.table.lookup(labels as LabelInput);
  }

  /** Current value, or undefined if the label set has no series (does not create one). */
  get(labels: LabelSet<N>): number | undefined {
    return this.table.peek(labels as LabelInput)?.value;
  }

  /** A copy of every series, sorted by label values. */
  protected snapshot(): ValueSeries[] {
    const series: ValueSeries[] = [];
    for (const cell of this.table.allCells()) series.push({ labelValues: cell.labelValues, value: cell.value });
    series.sort((a, b) => compareLabelValues(a.labelValues, b.labelValues));
    return series;
  }
}
