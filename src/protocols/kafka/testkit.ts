// Helpers shared by the Kafka tests (not a test file itself, not used by the agent): a writer
// for the protocol's primitives (to build the flexible versions kafkajs never sends), record
// batch headers, and a runner that checks byte accounting.

import assert from 'node:assert/strict';
import type { ProtocolExchange } from '../exchange.js';
import { hexBytes, type CapturedSession } from './fixtures.js';
import { KafkaParser, type KafkaParserOptions } from './parser.js';

export class KafkaWriter {
  private readonly parts: Buffer[] = [];

  raw(b: Uint8Array): this { this.parts.push(Buffer.from(b)); return this; }
  int8(v: number): this { const b = Buffer.alloc(1); b.writeInt8(v); return this.raw(b); }
  int16(v: number): this { const b = Buffer.alloc(2); b.writeInt16BE(v); return this.raw(b); }
  int32(v: number): this { const b = Buffer.alloc(4); b.writeInt32BE(v); return this.raw(b); }
  int64(v: bigint): this { const b = Buffer.alloc(8); b.writeBigInt64BE(v); return this.raw(b); }

  uvarint(v: number): this {
    const out: number[] = [];
    let n = v >>> 0;
    while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n >>>= 7; }
    out.push(n);
    return this.raw(Uint8Array.from(out));
  }

  /** Nullable string: int16 length, or compact (varint length + 1). */
  string(s: string | null, compact: boolean): this {
    if (s === null) return compact ? this.uvarint(0) : this.int16(-1);
    const b = Buffer.from(s, 'utf8');
    if (compact) this.uvarint(b.length + 1); else this.int16(b.length);
    return this.raw(b);
  }

  /** Nullable bytes: int32 length, or compact. */
  bytes(b: Uint8Array | null, compact: boolean): this {
    if (b === null) return compact ? this.uvarint(0) : this.int32(-1);
    if (compact) this.uvarint(b.length + 1); else this.int32(b.length);
    return this.raw(b);
  }

  array<T>(items: readonly T[] | null, compact: boolean, item: (w: this, value: T) => void): this {
    if (items === null) return compact ? this.uvarint(0) : this.int32(-1);
    if (compact) this.uvarint(items.length + 1); else this.int32(items.length);
    for (const v of items) item(this, v);
    return this;
  }

  /** A tagged-field section; `fields` are (tag, data). */
  tagged(fields: readonly (readonly [number, Uint8Array])[] = []): this {
    this.uvarint(fields.length);
    for (const [tag, data] of fields) this.uvarint(tag).uvarint(data.length).raw(data);
    return this;
  }

  build(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.parts));
  }
}

/** A size-prefixed message around `body`. */
function sized(body: Uint8Array): Uint8Array {
  return new KafkaWriter().int32(body.length).raw(body).build();
}

export interface RequestSpec {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId?: string | null;
  /** Request header v2 (tagged fields after the client id). */
  flexible?: boolean;
  body?: (w: KafkaWriter) => void;
}

export function request(spec: RequestSpec): Uint8Array {
  const w = new KafkaWriter().int16(spec.apiKey).int16(spec.apiVersion).int32(spec.correlationId);
  w.string(spec.clientId === undefined ? 'test-client' : spec.clientId, false);
  if (spec.flexible === true) w.tagged();
  spec.body?.(w);
  return sized(w.build());
}

/** A response; `flexibleHeader`: response header v1 (tagged fields after the correlation id). */
export function response(correlationId: number, flexibleHeader: boolean, body: (w: KafkaWriter) => void): Uint8Array {
  const w = new KafkaWriter().int32(correlationId);
  if (flexibleHeader) w.tagged();
  body(w);
  return sized(w.build());
}

