import { addEncoded, encodeDense, newDenseHistogram, quantiles, type DenseHistogram } from './histogram.js';
import type { KeyDictionary } from './key-dictionary.js';
import { inBucketOrder, inKeyOrder, valueColumns, type KeyValue, type RollupKind } from './rollup-kinds.js';
import { settledEnd, type SettledSums } from './settled-sums.js';
import type { StatementCache } from './statement-cache.js';
import { OPEN_END_MS, type RangeWindow, type Tile } from './window.js';

/** What a query reads rollups with: prepared statements, the key dictionary and settled sums of one database. */
export interface RollupSource {
  cache: StatementCache;
  keys: KeyDictionary;
  settled: SettledSums;
}

/** Rollup rows added up: one per distinct value of the grouped key columns. */
export interface Aggregate {
  /** The dictionary id of (one of) the keys added up: the key's own id when grouping by every key column. */
  keyId: number;
  key: KeyValue[];
  /** In the kind's `sums` order. */
  sums: number[];
  /** Longest duration seen (kinds with a histogram). */
  max: number;
  /** sumsOnly, kinds with a p95 per row: the largest, which bounds the p95 of the rows together. */
  p95Bound: number;
  hist: DenseHistogram | null;
}

export interface RollupRead {
  kind: RollupKind;
  tiles: readonly Tile[];
  /** Key columns to group by; the others are summed over. */
  groupBy: readonly string[];
  /** Only keys that pass (their ids are looked up in the dictionary, then filtered in SQL). */
  where?: (key: readonly KeyValue[]) => boolean;
  /** Only these keys (dictionary ids). */
  ids?: readonly number[];
  /** Read sums and max only, added up by SQLite (no histograms: much cheaper over many rows). */
  sumsOnly?: boolean;
  /** The window's end, for choosing how to read its tiles. */
  nowMs: number;
}

const ID_FILTER = ' AND key_id IN (SELECT value FROM json_each(?))';

/**
 * Which b-tree a tile query walks (for kinds with a by-key index; see inBucketOrder): `key`
 * for reads of listed keys, `range` (bucket order) for everything else.
 */
type Walk = 'key' | 'range';

/** A tile of at least this many buckets (a day of hours) has a settled part worth keeping (see SettledSums). */
const LONG_TILE_BUCKETS = 12;

/**
 * Calls `fn` with every row of the tiles, optionally only of some keys: `[bucket, key_id,
 * ...columns]` (by default every value column of the kind).
 */
export function scanRows(src: RollupSource, kind: RollupKind, ts: readonly Tile[], ids: readonly number[] | null, fn: (row: unknown[]) => void, columns: readonly string[] = valueColumns(kind)): void {
  if (ids !== null && ids.length === 0) return;
  const statement = src.cache.get(tileSql(kind, ['bucket', 'key_id', ...columns].join(', '), ids !== null)).raw(true);
  const idsJson = ids === null ? [] : [JSON.stringify(ids)];
  for (const tile of ts) {
    for (const row of statement.iterate(tile.resMs, tile.fromMs, tile.toMs, ...idsJson) as Iterable<unknown[]>) fn(row);
  }
}

function tileSql(kind: RollupKind, columns: string, filtered: boolean, walk: Walk = filtered ? 'key' : 'range', tail = ''): string {
  return `SELECT ${columns} FROM ${walk === 'key' ? inKeyOrder(kind) : inBucketOrder(kind)} WHERE res = ? AND bucket >= ? AND bucket < ?${filtered ? ID_FILTER : ''}${tail}`;
}

/**
 * Reads rollup rows over tiles and adds them up per group. Histograms are blobs SQLite cannot
 * add, so with them rows come to JavaScript (a range's buckets × keys: small by design);
 * `sumsOnly` leaves the adding to SQLite.
 */
