// A fixed log-scale latency histogram shared by every rollup row, so rows of any bucket,
// resolution or key merge by adding counts. Bin 0 holds durations up to 1 µs; bin i (1..126)
// holds (2^((i-1)/4), 2^(i/4)] µs; bin 127 everything above 2^31.5 µs (about 50 minutes).
// A percentile is reported as the geometric middle of its bin, so it is within a factor
// 2^(1/8) of the true value: at most +9.1% / -8.3% relative error.

export const HISTOGRAM_BINS = 128;
const STEPS_PER_DOUBLING = 4;
const LAST_BIN = HISTOGRAM_BINS - 1;
/** Bytes per non-empty bin in the stored form: bin index (u8), count (u32 little-endian). */
const ENTRY_BYTES = 5;
const MAX_COUNT = 0xffff_ffff;

/** Dense counts, one per bin, used while merging. */
export type DenseHistogram = Float64Array;

export function newDenseHistogram(): DenseHistogram {
  return new Float64Array(HISTOGRAM_BINS);
}

export function binOf(durationMs: number): number {
  const us = durationMs * 1000;
  if (!(us > 1)) return 0; // also NaN and negatives: they are not slower than 1 µs
  const bin = Math.ceil(STEPS_PER_DOUBLING * Math.log2(us));
  return bin >= LAST_BIN ? LAST_BIN : bin;
}

/** Upper bound of a bin in ms; null for the last, open-ended bin. */
export function binUpperMs(bin: number): number | null {
  if (bin >= LAST_BIN) return null;
  return 2 ** (bin / STEPS_PER_DOUBLING) / 1000;
}

/** The value reported for durations in a bin, in ms. */
export function binValueMs(bin: number): number {
  if (bin <= 0) return 0.001;
  if (bin >= LAST_BIN) return 2 ** ((LAST_BIN - 1) / STEPS_PER_DOUBLING) / 1000;
  return 2 ** ((bin - 0.5) / STEPS_PER_DOUBLING) / 1000;
}

/** Sparse counts to the stored form: non-empty bins in ascending order. */
export function encodeSparse(bins: ReadonlyMap<number, number>): Buffer {
  const order = [...bins.keys()].filter((b) => (bins.get(b) ?? 0) > 0).sort((a, b) => a - b);
  const out = Buffer.allocUnsafe(order.length * ENTRY_BYTES);
  let at = 0;
  for (const bin of order) {
    out[at] = bin;
    out.writeUInt32LE(Math.min(MAX_COUNT, Math.round(bins.get(bin) ?? 0)), at + 1);
    at += ENTRY_BYTES;
  }
  return out;
}

export function encodeDense(dense: DenseHistogram): Buffer {
  let used = 0;
  for (let i = 0; i < HISTOGRAM_BINS; i++) if ((dense[i] ?? 0) > 0) used++;
  const out = Buffer.allocUnsafe(used * ENTRY_BYTES);
  let at = 0;
  for (let i = 0; i < HISTOGRAM_BINS; i++) {
    const n = dense[i] ?? 0;
    if (n <= 0) continue;
    out[at] = i;
    out.writeUInt32LE(Math.min(MAX_COUNT, Math.round(n)), at + 1);
    at += ENTRY_BYTES;
  }
  return out;
}

/** Adds a stored histogram into a dense one; bytes that do not form whole entries are ignored. */
export function addEncoded(into: DenseHistogram, encoded: Uint8Array | null | undefined): void {
  if (encoded == null) return;
  const end = encoded.length - (encoded.length % ENTRY_BYTES);
  for (let at = 0; at < end; at += ENTRY_BYTES) {
    const bin = encoded[at]!;
    if (bin < HISTOGRAM_BINS) into[bin] = (into[bin] ?? 0) + entryCount(encoded, at);
  }
}

export function addDense(into: DenseHistogram, from: DenseHistogram): void {
  for (let i = 0; i < HISTOGRAM_BINS; i++) into[i] = (into[i] ?? 0) + (from[i] ?? 0);
}

const scratch = newDenseHistogram();

/** Two stored histograms merged into one (the `hist_merge` SQL function). */
export function mergeEncoded(a: Uint8Array | null, b: Uint8Array | null): Buffer {
  scratch.fill(0);
  addEncoded(scratch, a);
  addEncoded(scratch, b);
  return encodeDense(scratch);
}

/** Nearest-rank quantiles (q in 0..1) in ms, or null when the histogram is empty. */
export function quantiles(dense: DenseHistogram, qs: readonly number[]): (number | null)[] {
  let total = 0;
  for (let i = 0; i < HISTOGRAM_BINS; i++) total += dense[i] ?? 0;
  if (total <= 0) return qs.map(() => null);
  return qs.map((q) => {
    const rank = Math.max(1, Math.ceil(q * total - 1e-9));
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BINS; i++) {
      seen += dense[i] ?? 0;
      if (seen >= rank) return roundMs(binValueMs(i));
    }
    return roundMs(binValueMs(LAST_BIN));
  });
}

/** Bins from the first to the last non-empty one, as `{ le_ms, count }` (le_ms null: open-ended). */
export function histogramRows(dense: DenseHistogram): { le_ms: number | null; count: number }[] {
  let first = -1;
  let last = -1;
  for (let i = 0; i < HISTOGRAM_BINS; i++) {
    if ((dense[i] ?? 0) > 0) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return [];
  const rows: { le_ms: number | null; count: number }[] = [];
  for (let i = first; i <= last; i++) {
    const upper = binUpperMs(i);
    rows.push({ le_ms: upper === null ? null : roundMs(upper), count: dense[i] ?? 0 });
  }
  return rows;
}

/** Millisecond values to a microsecond, as the records carry them. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * A duration (ms) at or above which at least `n` of the histogram's values lie: the lower
 * bound of the bin where the count from the top reaches n. undefined when that is the first
 * bin (everything qualifies) or there are fewer than n values.
 */
export function durationAboveAtLeast(dense: DenseHistogram, n: number): number | undefined {
  let seen = 0;
  for (let bin = HISTOGRAM_BINS - 1; bin >= 1; bin--) {
    seen += dense[bin] ?? 0;
    if (seen >= n) return binUpperMs(bin - 1) ?? undefined;
  }
  return undefined;
}

/** quantiles() of a stored histogram, straight from its entries (they are in bin order). */
export function quantilesEncoded(encoded: Uint8Array | null, qs: readonly number[]): (number | null)[] {
  if (encoded === null) return qs.map(() => null);
  const end = encoded.length - (encoded.length % ENTRY_BYTES);
  let total = 0;
  for (let at = 0; at < end; at += ENTRY_BYTES) total += entryCount(encoded, at);
  if (total <= 0) return qs.map(() => null);
  return qs.map((q) => {
    const rank = Math.max(1, Math.ceil(q * total - 1e-9));
    let seen = 0;
    for (let at = 0; at < end; at += ENTRY_BYTES) {
      seen += entryCount(encoded, at);
      if (seen >= rank) return roundMs(binValueMs(encoded[at]!));
    }
    return roundMs(binValueMs(LAST_BIN));
  });
}

function entryCount(encoded: Uint8Array, at: number): number {
  return (encoded[at + 1]! | (encoded[at + 2]! << 8) | (encoded[at + 3]! << 16)) + encoded[at + 4]! * 0x100_0000;
}
