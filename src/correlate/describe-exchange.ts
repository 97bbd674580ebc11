import type { Attributes, ProtocolExchange } from '../protocols/exchange.js';
import { SqlSummaryCache } from '../protocols/sql/summary-cache.js';
import { extendableCopy } from '../lib/extendable-copy.js';
import { sqlTallyKey } from './tally-key.js';

/** Shared by every connection: most workloads send a few statement shapes with new literals. */
const summaries = new SqlSummaryCache();

export interface ExchangeDescription {
  operation: string | null;
  resource: string | null;
  attributes: Attributes;
  /** SQL: the kernel's hash of the raw text (tally-key.ts). */
  tallyKey?: number;
}

/**
 * The record-facing description of a parsed exchange. SQL (PostgreSQL, MySQL) is summarised
 * here: operation and table from the statement, and `db.query.text` normalised (literals
 * replaced by `?`) so no value leaves the host unless `keepSqlLiterals` says so.
 */
export function describeExchange(ex: ProtocolExchange, keepSqlLiterals: boolean): ExchangeDescription {
  if (ex.queryText === undefined) return { operation: ex.operation, resource: ex.resource, attributes: ex.attributes };
  const sql = summaries.summarize(ex.queryText);
  const operation = sql.operation ?? ex.operation;
  const resource = sql.table ?? ex.resource;
  const attributes: Attributes = extendableCopy(ex.attributes);
  attributes['db.query.text'] = keepSqlLiterals ? ex.queryText : sql.normalized;
  attributes['db.query.summary'] = sql.summary;
  attributes['sonde.db.query.hash'] = sql.hash;
  if (operation !== null) attributes['db.operation.name'] = operation;
  if (resource !== null) attributes['db.collection.name'] = resource;
  return { operation, resource, attributes, tallyKey: sqlTallyKey(ex.queryText) };
}