export function readRollup(src: RollupSource, read: RollupRead): Aggregate[] {
  const { kind } = read;
  let ids: readonly number[] | null = read.ids ?? null;
  if (read.where !== undefined) ids = src.keys.idsWhere(kind, (k) => read.where!(k) && (read.ids === undefined || read.ids.includes(src.keys.idOf(kind, k) ?? -1)));
  if (ids !== null && ids.length === 0) return [];
  const idsJson = ids === null ? [] : [JSON.stringify(ids)];
  const positions = read.groupBy.map((name) => kind.keys.indexOf(name));
  // Grouping by the whole key is grouping by its id: no key text to build.
  const wholeKey = positions.length === kind.keys.length && positions.every((p, i) => p === i);
  const groupOf = new Map<number, { text: string | number; key: KeyValue[] } | null>();
  const group = (id: number): { text: string | number; key: KeyValue[] } | null => {
    let g = groupOf.get(id);
    if (g === undefined) {
      const full = src.keys.keyOf(id);
      if (full === undefined) g = null;
      else if (wholeKey) g = { key: full, text: id };
      else {
        const key = positions.map((p) => full[p]!);
        g = { key, text: JSON.stringify(key) };
      }
      groupOf.set(id, g);
    }
    return g;
  };
  const groups = new Map<string | number, Aggregate>();
  const into = (id: number): Aggregate | null => {
    const g = group(id);
    if (g === null) return null; // a key forgotten between the read and now
    let agg = groups.get(g.text);
    if (agg === undefined) {
      agg = { keyId: id, key: g.key, sums: kind.sums.map(() => 0), max: -Infinity, p95Bound: -Infinity, hist: kind.histogram && read.sumsOnly !== true ? newDenseHistogram() : null };
      groups.set(g.text, agg);
    }
    return agg;
  };

  if (read.sumsOnly === true) {
    // Each tile is added up per key by SQLite, the tiles' results in JavaScript (few rows).
    const withP95 = kind.rowPercentiles.some(([c]) => c === 'p95_ms');
    const extra = [...(kind.histogram ? ['max_ms'] : []), ...(withP95 ? ['p95_ms'] : [])];
    const aggregates = ['key_id', ...kind.sums.map((s) => `sum(${s})`), ...extra.map((c) => `max(${c})`)].join(', ');
    const maxAt = 1 + kind.sums.length;
    const add = (rows: Iterable<number[]>): void => {
      for (const row of rows) {
        const agg = into(row[0]!);
        if (agg === null) continue;
        for (let i = 0; i < agg.sums.length; i++) agg.sums[i]! += row[1 + i]!;
        if (kind.histogram && row[maxAt]! > agg.max) agg.max = row[maxAt]!;
        if (withP95 && row[maxAt + 1]! > agg.p95Bound) agg.p95Bound = row[maxAt + 1]!;
      }
    };
    const statement = (walk: Walk) => src.cache.get(tileSql(kind, aggregates, ids !== null, walk, ' GROUP BY key_id')).raw(true);
    for (const tile of read.tiles) {
      if (ids !== null) {
        add(statement('key').iterate(tile.resMs, tile.fromMs, tile.toMs, ...idsJson) as Iterable<number[]>);
        continue;
      }
      // The settled part of a long tile is read once (see SettledSums).
      const long = (read.nowMs - tile.fromMs) / tile.resMs >= LONG_TILE_BUCKETS;
      const settled = long ? Math.min(tile.toMs, settledEnd(tile.resMs, read.nowMs)) : tile.fromMs;
      if (settled > tile.fromMs) {
        add(src.settled.entry(`${kind.table}|sums|${tile.resMs}|${tile.fromMs}|${settled}`,
          () => statement('range').all(tile.resMs, tile.fromMs, settled) as number[][]));
      }
      add(statement('range').iterate(tile.resMs, settled, tile.toMs) as Iterable<number[]>);
    }
    return [...groups.values()];
  }

  const maxAt = 2 + kind.sums.length;
  const addRow = (row: unknown[]): void => {
    const agg = into(row[1] as number);
    if (agg === null) return;
    for (let i = 0; i < agg.sums.length; i++) agg.sums[i]! += row[2 + i] as number;
    if (kind.histogram) {
      if ((row[maxAt] as number) > agg.max) agg.max = row[maxAt] as number;
      addEncoded(agg.hist!, row[maxAt + 1] as Uint8Array | null);
    }
  };
  for (const tile of read.tiles) {
    const long = (read.nowMs - tile.fromMs) / tile.resMs >= LONG_TILE_BUCKETS;
    const settled = long && kind.histogram ? Math.min(tile.toMs, settledEnd(tile.resMs, read.nowMs)) : tile.fromMs;
    if (settled > tile.fromMs) {
      const parts = settledParts(src, kind, { resMs: tile.resMs, fromMs: tile.fromMs, toMs: settled }, ids);
      for (const [id, part] of parts) addRow([0, id, ...part]);
    }
    scanRows(src, kind, [{ resMs: tile.resMs, fromMs: settled, toMs: tile.toMs }], ids, addRow);
  }
  return [...groups.values()];
}

