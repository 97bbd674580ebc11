// Frame builders and a driver for the HTTP/2 tests (not a test file, not used by the agent).

import { concatBytes, encodeInteger, indexed, latin1Bytes, literal } from '../hpack/testkit.js';
import type { ProtocolExchange } from '../exchange.js';
import { CONNECTION_PREFACE, Flag, FrameType } from './constants.js';
import { sideChunks, type CapturedH2Connection } from './fixtures.js';
import { Http2Parser, type Http2ParserOptions } from './parser.js';

export { concatBytes };
export const PREFACE = CONNECTION_PREFACE;

export function frame(type: number, flags: number, streamId: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = new Uint8Array(9 + payload.length);
  h[0] = (payload.length >>> 16) & 0xff;
  h[1] = (payload.length >>> 8) & 0xff;
  h[2] = payload.length & 0xff;
  h[3] = type;
  h[4] = flags;
  h[5] = (streamId >>> 24) & 0x7f;
  h[6] = (streamId >>> 16) & 0xff;
  h[7] = (streamId >>> 8) & 0xff;
  h[8] = streamId & 0xff;
  h.set(payload, 9);
  return h;
}

function u32(v: number): Uint8Array {
  return Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

export function settings(pairs: [number, number][] = [], ack = false): Uint8Array {
  const p = new Uint8Array(pairs.length * 6);
  pairs.forEach(([id, v], i) => {
    p[i * 6] = id >> 8;
    p[i * 6 + 1] = id & 0xff;
    p.set(u32(v), i * 6 + 2);
  });
  return frame(FrameType.SETTINGS, ack ? Flag.ACK : 0, 0, p);
}

export interface HeadersOptions {
  endStream?: boolean;
  endHeaders?: boolean;
  padLength?: number;
  priority?: boolean;
}

export function headers(streamId: number, block: Uint8Array, o: HeadersOptions = {}): Uint8Array {
  let flags = (o.endStream ? Flag.END_STREAM : 0) | (o.endHeaders === false ? 0 : Flag.END_HEADERS);
  const parts: Uint8Array[] = [];
  if (o.padLength !== undefined) {
    flags |= Flag.PADDED;
    parts.push(Uint8Array.of(o.padLength));
  }
  if (o.priority) {
    flags |= Flag.PRIORITY;
    parts.push(Uint8Array.of(0, 0, 0, 0, 15));
  }
  parts.push(block);
  if (o.padLength !== undefined) parts.push(new Uint8Array(o.padLength));
  return frame(FrameType.HEADERS, flags, streamId, concatBytes(...parts));
}

export function continuation(streamId: number, fragment: Uint8Array, endHeaders: boolean): Uint8Array {
  return frame(FrameType.CONTINUATION, endHeaders ? Flag.END_HEADERS : 0, streamId, fragment);
}

export function data(streamId: number, payload: Uint8Array, o: { endStream?: boolean; padLength?: number } = {}): Uint8Array {
  let flags = o.endStream ? Flag.END_STREAM : 0;
  let p = payload;
  if (o.padLength !== undefined) {
    flags |= Flag.PADDED;
    p = concatBytes(Uint8Array.of(o.padLength), payload, new Uint8Array(o.padLength));
  }
  return frame(FrameType.DATA, flags, streamId, p);
}

export function rstStream(streamId: number, code: number): Uint8Array {
  return frame(FrameType.RST_STREAM, 0, streamId, u32(code));
}

export function goaway(lastStreamId: number, code: number): Uint8Array {
  return frame(FrameType.GOAWAY, 0, 0, concatBytes(u32(lastStreamId), u32(code)));
}

export function ping(ack = false): Uint8Array {
  return frame(FrameType.PING, ack ? Flag.ACK : 0, 0, new Uint8Array(8));
}

export function windowUpdate(streamId: number, increment: number): Uint8Array {
  return frame(FrameType.WINDOW_UPDATE, 0, streamId, u32(increment));
}

export function pushPromise(streamId: number, promisedId: number, block: Uint8Array): Uint8Array {
  return frame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, streamId, concatBytes(u32(promisedId), block));
}

/** A request header block of literals (never touching the dynamic table) unless `index` is set. */
export function requestBlock(method: string, path: string, extra: [string, string][] = [], index = false): Uint8Array {
  const mode = index ? 'incremental' : 'without';
  return concatBytes(
    method === 'GET' ? indexed(2) : method === 'POST' ? indexed(3) : literal(2, method, mode),
    literal(4, path, mode),
    indexed(6),
    literal(1, 'example.com:8080', mode),
    ...extra.map(([n, v]) => literal(n, v, mode)),
  );
}

export function responseBlock(status: string, extra: [string, string][] = []): Uint8Array {
  return concatBytes(literal(8, status), ...extra.map(([n, v]) => literal(n, v)));
}

/** gRPC Length-Prefixed-Message. */
export function grpcMessage(body: string | Uint8Array): Uint8Array {
  const b = typeof body === 'string' ? latin1Bytes(body) : body;
  return concatBytes(Uint8Array.of(0), u32(b.length), b);
}

export { encodeInteger };

/** One driver step: bytes from a side, a gap, or the end. */
export type Step = { c: Uint8Array } | { s: Uint8Array } | { cgap: number } | { sgap: number } | { close: true };

export interface RunResult {
  exchanges: ProtocolExchange[];
  parser: Http2Parser;
  /** Step index (0-based) after which each exchange came out. */
  emittedAt: number[];
}

/** Feeds steps at times 1000, 2000, ... */
export function run(steps: readonly Step[], options?: Http2ParserOptions): RunResult {
  const parser = new Http2Parser(options);
  const exchanges: ProtocolExchange[] = [];
  const emittedAt: number[] = [];
  steps.forEach((step, i) => {
    const t = (i + 1) * 1000;
    const got = 'c' in step ? parser.client(step.c, t)
      : 's' in step ? parser.server(step.s, t)
        : 'cgap' in step ? parser.clientGap(step.cgap, t)
          : 'sgap' in step ? parser.serverGap(step.sgap, t)
            : parser.close(t);
    for (const e of got) {
      exchanges.push(e);
      emittedAt.push(i);
    }
  });
  return { exchanges, parser, emittedAt };
}

/** A captured connection as steps, in capture order, then close. */
export function captured(c: CapturedH2Connection, close = true): Step[] {
  const client = sideChunks(c, 'c');
  const server = sideChunks(c, 's');
  let ci = 0;
  let si = 0;
  const steps: Step[] = c.chunks.map(([sender]) => (sender === 'c' ? { c: client[ci++]! } : { s: server[si++]! }));
  if (close) steps.push({ close: true });
  return steps;
}
