/**
 * bench/store: how fast the embedded store takes spans, and how fast it answers the UI over a
 * day of them. Two parts, on one SQLite file in a temp directory:
 * 1. queries: fill the store with N spans (default 1,000,000) spread over the last 24 h and a
 *    flow per seven exchanges, reopen it (timing the open and the background integrity check), then time
 *    every API query; target p95 < 200 ms.
 * 2. sustained insert, on that same (full) file: push realistic spans at increasing target
 *    rates (default 20k/s, 50k/s, then as fast as the store drains) for S seconds each while
 *    another loop queries the API; report records/s written, backlog, drops, CPU and how late
 *    the event loop ran; target: keeping up at 20k records/s.
 * There is no baseline to interleave with: numbers are absolute, so the machine's load is
 * recorded beside them (a busy host slows both parts).
 *
 * usage: node dist/bench/store/run.js [--spans N] [--seconds S] [--iterations N] [--rates 20000,50000,max] [--dir D] [--keep]
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../../src/export/store/sqlite-store.js';
import { insertPhase, type InsertPhaseResult, type Target } from './insert-phase.js';
import { fill, measureQueries } from './query-phase.js';
import { Workload } from './workload.js';
import { writeResultsFile } from '../results-file.js';
import { textTable } from '../text-table.js';

const TARGETS = {
  /** Sustained rate the store must keep up with (issue: Web UI and embedded store). */
  insertRecordsPerSecond: 20_000,
  /** p95 of every API query over a store holding a day of 1M spans. */
  queryP95Ms: 200,
} as const;

const USAGE = 'usage: node dist/bench/store/run.js [--spans N (1000000)] [--seconds S per insert rate (5)] [--iterations N per query (20)] [--rates 20000,50000,max] [--dir D (a temp dir)] [--keep]';

