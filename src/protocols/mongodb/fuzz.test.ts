// Random and mutated MongoDB traffic, fed at random split points with random gaps. The input is
// adversarial only by chance; what is checked is what must hold for any input: no throw,
// termination, bounded memory and pending state, every byte accounted for, sane exchanges.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtocolExchange } from '../exchange.js';
import {
  ChunkFeeder, exchangeBytes, forEachSeededCase, insertInt32, mutateBytes, pick, steeredBytes, type ChunkPlan,
  type MutationPlan, type Rng, type Steering,
} from '../fuzz-kit.js';
import { decodeBsonDocument, walkBsonDocument } from './bson.js';
import { looksLikeMongoMessage, looksLikeMongoRequest } from './detect.js';
import { MONGO_API_SESSION, MONGO_LEGACY_MONITOR, MONGO_LEGACY_SESSION, MONGO_STREAMING_MONITOR, sideBytes } from './fixtures.js';
import { MONGO_HEADER_BYTES, OP_MSG, OP_QUERY } from './messages.js';
import { MongoParser } from './parser.js';
import { concat, opCompressed, opMsg, opQuery, opReply } from './testkit.js';

const ITERATIONS = 100_000;

const SOURCES: { client: Uint8Array; server: Uint8Array }[] = [
  ...[MONGO_LEGACY_MONITOR, MONGO_LEGACY_SESSION, MONGO_API_SESSION, MONGO_STREAMING_MONITOR].map((s) => ({
    client: sideBytes(s, 'client'), server: sideBytes(s, 'server'),
  })),
  {
    client: concat(
      opMsg({ requestId: 1, checksum: true, body: { insert: 'c', $db: 'd' }, sequences: { documents: [{ a: 1 }, { a: 2 }] } }),
      opQuery(2, 'd.$cmd', { $query: { count: 'c' } }),
      opCompressed(3, 0, OP_MSG, 20),
      opMsg({ requestId: 4, flags: 1 << 16, body: { hello: 1, $db: 'admin' } }),
    ),
    server: concat(
      opMsg({ requestId: 11, responseTo: 1, body: { n: 1, writeErrors: [{ index: 1, code: 11000 }], ok: 1.0 } }),
      opReply(12, 2, 0, [{ n: 2, ok: 1.0 }]),
      opCompressed(13, 3, OP_MSG, 20),
      opMsg({ requestId: 14, responseTo: 4, flags: 2, body: { ok: 1.0 } }),
      opMsg({ requestId: 15, responseTo: 14, body: { ok: 0.0, code: 91 } }),
    ),
  },
];

/** Fragments that steer random bytes toward the parser's decision points. */
const TOKENS: Uint8Array[] = [
  opMsg({ requestId: 1, body: { ping: 1 } }).subarray(0, 16),
  opMsg({ requestId: 9, responseTo: 1, body: { ok: 1 } }).subarray(0, 21),
  opQuery(5, 'a.$cmd', { isMaster: 1 }).subarray(0, 16),
  Uint8Array.of(0xdd, 0x07, 0, 0), Uint8Array.of(OP_QUERY & 0xff, OP_QUERY >> 8, 0, 0), Uint8Array.of(1, 0, 0, 0),
  Uint8Array.of(0, 0, 0, 0), Uint8Array.of(0xff, 0xff, 0xff, 0x7f), Uint8Array.of(2, 0, 0, 0), Uint8Array.of(0x10, 0, 0, 0),
  new TextEncoder().encode('\x02find\x00'), new TextEncoder().encode('\x01ok\x00'), new TextEncoder().encode('\x10code\x00'),
  new TextEncoder().encode('\x02$db\x00'), new TextEncoder().encode('documents\x00'), Uint8Array.of(0), Uint8Array.of(1),
];

const CHUNKS: ChunkPlan = { maxTickNs: 1000, largeChunk: 300, gapChance: 0.05, extraGapChance: 0.02, maxExtraGap: 3000 };
const STEERING: Steering = { tokens: TOKENS, tokenChance: 0.5, maxRandomRun: 8 };
/** The sixth edit: a random little-endian int32 (lengths, ids, opcodes). */
const MUTATIONS: MutationPlan = { tokens: TOKENS, minEdits: 0, extraEdits: 5, special: insertInt32(true) };

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
  assert.equal(e.attributes['db.system.name'], 'mongodb');
  for (const v of Object.values(e.attributes)) assert.ok(['string', 'number', 'boolean'].includes(typeof v));
}

describe('MongoDB fuzz', () => {
  it(`${ITERATIONS} random and mutated streams at random split points never throw, stay bounded and account for every byte`, { timeout: 120_000 }, () => {
    const started = Date.now();
    let exchangesSeen = 0;
    let parsed = 0;
    forEachSeededCase(0x5eed, ITERATIONS, (r) => {
      const { client, server } = makeInput(r);
      const maxKeptBytes = r() < 0.3 ? 64 + Math.floor(r() * 200) : 4096;
      const maxPending = r() < 0.2 ? 1 + Math.floor(r() * 3) : 128;
      const parser = new MongoParser({ maxKeptBytes, maxPending });
      const feeder = new ChunkFeeder(r, parser, CHUNKS, () => {
        assert.ok(parser.bufferedBytes <= 2 * Math.max(maxKeptBytes, MONGO_HEADER_BYTES), `buffered ${parser.bufferedBytes}`);
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
      looksLikeMongoMessage(client.subarray(0, 32));
      looksLikeMongoRequest(server.subarray(0, 32));
      walkBsonDocument(client, Math.floor(r() * client.length), () => true);
      decodeBsonDocument(server, Math.floor(r() * server.length));
    });
    assert.ok(exchangesSeen > ITERATIONS, 'inputs produce exchanges, not only noise');
    assert.ok(parsed > ITERATIONS / 2, 'many exchanges are read, not only counted');
    // Not a timing assertion: printed so a slowdown is visible in the test log.
    console.log(`# fuzz: ${ITERATIONS} inputs, ${exchangesSeen} exchanges, ${Date.now() - started} ms`);
  });
});
