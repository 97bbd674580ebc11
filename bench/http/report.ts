/** Per-condition summaries of a bench/http run, the table printed from them and the verdicts. */
import type { RoundsUsed } from '../flows/report.js';
import { formatSpread, spreadOrNull, type Spread } from '../flows/stats.js';
import type { HttpConditionName } from './conditions.js';
import type { HttpMeasurement } from './measure.js';
import { textTable } from '../text-table.js';

/** Targets from issue 3 ("Benchmark"). */
export const TARGETS = {
  /** Median of per-round ratios of sonde's req/s to the same round's baseline. */
  keptOfBaseline: 0.95,
  /** nginx records counted by sonde ÷ wrk's requests, in every measurement (the worst one decides). */
  completeness: 0.999,
  /** Median agent CPU, in % of one core per 1,000 req/s. */
  cpuPercentOfCorePer1kRps: 1,
  /** Largest agent RSS at the end of a measurement. */
  rssMiB: 150,
} as const;
/** What DESIGN.md measured for the syscall floor: a reference, not a target. */
export const FLOOR_EXPECTED_KEPT = 0.85;
/** What DESIGN.md measured for an empty cgroup_skb pair at the cgroup root: a reference too. */
export const SKB_FLOOR_EXPECTED_KEPT = 0.976;

export interface HttpConditionSummary {
  status: 'ran' | 'partial' | 'failed' | 'skipped';
  reason?: string;
  measurements: number;
  requestsPerSecond: Spread | null;
  /** Per-round ratio to the same round's baseline, summarized: never a ratio of medians. */
  keptOfBaseline: Spread | null;
  p99Ms: Spread | null;
  /** Per-round ratio of p99 latency to the same round's baseline p99. */
  p99OfBaseline: Spread | null;
  /**
   * Per-round ratio to the same round's skb floor (empty programs on sonde's own hook): what
   * sonde's work costs beyond the hook it cannot do without.
   */
  keptOfSkbFloor: Spread | null;
  /** The nginx worker's on-CPU µs per request (HttpMeasurement.serverCpuUsPerRequest). */
  serverCpuUsPerRequest: Spread | null;
  /** Per-round ratio of that to the same round's baseline: what the condition adds to each request. */
  serverCpuOfBaseline: Spread | null;
  readyMs: Spread | null;
  readyLoggedMs: Spread | null;
  /** sonde only from here on. */
  agentCpuPercentOfCorePer1kRps: Spread | null;
  /** The same over the unmeasured warm-up after the agent started (null: no warm-up). */
  agentCpuWhileWarming: Spread | null;
  warmupSeconds: number | null;
  agentRssMiB: Spread | null;
  serverCompleteness: Spread | null;
  clientCompleteness: Spread | null;
  /** Share of counted nginx records that were GET 200 (parsed whole). */
  serverGet200Share: Spread | null;
  /** Summed over the measurements summarized, by ringbuf / by stage. */
  ringbufDropped: Record<string, number> | null;
  pipelineDropped: Record<string, number> | null;
  recordsSampledOut: number | null;
  segmentsShed: number | null;
  connectionsShed: number | null;
  parsePromotions: number | null;
  socketErrors: number;
  non2xx3xx: number;
}

