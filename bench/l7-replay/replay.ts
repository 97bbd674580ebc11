/**
 * Feeds a recording (recording.ts) through sonde's user-space pipeline as `sonde up` wires it
 * (src/cli/up.ts), stopping at a stage, on a clock that follows the recorded arrival times:
 * sweeps, tally drains, sampler and store windows happen when they happened while recording.
 * Returns the process's CPU time for the whole replay (main thread and V8's helpers: collecting
 * garbage is part of the cost).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MonotonicClock } from '../../src/correlate/clock.js';
import { FlowCorrelator } from '../../src/correlate/flow-correlator.js';
import { L7Connections } from '../../src/correlate/l7-connections.js';
import { defaultConfig } from '../../src/config/schema.js';
import type { DecodeProblem } from '../../src/decode/batch.js';
import { decodeFlowBatch, type FlowKernelEvent } from '../../src/decode/flow-events.js';
import { decodeL7Batch, type L7Event } from '../../src/decode/l7-events.js';
import { SqliteStore } from '../../src/export/store/sqlite-store.js';
import { FlowMetrics } from '../../src/telemetry/flow-metrics.js';
import { toFlowRecord, type FlowRecord } from '../../src/telemetry/flow-record.js';
import { L7Telemetry } from '../../src/telemetry/l7-telemetry.js';
import { MetricRegistry } from '../../src/telemetry/metrics/registry.js';
import { RecentFlows } from '../../src/telemetry/recent-flows.js';
import type { Recording } from './recording.js';

/** Each stage includes the ones before it. */
export const STAGES = ['decode', 'parse', 'telemetry', 'store'] as const;
export type Stage = (typeof STAGES)[number];

export interface ReplayResult {
  stage: Stage;
  cpuMs: number;
  /** Ring records decoded (flow and L7). */
  records: number;
  /** Exchanges parsed from segments (records to telemetry), and tally entries turned into metrics. */
  exchanges: number;
  tallied: number;
  flows: number;
  decodeProblems: number;
}

/** The recorded arrival time is "now" for everything that asks. */
class ReplayClock extends MonotonicClock {
  nowNs = 0;
  override nowMonotonicNs(): number {
    return this.nowNs;
  }
}

// As the agent runs them (L7Pipeline's sweep, the store's rollup take).
const SWEEP_INTERVAL_NS = 50e6;
const STORE_FLUSH_INTERVAL_NS = 1e9;

const includes = (stage: Stage, part: Stage): boolean => STAGES.indexOf(stage) >= STAGES.indexOf(part);

export function replay(recording: Recording, stage: Stage): ReplayResult {
  const defaults = defaultConfig();
  const clock = new ReplayClock(Date.now(), BigInt(recording.startNs));
  clock.nowNs = recording.startNs;
  const wallMs = (): number => clock.toWallMs(clock.nowNs);
  const result: ReplayResult = { stage, cpuMs: 0, records: 0, exchanges: 0, tallied: 0, flows: 0, decodeProblems: 0 };
  const dir = includes(stage, 'store') ? mkdtempSync(join(tmpdir(), 'sonde-replay-')) : null;

  const store = dir !== null
    ? SqliteStore.open({
      path: join(dir, 'sonde.db'),
      maxSpanRowsPerSecond: defaults.store.maxSpanRowsPerSecond,
      maxFlowRowsPerSecond: defaults.store.maxFlowRowsPerSecond,
      logger: { warn: (m) => console.error(`replay: ${m}`), info: () => {} },
      timers: false,
      now: wallMs,
    })
    : null;
  const registry = new MetricRegistry({ maxSeriesPerMetric: defaults.metrics.maxSeriesPerMetric });
  const telemetry = includes(stage, 'telemetry')
    ? new L7Telemetry(registry, {
      recentLimit: defaults.l7.recentLimit,
      recordBudgetPerSecond: defaults.l7.recordBudgetPerSecond,
      maxRoutesPerService: defaults.l7.maxRoutesPerService,
      now: wallMs,
    })
    : null;
  if (store !== null && telemetry !== null) {
    telemetry.subscribe((span) => store.add(span));
    telemetry.subscribeTallies((span) => store.addTally(span));
  }
  const recentFlows = telemetry === null ? null : new RecentFlows(defaults.flows.recentLimit);
  const flowMetrics = telemetry === null ? null : new FlowMetrics(registry);

  const correlator = new FlowCorrelator({ rules: [] });
  const connections = new L7Connections({
    flows: correlator,
    clock,
    redactSecrets: defaults.l7.redactSecrets,
    keepSqlLiterals: defaults.l7.keepSqlLiterals,
    dnsPort: defaults.l7.dnsPort,
    onExchange: (x) => {
      result.exchanges++;
      telemetry?.record(x);
    },
  });
  const onFlow = (record: FlowRecord): void => {
    result.flows++;
    recentFlows?.add(record);
    store?.addFlow(record);
    flowMetrics?.record(record);
    connections.closed(record.socket_cookie, clock.nowNs);
  };
  const parse = includes(stage, 'parse');
  const onFlowEvent = (e: FlowKernelEvent): void => {
    result.records++;
    if (!parse) return;
    switch (e.kind) {
      case 'listen': correlator.onListen(e); break;
      case 'exec': correlator.onExec(e); break;
      case 'open': correlator.onOpen(e); break;
      case 'flow-close': onFlow(toFlowRecord(correlator.resolve(e))); break;
    }
  };
  const onL7Event = (e: L7Event): void => {
    result.records++;
    if (!parse) return;
    if (e.kind === 'segment') connections.segment(e);
    else if (e.kind === 'shed') connections.shed(e.socketCookie);
  };
  const onProblem = (_: DecodeProblem): void => void result.decodeProblems++;

  let nextSweepNs = recording.startNs + SWEEP_INTERVAL_NS;
  let nextFlushNs = recording.startNs + STORE_FLUSH_INTERVAL_NS;
  let tally = 0;
  const advanceTo = (ns: number): void => {
    clock.nowNs = Math.max(clock.nowNs, ns);
    if (!parse) return;
    while (nextSweepNs <= clock.nowNs) {
      connections.sweep(nextSweepNs);
      nextSweepNs += SWEEP_INTERVAL_NS;
    }
    for (let due = recording.tallies[tally]; due !== undefined && due.atNs <= clock.nowNs; due = recording.tallies[tally]) {
      tally++;
      for (const t of connections.tallied(due.entries, wallMs())) {
        result.tallied += t.count;
        telemetry?.recordTally(t.exchange, t.count);
      }
    }
    if (store !== null && nextFlushNs <= clock.nowNs) {
      store.flush();
      nextFlushNs += STORE_FLUSH_INTERVAL_NS;
    }
  };

  const before = process.cpuUsage();
  for (const batch of recording.batches) {
    advanceTo(batch.atNs);
    if (batch.ring === 'flow') decodeFlowBatch(batch, onFlowEvent, onProblem);
    else decodeL7Batch(batch, onL7Event, onProblem);
  }
  advanceTo(Math.max(recording.endNs, recording.tallies.at(-1)?.atNs ?? 0));
  if (parse) connections.flushAll(clock.nowNs + 60e9);
  store?.flush();
  const used = process.cpuUsage(before);
  result.cpuMs = (used.user + used.system) / 1000;
  store?.close();
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  return result;
}
