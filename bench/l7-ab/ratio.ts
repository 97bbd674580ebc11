/**
 * Two builds of a program attached together see the same packets, so their time per run is
 * compared on the same traffic at the same moment. The second in the hook's chain runs on warmer
 * caches, so rounds alternate which one is attached first, and the ratio B/A is the geometric mean
 * over rounds: an even number of rounds cancels the order's effect.
 */
export interface AbRound {
  /** Which build was attached first. */
  first: 'a' | 'b';
  aNsPerRun: number;
  bNsPerRun: number;
}

export function geometricMeanRatio(rounds: readonly AbRound[]): number {
  const usable = rounds.filter((r) => r.aNsPerRun > 0 && r.bNsPerRun > 0);
  if (usable.length === 0) return Number.NaN;
  return Math.exp(usable.reduce((sum, r) => sum + Math.log(r.bNsPerRun / r.aNsPerRun), 0) / usable.length);
}

/** Time per run from two `bpftool prog show` readings of the same programs (run_time_ns needs kernel.bpf_stats_enabled). */
export function nsPerRun(before: ReadonlyMap<number, { ns: number; runs: number }>, after: ReadonlyMap<number, { ns: number; runs: number }>, ids: readonly number[]): number {
  let ns = 0;
  let runs = 0;
  for (const id of ids) {
    const a = after.get(id);
    const b = before.get(id) ?? { ns: 0, runs: 0 };
    if (a === undefined) continue;
    ns += a.ns - b.ns;
    runs += a.runs - b.runs;
  }
  return runs > 0 ? ns / runs : Number.NaN;
}
