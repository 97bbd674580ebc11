import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { mergeEncoded, quantilesEncoded } from './histogram.js';
import { createSchema, SCHEMA_VERSION } from './schema.js';
import { describeError, isCorruption, UnsupportedDatabaseError } from './storage-errors.js';

export type StoreMode = 'disk' | 'memory';

export interface StoreLogger {
  warn(message: string): void;
  info(message: string): void;
}

export interface DatabaseSettings {
  /** Pages SQLite keeps in its own cache, per connection. */
  cacheKiB: number;
  /** Upper bound of the WAL file after a checkpoint (`journal_size_limit`). */
  walLimitBytes: number;
  /** For tests: a hard ceiling on pages (`max_page_count`), past which writes fail SQLITE_FULL like a full disk. */
  maxPageCount?: number | undefined;
}

function configure(db: Database.Database, settings: DatabaseSettings, disk: boolean): void {
  db.pragma(`cache_size = -${Math.max(1024, Math.floor(settings.cacheKiB))}`);
  db.pragma('temp_store = MEMORY');
  if (disk) {
    db.pragma('synchronous = NORMAL');
    db.pragma(`journal_size_limit = ${Math.floor(settings.walLimitBytes)}`);
    // Checkpoint every ~4 MiB of WAL (SQLite's default) unless the size limit is smaller than that.
    db.pragma(`wal_autocheckpoint = ${Math.max(100, Math.min(1000, Math.floor(settings.walLimitBytes / 4096)))}`);
  }
  if (settings.maxPageCount !== undefined) db.pragma(`max_page_count = ${settings.maxPageCount}`);
  db.function('hist_merge', { deterministic: true }, (a: Uint8Array | null, b: Uint8Array | null) => mergeEncoded(a, b));
  db.function('hist_quantile', { deterministic: true }, (h: Uint8Array | null, q: number) => quantilesEncoded(h, [q])[0] ?? null);
}

/**
 * Reads the version and creates the schema of a new database; true when it did. Checking the
 * pages is left to checkIntegrityInBackground: it reads the whole file.
 */
function prepare(db: Database.Database, disk: boolean): boolean {
  // The first read of the header: a file that is not a database fails here (SQLITE_NOTADB).
  const version = db.pragma('user_version', { simple: true }) as number;
  if (disk) {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw Object.assign(new Error(`cannot switch to WAL (journal_mode stays ${String(mode)})`), { code: 'SQLITE_READONLY' });
  }
  if (version === 0) {
    const tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number;
    if (tables > 0) throw new UnsupportedDatabaseError('the file holds tables but no sonde schema version');
    createSchema(db);
    return true;
  }
  if (version !== SCHEMA_VERSION) throw new UnsupportedDatabaseError(`schema version ${version}, this build reads ${SCHEMA_VERSION}`);
  return false;
}

function fileStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/** Moves the file (and its WAL) to `<path>.<reason>-<time>`; the shared-memory index is rebuilt by SQLite, so it is removed. */
export function moveAside(path: string, reason: 'corrupt' | 'unsupported', nowMs: number): string {
  const target = `${path}.${reason}-${fileStamp(nowMs)}`;
  renameSync(path, target);
  if (existsSync(`${path}-wal`)) renameSync(`${path}-wal`, `${target}-wal`);
  rmSync(`${path}-shm`, { force: true });
  return target;
}

export function openMemory(settings: DatabaseSettings): Database.Database {
  const db = new Database(':memory:');
  configure(db, { ...settings, maxPageCount: undefined }, false);
  prepare(db, false);
  return db;
}

export interface OpenedFile {
  db: Database.Database;
  /** The file was new (or moved aside): nothing in it to check. */
  created: boolean;
}

function openFile(path: string, settings: DatabaseSettings): OpenedFile {
  const db = new Database(path);
  try {
    configure(db, settings, true);
    return { db, created: prepare(db, true) };
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Opens (or creates) the database file. A damaged or foreign file is moved aside and a fresh
 * one created, with a warning; storage errors (cannot create the directory, read-only, full)
 * are thrown for the caller to fall back to memory.
 */
export function openDisk(path: string, settings: DatabaseSettings, logger: StoreLogger, nowMs: number): OpenedFile {
  mkdirSync(dirname(path), { recursive: true });
  try {
    return openFile(path, settings);
  } catch (err) {
    const unsupported = err instanceof UnsupportedDatabaseError;
    if (!unsupported && !isCorruption(err)) throw err;
    const moved = moveAside(path, unsupported ? 'unsupported' : 'corrupt', nowMs);
    logger.warn(`store: ${path} ${unsupported ? 'is not a database this build can read' : 'is corrupt'} (${describeError(err)}); moved it to ${moved} and started a fresh one`);
    return openFile(path, settings);
  }
}
