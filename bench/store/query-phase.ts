/** Filling a store with a day of spans, and timing the API's queries over it. */
import type { SqliteStore } from '../../src/export/store/sqlite-store.js';
import { BATCH_ROWS } from '../../src/export/store/store-settings.js';
import { RANGES_MS } from '../../src/export/store/window.js';
import { summarizeLatencies, type LatencySummary } from './latency.js';
import type { Workload } from './workload.js';

export interface FillResult {
  spans: number;
  flows: number;
  seconds: number;
  spansPerSecond: number;
  cpuMsPer1kSpans: number;
}

/** `spans` spans evenly over the day before `nowMs`, oldest first, and one flow per ten spans. */
export function fill(store: SqliteStore, workload: Workload, spans: number, nowMs: number, progress: (done: number) => void): FillResult {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const day = RANGES_MS['24h']!;
  let added = 0;
  let flows = 0;
  let pending = 0;
  let exchange = 0;
  while (added < spans) {
    const t = nowMs - day + Math.floor((added / spans) * day);
    for (const span of workload.exchange(t)) {
      if (added >= spans) break;
      store.add(span);
      added++;
      pending++;
    }
    if (++exchange % 7 === 0) {
      store.addFlow(workload.flow(t));
      flows++;
      pending++;
    }
    if (pending >= BATCH_ROWS) {
      store.flush();
      pending = 0;
      if (added % 100_000 < 3) progress(added);
    }
  }
  store.flush();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    spans: added,
    flows,
    seconds: Math.round(seconds * 10) / 10,
    spansPerSecond: Math.round(added / seconds),
    cpuMsPer1kSpans: Math.round(((cpu.user + cpu.system) / 1000 / added) * 1000 * 100) / 100,
  };
}

export interface QueryTiming {
  name: string;
  /** The first call: statements prepared, settled sums read (see src/export/store/settled-sums.ts). */
  firstMs: number;
  /** The calls after two warm-up ones. */
  latency: LatencySummary;
  /** Mean CPU time of those calls: what the host's load does not change. */
  cpuMs: number;
  /** What the answer held, so a fast empty answer is not mistaken for a fast query. */
  size: string;
}

/**
 * Every query `iterations` times after two warm-up runs. The first run also prepares
 * statements and reads the settled part of the day once, which later runs reuse (as the UI's
 * refreshes do): it is reported on its own.
 */
export function measureQueries(store: SqliteStore, workload: Workload, nowMs: number, iterations: number): QueryTiming[] {
  const svc = workload.services[7]!;
  const day = RANGES_MS['24h']!;
  const since = nowMs - day;
  const cases: [string, () => unknown, (r: never) => string][] = [
    ['overview(24h)', () => store.overview(day, nowMs), (r: { services: unknown[] }) => `${r.services.length} services`],
    ['overview(1h)', () => store.overview(RANGES_MS['1h']!, nowMs), (r: { services: unknown[] }) => `${r.services.length} services`],
    ['overview(5m)', () => store.overview(RANGES_MS['5m']!, nowMs), (r: { services: unknown[] }) => `${r.services.length} services`],
    ['graph(24h)', () => store.graph(day, nowMs), (r: { edges: unknown[] }) => `${r.edges.length} edges`],
    [`service(${svc}, 24h)`, () => store.service(svc, day, nowMs), (r: { operations: unknown[] }) => `${r.operations.length} operations`],
    [`service(${svc}, 1h)`, () => store.service(svc, RANGES_MS['1h']!, nowMs), (r: { operations: unknown[] }) => `${r.operations.length} operations`],
    ['flowsSummary(24h)', () => store.flowsSummary(day, nowMs), (r: { flows: number }) => `${r.flows} flows`],
    ...([
      ['spans(24h)', {}],
      ['spans(24h, service)', { service: svc }],
      ['spans(24h, protocol=postgresql)', { protocol: 'postgresql' }],
      ['spans(24h, status=5xx)', { status: '5xx' }],
      ['spans(24h, error=true)', { error: true }],
      ['spans(24h, min_duration_ms=500)', { minDurationMs: 500 }],
      ['spans(24h, q=order_lines)', { q: 'order_lines' }],
      ['spans(24h, service, error=true)', { service: svc, error: true }],
      ['spans(24h, service, q=carts)', { service: svc, q: 'carts' }],
      ['spans(1h, min_duration_ms=100)', { minDurationMs: 100, sinceMs: nowMs - RANGES_MS['1h']! }],
    ] as const).map(([name, filter]): [string, () => unknown, (r: never) => string] =>
      [name, () => store.spans({ sinceMs: since, ...filter }, 50, 0), (r: { total: number; total_capped: boolean; items: unknown[] }) => `${r.items.length} of ${r.total}${r.total_capped ? '+' : ''}`]),
    ['spans(24h) offset 5000', () => store.spans({ sinceMs: since }, 50, 5000), (r: { items: unknown[] }) => `${r.items.length} items`],
  ];
  return cases.map(([name, run, describe]) => {
    const t0 = performance.now();
    run();
    const firstMs = Math.round((performance.now() - t0) * 10) / 10;
    const last = run();
    const samples: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < iterations; i++) {
      const t = performance.now();
      run();
      samples.push(performance.now() - t);
    }
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = Math.round(((cpu.user + cpu.system) / 1000 / iterations) * 10) / 10;
    return { name, firstMs, latency: summarizeLatencies(samples)!, cpuMs, size: last === null ? 'null' : describe(last as never) };
  });
}
