// Random and mutated Kafka traffic, fed at random split points with random gaps. The input is
// adversarial only by chance; what is checked is what must hold for any input: no throw,
// termination, bounded memory and pending state, every byte accounted for, sane exchanges.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtocolExchange } from '../exchange.js';
import {
  ChunkFeeder, exchangeBytes, forEachSeededCase, insertInt32, mutateBytes, pick, steeredBytes, type ChunkPlan,
  type MutationPlan, type Rng, type Steering,
} from '../fuzz-kit.js';
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

const CHUNKS: ChunkPlan = { maxTickNs: 1000, largeChunk: 300, gapChance: 0.05, extraGapChance: 0.02, maxExtraGap: 3000 };
const STEERING: Steering = { tokens: TOKENS, tokenChance: 0.5, maxRandomRun: 8 };
/** The sixth edit: a random big-endian int32 (sizes, counts, ids). */
const MUTATIONS: MutationPlan = { tokens: TOKENS, minEdits: 0, extraEdits: 5, special: insertInt32(false) };

function makeInput(r: Rng): { client: Uint8Array; server: Uint8Array } {
  if (r() < 0.2) return { client: steeredBytes(r, Math.floor(r() * 600), STEERING), server: steeredBytes(r, Math.floor(r() * 600), STEERING) };
  const src = pick(r, SOURCES);
  return {
    client: r() < 0.5 ? mutateBytes(r, src.client, MUTATIONS) : src.client,
    server: r() < 0.5 ? mutateBytes(r, src.server, MUTATIONS) : src.server,
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
    const started = Date.now();
    let exchangesSeen = 0;
    let parsed = 0;
    forEachSeededCase(0x5eed, ITERATIONS, (r) => {
      const { client, server } = makeInput(r);
      const maxKeptBytes = r() < 0.3 ? 64 + Math.floor(r() * 200) : 4096;
      const maxPending = r() < 0.2 ? 1 + Math.floor(r() * 3) : 128;
      const parser = new KafkaParser({ maxKeptBytes, maxPending });
      const feeder = new ChunkFeeder(r, parser, CHUNKS, () => {
        assert.ok(parser.bufferedBytes <= 2 * Math.max(maxKeptBytes, KAFKA_REQUEST_HEADER_BYTES), `buffered ${parser.bufferedBytes}`);
        assert.ok(parser.pendingRequests <= maxPending, `pending ${parser.pendingRequests}`);
      });
      feeder.both(client, server);
      const out = feeder.out;
      out.push(...parser.close(feeder.nowNs + 1));
      assert.equal(parser.pendingRequests, 0);
      assert.equal(parser.bufferedBytes, 0);
      for (const e of out) {
        checkExchange(e);
        if (e.operation !== null) parsed++;
      }
      const { request, response } = exchangeBytes(out);
      assert.equal(request + parser.ignoredClientBytes, feeder.clientTotal, 'client bytes');
      assert.equal(response + parser.ignoredServerBytes, feeder.serverTotal, 'server bytes');
      exchangesSeen += out.length;
      looksLikeKafkaRequest(client.subarray(0, 32));
      looksLikeKafkaRequest(server.subarray(Math.floor(r() * server.length)));
    });
    assert.ok(exchangesSeen > ITERATIONS, 'inputs produce exchanges, not only noise');
    assert.ok(parsed > ITERATIONS / 2, 'many exchanges are read, not only counted');
    // Not a timing assertion: printed so a slowdown is visible in the test log.
    console.log(`# fuzz: ${ITERATIONS} inputs, ${exchangesSeen} exchanges, ${Date.now() - started} ms`);
  });
});
