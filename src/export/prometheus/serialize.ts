// Prometheus text exposition format 0.0.4. Pure: a snapshot in, a string out.

import { compareLabelValues } from '../../telemetry/metrics/labels.js';
import type { MetricFamily } from '../../telemetry/metrics/registry.js';

/** Content-Type header value for what serializePrometheus returns. */
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const HELP_SPECIAL = /[\\\n]/;
const LABEL_VALUE_SPECIAL = /[\\\n"]/;

/** HELP text escaping: backslash and newline only (quotes are literal there). */
export function escapeHelp(text: string): string {
  if (!HELP_SPECIAL.test(text)) return text;
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** Label value escaping: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  if (!LABEL_VALUE_SPECIAL.test(value)) return value;
  return value.replace(/[\\\n"]/g, (c) => (c === '\n' ? '\\n' : c === '"' ? '\\"' : '\\\\'));
}

/**
 * Sample value / `le` formatting: `+Inf`, `-Inf`, `NaN`, otherwise the shortest string that
 * parses back to the same double. Integers up to 1e21 come out without an exponent.
 */
export function formatPrometheusFloat(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isNaN(value)) return 'NaN';
  return String(value);
}

function byName(a: MetricFamily, b: MetricFamily): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Renders `{a="x",b="y"` without the closing brace so histograms can append `le`. Returns ""
 * for an unlabeled series.
 */
function openLabels(labelNames: readonly string[], labelValues: readonly string[]): string {
  let out = '';
  for (let i = 0; i < labelNames.length; i++) {
    out += `${i === 0 ? '{' : ','}${labelNames[i] as string}="${escapeLabelValue(labelValues[i] ?? '')}"`;
  }
  return out;
}

function sortedSeries<S extends { readonly labelValues: readonly string[] }>(series: readonly S[]): S[] {
  // The registry already sorts; sorting a sorted copy again is linear and keeps this function
  // deterministic for snapshots from anywhere else.
  return [...series].sort((a, b) => compareLabelValues(a.labelValues, b.labelValues));
}

function writeFamily(family: MetricFamily): string {
  let out = `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
  const { name, labelNames } = family;
  if (family.type !== 'histogram') {
    for (const s of sortedSeries(family.series)) {
      const open = openLabels(labelNames, s.labelValues);
      out += `${name}${open}${open === '' ? '' : '}'} ${formatPrometheusFloat(s.value)}\n`;
    }
    return out;
  }
  const les = family.buckets.map((b) => `le="${formatPrometheusFloat(b)}"}`);
  les.push('le="+Inf"}');
  for (const s of sortedSeries(family.series)) {
    const open = openLabels(labelNames, s.labelValues);
    const bucketOpen = `${name}_bucket${open === '' ? '{' : `${open},`}`;
    const close = open === '' ? '' : '}';
    let cumulative = 0;
    for (let i = 0; i < les.length; i++) {
      cumulative += s.bucketCounts[i] ?? 0;
      out += `${bucketOpen}${les[i] as string} ${formatPrometheusFloat(cumulative)}\n`;
    }
    out += `${name}_sum${open}${close} ${formatPrometheusFloat(s.sum)}\n`;
    out += `${name}_count${open}${close} ${formatPrometheusFloat(s.count)}\n`;
  }
  return out;
}

/**
 * Serializes families to the text exposition format 0.0.4: families sorted by name, series by
 * label values, `# HELP` and `# TYPE` once per family, histogram buckets cumulative with a
 * final `le="+Inf"`. Families without series are left out entirely, as client_golang does:
 * a bare HELP/TYPE pair tells a scraper nothing.
 */
export function serializePrometheus(families: readonly MetricFamily[]): string {
  let out = '';
  for (const family of [...families].sort(byName)) {
    if (family.series.length === 0) continue;
    out += writeFamily(family);
  }
  return out;
}
