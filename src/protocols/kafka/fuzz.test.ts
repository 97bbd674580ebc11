// Random and mutated Kafka traffic, fed at random split points with random gaps. The input is
// adversarial only by chance; what is checked is what must hold for any input: no throw,
// termination, bounded memory and pending state, every byte accounted for, sane exchanges.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtocolExchange } from '../exchange.js';
import { looksLikeKafkaRequest } from './detect.js';
import { KAFKA_CONSUMER_FETCH, KAFKA_CONSUMER_GROUP, KAFKA_PRODUCER, sideBytes } from './fixtures.js';
import { KafkaParser } from './parser.js';
import { KAFKA_REQUEST_HEADER_BYTES } from './requests.js';
import { FLEXIBLE_SESSION, concat, recordBatch } from './testkit.js';

const ITERATIONS = 100_000;

const SOURCES: { client: Uint8Array; server: Uint8Array }[] = [
  ...[KAFKA_PRODUCER, KAFKA_CONSUMER_GROUP, KAFKA_CONSUMER_FETCH].map((s) => ({ client: sideBytes(s, 'client'), server: sideBytes(s, 'server') })),
  FLEXIBLE_SESSION,
];

/** Fragments that steer random bytes toward the parser's decision points. */
const TOKENS: Uint8Array[] = [
  sideBytes(KAFKA_PRODUCER, 'client').subarray(0, 14),
  sideBytes(KAFKA_PRODUCER, 'server').subarray(0, 8),
  Uint8Array.of(0, 0, 0, 0), Uint8Array.of(0xff, 0xff), Uint8Array.of(0xff, 0xff, 0xff, 0xff), Uint8Array.of(0, 1),
  Uint8Array.of(0, 0, 0, 1), Uint8Array.of(0x7f, 0xff, 0xff, 0xff), Uint8Array.of(0x80), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f),
  Uint8Array.of(0, 3), Uint8Array.of(2), recordBatch(1).subarray(0, 61), new TextEncoder().encode('\x00\x06orders'),
];