function addInto(into: Record<string, number>, from: Record<string, number>): Record<string, number> {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/** `measurements` are those of the rounds the summary is over; `failed`: some measurement threw. */
export function summarize(name: HttpConditionName, measurements: readonly HttpMeasurement[], failed: boolean, skipped: string | undefined): HttpConditionSummary {
  const mine = measurements.filter((m) => m.condition === name);
  const numbers = (pick: (m: HttpMeasurement) => number | null | undefined): number[] =>
    mine.map(pick).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const of = (reference: HttpConditionName, pick: (m: HttpMeasurement) => number | null): number[] => mine.flatMap((m) => {
    const ref = measurements.find((b) => b.condition === reference && b.round === m.round);
    const [value, base] = [pick(m), ref ? pick(ref) : null];
    return value !== null && base !== null && base > 0 ? [value / base] : [];
  });
  const ofBaseline = (pick: (m: HttpMeasurement) => number | null): number[] => of('baseline', pick);
  const withSonde = mine.filter((m) => m.sonde !== null);
  const sumOrNull = (values: number[]): number | null => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0));
  return {
    status: skipped !== undefined ? 'skipped' : mine.length === 0 ? 'failed' : failed ? 'partial' : 'ran',
    ...(skipped !== undefined ? { reason: skipped } : {}),
    measurements: mine.length,
    requestsPerSecond: spreadOrNull(numbers((m) => m.requestsPerSecond)),
    keptOfBaseline: spreadOrNull(ofBaseline((m) => m.requestsPerSecond)),
    p99Ms: spreadOrNull(numbers((m) => m.latencyMs.p99)),
    p99OfBaseline: spreadOrNull(ofBaseline((m) => m.latencyMs.p99)),
    keptOfSkbFloor: name === 'sonde' ? spreadOrNull(of('skb-floor', (m) => m.requestsPerSecond)) : null,
    serverCpuUsPerRequest: spreadOrNull(numbers((m) => m.serverCpuUsPerRequest)),
    serverCpuOfBaseline: spreadOrNull(ofBaseline((m) => m.serverCpuUsPerRequest)),
    readyMs: spreadOrNull(numbers((m) => m.readyMs)),
    readyLoggedMs: spreadOrNull(numbers((m) => m.readyLoggedMs)),
    agentCpuPercentOfCorePer1kRps: spreadOrNull(numbers((m) => m.sonde?.cpuPercentOfCorePer1kRps)),
    agentCpuWhileWarming: name === 'sonde' ? spreadOrNull(numbers((m) => m.warmup?.agentCpuPercentOfCorePer1kRps)) : null,
    warmupSeconds: mine.find((m) => m.warmup !== null)?.warmup?.seconds ?? null,
    agentRssMiB: spreadOrNull(numbers((m) => (m.sonde ? m.sonde.rssBytes / 2 ** 20 : null))),
    serverCompleteness: spreadOrNull(numbers((m) => m.sonde?.serverCompleteness)),
    clientCompleteness: spreadOrNull(numbers((m) => m.sonde?.clientCompleteness)),
    serverGet200Share: spreadOrNull(numbers((m) => (m.sonde && m.sonde.serverRecords > 0 ? m.sonde.serverRecordsGet200 / m.sonde.serverRecords : null))),
    ringbufDropped: withSonde.length === 0 ? null : withSonde.reduce((acc, m) => addInto(acc, m.sonde!.ringbufDropped), {} as Record<string, number>),
    pipelineDropped: withSonde.length === 0 ? null : withSonde.reduce((acc, m) => addInto(acc, m.sonde!.pipelineDropped), {} as Record<string, number>),
    recordsSampledOut: sumOrNull(numbers((m) => m.sonde?.recordsSampledOut)),
    segmentsShed: sumOrNull(numbers((m) => m.sonde?.segmentsShed)),
    connectionsShed: sumOrNull(numbers((m) => m.sonde?.connectionsShed)),
    parsePromotions: sumOrNull(numbers((m) => m.sonde?.parsePromotions)),
    socketErrors: mine.reduce((a, m) => a + (m.socketErrors ? m.socketErrors.connect + m.socketErrors.read + m.socketErrors.write + m.socketErrors.timeout : 0), 0),
    non2xx3xx: mine.reduce((a, m) => a + m.non2xx3xx, 0),
  };
}

const byLabel = (r: Record<string, number> | null): string =>
  r === null ? 'n/a' : Object.entries(r).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';

