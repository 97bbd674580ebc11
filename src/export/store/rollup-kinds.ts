// The rollup tables as data: which key columns, which summed columns, whether a latency
// histogram rides along, at which resolutions, and how a key is folded when a bucket already
// holds too many.
import { HOUR_MS, MINUTE_MS, SECOND_MS } from './window.js';

export type KeyValue = string | number;

/** A per-row percentile: its column and quantile. */
export type RowPercentile = readonly [column: string, q: number];

const P50: RowPercentile = ['p50_ms', 0.5];
const P95: RowPercentile = ['p95_ms', 0.95];
const P99: RowPercentile = ['p99_ms', 0.99];

export interface RollupKind {
  /** The kind's number in `rollup_keys`. */
  readonly id: number;
  readonly table: string;
  /** What the key holds, in order (rows store the key's id; the dictionary has the values). */
  readonly keys: readonly string[];
  readonly sums: readonly string[];
  /** With a latency histogram and the longest duration (`max_ms`). */
  readonly histogram: boolean;
  /**
   * Percentiles kept per row, up to date after every upsert: a series then reads numbers per
   * bucket instead of a histogram blob (most of the cost of reading a day of rows), and the
   * largest p95 of an operation's rows bounds its p95 over them (see topByP95).
   */
  readonly rowPercentiles: readonly RowPercentile[];
  /** An index on (res, key_id, bucket), when the kind has one (see rollup-read.ts). */
  readonly byKeyIndex?: string;
  /** Bucket sizes kept, finest first. Only the per-service series needs 10 s buckets (the 5m chart). */
  readonly resolutions: readonly number[];
  /**
   * Distinct keys one bucket takes before new keys are folded into a catch-all, so a
   * high-cardinality resource (DNS names, key prefixes, public client addresses) cannot grow the
   * rollups without bound. Keys already in the bucket keep counting.
   */
  readonly cap: number;
  fold(key: readonly KeyValue[]): KeyValue[];
}

/** Where folded keys go. */
export const OTHER = '(other)';

const COARSE = [MINUTE_MS, 10 * MINUTE_MS, HOUR_MS];

/** Per service and side: the overview's and the service page's series, one row per bucket. */
export const SERVICE_KIND: RollupKind = {
  id: 1,
  table: 'roll_service',
  keys: ['service', 'side'],
  sums: ['count', 'errors', 'sum_ms'],
  histogram: true,
  rowPercentiles: [P50, P95, P99],
  resolutions: [10 * SECOND_MS, ...COARSE],
  cap: 1000,
  fold: (k) => [OTHER, k[1]!],
};

export const OP_KIND: RollupKind = {
  id: 2,
  table: 'roll_op',
  keys: ['service', 'side', 'protocol', 'operation', 'resource'],
  sums: ['count', 'errors', 'sum_ms'],
  histogram: true,
  rowPercentiles: [P95],
  byKeyIndex: 'roll_op_by_key',
  resolutions: COARSE,
  cap: 5000,
  fold: (k) => [k[0]!, k[1]!, k[2]!, OTHER, OTHER],
};

export const STATUS_KIND: RollupKind = {
  id: 3,
  table: 'roll_status',
  keys: ['service', 'side', 'status'],
  sums: ['count'],
  histogram: false,
  rowPercentiles: [],
  resolutions: COARSE,
  cap: 2000,
  fold: (k) => [k[0]!, k[1]!, OTHER],
};

export const EDGE_KIND: RollupKind = {
  id: 4,
  table: 'roll_edge',
  keys: ['client', 'server', 'protocol', 'client_local', 'server_local'],
  sums: ['count', 'errors', 'sum_ms'],
  histogram: true,
  rowPercentiles: [],
  resolutions: COARSE,
  cap: 2000,
  // Only ends that are not local services are unbounded; local ones are bounded by processes.
  fold: (k) => [k[3] === 1 ? k[0]! : OTHER, k[4] === 1 ? k[1]! : OTHER, k[2]!, k[3]!, k[4]!],
};

export const FLOW_KIND: RollupKind = {
  id: 5,
  table: 'roll_flow',
  keys: ['service', 'remote', 'direction'],
  sums: ['flows', 'failed', 'retransmits', 'bytes_sent', 'bytes_received'],
  histogram: false,
  rowPercentiles: [],
  resolutions: COARSE,
  cap: 2000,
  fold: (k) => [k[0]!, OTHER, k[2]!],
};

export const ROLLUP_KINDS: readonly RollupKind[] = [SERVICE_KIND, OP_KIND, STATUS_KIND, EDGE_KIND, FLOW_KIND];

/**
 * `FROM` for reading a kind's rows in (res, bucket) order. With a by-key index SQLite's
 * planner (it has no statistics) takes that index for any `res = ?` query, which turns
 * `min(bucket)` or a few buckets into a scan of the whole resolution, so the primary key (the
 * index SQLite names sqlite_autoindex_<table>_1 for a WITHOUT ROWID table) is named.
 */
export function inBucketOrder(kind: RollupKind): string {
  return kind.byKeyIndex === undefined ? kind.table : `${kind.table} INDEXED BY sqlite_autoindex_${kind.table}_1`;
}

/** `FROM` for reading a kind's rows in (res, key) order; see inBucketOrder. */
export function inKeyOrder(kind: RollupKind): string {
  return kind.byKeyIndex === undefined ? kind.table : `${kind.table} INDEXED BY ${kind.byKeyIndex}`;
}

/** The columns after `res, bucket, key_id`. */
export function valueColumns(kind: RollupKind): string[] {
  return [...kind.sums, ...(kind.histogram ? ['max_ms', 'hist'] : []), ...kind.rowPercentiles.map(([c]) => c)];
}

/** `INSERT ... ON CONFLICT DO UPDATE` adding a partial aggregate to the stored row. */
export function upsertSql(kind: RollupKind): string {
  const cols = ['res', 'bucket', 'key_id', ...valueColumns(kind)];
  const sets = kind.sums.map((s) => `${s} = ${s} + excluded.${s}`);
  if (kind.histogram) sets.push('max_ms = max(max_ms, excluded.max_ms)', 'hist = hist_merge(hist, excluded.hist)');
  // SET expressions see the row as it was, so each percentile merges the histograms itself.
  sets.push(...kind.rowPercentiles.map(([c, q]) => `${c} = hist_quantile(hist_merge(hist, excluded.hist), ${q})`));
  return `INSERT INTO ${kind.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ` +
    `ON CONFLICT (res, bucket, key_id) DO UPDATE SET ${sets.join(', ')}`;
}
