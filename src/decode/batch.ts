import type { RawBatch } from '../kernel/ring-buffer.js';

export type DecodeProblem = 'truncated' | 'unknown-type' | 'bad-family';

/**
 * Runs `decode` over the records [from, to) of a ring-buffer batch (all by default): records go
 * to `emit`, refused ones are counted by problem, never thrown. One DataView per call, none per
 * record.
 */
export function decodeBatch<T>(
  batch: RawBatch,
  decode: (view: DataView, at: number, length: number) => T | DecodeProblem,
  emit: (event: T) => void,
  problem: (p: DecodeProblem) => void,
  from = 0,
  to = batch.count,
): void {
  const view = new DataView(batch.buffer);
  for (let i = Math.max(0, from); i < Math.min(to, batch.count); i++) {
    const at = batch.index[i * 2] ?? 0;
    const length = batch.index[i * 2 + 1] ?? 0;
    if (at + length > batch.buffer.byteLength) { problem('truncated'); continue; }
    const out = decode(view, at, length);
    if (typeof out === 'string') problem(out as DecodeProblem);
    else emit(out);
  }
}

/** A little-endian u64 field as a number (exact below 2^53: cookies, nanosecond times, byte counts). */
export function readU64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 4294967296;
}