export function report(summaries: Record<HttpConditionName, HttpConditionSummary>, used: RoundsUsed): string {
  const notes: string[] = [];
  const rows = [['condition', 'req/s median (min–max)', 'kept of baseline', 'p99 ms', 'p99 vs baseline', 'nginx µs/req', 'vs baseline', 'ready ms']];
  for (const [name, s] of Object.entries(summaries) as [HttpConditionName, HttpConditionSummary][]) {
    if (s.status === 'skipped' || s.status === 'failed') {
      rows.push([name, s.status.toUpperCase()]);
      notes.push(`${name} ${s.status}: ${s.reason ?? 'every measurement failed (see failures in the JSON)'}`);
      continue;
    }
    rows.push([
      name,
      formatSpread(s.requestsPerSecond, 0),
      name === 'baseline' ? '1' : formatSpread(s.keptOfBaseline, 3),
      formatSpread(s.p99Ms, 2),
      name === 'baseline' ? '1' : formatSpread(s.p99OfBaseline, 2),
      formatSpread(s.serverCpuUsPerRequest, 2),
      name === 'baseline' ? '1' : formatSpread(s.serverCpuOfBaseline, 3),
      s.readyMs === null ? '' : `${formatSpread(s.readyMs, 0)}${s.readyLoggedMs ? ` (logs ${s.readyLoggedMs.median.toFixed(0)})` : ''}`,
    ]);
    if (s.socketErrors > 0 || s.non2xx3xx > 0) notes.push(`${name}: wrk saw ${s.socketErrors} socket errors and ${s.non2xx3xx} non-2xx/3xx responses`);
  }
  const over = used.conclusive
    ? `over the ${used.rounds.length} clean rounds of ${used.totalRounds}`
    : `over ALL ${used.totalRounds} rounds: only ${used.cleanRounds} were clean, so the numbers below are INCONCLUSIVE`;
  const lines = [`medians ${over}`, textTable(rows), ''];
  const sonde = summaries.sonde;
  if (sonde.status === 'ran' || sonde.status === 'partial') {
    lines.push(
      'sonde (HTTP capture on, defaults):',
      `  agent CPU:              ${formatSpread(sonde.agentCpuPercentOfCorePer1kRps, 3)} % of one core per 1,000 req/s`,
      ...(sonde.agentCpuWhileWarming === null ? [] : [
        `  agent CPU, warming:     ${formatSpread(sonde.agentCpuWhileWarming, 3)} % of one core per 1,000 req/s, over the unmeasured first ${sonde.warmupSeconds?.toFixed(0) ?? '?'} s after start (V8 still compiling)`,
      ]),
      `  agent RSS at end:       ${formatSpread(sonde.agentRssMiB, 0)} MiB`,
      `  completeness (nginx):   ${formatSpread(sonde.serverCompleteness, 4)} server records ÷ wrk requests; GET 200 share ${formatSpread(sonde.serverGet200Share, 4)}`,
      `  completeness (wrk):     ${formatSpread(sonde.clientCompleteness, 4)} client records ÷ wrk requests`,
      `  ring buffer drops:      ${byLabel(sonde.ringbufDropped)}`,
      `  pipeline drops:         ${byLabel(sonde.pipelineDropped)}`,
      `  kernel load shedding:   ${sonde.segmentsShed === null ? 'n/a (not in this build)' : `${sonde.segmentsShed} segments not captured, ${sonde.connectionsShed ?? '?'} connection pauses`}`,
      `  records sampled out:    ${sonde.recordsSampledOut ?? 'n/a'} (the record stream only; metrics count every exchange)`,
      `  starved-thread turns:   ${sonde.parsePromotions ?? 'n/a'} (the idle-class thread given a turn at the normal class; each preempts the workload)`,
      '',
    );
  }
  lines.push(...notes);
  const verdict = (met: boolean): string => (!used.conclusive ? 'INCONCLUSIVE' : met ? 'met' : 'MISSED');
  if (sonde.keptOfBaseline) {
    lines.push(`target: sonde keeps >= ${TARGETS.keptOfBaseline} of baseline req/s: ${verdict(sonde.keptOfBaseline.median >= TARGETS.keptOfBaseline)} (median ${sonde.keptOfBaseline.median.toFixed(3)})`);
  }
  if (sonde.serverCompleteness) {
    lines.push(`target: completeness >= ${TARGETS.completeness} at full load (every measurement): ${verdict(sonde.serverCompleteness.min >= TARGETS.completeness)} (min ${sonde.serverCompleteness.min.toFixed(4)}, median ${sonde.serverCompleteness.median.toFixed(4)})`);
  }
  if (sonde.agentCpuPercentOfCorePer1kRps) {
    lines.push(`target: agent CPU <= ${TARGETS.cpuPercentOfCorePer1kRps}% of one core per 1,000 req/s: ${verdict(sonde.agentCpuPercentOfCorePer1kRps.median <= TARGETS.cpuPercentOfCorePer1kRps)} (median ${sonde.agentCpuPercentOfCorePer1kRps.median.toFixed(3)}%)`);
  }
  if (sonde.agentRssMiB) {
    lines.push(`target: agent RSS <= ${TARGETS.rssMiB} MiB: ${verdict(sonde.agentRssMiB.max <= TARGETS.rssMiB)} (max ${sonde.agentRssMiB.max.toFixed(0)} MiB)`);
  }
  const floor = summaries['syscall-floor'];
  if (floor.keptOfBaseline) {
    lines.push(`reference: syscall floor (empty read/write-family syscall probes) keeps ${formatSpread(floor.keptOfBaseline, 3)} of baseline req/s (DESIGN.md measured ~${FLOOR_EXPECTED_KEPT})`);
  }
  const skbFloor = summaries['skb-floor'];
  if (skbFloor.keptOfBaseline) {
    lines.push(`reference: skb floor (empty cgroup_skb pair at the cgroup root, sonde's hook) keeps ${formatSpread(skbFloor.keptOfBaseline, 3)} of baseline req/s (DESIGN.md measured ~${SKB_FLOOR_EXPECTED_KEPT})`);
  }
  if (sonde.keptOfSkbFloor) {
    lines.push(`reference: sonde keeps ${formatSpread(sonde.keptOfSkbFloor, 3)} of the skb floor's req/s (the cost of its work beyond the hook)`);
  }
  return lines.join('\n');
}
