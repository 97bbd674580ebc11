import type { KeyValue, RollupKind } from './rollup-kinds.js';

/** One batch's contribution to one rollup row. */
export interface PartialRow {
  resMs: number;
  bucketMs: number;
  key: KeyValue[];
  keyText: string;
  sums: number[];
  /** bin -> count; null for kinds without a histogram. */
  hist: Map<number, number> | null;
  /** Longest duration (kinds with a histogram); -Infinity when none. */
  max: number;
}

const SEP = '\u0001';
/** Records are first added up per 10 s (the finest resolution of any kind), then rolled up. */
const FINEST_MS = 10_000;

function mergeInto(into: PartialRow, from: PartialRow): void {
  for (let i = 0; i < into.sums.length; i++) into.sums[i]! += from.sums[i] ?? 0;
  if (into.hist !== null && from.hist !== null) {
    for (const [bin, n] of from.hist) into.hist.set(bin, (into.hist.get(bin) ?? 0) + n);
  }
  if (from.max > into.max) into.max = from.max;
}

/**
 * Which keys each recent bucket already holds, per kind and resolution, so a bucket stops
 * taking new keys at its kind's cap. Only the two newest buckets of each resolution are
 * remembered (records arrive nearly in time order); a late record for an older bucket is
 * checked against a fresh set. At most cap × 2 × 4 resolutions keys per kind.
 */
class KeyLimiter {
  readonly #sets = new Map<string, { bucketMs: number; resMs: number; keys: Set<string> }>();
  readonly #newest = new Map<string, number>();

