// Helpers shared by the MongoDB tests (not a test file itself, not used by the agent): message
// builders for what the captured sessions lack, and a runner that checks byte accounting.

import assert from 'node:assert/strict';
import type { ProtocolExchange } from '../exchange.js';
import { encodeBsonDocument, type EncodableDocument } from '../../../test/support/mongo-responder.js';
import { hexBytes, type CapturedSession } from './fixtures.js';
import { OP_COMPRESSED, OP_MSG, OP_QUERY, OP_REPLY } from './messages.js';
import { MongoParser, type MongoParserOptions } from './parser.js';

/** Bytes from one side, a gap on one side, or the end of the connection. */
export type Step =
  | { c: Uint8Array } | { s: Uint8Array } | { cgap: number } | { sgap: number } | { close: true };

export interface RunResult {
  exchanges: ProtocolExchange[];
  parser: MongoParser;
  /** Exchanges returned by each step, in step order (an exchange is reported when it completes). */
  perStep: ProtocolExchange[][];
}

/** Feeds the steps (step i at time (i + 1) * 1000) and checks that every byte is accounted for. */
export function run(steps: readonly Step[], options?: MongoParserOptions): RunResult {
  const parser = new MongoParser(options);
  const perStep: ProtocolExchange[][] = [];
  let clientTotal = 0;
  let serverTotal = 0;
  steps.forEach((step, i) => {
    const t = (i + 1) * 1000;
    if ('c' in step) { perStep.push(parser.client(step.c, t)); clientTotal += step.c.length; }
    else if ('s' in step) { perStep.push(parser.server(step.s, t)); serverTotal += step.s.length; }
    else if ('cgap' in step) { perStep.push(parser.clientGap(step.cgap, t)); clientTotal += step.cgap; }
    else if ('sgap' in step) { perStep.push(parser.serverGap(step.sgap, t)); serverTotal += step.sgap; }
    else perStep.push(parser.close(t));
  });
  const exchanges = perStep.flat();
  if (steps.some((s) => 'close' in s)) {
    let req = 0;
    let res = 0;
    for (const e of exchanges) { req += e.requestBytes; res += e.responseBytes; }
    assert.equal(req + parser.ignoredClientBytes, clientTotal, 'client bytes accounted for');
    assert.equal(res + parser.ignoredServerBytes, serverTotal, 'server bytes accounted for');
  }
  return { exchanges, parser, perStep };
}

/** The chunks of a captured session as steps, then close. */
export function replay(session: CapturedSession): Step[] {
  const steps: Step[] = session.chunks.map((c) => (c.from === 'client' ? { c: hexBytes(c.hex) } : { s: hexBytes(c.hex) }));
  steps.push({ close: true });
  return steps;
}

/** The messages in `bytes`, cut at their length fields. */
export function messages(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at + 4 <= bytes.length;) {
    const n = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getInt32(0, true);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** An exchange without its timestamps, for comparing runs fed in different pieces. */
export function untimed(e: ProtocolExchange): unknown {
  const { startNs: _s, endNs: _e, ...rest } = e;
  return rest;
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

export interface MsgSpec {
  requestId: number;
  responseTo?: number;
  flags?: number;
  body: EncodableDocument;
  /** Kind-1 sections: identifier → documents. */
  sequences?: Record<string, EncodableDocument[]>;
  /** Append a (dummy) CRC-32C and set checksumPresent. */
  checksum?: boolean;
}

export function opMsg(spec: MsgSpec): Uint8Array {
  const parts: Buffer[] = [Buffer.from([0]), encodeBsonDocument(spec.body)];
  for (const [id, docs] of Object.entries(spec.sequences ?? {})) {
    const payload = Buffer.concat([Buffer.from(`${id}\0`, 'utf8'), ...docs.map((d) => encodeBsonDocument(d))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + payload.length);
    parts.push(Buffer.from([1]), size, payload);
  }
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE(((spec.flags ?? 0) | (spec.checksum === true ? 1 : 0)) >>> 0);
  const tail = spec.checksum === true ? Buffer.from([0xde, 0xad, 0xbe, 0xef]) : Buffer.alloc(0);
  const body = Buffer.concat([flags, ...parts, tail]);
  return new Uint8Array(Buffer.concat([header(16 + body.length, spec.requestId, spec.responseTo ?? 0, OP_MSG), body]));
}

export function opQuery(requestId: number, namespace: string, query: EncodableDocument): Uint8Array {
  const body = Buffer.concat([Buffer.alloc(4), Buffer.from(`${namespace}\0`, 'utf8'), Buffer.alloc(8), encodeBsonDocument(query)]);
  return new Uint8Array(Buffer.concat([header(16 + body.length, requestId, 0, OP_QUERY), body]));
}

export function opReply(requestId: number, responseTo: number, flags: number, docs: EncodableDocument[]): Uint8Array {
  const fields = Buffer.alloc(20);
  fields.writeInt32LE(flags, 0);
  fields.writeInt32LE(docs.length, 16);
  const body = Buffer.concat([fields, ...docs.map((d) => encodeBsonDocument(d))]);
  return new Uint8Array(Buffer.concat([header(16 + body.length, requestId, responseTo, OP_REPLY), body]));
}

/** OP_COMPRESSED around `payloadBytes` opaque bytes (they are never decompressed). */
export function opCompressed(requestId: number, responseTo: number, originalOpCode: number, payloadBytes: number): Uint8Array {
  const fields = Buffer.alloc(9);
  fields.writeInt32LE(originalOpCode, 0);
  fields.writeInt32LE(payloadBytes * 3, 4);
  fields[8] = 2; // zlib
  const payload = Buffer.alloc(payloadBytes, 0x78);
  return new Uint8Array(Buffer.concat([header(16 + 9 + payloadBytes, requestId, responseTo, OP_COMPRESSED), fields, payload]));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