/** mulberry32: small, seedable, good enough to spread inputs. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(r: () => number, max: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let n = 0;
  const target = Math.floor(r() * max);
  while (n < target) {
    let p: Uint8Array;
    if (r() < 0.5) p = TOKENS[Math.floor(r() * TOKENS.length)]!;
    else {
      p = new Uint8Array(1 + Math.floor(r() * 8));
      for (let i = 0; i < p.length; i++) p[i] = Math.floor(r() * 256);
    }
    parts.push(p);
    n += p.length;
  }
  return concat(...parts);
}

function mutate(r: () => number, input: Uint8Array): Uint8Array {
  let b = input;
  const count = Math.floor(r() * 5);
  for (let k = 0; k < count; k++) {
    const at = Math.floor(r() * (b.length + 1));
    switch (Math.floor(r() * 6)) {
      case 0: // flip a byte
        if (b.length > 0) { b = b.slice(); b[Math.min(at, b.length - 1)] = Math.floor(r() * 256); }
        break;
      case 1: // insert a token
        b = concat(b.subarray(0, at), TOKENS[Math.floor(r() * TOKENS.length)]!, b.subarray(at));
        break;
      case 2: // delete a run
        b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(r() * 20))));
        break;
      case 3: // duplicate a run
        b = concat(b.subarray(0, at), b.subarray(at, at + Math.floor(r() * 60)), b.subarray(at));
        break;
      case 4: // truncate
        b = b.subarray(0, at);
        break;
      default: { // a random big-endian int32 (sizes, counts, ids)
        const v = new Uint8Array(4);
        new DataView(v.buffer).setInt32(0, Math.floor(r() * 2 ** 32) - 2 ** 31, false);
        b = concat(b.subarray(0, at), v, b.subarray(at));
      }
    }
  }
  return b;
}

function makeInput(r: () => number): { client: Uint8Array; server: Uint8Array } {
  if (r() < 0.2) return { client: randomBytes(r, 600), server: randomBytes(r, 600) };
  const src = SOURCES[Math.floor(r() * SOURCES.length)]!;
  return {
    client: r() < 0.5 ? mutate(r, src.client) : src.client,
    server: r() < 0.5 ? mutate(r, src.server) : src.server,
  };
}

function checkExchange(e: ProtocolExchange): void {
  assert.ok(e.startNs <= e.endNs, `exchange ${e.startNs} > ${e.endNs}`);
  assert.ok(e.requestBytes >= 0 && e.responseBytes >= 0);
  assert.ok(e.status === null || typeof e.status === 'string');
  assert.equal(e.attributes['messaging.system'], 'kafka');
  if (e.status !== null) assert.match(e.status, /^-?\d+$/);
  if (e.error && e.problem === null) assert.notEqual(e.status, '0');
  for (const v of Object.values(e.attributes)) assert.ok(['string', 'number', 'boolean'].includes(typeof v));
}

describe('Kafka fuzz', () => {
  it(`${ITERATIONS} random and mutated streams at random split points never throw, stay bounded and account for every byte`, { timeout: 120_000 }, () => {
    const seed = 0x5eed;
    const r = rng(seed);
    const started = Date.now();
    let exchangesSeen = 0;
    let parsed = 0;
    for (let iter = 0; iter < ITERATIONS; iter++) {
      const { client, server } = makeInput(r);
      const maxKeptBytes = r() < 0.3 ? 64 + Math.floor(r() * 200) : 4096;
      const maxPending = r() < 0.2 ? 1 + Math.floor(r() * 3) : 128;
      const parser = new KafkaParser({ maxKeptBytes, maxPending });
      const out: ProtocolExchange[] = [];
      let ci = 0;
      let si = 0;
      let clientTotal = 0;
      let serverTotal = 0;
      let now = 0;
      try {
        while (ci < client.length || si < server.length) {
          now += 1 + Math.floor(r() * 1000);
          const toClient = si >= server.length || (ci < client.length && r() < 0.5);
          const data = toClient ? client : server;
          const at = toClient ? ci : si;
          const len = Math.min(data.length - at, 1 + Math.floor(r() * (r() < 0.3 ? 8 : 300)));
          const roll = r();
          if (roll < 0.05) out.push(...(toClient ? parser.clientGap(len, now) : parser.serverGap(len, now)));
          else out.push(...(toClient ? parser.client(data.subarray(at, at + len), now) : parser.server(data.subarray(at, at + len), now)));
          if (toClient) { ci += len; clientTotal += len; } else { si += len; serverTotal += len; }
          if (roll > 0.98) {
            // Bytes that never were in `data` (beyond a capture prefix).
            const extra = 1 + Math.floor(r() * 3000);
            out.push(...(toClient ? parser.clientGap(extra, now) : parser.serverGap(extra, now)));
            if (toClient) clientTotal += extra; else serverTotal += extra;
          }
          assert.ok(parser.bufferedBytes <= 2 * Math.max(maxKeptBytes, KAFKA_REQUEST_HEADER_BYTES), `buffered ${parser.bufferedBytes}`);
          assert.ok(parser.pendingRequests <= maxPending, `pending ${parser.pendingRequests}`);
        }
        out.push(...parser.close(now + 1));
        assert.equal(parser.pendingRequests, 0);
        assert.equal(parser.bufferedBytes, 0);
        let req = 0;
        let res = 0;
        for (const e of out) {
          checkExchange(e);
          req += e.requestBytes;
          res += e.responseBytes;
          if (e.operation !== null) parsed++;
        }
        assert.equal(req + parser.ignoredClientBytes, clientTotal, 'client bytes');
        assert.equal(res + parser.ignoredServerBytes, serverTotal, 'server bytes');
        exchangesSeen += out.length;
        looksLikeKafkaRequest(client.subarray(0, 32));
        looksLikeKafkaRequest(server.subarray(Math.floor(r() * server.length)));
      } catch (err) {
        console.log(`# fuzz failure: seed ${seed}, iteration ${iter}`);
        throw err;
      }
    }
    assert.ok(exchangesSeen > ITERATIONS, 'inputs produce exchanges, not only noise');
    assert.ok(parsed > ITERATIONS / 2, 'many exchanges are read, not only counted');
    // Not a timing assertion: printed so a slowdown is visible in the test log.
    console.log(`# fuzz: ${ITERATIONS} inputs, ${exchangesSeen} exchanges, ${Date.now() - started} ms`);
  });
});
