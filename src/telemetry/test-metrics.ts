// Test helper: a registry's Prometheus text as series -> value.
import { serializePrometheus } from '../export/prometheus/serialize.js';
import type { MetricRegistry } from './metrics/registry.js';

/** Every sample line of the registry's exposition, keyed by name and labels as printed. */
export function scrapeMetrics(registry: MetricRegistry): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of serializePrometheus(registry.collect()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}