/** A v2 record batch claiming `count` records, with `payloadBytes` opaque bytes of records. */
export function recordBatch(count: number, options: { attributes?: number; magic?: number; payloadBytes?: number } = {}): Uint8Array {
  const payload = new Uint8Array(options.payloadBytes ?? 10 * count);
  const afterLength = new KafkaWriter()
    .int32(0) // partitionLeaderEpoch
    .int8(options.magic ?? 2)
    .int32(0) // crc (not checked by the parser)
    .int16(options.attributes ?? 0)
    .int32(Math.max(0, count - 1)) // lastOffsetDelta
    .int64(1_700_000_000_000n).int64(1_700_000_000_000n)
    .int64(-1n).int16(-1).int32(-1)
    .int32(count)
    .raw(payload)
    .build();
  return new KafkaWriter().int64(0n).int32(afterLength.length).raw(afterLength).build();
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

const TOPIC_ID = new Uint8Array(16).fill(7);

/**
 * Flexible versions, which kafkajs never sends, built from the protocol guide: Produce v9 (two
 * partitions, 3 records each; partition 1 fails with NOT_LEADER_OR_FOLLOWER), Fetch v12 (one
 * aborted transaction, 3 records), Metadata v12 (UNKNOWN_TOPIC_OR_PARTITION).
 */
export const FLEXIBLE_SESSION = {
  client: concat(
    request({
      apiKey: 0, apiVersion: 9, correlationId: 1, flexible: true,
      body: (w) => w.string(null, true).int16(1).int32(1000)
        .array(['t'], true, (x, t) => x.string(t, true).array([0, 1], true, (y, p) => y.int32(p).bytes(concat(recordBatch(2), recordBatch(1)), true).tagged()).tagged())
        .tagged(),
    }),
    request({
      apiKey: 1, apiVersion: 12, correlationId: 2, flexible: true,
      body: (w) => w.int32(-1).int32(100).int32(1).int32(1 << 20).int8(0).int32(0).int32(-1)
        .array(['t'], true, (x, t) => x.string(t, true).array([0], true, (y, p) => y.int32(p).int32(-1).int64(0n).int32(-1).int64(-1n).int32(1 << 20).tagged()).tagged())
        .array([], true, () => {}).string('', true).tagged(),
    }),
    request({
      apiKey: 3, apiVersion: 12, correlationId: 3, flexible: true,
      body: (w) => w.array(['t'], true, (x, t) => x.raw(TOPIC_ID).string(t, true).tagged()).int8(1).int8(0).tagged(),
    }),
  ),
  server: concat(
    response(1, true, (w) => w.array(['t'], true, (x, t) => x.string(t, true)
      .array([0, 1], true, (y, p) => y.int32(p).int16(p * 6).int64(0n).int64(-1n).int64(0n).array([], true, () => {}).string(null, true).tagged()).tagged())
      .int32(0).tagged()),
    response(2, true, (w) => w.int32(0).int16(0).int32(0)
      .array(['t'], true, (x, t) => x.string(t, true).array([0], true, (y, p) => y.int32(p).int16(0).int64(3n).int64(3n).int64(0n)
        .array([[1n, 0n]], true, (z, [a, b]) => z.int64(a!).int64(b!).tagged()).int32(-1).bytes(recordBatch(3), true).tagged()).tagged())
      .tagged()),
    response(3, true, (w) => w.int32(0).array([0], true, (x) => x.int32(0).string('b', true).int32(9092).string(null, true).tagged())
      .string('c', true).int32(0)
      .array(['t'], true, (x, t) => x.int16(3).string(t, true).raw(TOPIC_ID).int8(0).array([], true, () => {}).int32(0).tagged()).tagged()),
  ),
};

/** Bytes from one side, a gap on one side, or the end of the connection. */
export type Step =
  | { c: Uint8Array } | { s: Uint8Array } | { cgap: number } | { sgap: number } | { close: true };

export interface RunResult {
  exchanges: ProtocolExchange[];
  parser: KafkaParser;
  /** Exchanges returned by each step, in step order. */
  perStep: ProtocolExchange[][];
}

/** Feeds the steps (step i at time (i + 1) * 1000) and, after a close, checks byte accounting. */
export function run(steps: readonly Step[], options?: KafkaParserOptions): RunResult {
  const parser = new KafkaParser(options);
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

/** The size-prefixed messages in `bytes`. */
export function messages(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at + 4 <= bytes.length;) {
    const n = 4 + new DataView(bytes.buffer, bytes.byteOffset + at, 4).getInt32(0, false);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

export function untimed(e: ProtocolExchange): unknown {
  const { startNs: _s, endNs: _e, ...rest } = e;
  return rest;
}

export function summary(e: ProtocolExchange): string {
  return `${e.operation}/${e.resource}/${e.status}/${e.error ? 'error' : 'ok'}/${e.problem}`;
}
