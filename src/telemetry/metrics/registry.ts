import { Counter } from './counter.js';
import type { BoundCounter, CounterDefinition, CounterFamily } from './counter.js';
import { Gauge } from './gauge.js';
import type { GaugeDefinition, GaugeFamily } from './gauge.js';
import { Histogram, normalizeBuckets } from './histogram.js';
import type { HistogramDefinition, HistogramFamily } from './histogram.js';
import { validateLabelNames, validateMaxSeries } from './labels.js';
import type { MetricLimits } from './labels.js';

export type MetricFamily = CounterFamily | GaugeFamily | HistogramFamily;
export type MetricType = MetricFamily['type'];

export interface MetricRegistryOptions {
  /**
   * Distinct label sets a metric keeps before folding new ones into its `_other` series.
   * Default 2000. A definition's own `maxSeries` overrides it.
   */
  readonly maxSeriesPerMetric?: number;
  /** Told about a collect hook that threw; collect() itself carries on without it. */
  readonly onCollectHookError?: (error: unknown) => void;
}

export type CollectHook = () => void;

export const DEFAULT_MAX_SERIES_PER_METRIC = 2000;
export const SERIES_OVERFLOW_METRIC = 'sonde_metric_series_overflow_total';
export const COLLECT_HOOK_ERRORS_METRIC = 'sonde_metric_collect_hook_errors_total';

type AnyMetric = Counter<readonly string[]> | Gauge<readonly string[]> | Histogram<readonly string[]>;

// What makes two registrations "the same metric": re-registering it returns the existing one
// (modules can declare what they use), anything else under the same name is a bug.
interface Signature {
  readonly type: MetricType;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly maxSeries: number;
  readonly buckets: readonly number[] | undefined;
}

const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const CAMEL_CASE = /[a-z][A-Z]/;
// Sample-name suffixes owned by histograms/summaries. Forbidding them on every metric also
// rules out clashes between a histogram's derived `x_bucket`/`x_sum`/`x_count` samples and
// another metric, so name equality is the only collision left to check.
const RESERVED_SUFFIXES = ['_bucket', '_count', '_sum'];
const TYPE_WORDS = new Set(['counter', 'gauge', 'histogram', 'summary']);
const UNIT_ABBREVIATIONS = new Set(['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd']);
const BASE_UNITS = ['seconds', 'bytes', 'meters', 'metres', 'grams', 'joules', 'volts', 'amperes', 'celsius'];
const UNIT_PREFIXES = [
  'pico', 'nano', 'micro', 'milli', 'centi', 'deci', 'deca', 'hecto',
  'kilo', 'kibi', 'mega', 'mebi', 'mibi', 'giga', 'gibi', 'tera', 'tebi', 'peta', 'pebi',
];
const NON_BASE_UNITS = new Map([
  ['minutes', 'seconds'], ['hours', 'seconds'], ['days', 'seconds'], ['weeks', 'seconds'],
  ['bits', 'bytes'], ['kelvins', 'kelvin'], ['fahrenheit', 'celsius'],
]);

function baseUnitFor(word: string): string | undefined {
  const direct = NON_BASE_UNITS.get(word);
  if (direct !== undefined) return direct;
  for (const prefix of UNIT_PREFIXES) {
    if (!word.startsWith(prefix)) continue;
    const rest = word.slice(prefix.length);
    if (BASE_UNITS.includes(rest)) return rest;
  }
  return undefined;
}

/**
 * Throws unless `name` is a valid Prometheus metric name that also passes `promtool check
 * metrics` lint for its type, so a bad name fails at startup instead of in someone's scrape.
 */
export function validateMetricName(type: MetricType, name: string): void {
  const where = `${type} "${name}"`;
  if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
    // Colons are valid Prometheus but reserved for recording rules, so exporters avoid them.
    throw new Error(`${where}: not a valid metric name ([a-zA-Z_][a-zA-Z0-9_]*, no colons)`);
  }
  if (name.startsWith('__')) throw new Error(`${where}: the "__" prefix is reserved by Prometheus`);
  if (CAMEL_CASE.test(name)) throw new Error(`${where}: metric names must be snake_case, not camelCase`);
  const endsInTotal = name.endsWith('_total');
  if (type === 'counter' && !endsInTotal) throw new Error(`${where}: counter names must end in "_total"`);
  if (type !== 'counter' && endsInTotal) throw new Error(`${where}: only counter names may end in "_total"`);
  for (const suffix of RESERVED_SUFFIXES) {
    if (name.endsWith(suffix)) throw new Error(`${where}: the "${suffix}" suffix is reserved for histogram samples`);
  }
  for (const word of name.toLowerCase().split('_')) {
    if (TYPE_WORDS.has(word)) throw new Error(`${where}: metric names must not include the type "${word}"`);
    if (UNIT_ABBREVIATIONS.has(word)) throw new Error(`${where}: abbreviated unit "${word}"; spell out the base unit`);
    const base = baseUnitFor(word);
    if (base !== undefined) throw new Error(`${where}: use the base unit "${base}" instead of "${word}"`);
  }
}

function sameSignature(a: Signature, b: Signature): boolean {
  return a.type === b.type
    && a.help === b.help
    && a.maxSeries === b.maxSeries
    && sameNumbers(a.labelNames, b.labelNames)
    && (a.buckets === undefined ? b.buckets === undefined : b.buckets !== undefined && sameNumbers(a.buckets, b.buckets));
}

