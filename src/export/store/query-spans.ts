import { durationClass, rowToSpan, SPAN_SELECT } from './record-rows.js';
import type { StoredSpan } from './records.js';
import type { StatementCache } from './statement-cache.js';
import type { SpansPage } from './answers.js';

export interface SpanFilter {
  /** Spans that started at or after this time (epoch ms). */
  sinceMs?: number;
  /** ... and at or before this one. */
  untilMs?: number;
  service?: string;
  /** Which of the service's sides (the service page lists the side its RED is of). */
  side?: 'server' | 'client';
  protocol?: string;
  /** `500` (an HTTP code, or the same text as another protocol's status), `5xx` (a class of HTTP codes), or a status as the protocol spells it (`42P01`, `NXDOMAIN`). */
  status?: string;
  error?: boolean;
  minDurationMs?: number;
  /** Case-insensitive substring of resource, operation or `db.query.text`. */
  q?: string;
}

/**
 * `total` is exact up to this many matches and reported as this number past it (the answer
 * then has `total_capped`): counting every match of a broad filter over a day of spans would
 * cost more than the page itself.
 */
export const SPANS_TOTAL_CAP = 10_000;

const STATUS_CLASS = /^([1-5])xx$/i;
const DIGITS = /^\d{1,9}$/;

/** The WHERE clause of a filter (error is inlined, so SQLite can use the partial index on failed spans). */
export function spanWhere(f: SpanFilter): { sql: string; params: unknown[] } {
  const terms: string[] = [];
  const params: unknown[] = [];
  if (f.sinceMs !== undefined) {
    terms.push('start_ms >= ?');
    params.push(Math.floor(f.sinceMs));
  }
  if (f.untilMs !== undefined) {
    terms.push('start_ms <= ?');
    params.push(Math.floor(f.untilMs));
  }
  if (f.service !== undefined) {
    terms.push('service_name = ?');
    params.push(f.service);
  }
  if (f.side !== undefined) {
    terms.push('side = ?');
    params.push(f.side);
  }
  if (f.protocol !== undefined) {
    terms.push('protocol = ?');
    params.push(f.protocol);
  }
  if (f.status !== undefined) {
    const cls = STATUS_CLASS.exec(f.status);
    if (cls !== null) {
      // Text sorts after every number in SQLite, so a numeric range never matches another protocol's status text.
      terms.push('status BETWEEN ? AND ?');
      params.push(Number(cls[1]) * 100, Number(cls[1]) * 100 + 99);
    } else if (DIGITS.test(f.status)) {
      terms.push('status IN (?, ?)');
      params.push(Number(f.status), f.status);
    } else {
      terms.push('status = ?');
      params.push(f.status);
    }
  }
  if (f.error !== undefined) terms.push(f.error ? 'error = 1' : 'error = 0');
  if (f.minDurationMs !== undefined) {
    // The class bound lets SQLite read only the index entries of long-enough classes.
    terms.push('duration_class >= ? AND duration_ms >= ?');
    params.push(durationClass(f.minDurationMs), f.minDurationMs);
  }
  if (f.q !== undefined && f.q !== '') {
    // Both sides lower-cased by JavaScript (SQLite's lower() knows ASCII only).
    terms.push('instr(search, ?) > 0');
    params.push(f.q.toLowerCase());
  }
  return { sql: terms.length === 0 ? '' : ` WHERE ${terms.join(' AND ')}`, params };
}

export function querySpans(cache: StatementCache, filter: SpanFilter, limit: number, offset: number): SpansPage & { total_capped: boolean } {
  const where = spanWhere(filter);
  const rows = cache.get(`SELECT ${SPAN_SELECT} FROM spans${where.sql} ORDER BY start_ms DESC, id DESC LIMIT ? OFFSET ?`)
    .all(...where.params, limit, offset) as Record<string, unknown>[];
  const counted = cache.get(`SELECT count(*) FROM (SELECT 1 FROM spans${where.sql} LIMIT ?)`).pluck(true)
    .get(...where.params, SPANS_TOTAL_CAP + 1) as number;
  return {
    total: Math.min(counted, SPANS_TOTAL_CAP),
    total_capped: counted > SPANS_TOTAL_CAP,
    items: rows.map(rowToSpan),
    limit,
    offset,
  };
}

/** The `limit` slowest spans matching a filter, slowest first. */
export function slowestSpans(cache: StatementCache, filter: SpanFilter, limit: number): StoredSpan[] {
  const where = spanWhere(filter);
  const rows = cache.get(`SELECT ${SPAN_SELECT} FROM spans${where.sql} ORDER BY duration_ms DESC, id DESC LIMIT ?`)
    .all(...where.params, limit) as Record<string, unknown>[];
  return rows.map(rowToSpan);
}

export function spanById(cache: StatementCache, id: number): StoredSpan | null {
  const row = cache.get(`SELECT ${SPAN_SELECT} FROM spans WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  return row === undefined ? null : rowToSpan(row);
}
