// Helpers shared by the MySQL tests (not a test file itself, not used by the agent).

import type { ProtocolExchange } from '../exchange.js';
import { hex, type CapturedSession, type Chunk } from './fixtures.js';
import { MysqlParser } from './parser.js';

/** A captured chunk, a gap of n bytes on one side, or the end of the connection. */
export type Step = Chunk | { cgap: number } | { sgap: number } | { close: true };

export interface Run {
  exchanges: ProtocolExchange[];
  parser: MysqlParser;
}

/** Feeds steps to a parser, each at its own timestamp (1000, 2000, ...). */
export function run(steps: readonly Step[], parser = new MysqlParser()): Run {
  const exchanges: ProtocolExchange[] = [];
  let t = 0;
  for (const step of steps) {
    t += 1000;
    if ('c' in step) exchanges.push(...parser.client(hex(step.c), t));
    else if ('s' in step) exchanges.push(...parser.server(hex(step.s), t));
    else if ('cgap' in step) exchanges.push(...parser.clientGap(step.cgap, t));
    else if ('sgap' in step) exchanges.push(...parser.serverGap(step.sgap, t));
    else exchanges.push(...parser.close(t));
  }
  return { exchanges, parser };
}

/** A captured session, then close. */
export function replay(session: CapturedSession, parser = new MysqlParser()): Run {
  return run([...session.chunks, { close: true }], parser);
}

/** Every chunk of one session cut into pieces of at most `size` bytes (same direction order). */
export function rechunk(chunks: readonly Chunk[], size: number): Chunk[] {
  const out: Chunk[] = [];
  for (const k of chunks) {
    const side = 'c' in k ? 'c' : 's';
    const h = 'c' in k ? k.c : k.s;
    for (let i = 0; i < h.length; i += size * 2) {
      const piece = h.slice(i, i + size * 2);
      out.push(side === 'c' ? { c: piece } : { s: piece });
    }
  }
  return out;
}

/** What a test compares: everything but timing and byte counts. */
export function summary(e: ProtocolExchange): Record<string, unknown> {
  const s: Record<string, unknown> = {
    operation: e.operation, status: e.status, error: e.error, problem: e.problem, attributes: e.attributes,
  };
  if (e.queryText !== undefined) s['queryText'] = e.queryText;
  return s;
}

/** Hex of a packet: 3-byte length, sequence id, payload (given as hex). */
export function packet(seq: number, payloadHex: string): string {
  const n = payloadHex.length / 2;
  const b = (x: number): string => x.toString(16).padStart(2, '0');
  return b(n & 0xff) + b((n >> 8) & 0xff) + b((n >> 16) & 0xff) + b(seq) + payloadHex;
}

/** Hex of text (latin1). */
export function text(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += (s.charCodeAt(i) & 0xff).toString(16).padStart(2, '0');
  return out;
}
