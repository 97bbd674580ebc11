// Helpers shared by the memcached tests (not a test file itself, not used by the agent).

import type { ProtocolExchange } from '../exchange.js';
import { MemcachedParser } from './parser.js';
import { bytes, type Session } from './fixtures.js';

/** Client bytes, server bytes, a gap in either direction, or the close. */
export type Step =
  | { c: string } | { s: string } | { cgap: number } | { sgap: number } | { close: true };

/** Feeds steps to `parser` (each at its own timestamp: 1000, 2000, ...) and collects what it reports. */
export function run(steps: readonly Step[], parser = new MemcachedParser()): { exchanges: ProtocolExchange[]; parser: MemcachedParser } {
  const exchanges: ProtocolExchange[] = [];
  let t = 0;
  for (const step of steps) {
    t += 1000;
    if ('c' in step) exchanges.push(...parser.client(bytes(step.c), t));
    else if ('s' in step) exchanges.push(...parser.server(bytes(step.s), t));
    else if ('cgap' in step) exchanges.push(...parser.clientGap(step.cgap, t));
    else if ('sgap' in step) exchanges.push(...parser.serverGap(step.sgap, t));
    else exchanges.push(...parser.close(t));
  }
  return { exchanges, parser };
}

/** A session replayed chunk by chunk, in order, then closed. */
export function replay(session: Session, parser = new MemcachedParser()): { exchanges: ProtocolExchange[]; parser: MemcachedParser } {
  return run([...session.chunks, { close: true }], parser);
}

/** The fields most tests compare: operation, status, error, problem. */
export function summary(e: ProtocolExchange): [string | null, string | null, boolean, string | null] {
  return [e.operation, e.status, e.error, e.problem];
}

export function totalRequestBytes(exchanges: readonly ProtocolExchange[]): number {
  return exchanges.reduce((n, e) => n + e.requestBytes, 0);
}

export function totalResponseBytes(exchanges: readonly ProtocolExchange[]): number {
  return exchanges.reduce((n, e) => n + e.responseBytes, 0);
}
