// One command on its way to becoming an exchange, and how it is reported.

import type { Attributes, ExchangeProblem, ProtocolExchange } from '../exchange.js';
import type { ErrPacket } from './packets.js';
import type { ResponseReader } from './response.js';

export interface Command {
  command: number;
  startNs: number;
  endNs: number;
  requestBytes: number;
  responseBytes: number;
  operation: string | null;
  queryText: string | undefined;
  /** COM_STMT_EXECUTE: the statement, resolved again when the exchange ends (pipelined prepare). */
  statementId: number | null;
  prepared: boolean;
  namespace: string | null;
  /** COM_INIT_DB: the schema it switches to. */
  newSchema: string | null;
  /** COM_STMT_PREPARE: the SQL to remember under the id the server gives. */
  prepareSql: string | null;
  truncated: boolean;
  unparsable: boolean;
  closedMidMessage: boolean;
  reader: ResponseReader;
  /** Sequence id the next server packet of this response should carry. */
  nextServerSeq: number;
}

/** Attributes every exchange of the connection carries. */
export function connectionAttributes(mariadb: boolean, namespace: string | null): Attributes {
  const attributes: Attributes = { 'db.system.name': 'mysql' };
  if (mariadb) attributes['db.mysql.server'] = 'mariadb';
  if (namespace !== null) attributes['db.namespace'] = namespace;
  return attributes;
}

/** The error code and SQL state; never the message (it can quote user data). */
export function addErrorAttributes(attributes: Attributes, err: ErrPacket): void {
  attributes['db.response.status_code'] = String(err.code);
  if (err.sqlState !== null) attributes['db.mysql.sql_state'] = err.sqlState;
}

/** `closed`: the connection ended inside the command's request. */
export function commandExchange(
  c: Command, problem: ExchangeProblem | null, closed: boolean, attributes: Attributes,
): ProtocolExchange {
  const r = c.reader;
  const err = r.err;
  const why = problem ?? (closed || c.closedMidMessage ? 'connection-closed'
    : c.truncated ? 'truncated' : c.unparsable || r.unparsable ? 'unparsable' : null);
  if (c.prepared) attributes['db.mysql.prepared'] = true;
  if (err !== null) addErrorAttributes(attributes, err);
  if (r.sawResultSet && !r.lostPackets) attributes['db.response.returned_rows'] = r.rows;
  if (r.affectedRows !== null && r.kind === 'results' && !r.sawResultSet) {
    attributes['db.mysql.affected_rows'] = r.affectedRows;
  }
  // Success needs the end of the response, or rows flowing (a failing query sends no result set).
  const succeeded = r.started && (r.mayEnd || r.sawResultSet);
  const exchange: ProtocolExchange = {
    startNs: c.startNs, endNs: Math.max(c.startNs, c.endNs), requestBytes: c.requestBytes,
    responseBytes: c.responseBytes, operation: c.operation, resource: null,
    status: err !== null ? String(err.code) : succeeded ? 'OK' : null,
    error: err !== null || why === 'no-response' || why === 'connection-closed',
    attributes, problem: why,
  };
  if (c.queryText !== undefined) exchange.queryText = c.queryText;
  return exchange;
}
