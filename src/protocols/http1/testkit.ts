// Helpers shared by the HTTP/1 tests (not a test file itself, not used by the agent).

import assert from 'node:assert/strict';
import { Http1Connection, type Http1ConnectionOptions } from './connection.js';
import { Http1MessageParser, type Http1ResponseParserOptions } from './message-parser.js';
import { bytes } from './fixtures.js';
import type { Http1Exchange, Http1Message } from './types.js';

/** A string is captured bytes, a number is a gap of that many bytes. */
export type Piece = string | number;

export interface ParseResult<M extends Http1Message> {
  messages: M[];
  parser: Http1MessageParser<M>;
}

/**
 * Feeds pieces to a fresh parser (each piece at its own timestamp: 1000, 2000, ...), then ends
 * the stream when `end` is set. Checks the listener contract on the way: one onHead before one
 * onMessage per message, in order.
 */
export function parseMessages<M extends Http1Message>(
  kind: M['kind'],
  pieces: readonly Piece[],
  options: Http1ResponseParserOptions & { end?: boolean; methods?: string[] } = {},
): ParseResult<M> {
  const messages: M[] = [];
  let open: M | null = null;
  const parser = new Http1MessageParser<M>(kind, {
    onHead(m) {
      assert.equal(open, null, 'onHead while another message is open');
      open = m;
    },
    onMessage(m) {
      assert.equal(m, open, 'onMessage for a message that had no onHead');
      open = null;
      messages.push(m);
    },
  }, options);
  for (const method of options.methods ?? []) parser.expectResponseTo(method);
  let t = 0;
  for (const p of pieces) {
    t += 1000;
    if (typeof p === 'number') parser.gap(p, t);
    else parser.push(bytes(p), t);
  }
  if (options.end === true) parser.end(t + 1000);
  return { messages, parser };
}

/** Which direction, and bytes or a gap. */
export type Step =
  | { c: string } | { s: string } | { cgap: number } | { sgap: number } | { close: true };

export function runConnection(steps: readonly Step[], options?: Http1ConnectionOptions): {
  exchanges: Http1Exchange[];
  conn: Http1Connection;
} {
  const conn = new Http1Connection(options);
  const exchanges: Http1Exchange[] = [];
  let t = 0;
  for (const step of steps) {
    t += 1000;
    if ('c' in step) exchanges.push(...conn.client(bytes(step.c), t));
    else if ('s' in step) exchanges.push(...conn.server(bytes(step.s), t));
    else if ('cgap' in step) exchanges.push(...conn.clientGap(step.cgap, t));
    else if ('sgap' in step) exchanges.push(...conn.serverGap(step.sgap, t));
    else exchanges.push(...conn.close(t));
  }
  return { exchanges, conn };
}

/** A message without its timestamps, for comparing runs fed with different chunkings. */
export function untimed(m: Http1Message | null): unknown {
  if (m === null) return null;
  const { startNs: _s, endNs: _e, ...rest } = m;
  return rest;
}

export function untimedExchange(e: Http1Exchange): unknown {
  return {
    request: untimed(e.request),
    response: untimed(e.response),
    requestBytes: e.requestBytes,
    responseBytes: e.responseBytes,
    upgraded: e.upgraded,
    interim: e.interim,
    problem: e.problem,
  };
}

/** Splits `s` into pieces at the given offsets. */
export function splitAt(s: string, ...offsets: number[]): string[] {
  const out: string[] = [];
  let prev = 0;
  for (const o of offsets) {
    out.push(s.slice(prev, o));
    prev = o;
  }
  out.push(s.slice(prev));
  return out.filter((p) => p.length > 0);
}

/** One piece per byte. */
export function byteByByte(s: string): string[] {
  return Array.from(s);
}

/** Sum of what the parser attributed, which must equal what it was given once the stream ended. */
export function accountedBytes(
  messages: readonly Http1Message[],
  parser: { passthroughBytes: number; discardedBytes: number },
): number {
  let n = parser.passthroughBytes + parser.discardedBytes;
  for (const m of messages) n += m.messageBytes;
  return n;
}
