// Random and mutated MongoDB traffic, fed at random split points with random gaps. The input is
// adversarial only by chance; what is checked is what must hold for any input: no throw,
// termination, bounded memory and pending state, every byte accounted for, sane exchanges.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtocolExchange } from '../exchange.js';
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
      default: { // a random little-endian int32 (lengths, ids, opcodes)
        const v = new Uint8Array(4);
        new DataView(v.buffer).setInt32(0, Math.floor(r() * 2 ** 32) - 2 ** 31, true);
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
  assert.equal(e.attributes['db.system.name'], 'mongodb');
  for (const v of Object.values(e.attributes)) assert.ok(['string', 'number', 'boolean'].includes(typeof v));
}

describe('MongoDB fuzz', () => {
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
      const parser = new MongoParser({ maxKeptBytes, maxPending });
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
          assert.ok(parser.bufferedBytes <= 2 * Math.max(maxKeptBytes, MONGO_HEADER_BYTES), `buffered ${parser.bufferedBytes}`);
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
        looksLikeMongoMessage(client.subarray(0, 32));
        looksLikeMongoRequest(server.subarray(0, 32));
        walkBsonDocument(client, Math.floor(r() * client.length), () => true);
        decodeBsonDocument(server, Math.floor(r() * server.length));
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
