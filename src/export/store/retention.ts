import { statSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { inBucketOrder, ROLLUP_KINDS } from './rollup-kinds.js';
import type { StatementCache } from './statement-cache.js';
import { rollupKeepMs } from './window.js';

export interface StoreBytes {
  /** What the database occupies: every page of the main file (free ones too) plus the WAL. */
  file: number;
  /** Pages in use (the file less its freelist) plus the WAL: what deleting rows brings down. */
  live: number;
  wal: number;
}

export function storeBytes(db: Database, walPath: string | null): StoreBytes {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  let wal = 0;
  if (walPath !== null) {
    try {
      wal = statSync(walPath).size;
    } catch {
      wal = 0; // no WAL file between checkpoints that truncated it
    }
  }
  return { file: pages * pageSize + wal, live: (pages - free) * pageSize + wal, wal };
}

export interface RetentionSettings {
  retentionMs: number;
  maxBytes: number;
  /** Rows deleted per statement: one statement's work is the unit the time budget is checked against. */
  chunkRows: number;
}

export interface RetentionReport {
  deleted: { spans: number; flows: number; process_events: number; alerts: number; rollup_rows: number; rollup_keys: number };
  /** Rows removed because the store was over its size limit (included in `deleted`). */
  deletedForSize: number;
  bytesBefore: number;
  bytesAfter: number;
  /** False when the time budget ran out with work left: the caller runs another pass soon. */
  done: boolean;
}

/** Shrink to this share of the limit once over it, so the next pass does not start over at once. */
export const SIZE_TARGET = 0.9;

const TIMED = [
  { table: 'spans', time: 'start_ms' },
  { table: 'flows', time: 'end_ms' },
  { table: 'process_events', time: 'time_ms' },
] as const;
type TimedTable = (typeof TIMED)[number]['table'];

/**
 * One bounded pass: rows older than the retention, rollup rows past their resolution's keep,
 * then, while the live size is over the limit, the oldest raw rows in chunks. Each DELETE is
 * its own short transaction, so writers interleave; `deadline` (performance.now() ms) bounds
 * the pass. Freed pages go to SQLite's freelist and are reused by later inserts: the file does
 * not shrink (no VACUUM here), it stops growing.
 */
export function retentionPass(db: Database, cache: StatementCache, settings: RetentionSettings, nowMs: number, deadline: number, walPath: string | null): RetentionReport {
  const deleted = { spans: 0, flows: 0, process_events: 0, alerts: 0, rollup_rows: 0, rollup_keys: 0 };
  const before = storeBytes(db, walPath).live;
  const report = (done: boolean, deletedForSize: number): RetentionReport =>
    ({ deleted, deletedForSize, bytesBefore: before, bytesAfter: storeBytes(db, walPath).live, done });
  const outOfTime = (): boolean => performance.now() >= deadline;
  const cutoff = nowMs - settings.retentionMs;

  const deleteOldest = (table: TimedTable, time: string, rows: number, olderThan: number | null): number =>
    cache.get(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table}${olderThan === null ? '' : ` WHERE ${time} < ?`} ORDER BY ${time} LIMIT ?)`)
      .run(...(olderThan === null ? [rows] : [olderThan, rows])).changes;

  for (const { table, time } of TIMED) {
    for (;;) {
      const n = deleteOldest(table, time, settings.chunkRows, cutoff);
      deleted[table] += n;
      if (n < settings.chunkRows) break;
      if (outOfTime()) return report(false, 0);
    }
  }
  deleted.alerts += cache.get('DELETE FROM alerts WHERE ended_ms IS NOT NULL AND ended_ms < ?').run(cutoff).changes;

  for (const kind of ROLLUP_KINDS) {
    const table = inBucketOrder(kind);
    for (const res of kind.resolutions) {
      const keepFrom = nowMs - rollupKeepMs(res, settings.retentionMs);
      for (;;) {
        const oldest = cache.get(`SELECT min(bucket) FROM ${table} WHERE res = ?`).pluck(true).get(res) as number | null;
        if (oldest === null || oldest >= keepFrom) break;
        // One bucket per statement (at most a bucket's keys, a few thousand rows): after a long
        // stop, catching up goes in steps the time budget can stop between.
        deleted.rollup_rows += cache.get(`DELETE FROM ${table} WHERE res = ? AND bucket < ?`).run(res, Math.min(keepFrom, oldest + res)).changes;
        if (outOfTime()) return report(false, 0);
      }
    }
  }

  let bytes = storeBytes(db, walPath);
  if (bytes.live <= settings.maxBytes) return report(true, 0);
  if (bytes.wal > settings.maxBytes / 8) {
    // Move the WAL's pages into the main file (where deletes can free them) and cut the WAL back.
    db.pragma('wal_checkpoint(TRUNCATE)');
    bytes = storeBytes(db, walPath);
  }
  let forSize = 0;
  while (bytes.live > settings.maxBytes * SIZE_TARGET) {
    if (outOfTime()) return report(false, forSize);
    let removed = 0;
    for (const { table, time } of TIMED) {
      // 2% of the table per step (ids are dense, so max - min is its row count give or take the deleted):
      // tables shrink in proportion, the oldest rows of each first.
      const span = cache.get(`SELECT max(id) - min(id) + 1 FROM ${table}`).pluck(true).get() as number | null;
      if (span === null) continue;
      const rows = Math.min(settings.chunkRows, Math.max(100, Math.ceil(span * 0.02)));
      const n = deleteOldest(table, time, rows, null);
      deleted[table] += n;
      removed += n;
    }
    forSize += removed;
    if (removed === 0) break; // nothing raw left: the rollups alone are over the limit
    bytes = storeBytes(db, walPath);
    if (bytes.wal > settings.maxBytes / 8) {
      db.pragma('wal_checkpoint(TRUNCATE)');
      bytes = storeBytes(db, walPath);
    }
  }
  return report(true, forSize);
}
