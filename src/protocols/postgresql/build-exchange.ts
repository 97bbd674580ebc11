// A finished request as the contract's exchange. The SQL goes out as sent in `queryText`;
// `operation` and `resource` stay null because the integrator derives them from it with its SQL
// summariser. The error message text is never kept: it can quote user values.

import type { Attributes, ExchangeProblem, ProtocolExchange } from '../exchange.js';
import type { Pending } from './pending.js';

/** SQLSTATE of success. */
export const SUCCESS = '00000';

export function buildExchange(p: Pending, database: string | null, problem: ExchangeProblem | null): ProtocolExchange {
  const unanswered = problem === 'no-response' || problem === 'connection-closed';
  const status = p.failed ? p.status : p.answered ? SUCCESS : null;
  const attributes: Attributes = { 'db.system.name': 'postgresql' };
  if (database !== null) attributes['db.namespace'] = database;
  if (p.failed && p.status !== null) attributes['db.response.status_code'] = p.status;
  // Rows counted from DataRows are a guess when some of them may be in the lost bytes.
  if (p.rows !== null && !(problem !== null && p.rowsCounted)) attributes['db.response.returned_rows'] = p.rows;
  if (p.statement !== null && p.statement !== '') attributes['db.postgresql.statement'] = p.statement;
  const exchange: ProtocolExchange = {
    startNs: p.startNs,
    endNs: Math.max(p.endNs, p.startNs),
    requestBytes: p.requestBytes,
    responseBytes: p.responseBytes,
    operation: null,
    resource: null,
    status,
    error: p.failed || unanswered,
    attributes,
    problem,
  };
  if (p.sql !== null) exchange.queryText = p.sql;
  return exchange;
}