function sameNumbers<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function describe(s: Signature): string {
  const buckets = s.buckets === undefined ? '' : `, buckets [${s.buckets.join(', ')}]`;
  return `${s.type} with labels [${s.labelNames.join(', ')}], maxSeries ${s.maxSeries}${buckets}, help ${JSON.stringify(s.help)}`;
}

/**
 * Owns every metric of the process and produces point-in-time snapshots for exporters.
 *
 * Cardinality is bounded per metric: past the limit, new label sets share one series whose
 * label values are all `_other` (for a gauge that series holds whichever update came last),
 * and each such update is counted in `sonde_metric_series_overflow_total{metric="<name>"}`.
 */
export class MetricRegistry {
  private readonly maxSeriesPerMetric: number;
  private readonly onCollectHookError: ((error: unknown) => void) | undefined;
  private readonly metrics = new Map<string, { metric: AnyMetric; signature: Signature }>();
  private sortedNames: string[] | undefined;
  private readonly hooks: CollectHook[] = [];
  private readonly overflow: Counter<readonly ['metric']>;
  private readonly hookErrors: Counter<readonly []>;

  constructor(options: MetricRegistryOptions = {}) {
    const max = options.maxSeriesPerMetric ?? DEFAULT_MAX_SERIES_PER_METRIC;
    validateMaxSeries('maxSeriesPerMetric', max);
    this.maxSeriesPerMetric = max;
    this.onCollectHookError = options.onCollectHookError;
    // One series per registered metric at most, and the number of metrics is fixed by code.
    this.overflow = this.counter({
      name: SERIES_OVERFLOW_METRIC,
      help: 'Updates folded into a metric\'s "_other" series because it had reached its series limit.',
      labelNames: ['metric'],
      maxSeries: Number.POSITIVE_INFINITY,
    });
    this.hookErrors = this.counter({
      name: COLLECT_HOOK_ERRORS_METRIC,
      help: 'Metric collect hooks that threw; their metrics may be stale.',
      labelNames: [],
    });
  }

  counter<const N extends readonly string[]>(definition: CounterDefinition<N>): Counter<N> {
    return this.register(definition, undefined, 'counter', (limits) => new Counter(definition, limits));
  }

  gauge<const N extends readonly string[]>(definition: GaugeDefinition<N>): Gauge<N> {
    return this.register(definition, undefined, 'gauge', (limits) => new Gauge(definition, limits));
  }

  histogram<const N extends readonly string[]>(definition: HistogramDefinition<N>): Histogram<N> {
    const buckets = normalizeBuckets(definition.name, definition.buckets);
    return this.register(definition, buckets, 'histogram', (limits) => new Histogram(definition, limits));
  }

  /**
   * Runs before every collect(), in registration order: the place to sample values that are
   * read rather than counted (memory, map sizes, queue depths). Returns an unregister function.
   */
  addCollectHook(hook: CollectHook): () => void {
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i !== -1) this.hooks.splice(i, 1);
    };
  }

  /**
   * Snapshot of every metric, families sorted by name and series by label values. Values are
   * copied, so later updates do not change a snapshot already handed out.
   */
  collect(): MetricFamily[] {
    for (const hook of [...this.hooks]) {
      try {
        hook();
      } catch (error) {
        // One broken hook must not take the whole /metrics endpoint down with it.
        this.hookErrors.inc({});
        this.onCollectHookError?.(error);
      }
    }
    this.sortedNames ??= [...this.metrics.keys()].sort();
    const families: MetricFamily[] = [];
    for (const name of this.sortedNames) families.push(this.metrics.get(name)!.metric.collect());
    return families;
  }

  private register<M extends AnyMetric>(
    definition: { readonly name: string; readonly help: string; readonly labelNames: readonly string[]; readonly maxSeries?: number },
    buckets: readonly number[] | undefined,
    type: MetricType,
    create: (limits: MetricLimits) => M,
  ): M {
    const { name } = definition;
    validateMetricName(type, name);
    if (typeof definition.help !== 'string' || definition.help.trim() === '') {
      throw new Error(`${type} "${name}": help text is required`);
    }
    if (!Array.isArray(definition.labelNames)) throw new Error(`${type} "${name}": labelNames must be an array`);
    validateLabelNames(name, definition.labelNames);
    const maxSeries = definition.maxSeries ?? this.maxSeriesPerMetric;
    validateMaxSeries(name, maxSeries);

    const signature: Signature = { type, help: definition.help, labelNames: [...definition.labelNames], maxSeries, buckets };
    const existing = this.metrics.get(name);
    if (existing !== undefined) {
      if (sameSignature(existing.signature, signature)) return existing.metric as M;
      throw new Error(
        `metric "${name}" is already registered as ${describe(existing.signature)}; cannot register it again as ${describe(signature)}`,
      );
    }

    const metric = create({ maxSeries, onOverflow: this.overflowCounterFor(name) });
    this.metrics.set(name, { metric, signature });
    this.sortedNames = undefined;
    return metric;
  }

  // Binding lazily keeps the self-metric free of series for metrics that never overflow.
  private overflowCounterFor(name: string): () => void {
    let bound: BoundCounter | undefined;
    return () => {
      bound ??= this.overflow.bind({ metric: name });
      bound.inc();
    };
  }
}
