// A client message waiting for the server's answer. The server answers every message in the order
// it was sent, so the connection keeps these in a queue; each kind knows which backend messages
// can be part of its answer, which is how a lost answer is noticed instead of being paired with
// the wrong request.

import type { ExchangeProblem } from '../exchange.js';
import type { Prepared } from './statement-cache.js';

/**
 * - `startup`: StartupMessage, answered by authentication ... ReadyForQuery.
 * - `query`: simple Query, answered by results ... ReadyForQuery.
 * - `parse` `bind` `describe` `close` `execute` `sync`: the extended protocol's messages.
 * - `function`: FunctionCall, answered by FunctionCallResponse, ReadyForQuery.
 * - `lost`: client bytes a gap took, which may have held requests: absorbs answers up to ReadyForQuery.
 */
export type PendingKind =
  | 'startup' | 'query' | 'parse' | 'bind' | 'describe' | 'close' | 'execute' | 'sync' | 'function' | 'lost';

export interface Pending {
  kind: PendingKind;
  startNs: number;
  endNs: number;
  requestBytes: number;
  responseBytes: number;
  /** SQL as sent (query, parse) or of the statement behind the portal (bind, execute). */
  sql: string | null;
  /** The named prepared statement executed; null when unnamed or unknown. */
  statement: string | null;
  /** Parse: the statement it creates; bind: the portal. To forget them if the server refuses. */
  creates: string;
  /** Parse: what `creates` held before, to put back if the server refuses. */
  replaced: Prepared | null;
  /** Sum of rows over the statements completed (tag count, else DataRows); null while none. */
  rows: number | null;
  /** DataRows since the last CommandComplete. */
  dataRows: number;
  /** Some of `rows` were counted from DataRows (unreliable when bytes were lost). */
  rowsCounted: boolean;
  /** SQLSTATE of the first ErrorResponse. */
  status: string | null;
  failed: boolean;
  /** A statement result (CommandComplete, EmptyQuery, PortalSuspended, ErrorResponse) came back. */
  answered: boolean;
  /** COPY FROM STDIN in progress (CopyInResponse seen, CopyDone/CopyFail not yet). */
  copyIn: boolean;
  problem: ExchangeProblem | null;
}

export function newPending(kind: PendingKind, startNs: number, requestBytes: number): Pending {
  return {
    kind, startNs, endNs: startNs, requestBytes, responseBytes: 0, sql: null, statement: null, creates: '',
    replaced: null, rows: null, dataRows: 0, rowsCounted: false, status: null, failed: false, answered: false,
    copyIn: false, problem: null,
  };
}

/** Kinds that are reported as an exchange (the others only when the server refuses them). */
export function isReported(kind: PendingKind): boolean {
  return kind === 'query' || kind === 'execute' || kind === 'function';
}

/** Kinds whose answer ends with ReadyForQuery. */
export function endsWithReady(kind: PendingKind): boolean {
  return kind === 'startup' || kind === 'query' || kind === 'sync' || kind === 'function' || kind === 'lost';
}

const ACCEPTS: Record<PendingKind, string> = {
  startup: 'REKvZ',
  query: 'TDCIEGHWdcZ',
  parse: '1E',
  bind: '2E',
  describe: 'tTnE',
  close: '3E',
  execute: 'DCIsEGHWdc',
  sync: 'EZ',
  function: 'VEZ',
  lost: '',
};

/** Whether a backend message of `type` can be (part of) the answer to `p`. */
export function accepts(p: Pending, type: number): boolean {
  return p.kind === 'lost' || ACCEPTS[p.kind].includes(String.fromCharCode(type));
}

/** The first problem seen is the one reported. */
export function markProblem(p: Pending, problem: ExchangeProblem): void {
  if (p.problem === null) p.problem = problem;
}
