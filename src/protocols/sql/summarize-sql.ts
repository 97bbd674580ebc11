// A query's shape, safe to send off the host: operation and main table (for
// db.query.summary, db.operation.name, db.collection.name), the text with every literal replaced
// by `?`, and a hash of that text to group queries by. Works on any text, SQL or not: whatever
// it cannot read degrades to fewer fields, never to an exception, and time is linear in the text.

import { scanSql, type SqlTokenKind, type SqlTokenSink } from './lexer.js';
import { NormalizedWriter } from './normalized-writer.js';
import { StatementSummary } from './statement-summary.js';
import { fnv1a64Hex } from './fnv1a64.js';

/** Longest normalised text, `…` included. */
export const MAX_NORMALIZED_LENGTH = 2000;

export interface SqlSummary {
  /** Upper-case first keyword of the statement proper (`SELECT` for `WITH ... SELECT`); null if none is recognised. */
  operation: string | null;
  /** Main table as written, schema kept, quotes removed; null when none or unknown. */
  table: string | null;
  /** Literals as `?`, comments gone, whitespace collapsed, variable-length lists folded; at most 2000 characters. */
  normalized: string;
  /** FNV-1a 64 of `normalized`, 16 hex digits. */
  hash: string;
  /** `<OPERATION> <table>`, or the operation alone; empty when the operation is unknown. */
  summary: string;
}

export function summarizeSql(text: string): SqlSummary {
  // The dialects read a backslash in '...' differently (see lexer.ts), so text with one is read
  // both ways and the reading with fewer signs of a misread wins; MySQL's on a tie.
  let pass = scan(text, true);
  if (text.includes('\\')) {
    const standard = scan(text, false);
    if (misreadScore(standard) < misreadScore(pass)) pass = standard;
  }
  const { statement, normalized } = pass;
  const operation = statement.operation;
  const table = operation === null ? null : statement.table;
  return {
    operation,
    table,
    normalized,
    hash: fnv1a64Hex(normalized),
    summary: operation === null ? '' : table === null ? operation : `${operation} ${table}`,
  };
}

interface Pass {
  statement: StatementSummary;
  normalized: string;
  unterminatedString: boolean;
  oddAdjacencies: number;
}

/** A string left open outweighs any number of odd adjacencies. */
function misreadScore(pass: Pass): number {
  return (pass.unterminatedString ? 1_000_000_000 : 0) + pass.oddAdjacencies;
}

function scan(text: string, backslashEscapes: boolean): Pass {
  const statement = new StatementSummary();
  const writer = new NormalizedWriter(MAX_NORMALIZED_LENGTH);
  const sink: SqlTokenSink = {
    token(kind: SqlTokenKind, tokenText: string, spaced: boolean): boolean {
      statement.add(kind, tokenText);
      writer.add(kind, tokenText, spaced);
      // Once nothing more can change the result, the rest of the text is not worth reading.
      return !(writer.isFull && statement.isDone);
    },
  };
  const { unterminatedString, oddAdjacencies } = scanSql(text, backslashEscapes, sink);
  statement.end();
  return { statement, normalized: writer.finish(), unterminatedString, oddAdjacencies };
}
