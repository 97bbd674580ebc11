/** Summary statistics for bench samples. Benches report medians with their range, never means. */

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  // Both middle values exist because length >= 1; the `!` only tells the index checker so.
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('spread of no values');
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** Like `spread`, but null where there is nothing to summarize (a skipped or failed condition). */
export function spreadOrNull(values: readonly number[]): Spread | null {
  return values.length === 0 ? null : spread(values);
}

/** `0.97 (0.94–0.99)`: median with the range, the way DESIGN.md quotes overhead. */
export function formatSpread(s: Spread | null, digits = 2): string {
  if (s === null) return 'n/a';
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}