  admit(kindIndex: number, cap: number, resMs: number, bucketMs: number, keyText: string): boolean {
    const id = `${kindIndex}:${resMs}:${bucketMs}`;
    let entry = this.#sets.get(id);
    if (entry === undefined) {
      entry = { bucketMs, resMs, keys: new Set() };
      this.#sets.set(id, entry);
      const scope = `${kindIndex}:${resMs}`;
      if (bucketMs > (this.#newest.get(scope) ?? -Infinity)) this.#newest.set(scope, bucketMs);
    }
    if (entry.keys.has(keyText)) return true;
    if (entry.keys.size >= cap) return false;
    entry.keys.add(keyText);
    return true;
  }

  prune(): void {
    for (const [id, entry] of this.#sets) {
      const scope = id.slice(0, id.lastIndexOf(':'));
      const newest = this.#newest.get(scope) ?? entry.bucketMs;
      if (entry.bucketMs < newest - entry.resMs) this.#sets.delete(id);
    }
  }
}

/** Resolutions up to this are written at every drain; coarser ones only when asked (see drain). */
export const FAST_MAX_RES_MS = 60_000;

/** Nested maps, one level per key value; the last level holds rows (see BucketRows). */
type ValuePath = Map<KeyValue, unknown>;

/** The 10 s rows of one kind and bucket. */
interface BucketRows {
  bucketMs: number;
  /** Rows by key text (the key's values joined with SEP): what tells one row from another. */
  byText: Map<string, PartialRow>;
  /**
   * The same rows reached value by value, so a record whose row exists finds it without
   * joining its key into a string: that join, the `bucket + key` id string and the lookup by
   * it were most of add's time and garbage. Values that differ can share a text (200 and
   * '200', or values holding SEP), so a path is only a shortcut to the row byText has.
   */
  byValues: ValuePath;
}

/**
 * Adds records up per (10 s bucket, key) while batches are written, then rolls those partial
 * rows up to each kind's resolutions: the database sees one upsert per key and resolution per
 * drain, not one per record. Rows of 10 s and 1 min buckets come out at every drain; 10 min and
 * hour rows keep adding up across drains until the caller takes them (less often: they feed
 * the long ranges, where seconds of delay do not show, and they are as many as the fast ones).
 */
export class RollupAccumulator {
  readonly #kinds: readonly RollupKind[];
  /** Per kind, the 10 s rows in the order they were made (the order drain rolls them up in). */
  readonly #fine: PartialRow[][];
  /** Per kind, the same rows by bucket. */
  readonly #buckets: Map<number, BucketRows>[];
  /** Per kind, the bucket added to last: records come nearly in time order. */
  readonly #recent: (BucketRows | undefined)[];
  readonly #coarse: Map<string, PartialRow>[];
  readonly #limiter = new KeyLimiter();

  constructor(kinds: readonly RollupKind[]) {
    this.#kinds = kinds;
    this.#fine = kinds.map(() => []);
    this.#buckets = kinds.map(() => new Map());
    this.#recent = kinds.map(() => undefined);
    this.#coarse = kinds.map(() => new Map());
  }

  /**
   * `bin` is the latency histogram bin, or -1 for kinds without one; `sums` are already weighted;
   * `max` the duration. Neither `key` nor `sums` is kept (a new row copies the key), so a caller
   * may refill the same arrays for every record. A kind's keys always have the same length.
   */
  add(kindIndex: number, timeMs: number, key: readonly KeyValue[], sums: readonly number[], bin: number, weight: number, max = -Infinity): void {
    const row = this.#rowFor(kindIndex, Math.floor(timeMs / FINEST_MS) * FINEST_MS, key, sums);
    if (max > row.max) row.max = max;
    for (let i = 0; i < sums.length; i++) row.sums[i]! += sums[i]!;
    if (row.hist !== null && bin >= 0) row.hist.set(bin, (row.hist.get(bin) ?? 0) + weight);
  }

  #rowFor(kindIndex: number, bucketMs: number, key: readonly KeyValue[], sums: readonly number[]): PartialRow {
    let bucket = this.#recent[kindIndex];
    if (bucket?.bucketMs !== bucketMs) {
      const buckets = this.#buckets[kindIndex]!;
      bucket = buckets.get(bucketMs);
      if (bucket === undefined) {
        bucket = { bucketMs, byText: new Map(), byValues: new Map() };
        buckets.set(bucketMs, bucket);
      }
      this.#recent[kindIndex] = bucket;
    }
    let path = bucket.byValues;
    const last = key.length - 1;
    for (let i = 0; i < last; i++) {
      let next = path.get(key[i]!) as ValuePath | undefined;
      if (next === undefined) {
        next = new Map();
        path.set(key[i]!, next);
      }
      path = next;
    }
    let row = path.get(key[last]!) as PartialRow | undefined;
    if (row !== undefined) return row;
    // First time this bucket sees these values: find or make the row of their text.
    const keyText = key.join(SEP);
    row = bucket.byText.get(keyText);
    if (row === undefined) {
      const hist = this.#kinds[kindIndex]!.histogram ? new Map<number, number>() : null;
      row = { resMs: FINEST_MS, bucketMs, key: key.slice(), keyText, sums: sums.map(() => 0), hist, max: -Infinity };
      bucket.byText.set(keyText, row);
      this.#fine[kindIndex]!.push(row);
    }
    path.set(key[last]!, row);
    return row;
  }

  /** Nothing added since the last drain. */
  get emptyFine(): boolean {
    return this.#fine.every((rows) => rows.length === 0);
  }

  /** Nothing at all waiting, coarse rows included. */
  get empty(): boolean {
    return this.emptyFine && this.#coarse.every((m) => m.size === 0);
  }

  /**
   * The partial rows of every kind (same order as the kinds given): fast resolutions always,
   * coarse ones when `withCoarse` (else they keep adding up). What is returned is forgotten.
   */
  drain(withCoarse: boolean): PartialRow[][] {
    const out = this.#kinds.map((kind, kindIndex) => {
      const rows: PartialRow[] = [];
      const fine = this.#fine[kindIndex]!;
      const coarse = this.#coarse[kindIndex]!;
      for (const resMs of kind.resolutions) {
        const into = resMs <= FAST_MAX_RES_MS ? new Map<string, PartialRow>() : coarse;
        for (const f of fine) this.#rollInto(into, kindIndex, kind, resMs, f);
        if (resMs <= FAST_MAX_RES_MS) rows.push(...into.values());
      }
      fine.length = 0;
      this.#buckets[kindIndex]!.clear();
      this.#recent[kindIndex] = undefined;
      if (withCoarse) {
        rows.push(...coarse.values());
        coarse.clear();
      }
      return rows;
    });
    this.#limiter.prune();
    return out;
  }

  #rollInto(into: Map<string, PartialRow>, kindIndex: number, kind: RollupKind, resMs: number, f: PartialRow): void {
    const bucketMs = Math.floor(f.bucketMs / resMs) * resMs;
    let key = f.key;
    let keyText = f.keyText;
    if (!this.#limiter.admit(kindIndex, kind.cap, resMs, bucketMs, keyText)) {
      key = kind.fold(f.key);
      keyText = key.join(SEP);
    }
    const id = `${resMs}${SEP}${bucketMs}${SEP}${keyText}`;
    let row = into.get(id);
    if (row === undefined) {
      row = { resMs, bucketMs, key, keyText, sums: f.sums.map(() => 0), hist: f.hist === null ? null : new Map(), max: -Infinity };
      into.set(id, row);
    }
    mergeInto(row, f);
  }
}
