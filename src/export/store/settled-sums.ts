/**
 * What rollup rows of settled buckets add up to — buckets that ended long enough ago that no
 * more records land in them — kept per database connection. A day's overview adds up ~24
 * hourly rows per key; all but the newest hour or two are the same from one refresh to the
 * next, so they are read once and only the newest rows are read again. A record arriving later
 * than SETTLE_MS after its bucket ended is in the rollup table but missed here until the window
 * moves on (at the next hour). Entries are keyed by table, resolution and the settled span, so
 * they go stale by themselves; at most ENTRIES are kept.
 */
export const SETTLE_MS = 10 * 60_000;
const ENTRIES = 16;

export class SettledSums {
  readonly #entries = new Map<string, unknown>();

  /** The entry under `key`, made (and kept) when missing. */
  entry<T>(key: string, make: () => T): T {
    if (this.#entries.has(key)) return this.#entries.get(key) as T;
    const value = make();
    this.#entries.set(key, value);
    // Maps iterate in insertion order: the first key is the oldest entry.
    while (this.#entries.size > ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
    return value;
  }
}

/**
 * Where the settled buckets of a resolution end at `nowMs`: a bucket starting before it ended
 * (start + resMs) at least SETTLE_MS ago.
 */
export function settledEnd(resMs: number, nowMs: number): number {
  return Math.floor((nowMs - SETTLE_MS) / resMs) * resMs;
}
