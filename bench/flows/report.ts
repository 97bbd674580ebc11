/** Per-condition summaries of a run and the table printed from them. */
import type { ConditionName } from './conditions.js';
import type { Measurement } from './measure.js';
import { formatSpread, spreadOrNull, type Spread } from './stats.js';
import { textTable } from '../text-table.js';

export const TARGET_KEPT = 0.97;
export const TARGET_READY_MS = 1000;

export interface ConditionSummary {
  status: 'ran' | 'partial' | 'failed' | 'skipped';
  reason?: string;
  measurements: number;
  connectionsPerSecond: Spread | null;
  /** Per-round ratio to the same round's baseline, summarized: never a ratio of medians. */
  keptOfBaseline: Spread | null;
  agentCpuMsPer1kConnections: Spread | null;
  /** The same over the unmeasured warm-up (null: no warm-up). */
  agentCpuWhileWarming: Spread | null;
  completeness: Spread | null;
  ringbufDropped: number | null;
  pipelineDropped: number | null;
  readyMs: Spread | null;
  readyLoggedMs: Spread | null;
  failedConnections: number;
}

/** `measurements` are those of the rounds the summary is over; `failed`: some measurement threw. */
export function summarize(name: ConditionName, measurements: readonly Measurement[], failed: boolean, skipped: string | undefined): ConditionSummary {
  const mine = measurements.filter((m) => m.condition === name);
  const numbers = (pick: (m: Measurement) => number | null | undefined): number[] =>
    mine.map(pick).filter((v): v is number => typeof v === 'number');
  const sum = (values: number[]): number | null => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0));
  const ratios = mine.flatMap((m) => {
    const base = measurements.find((b) => b.condition === 'baseline' && b.round === m.round);
    return base ? [m.connectionsPerSecond / base.connectionsPerSecond] : [];
  });
  return {
    status: skipped !== undefined ? 'skipped' : mine.length === 0 ? 'failed' : failed ? 'partial' : 'ran',
    ...(skipped !== undefined ? { reason: skipped } : {}),
    measurements: mine.length,
    connectionsPerSecond: spreadOrNull(numbers((m) => m.connectionsPerSecond)),
    keptOfBaseline: spreadOrNull(ratios),
    agentCpuMsPer1kConnections: spreadOrNull(numbers((m) => m.agent?.cpuMsPer1kConnections)),
    agentCpuWhileWarming: spreadOrNull(numbers((m) => m.agent?.warmupCpuMsPer1kConnections)),
    completeness: spreadOrNull(numbers((m) => m.agent?.completeness)),
    ringbufDropped: sum(numbers((m) => m.agent?.ringbufDropped)),
    pipelineDropped: sum(numbers((m) => m.agent?.pipelineDropped)),
    readyMs: spreadOrNull(numbers((m) => m.agent?.readyMs)),
    readyLoggedMs: spreadOrNull(numbers((m) => m.agent?.readyLoggedMs)),
    failedConnections: mine.reduce((a, m) => a + m.failed, 0),
  };
}

export interface RoundsUsed {
  /** Rounds the summaries are over (1-based in the text). */
  rounds: readonly number[];
  /** Over clean rounds only (true), or over every round because too few were clean (false). */
  conclusive: boolean;
  cleanRounds: number;
  totalRounds: number;
}

export function report(summaries: Record<ConditionName, ConditionSummary>, used: RoundsUsed): string {
  const notes: string[] = [];
  const rows = [['condition', 'conn/s median (min–max)', 'kept of baseline', 'agent CPU ms/1k conn', 'completeness', 'dropped rb/pipe', 'ready ms (logged)']];
  for (const [name, s] of Object.entries(summaries) as [ConditionName, ConditionSummary][]) {
    if (s.status === 'skipped' || s.status === 'failed') {
      rows.push([name, s.status.toUpperCase()]);
      notes.push(`${name} ${s.status}: ${s.reason ?? 'every measurement failed (see failures in the JSON)'}`);
      continue;
    }
    const dropped = s.ringbufDropped === null && s.pipelineDropped === null ? '' : `${s.ringbufDropped ?? '-'}/${s.pipelineDropped ?? '-'}`;
    rows.push([
      name,
      formatSpread(s.connectionsPerSecond, 0),
      name === 'baseline' ? '1' : formatSpread(s.keptOfBaseline, 3),
      name === 'baseline' ? '' : formatSpread(s.agentCpuMsPer1kConnections, 1),
      s.completeness === null ? '' : formatSpread(s.completeness, 4),
      dropped,
      s.readyMs === null ? '' : `${formatSpread(s.readyMs, 0)} (${s.readyLoggedMs?.median.toFixed(0) ?? '?'})`,
    ]);
  }
  const over = used.conclusive
    ? `over the ${used.rounds.length} clean rounds of ${used.totalRounds}`
    : `over ALL ${used.totalRounds} rounds: only ${used.cleanRounds} were clean, so the ratios below are INCONCLUSIVE`;
  const lines = [`medians ${over}`, textTable(rows), '', ...notes];
  for (const [name, s] of Object.entries(summaries) as [ConditionName, ConditionSummary][]) {
    if (name !== 'baseline' && s.keptOfBaseline) lines.push(`${name} kept ${formatSpread(s.keptOfBaseline, 3)} of baseline connections/s`);
    if (s.agentCpuWhileWarming) lines.push(`${name} agent CPU over the unmeasured warm-up after start: ${formatSpread(s.agentCpuWhileWarming, 1)} ms/1k connections`);
  }
  const verdict = (met: boolean): string => (!used.conclusive ? 'INCONCLUSIVE' : met ? 'met' : 'MISSED');
  const sonde = summaries.sonde;
  if (sonde.keptOfBaseline) {
    lines.push(`target: sonde keeps >= ${TARGET_KEPT} of baseline connections/s: ${verdict(sonde.keptOfBaseline.median >= TARGET_KEPT)} (median ${sonde.keptOfBaseline.median.toFixed(3)})`);
  }
  if (sonde.readyMs) {
    lines.push(`target: sonde start to ready < ${TARGET_READY_MS} ms: ${verdict(sonde.readyMs.median < TARGET_READY_MS)} (median ${sonde.readyMs.median.toFixed(0)} ms, spawn to /readyz 200)`);
  }
  return lines.join('\n');
}
