// The store's options, defaults, tuning constants and the shape of its stats.
import type { StoreLogger, StoreMode } from './open-database.js';
import { HOUR_MS } from './window.js';

export const DEFAULT_STORE_PATH = '/var/lib/sonde/sonde.db';
export const DEFAULT_RETENTION_MS = 24 * HOUR_MS;
export const DEFAULT_MAX_BYTES = 1024 ** 3;
/** In memory (by choice or after a storage failure) the store holds at most this much. */
export const DEFAULT_MEMORY_MAX_BYTES = 64 * 1024 ** 2;
/**
 * Records waiting to be written; past it new ones are dropped and counted. A span record is
 * about 1 KiB of heap, so this is ~50 MiB at worst, 2.5 s of 20k records/s.
 */
export const DEFAULT_BUFFER_CAPACITY = 50_000;
/** Most records in one transaction (~20-40 ms of work): a slice of the event loop holds one or a few. */
export const BATCH_ROWS = 1000;
/** Most rollup rows in one transaction (an upsert merges histograms: dearer than an insert). */
export const ROLLUP_ROWS = 400;
/** Rows one retention DELETE removes. */
export const DELETE_ROWS = 1000;
/** How often the partial rollups are written (see BatchWriter). */
export const DEFAULT_ROLLUP_INTERVAL_MS = 1000;
/**
 * Raw rows are written as often as rollups are taken: each commit writes the pages it dirtied
 * (the tables' last pages, every index's) to the WAL, and at 5 commits a second that was ~5 ms of
 * the agent's CPU per second under load whatever the row count.
 */
export const DEFAULT_FLUSH_INTERVAL_MS = 1000;
/** How often the 10 min and hour rollup rows are written (see RollupAccumulator). */
export const COARSE_ROLLUP_INTERVAL_MS = 10_000;
/** Warnings kept for `stats` (they are logged as they happen). */
export const WARNINGS_KEPT = 20;

export interface SqliteStoreOptions {
  /** `:memory:` keeps nothing on disk. */
  path: string;
  retentionMs?: number;
  /** Live size (pages in use + WAL) past which the oldest records go. */
  maxBytes?: number;
  /**
   * Span rows written per second (row-budget.ts); past it a span only adds to the rollups.
   * Default Infinity: every span is a row (`sonde up` passes `store.max_span_rows_per_second`).
   */
  maxSpanRowsPerSecond?: number;
  /** The same for flow rows (failed and reset flows have the error share); `store.max_flow_rows_per_second`. */
  maxFlowRowsPerSecond?: number;
  logger: StoreLogger;
  memoryMaxBytes?: number;
  bufferCapacity?: number;
  /** How often buffered records are written. Default DEFAULT_FLUSH_INTERVAL_MS (1 s). */
  flushIntervalMs?: number;
  /**
   * How often the timer runs while nothing is buffered or accumulated (retention by age still
   * runs); the next record brings it back to flushIntervalMs. Default 5 s.
   */
  quietIntervalMs?: number;
  /** How often retention runs (sooner when a pass ran out of time). */
  retentionIntervalMs?: number;
  /** How often rollups are written: they trail the raw rows by at most this much. */
  rollupIntervalMs?: number;
  /** Longest a retention pass or a write slice holds the event loop. */
  sliceBudgetMs?: number;
  /** Start the write and retention timers (tests turn them off and call flush() and runRetention()). */
  timers?: boolean;
  /** Runs each timer-driven write slice (tests count and hold them). Default: directly. */
  runSlice?: (work: () => void) => void;
  /** Wall clock for retention. */
  now?: () => number;
  cacheKiB?: number;
  /** For tests: a page ceiling past which writes fail with SQLITE_FULL, as on a full disk. */
  maxPageCount?: number;
}

export interface StoreStats {
  mode: StoreMode;
  path: string;
  rows: { spans: number; flows: number; process_events: number; alerts: number };
  /** On disk (or in memory): every page, free ones included, plus the WAL. */
  bytes: number;
  /** Pages in use plus the WAL: what the size limit is checked against. */
  live_bytes: number;
  max_bytes: number;
  buffered: number;
  dropped: number;
  /** Records whose times did not parse. */
  invalid: number;
  /** Spans counted in the rollups without a row (past the span-row budget, or kernel tallies). */
  spans_rollup_only: number;
  /** Flows counted in the rollups without a row (past the flow-row budget). */
  flows_rollup_only: number;
  write_batches: number;
  written_records: number;
  last_write_ms: number | null;
  /**
   * Longest single transaction of each kind since open, in ms: the event loop (capture
   * included) waits that long. Raw batch, rollup chunk, retention pass.
   */
  slowest_ms: { batch: number; rollups: number; retention: number };
  /** Rollup rows waiting to be written, and those lost to a failed write. */
  rollup_rows_pending: number;
  rollup_rows_dropped: number;
  /** Distinct rollup keys known (services, operations, edges, ...), all kept in memory. */
  rollup_keys: number;
  retention_passes: number;
  deleted_for_age_or_size: number;
  warnings: string[];
}

export interface IdMarks {
  spans: number;
  flows: number;
}
