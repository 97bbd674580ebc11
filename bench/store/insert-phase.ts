/** One sustained-insert measurement: spans pushed at a target rate while the API is queried. */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SqliteStore } from '../../src/export/store/sqlite-store.js';
import { RANGES_MS } from '../../src/export/store/window.js';
import { summarizeLatencies, type LatencySummary } from './latency.js';
import type { Workload } from './workload.js';

export type Target = number | 'max';

export interface InsertPhaseResult {
  target: Target;
  seconds: number;
  pushedPerSecond: number;
  writtenPerSecond: number;
  /** Records still buffered when the phase ended, and how long the store then took to write them. */
  backlogAtEnd: number;
  drainMs: number;
  dropped: number;
  /** Rows retention removed during the phase (the size limit, once the file is full). */
  deleted: number;
  /** This process's CPU over the phase (generating spans and querying included), % of one core. */
  cpuPercentOfCore: number;
  cpuMsPer1kWritten: number;
  /** What the capture path would feel: how late timers fired while the store wrote. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  queries: Record<string, LatencySummary | null>;
  /** Numeric targets: no drops, written ≥ 97% of the target rate, at most a second of backlog. */
  keptUp: boolean | null;
}

/** Past this many buffered records, the `max` phase stops pushing (the buffer holds 50k). */
const MAX_PHASE_BACKLOG = 40_000;
const PRODUCER_TICK_MS = 5;
const QUERY_EVERY_MS = 250;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function insertPhase(store: SqliteStore, workload: Workload, target: Target, seconds: number): Promise<InsertPhaseResult> {
  const queries: [string, () => unknown][] = [
    ['overview 5m', () => store.overview(RANGES_MS['5m']!, Date.now())],
    ['graph 5m', () => store.graph(RANGES_MS['5m']!, Date.now())],
    ['spans service', () => store.spans({ sinceMs: Date.now() - RANGES_MS['1h']!, service: workload.services[3]! }, 50, 0)],
    ['service 5m', () => store.service(workload.services[3]!, RANGES_MS['5m']!, Date.now())],
    ['overview 1h', () => store.overview(RANGES_MS['1h']!, Date.now())],
  ];
  const timings = new Map<string, number[]>(queries.map(([name]) => [name, []]));
  const before = store.stats;
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let pushed = 0;
  let queryIndex = 0;
  let nextQuery = t0;

  while (performance.now() < end) {
    const now = performance.now();
    const due = target === 'max' ? pushed + Math.max(0, MAX_PHASE_BACKLOG - store.buffered) : Math.floor((target * (now - t0)) / 1000);
    const wall = Date.now();
    while (pushed < due) {
      for (const span of workload.exchange(wall)) {
        store.add(span);
        pushed++;
      }
    }
    if (now >= nextQuery) {
      const [name, run] = queries[queryIndex++ % queries.length]!;
      const q0 = performance.now();
      run();
      timings.get(name)!.push(performance.now() - q0);
      nextQuery = now + QUERY_EVERY_MS;
    }
    // Yield so the store's timer can write: the producer is the capture path here.
    await sleep(PRODUCER_TICK_MS);
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  eld.disable();
  const after = store.stats;
  const backlog = after.buffered;
  const d0 = performance.now();
  while (store.buffered > 0 && performance.now() - d0 < 60_000) await sleep(20);
  const drainMs = performance.now() - d0;
  const written = after.written_records - before.written_records;
  const dropped = after.dropped - before.dropped;
  const writtenPerSecond = written / elapsed;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    target,
    seconds: Math.round(elapsed * 100) / 100,
    pushedPerSecond: Math.round(pushed / elapsed),
    writtenPerSecond: Math.round(writtenPerSecond),
    backlogAtEnd: backlog,
    drainMs: Math.round(drainMs),
    dropped,
    deleted: after.deleted_for_age_or_size - before.deleted_for_age_or_size,
    cpuPercentOfCore: Math.round((cpuMs / (elapsed * 1000)) * 1000) / 10,
    cpuMsPer1kWritten: written > 0 ? Math.round((cpuMs / written) * 1000 * 100) / 100 : 0,
    eventLoopDelayP99Ms: Math.round(eld.percentile(99) / 1e4) / 100,
    eventLoopDelayMaxMs: Math.round(eld.max / 1e4) / 100,
    queries: Object.fromEntries([...timings].map(([name, samples]) => [name, summarizeLatencies(samples)])),
    keptUp: target === 'max' ? null : dropped === 0 && writtenPerSecond >= 0.97 * target && backlog <= target,
  };
}