/** A key's settled rows added up, in row layout after `bucket, key_id`: sums, max_ms, hist. */
type SettledPart = unknown[];

interface SettledParts {
  parts: Map<number, SettledPart>;
  /** Every key has been read (not only listed ones). */
  complete: boolean;
}

/**
 * The settled rows of a tile added up per key, from the cache where it has them: keys read
 * once are not read again while the tile's settled span stays the same (about an hour).
 */
function settledParts(src: RollupSource, kind: RollupKind, span: Tile, ids: readonly number[] | null): Map<number, SettledPart> {
  const entry = src.settled.entry(`${kind.table}|hist|${span.resMs}|${span.fromMs}|${span.toMs}`,
    (): SettledParts => ({ parts: new Map(), complete: false }));
  const missing = ids === null ? (entry.complete ? [] : null) : ids.filter((id) => !entry.parts.has(id));
  if (missing === null || missing.length > 0) {
    const fresh = new Map<number, { sums: number[]; max: number; hist: DenseHistogram }>();
    scanRows(src, kind, [span], missing, (row) => {
      const id = row[1] as number;
      let f = fresh.get(id);
      if (f === undefined) {
        f = { sums: kind.sums.map(() => 0), max: 0, hist: newDenseHistogram() };
        fresh.set(id, f);
      }
      for (let i = 0; i < f.sums.length; i++) f.sums[i]! += row[2 + i] as number;
      const max = row[2 + kind.sums.length] as number;
      if (max > f.max) f.max = max;
      addEncoded(f.hist, row[3 + kind.sums.length] as Uint8Array | null);
    }, [...kind.sums, 'max_ms', 'hist']);
    for (const [id, f] of fresh) entry.parts.set(id, [...f.sums, f.max, encodeDense(f.hist)]);
    // Listed keys without settled rows are remembered as such, so they are not looked up again.
    for (const id of missing ?? []) if (!entry.parts.has(id)) entry.parts.set(id, [...kind.sums.map(() => 0), 0, null]);
    if (missing === null) entry.complete = true;
  }
  if (ids === null) return entry.parts;
  const out = new Map<number, SettledPart>();
  for (const id of ids) {
    const part = entry.parts.get(id);
    if (part !== undefined) out.set(id, part);
  }
  return out;
}

/** The series resolution's rows of a window, bucket by bucket. */
export function seriesTile(w: RangeWindow): Tile[] {
  return [{ resMs: w.bucketMs, fromMs: w.firstBucketMs, toMs: OPEN_END_MS }];
}

/** Where rows read through `tiles` start: the window start, rounded down to the kind's finest resolution. */
export function tilesStart(ts: readonly Tile[]): number {
  return Math.min(...ts.map((t) => t.fromMs));
}

/**
 * Seconds the rates of rows from `startMs` on are over: to now, from `startMs` or from the
 * first data the store has when that is later (a store younger than the range would otherwise
 * understate rates). The first data is looked up at the range's series resolution (or the
 * kind's finest, if coarser), whose rows are kept at least as long as the range.
 */
export function rateSeconds(src: RollupSource, kind: RollupKind, w: RangeWindow, startMs: number): number {
  const res = Math.max(w.bucketMs, kind.resolutions[0]!);
  const first = src.cache.get(`SELECT min(bucket) FROM ${inBucketOrder(kind)} WHERE res = ?`).pluck(true).get(res) as number | null;
  const start = first === null ? startMs : Math.max(first, startMs);
  return Math.max(1, (w.nowMs - start) / 1000);
}

export interface Red {
  requests: number;
  rate_per_s: number;
  errors: number;
  error_rate: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function errorRate(requests: number, errors: number): number {
  return requests > 0 ? round(errors / requests, 4) : 0;
}

/** Requests, rate, errors and percentiles of an aggregate with `count, errors, ...` sums and a histogram. */
export function red(requests: number, errors: number, hist: DenseHistogram | null, seconds: number): Red {
  const [p50, p95, p99] = hist === null ? [null, null, null] : quantiles(hist, [0.5, 0.95, 0.99]);
  return {
    requests,
    rate_per_s: round(requests / seconds, 3),
    errors,
    error_rate: errorRate(requests, errors),
    p50_ms: p50 ?? null,
    p95_ms: p95 ?? null,
    p99_ms: p99 ?? null,
  };
}

/** '' is how rollup keys store an absent value. */
export function nullIfEmpty(v: KeyValue | undefined): string | null {
  return v === undefined || v === '' ? null : String(v);
}
