// Which failures mean "this storage cannot be used" (so the store moves to memory) and which
// mean "this file is damaged" (so it is moved aside and a fresh one made). Anything else is a
// bug and is not hidden.

const STORAGE_SQLITE_CODES = ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PERM', 'SQLITE_NOLFS'];
const STORAGE_ERRNOS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'ENOTDIR', 'ENOENT', 'EIO', 'EISDIR', 'ELOOP', 'ENAMETOOLONG']);

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** Disk full, read-only, I/O error, cannot create or open: the storage, not the data, is the problem. */
export function isStorageFailure(err: unknown): boolean {
  const code = codeOf(err);
  // SQLite's extended codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED...) start with the primary one.
  return STORAGE_SQLITE_CODES.some((c) => code === c || code.startsWith(`${c}_`)) || STORAGE_ERRNOS.has(code);
}

/** The file is not a database, or a page of it is damaged. */
export function isCorruption(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_') || err instanceof CorruptDatabaseError;
}

/** Raised when an integrity check on open does not answer "ok". */
export class CorruptDatabaseError extends Error {
  override readonly name = 'CorruptDatabaseError';
}

/** Raised when the file is a database but not one of ours, or of a layout this build cannot read. */
export class UnsupportedDatabaseError extends Error {
  override readonly name = 'UnsupportedDatabaseError';
}

export function describeError(err: unknown): string {
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return code !== '' && !message.includes(code) ? `${code}: ${message}` : message;
}
