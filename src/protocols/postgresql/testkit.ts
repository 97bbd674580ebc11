// Helpers shared by the PostgreSQL tests (not a test file itself, not used by the agent).

import type { ProtocolExchange } from '../exchange.js';
import { bytes, type Step } from './fixtures.js';
import { PostgresParser, type PostgresParserOptions } from './parser.js';

export interface Run {
  exchanges: ProtocolExchange[];
  parser: PostgresParser;
  /** Every byte fed, gaps included, per side. */
  clientTotal: number;
  serverTotal: number;
}

/** Feeds steps to a fresh parser, step k at time k × 1000; closes at the end when `close` is set. */
export function run(steps: readonly Step[], options: PostgresParserOptions & { close?: boolean } = {}): Run {
  const parser = new PostgresParser(options);
  const exchanges: ProtocolExchange[] = [];
  let t = 0;
  let clientTotal = 0;
  let serverTotal = 0;
  for (const step of steps) {
    t += 1000;
    if ('c' in step) {
      exchanges.push(...parser.client(bytes(step.c), t));
      clientTotal += step.c.length;
    } else if ('s' in step) {
      exchanges.push(...parser.server(bytes(step.s), t));
      serverTotal += step.s.length;
    } else if ('cgap' in step) {
      exchanges.push(...parser.clientGap(step.cgap, t));
      clientTotal += step.cgap;
    } else {
      exchanges.push(...parser.serverGap(step.sgap, t));
      serverTotal += step.sgap;
    }
  }
  if (options.close === true) exchanges.push(...parser.close(t + 1000));
  return { exchanges, parser, clientTotal, serverTotal };
}

/** Each client and server segment cut into pieces of at most `size` bytes, order kept. */
export function resegment(steps: readonly Step[], size: number): Step[] {
  const out: Step[] = [];
  for (const step of steps) {
    if ('c' in step) for (let i = 0; i < step.c.length; i += size) out.push({ c: step.c.slice(i, i + size) });
    else if ('s' in step) for (let i = 0; i < step.s.length; i += size) out.push({ s: step.s.slice(i, i + size) });
    else out.push(step);
  }
  return out;
}

/** Built PostgreSQL messages, for cases no capture shows. */
export const msg = {
  typed(type: string, body: string): string {
    const n = body.length + 4;
    return type + String.fromCharCode((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff) + body;
  },
  int16(n: number): string {
    return String.fromCharCode((n >>> 8) & 0xff, n & 0xff);
  },
  int32(n: number): string {
    return String.fromCharCode((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  },
  startup(params: Record<string, string>): string {
    let body = msg.int32(0x0003_0000);
    for (const [k, v] of Object.entries(params)) body += `${k}\0${v}\0`;
    body += '\0';
    return msg.int32(body.length + 4) + body;
  },
  query(sql: string): string {
    return msg.typed('Q', `${sql}\0`);
  },
  parse(name: string, sql: string): string {
    return msg.typed('P', `${name}\0${sql}\0${msg.int16(0)}`);
  },
  bind(portal: string, statement: string): string {
    return msg.typed('B', `${portal}\0${statement}\0${msg.int16(0)}${msg.int16(0)}${msg.int16(0)}`);
  },
  describe(what: 'S' | 'P', name: string): string {
    return msg.typed('D', `${what}${name}\0`);
  },
  execute(portal: string): string {
    return msg.typed('E', `${portal}\0${msg.int32(0)}`);
  },
  close(what: 'S' | 'P', name: string): string {
    return msg.typed('C', `${what}${name}\0`);
  },
  sync: 'S\0\0\0\x04',
  flush: 'H\0\0\0\x04',
  terminate: 'X\0\0\0\x04',
  parseComplete: '1\0\0\0\x04',
  bindComplete: '2\0\0\0\x04',
  closeComplete: '3\0\0\0\x04',
  noData: 'n\0\0\0\x04',
  emptyQuery: 'I\0\0\0\x04',
  portalSuspended: 's\0\0\0\x04',
  ready(status: 'I' | 'T' | 'E' = 'I'): string {
    return msg.typed('Z', status);
  },
  complete(tag: string): string {
    return msg.typed('C', `${tag}\0`);
  },
  rowDescription(...names: string[]): string {
    let body = msg.int16(names.length);
    for (const n of names) body += `${n}\0${msg.int32(0)}${msg.int16(0)}${msg.int32(23)}${msg.int16(4)}${msg.int32(-1)}${msg.int16(0)}`;
    return msg.typed('T', body);
  },
  dataRow(...values: string[]): string {
    let body = msg.int16(values.length);
    for (const v of values) body += msg.int32(v.length) + v;
    return msg.typed('D', body);
  },
  error(code: string, message = 'failed'): string {
    return msg.typed('E', `SERROR\0VERROR\0C${code}\0M${message}\0\0`);
  },
  notice(message: string): string {
    return msg.typed('N', `SNOTICE\0VNOTICE\0C00000\0M${message}\0\0`);
  },
  copyIn(columns: number): string {
    let body = '\0' + msg.int16(columns);
    for (let i = 0; i < columns; i++) body += msg.int16(0);
    return msg.typed('G', body);
  },
  copyOut(columns: number): string {
    let body = '\0' + msg.int16(columns);
    for (let i = 0; i < columns; i++) body += msg.int16(0);
    return msg.typed('H', body);
  },
  copyData(data: string): string {
    return msg.typed('d', data);
  },
  copyDone: 'c\0\0\0\x04',
  authOk: 'R\0\0\0\x08\0\0\0\0',
};

/** The exchange fields a test usually checks, timestamps left out. */
export function summary(e: ProtocolExchange): Record<string, unknown> {
  return {
    queryText: e.queryText,
    status: e.status,
    error: e.error,
    rows: e.attributes['db.response.returned_rows'],
    problem: e.problem,
  };
}
