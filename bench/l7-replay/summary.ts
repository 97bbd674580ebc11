/** Medians of the replays by stage, and what each stage adds to the one before it. */
import { median } from '../flows/stats.js';
import { STAGES, type ReplayResult, type Stage } from './replay.js';

export interface StageSummary {
  stage: Stage;
  /** Median CPU time of the replays that stopped at this stage. */
  cpuMs: number;
  /** What this stage adds to the previous one, per parsed exchange and per recorded request. */
  addedNsPerExchange: number;
  addedNsPerRequest: number;
  /** Whole replay to this stage, per parsed exchange. */
  nsPerExchange: number;
  /** This stage's CPU time over the decode-only replay's (the baseline). */
  ratioToDecode: number;
}

export function summarize(results: readonly ReplayResult[], requests: number): StageSummary[] {
  const cpu = new Map<Stage, number>();
  for (const stage of STAGES) {
    const runs = results.filter((r) => r.stage === stage).map((r) => r.cpuMs);
    if (runs.length > 0) cpu.set(stage, median(runs));
  }
  const exchanges = Math.max(...results.map((r) => r.exchanges), 0);
  const decode = cpu.get('decode');
  const out: StageSummary[] = [];
  let previous = 0;
  for (const stage of STAGES) {
    const ms = cpu.get(stage);
    if (ms === undefined) continue;
    const added = ms - previous;
    previous = ms;
    out.push({
      stage,
      cpuMs: ms,
      addedNsPerExchange: exchanges > 0 ? (added * 1e6) / exchanges : 0,
      addedNsPerRequest: requests > 0 ? (added * 1e6) / requests : 0,
      nsPerExchange: exchanges > 0 ? (ms * 1e6) / exchanges : 0,
      ratioToDecode: decode !== undefined && decode > 0 ? ms / decode : 0,
    });
  }
  return out;
}
