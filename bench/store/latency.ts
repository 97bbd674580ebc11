/** Exact percentiles of a bench's own timing samples (few enough to sort). */
export interface LatencySummary {
  n: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export function summarizeLatencies(samples: readonly number[]): LatencySummary | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const round = (ms: number): number => Math.round(ms * 100) / 100;
  return { n: sorted.length, p50Ms: round(rank(0.5)), p95Ms: round(rank(0.95)), maxMs: round(sorted.at(-1)!) };
}
