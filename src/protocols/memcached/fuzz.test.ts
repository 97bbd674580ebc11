// Random and mutated memcached text-protocol traffic, fed at random split points with random gaps
// in both directions. The input is adversarial only by chance; what is checked is what must hold
// for any input: no throw, termination, bounded memory, every byte accounted for, sane exchanges.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeProblem, ProtocolExchange } from '../exchange.js';
import {
  ChunkFeeder, concatBytes, exchangeBytes, forEachSeededCase, insertDigits, mulberry32, mutateBytes, pick, randomPieces, steeredBytes,
  type ChunkPlan, type MutationPlan, type Rng, type Steering,
} from '../fuzz-kit.js';
import { MemcachedParser } from './parser.js';
import { looksLikeMemcachedClient, looksLikeMemcachedServer } from './detect.js';
import { ALL_SESSIONS, bytes, side } from './fixtures.js';
import { TOKEN_CAP, TOKEN_SLOTS } from './text-scanner.js';

const ITERATIONS = 100_000;
/** Two scanners, each holding at most its token prefixes and the token being read. */
const MAX_BUFFERED = 2 * (TOKEN_SLOTS + 1) * TOKEN_CAP;
const PROBLEMS = new Set<ExchangeProblem | null>([null, 'truncated', 'no-response', 'unparsable', 'connection-closed']);

const SOURCES = ALL_SESSIONS.map((s) => ({ client: bytes(side(s, 'c')), server: bytes(side(s, 's')) }));

/** Fragments that steer random bytes toward the parser's decision points. */
const TOKENS = [
  '\r\n', '\n', ' ', 'get ', 'gets ', 'gat ', 'set ', 'cas ', 'add ', 'delete ', 'incr ', 'stats', 'quit\r\n', 'noreply',
  'mg ', 'ms ', 'md ', 'ma ', 'mn\r\n', ' q', ' O1', ' O2', ' C5', ' S3', ' v', 'lru_crawler metadump ', 'k 0 0 ', '5',
  'VALUE k 0 ', 'END\r\n', 'STORED\r\n', 'STAT x 1\r\n', 'VA ', 'HD\r\n', 'EN\r\n', 'NS\r\n', 'EX\r\n', 'MN\r\n',
  'ERROR\r\n', 'CLIENT_ERROR x\r\n', 'key=a\r\n', '12', '99999999999999999999', '\x80',
].map(bytes);

const CHUNKS: ChunkPlan = { maxTickNs: 1000, largeChunk: 200, gapChance: 0.04, extraGapChance: 0.02, maxExtraGap: 3000 };
const STEERING: Steering = { tokens: TOKENS, tokenChance: 0.6, maxRandomRun: 8 };
const MUTATIONS: MutationPlan = { tokens: TOKENS, minEdits: 0, extraEdits: 5, special: insertDigits };

interface Feed { client: Uint8Array; server: Uint8Array }

function makeInput(r: Rng): Feed {
  if (r() < 0.15) return { client: steeredBytes(r, Math.floor(r() * 400), STEERING), server: steeredBytes(r, Math.floor(r() * 400), STEERING) };
  const n = 1 + Math.floor(r() * 3);
  const client: Uint8Array[] = [];
  const server: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const src = pick(r, SOURCES);
    client.push(r() < 0.5 ? mutateBytes(r, src.client, MUTATIONS) : src.client);
    server.push(r() < 0.5 ? mutateBytes(r, src.server, MUTATIONS) : src.server);
  }
  return { client: concatBytes(client), server: concatBytes(server) };
}

function checkExchange(e: ProtocolExchange): void {
  assert.ok(e.startNs <= e.endNs, `exchange ${e.startNs} > ${e.endNs}`);
  assert.ok(e.requestBytes >= 0 && e.responseBytes >= 0);
  assert.ok(PROBLEMS.has(e.problem), `problem ${e.problem}`);
  assert.equal(e.resource, null);
  assert.equal(e.attributes['db.system.name'], 'memcached');
  const rows = e.attributes['db.response.returned_rows'];
  if (rows !== undefined) assert.ok(typeof rows === 'number' && rows >= 0);
  if (e.error && e.status !== null) assert.equal(e.attributes['db.response.status_code'], e.status);
  if (!e.error) assert.equal(e.attributes['db.response.status_code'], undefined);
  if (e.problem === 'no-response') assert.equal(e.error, true);
  if (e.operation !== null) assert.match(e.operation, /^[A-Z_]+$/);
}

describe('memcached fuzz', () => {
  it(`${ITERATIONS} random and mutated streams at random split points never throw, stay bounded and account for every byte`, { timeout: 120_000 }, () => {
    const started = Date.now();
    let exchangesSeen = 0;
    forEachSeededCase(0x5eed, ITERATIONS, (r) => {
      const { client, server } = makeInput(r);
      const maxPending = r() < 0.2 ? 2 : 64;
      const parser = new MemcachedParser({ maxPending });
      const feeder = new ChunkFeeder(r, parser, CHUNKS, () => {
        assert.ok(parser.bufferedBytes <= MAX_BUFFERED, `buffered ${parser.bufferedBytes}`);
        assert.ok(parser.pendingCommands <= maxPending, `pending ${parser.pendingCommands}`);
      });
      feeder.both(client, server);
      const out = feeder.out;
      out.push(...parser.close(feeder.nowNs + 1));
      assert.equal(parser.pendingCommands, 0);
      assert.equal(parser.bufferedBytes, 0);
      for (const e of out) checkExchange(e);
      const { request, response } = exchangeBytes(out);
      assert.equal(request + parser.unpairedClientBytes, feeder.clientTotal, 'client bytes');
      assert.equal(response + parser.unpairedServerBytes, feeder.serverTotal, 'server bytes');
      looksLikeMemcachedClient(client.subarray(0, 64));
      looksLikeMemcachedServer(server.subarray(0, 64));
      exchangesSeen += out.length;
    });
    assert.ok(exchangesSeen > ITERATIONS, 'inputs produce exchanges, not only noise');
    // Not a timing assertion: printed so a slowdown is visible in the test log.
    console.log(`# memcached fuzz: ${ITERATIONS} inputs, ${exchangesSeen} exchanges, ${Date.now() - started} ms`);
  });

  it('any segmentation of a mutated stream gives the same exchanges as the whole stream', () => {
    const seed = 0xc0ffee;
    const r = mulberry32(seed);
    const untimed = (e: ProtocolExchange): unknown => {
      const { startNs: _s, endNs: _e, ...rest } = e;
      return rest;
    };
    const runPieces = (client: Uint8Array[], server: Uint8Array[]): unknown[] => {
      const parser = new MemcachedParser();
      const out: ProtocolExchange[] = [];
      let t = 0;
      for (const p of client) out.push(...parser.client(p, ++t));
      for (const p of server) out.push(...parser.server(p, ++t));
      out.push(...parser.close(++t));
      return out.map(untimed);
    };
    const pieces = (data: Uint8Array): Uint8Array[] => randomPieces(r, data, 4, 64);
    for (let iter = 0; iter < 3000; iter++) {
      const { client, server } = makeInput(r);
      assert.deepEqual(runPieces(pieces(client), pieces(server)), runPieces([client], [server]), `seed ${seed}, iteration ${iter}`);
    }
  });
});
