// Summaries by shape (shape-key.ts): a statement sent again with new literals is summarised once.
// Bounded by entries and by the length of the texts it keys, so a workload of ever-new statements
// costs a clear now and then, never unbounded memory.

import { sqlShapeKey } from './shape-key.js';
import { summarizeSql, type SqlSummary } from './summarize-sql.js';

export const DEFAULT_SUMMARY_CACHE_ENTRIES = 512;

export class SqlSummaryCache {
  readonly #entries = new Map<string, SqlSummary>();
  readonly #capacity: number;
  #hits = 0;
  #misses = 0;

  constructor(capacity = DEFAULT_SUMMARY_CACHE_ENTRIES) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.#capacity = capacity;
  }

  /** summarizeSql(text), shared with every earlier text of the same shape. Callers must not mutate it. */
  summarize(text: string): SqlSummary {
    const key = sqlShapeKey(text);
    if (key === null) {
      this.#misses++;
      return summarizeSql(text);
    }
    const known = this.#entries.get(key);
    if (known !== undefined) {
      this.#hits++;
      return known;
    }
    this.#misses++;
    const summary = summarizeSql(text);
    // Whole-cache clears keep this cheap; a steady workload refills it with its few shapes at once.
    if (this.#entries.size >= this.#capacity) this.#entries.clear();
    this.#entries.set(key, summary);
    return summary;
  }

  get size(): number {
    return this.#entries.size;
  }

  get hits(): number {
    return this.#hits;
  }

  get misses(): number {
    return this.#misses;
  }
}