function options() {
  const { values } = parseArgs({
    options: {
      spans: { type: 'string', default: '1000000' },
      seconds: { type: 'string', default: '5' },
      iterations: { type: 'string', default: '20' },
      rates: { type: 'string', default: '20000,50000,max' },
      dir: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const spans = Number(values.spans);
  const seconds = Number(values.seconds);
  const iterations = Number(values.iterations);
  if (!Number.isInteger(spans) || spans < 1000) throw new Error(`--spans must be an integer >= 1000, got ${values.spans}`);
  if (!(seconds > 0)) throw new Error(`--seconds must be positive, got ${values.seconds}`);
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`--iterations must be a positive integer, got ${values.iterations}`);
  const rates: Target[] = values.rates.split(',').map((r) => {
    if (r === 'max') return 'max';
    const n = Number(r);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--rates takes positive integers and "max", got ${r}`);
    return n;
  });
  return { spans, seconds, iterations, rates, dir: values.dir ?? null, keep: values.keep };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const logger = { warn: (m: string) => console.error(`store: ${m}`), info: () => undefined };

async function main(): Promise<number> {
  const opts = options();
  const startedAt = new Date();
  const loadStart = loadavg();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'sonde-store-bench-'));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'sonde.db');
  rmSync(path, { force: true });
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
  console.error(`bench: store, ${fmt(opts.spans)} spans over 24 h in ${path}; insert rates ${opts.rates.join(', ')} × ${opts.seconds} s; ` +
    `${cpus().length} CPUs, load ${loadStart.map((l) => l.toFixed(1)).join(' ')}`);

  // Part 1: a day of spans, then the queries.
  const workload = new Workload(42);
  const nowMs = Date.now();
  const filling = SqliteStore.open({ path, logger, timers: false, now: () => nowMs });
  const filled = fill(filling, workload, opts.spans, nowMs, (done) => console.error(`bench: filled ${fmt(done)} spans`));
  filling.close();
  const fileBytes = statSync(path).size;
  console.error(`bench: filled ${fmt(filled.spans)} spans and ${fmt(filled.flows)} flows in ${filled.seconds} s (${fmt(filled.spansPerSecond)} spans/s, ${filled.cpuMsPer1kSpans} CPU ms per 1k); file ${(fileBytes / 2 ** 20).toFixed(0)} MiB`);

  const o0 = performance.now();
  const reader = SqliteStore.open({ path, logger, timers: false, now: () => nowMs });
  const openMs = Math.round(performance.now() - o0);
  // The integrity check reads the whole file on another thread: let it finish, so it does not
  // compete with the queries being timed.
  const integrity = await reader.integrity;
  const checkMs = Math.round(performance.now() - o0);
  const held = reader.stats;
  const queries = measureQueries(reader, workload, nowMs, opts.iterations);
  reader.close();

  // Part 2: sustained inserts on the full file, with the store's own timers doing the writing.
  const writer = SqliteStore.open({ path, logger });
  const phases: InsertPhaseResult[] = [];
  for (const target of opts.rates) {
    console.error(`bench: inserting at ${target === 'max' ? 'the most the store takes' : `${fmt(target)} spans/s`} for ${opts.seconds} s`);
    phases.push(await insertPhase(writer, workload, target, opts.seconds));
  }
  const finalStats = writer.stats;
  writer.close();

  // Report.
  const qRows = [['query', 'first ms', 'p50 ms', 'p95 ms', 'max ms', 'CPU ms', 'answer', `p95 < ${TARGETS.queryP95Ms} ms`]];
  for (const q of queries) {
    qRows.push([q.name, q.firstMs.toFixed(1), q.latency.p50Ms.toFixed(1), q.latency.p95Ms.toFixed(1), q.latency.maxMs.toFixed(1), q.cpuMs.toFixed(1),
      q.size, q.latency.p95Ms < TARGETS.queryP95Ms ? 'yes' : 'NO']);
  }
  const iRows = [['target/s', 'pushed/s', 'written/s', 'backlog', 'drain ms', 'dropped', 'deleted', 'CPU % core', 'CPU ms/1k', 'loop delay p99/max ms', 'kept up']];
  for (const p of phases) {
    iRows.push([
      p.target === 'max' ? 'max' : fmt(p.target), fmt(p.pushedPerSecond), fmt(p.writtenPerSecond), fmt(p.backlogAtEnd), fmt(p.drainMs), fmt(p.dropped),
      fmt(p.deleted), p.cpuPercentOfCore.toFixed(0), p.cpuMsPer1kWritten.toFixed(1), `${p.eventLoopDelayP99Ms.toFixed(0)}/${p.eventLoopDelayMaxMs.toFixed(0)}`,
      p.keptUp === null ? '' : p.keptUp ? 'yes' : 'NO',
    ]);
  }
  const qDuring = [['query during inserts (target/s)', 'p50 ms', 'p95 ms', 'n']];
  for (const p of phases) {
    for (const [name, l] of Object.entries(p.queries)) {
      if (l !== null) qDuring.push([`${name} (${p.target === 'max' ? 'max' : fmt(p.target)})`, l.p50Ms.toFixed(1), l.p95Ms.toFixed(1), String(l.n)]);
    }
  }
  const queryVerdict = queries.every((q) => q.latency.p95Ms < TARGETS.queryP95Ms);
  const targetPhase = phases.find((p) => p.target === TARGETS.insertRecordsPerSecond);
  const maxPhase = phases.find((p) => p.target === 'max');
  const loadEnd = loadavg();
  console.log([
    `store: ${fmt(held.rows.spans)} spans, ${fmt(held.rows.flows)} flows, ${(held.bytes / 2 ** 20).toFixed(0)} MiB; open ${openMs} ms, background quick_check ${integrity} after ${checkMs} ms`,
    `fill: ${fmt(filled.spansPerSecond)} spans/s with flows, ${filled.cpuMsPer1kSpans} CPU ms per 1k spans`,
    `longest transactions while inserting: batch ${finalStats.slowest_ms.batch.toFixed(0)} ms, rollups ${finalStats.slowest_ms.rollups.toFixed(0)} ms, retention pass ${finalStats.slowest_ms.retention.toFixed(0)} ms`,
    '',
    textTable(qRows),
    '',
    textTable(iRows),
    '',
    textTable(qDuring),
    '',
    `queries over a day of ${fmt(held.rows.spans)} spans, p95 < ${TARGETS.queryP95Ms} ms: ${queryVerdict ? 'MET' : 'MISSED'}`,
    `keeps up at ${fmt(TARGETS.insertRecordsPerSecond)} records/s: ${targetPhase === undefined ? 'NOT MEASURED' : targetPhase.keptUp ? 'MET' : 'MISSED'}` +
      (maxPhase ? ` (most taken: ${fmt(maxPhase.writtenPerSecond)}/s)` : ''),
    `load average ${loadStart.map((l) => l.toFixed(1)).join(' ')} at start, ${loadEnd.map((l) => l.toFixed(1)).join(' ')} at end on ${cpus().length} CPUs` +
      (loadStart[0]! > cpus().length ? ': the host was busy, so these are lower bounds of what the store can do' : ''),
  ].join('\n'));

  const summary = {
    bench: 'store',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `node ${process.argv.slice(1).join(' ')}`,
    options: { ...opts, dir },
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, kernel: release(), node: process.version, loadavgStart: loadStart, loadavgEnd: loadEnd },
    targets: TARGETS,
    store: { path, spans: held.rows.spans, flows: held.rows.flows, bytes: held.bytes, openMs, integrity, checkMs, final: finalStats },
    fill: filled,
    queries,
    inserts: phases,
    verdicts: { queries: queryVerdict, insert: targetPhase?.keptUp ?? null },
  };
  console.log(`\nsummary: ${writeResultsFile('store', startedAt, summary)}`);
  if (!opts.keep && opts.dir === null) rmSync(dir, { recursive: true, force: true });
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(`bench: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
