// Random and mutated Redis traffic, fed at random split points with random gaps in both
// directions. The input is adversarial only by chance; what is checked is what must hold for any
// input: no throw, termination, bounded memory, every byte accounted for, sane exchanges.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeProblem, ProtocolExchange } from '../exchange.js';
import {
  ChunkFeeder, concatBytes, exchangeBytes, forEachSeededCase, insertDigits, mulberry32, mutateBytes, pick, randomPieces, steeredBytes,
  type ChunkPlan, type MutationPlan, type Rng, type Steering,
} from '../fuzz-kit.js';
import { RedisParser } from './parser.js';
import { looksLikeRedisClient, looksLikeRedisServer } from './detect.js';
import { ALL_SESSIONS, bytes, side } from './fixtures.js';
import { HEAD_CAP, HEAD_SLOTS } from './resp-message.js';

const ITERATIONS = 100_000;
/** Two scanners, each holding at most its captured prefixes. */
const MAX_BUFFERED = 2 * HEAD_SLOTS * HEAD_CAP;
const PROBLEMS = new Set<ExchangeProblem | null>([null, 'truncated', 'no-response', 'unparsable', 'connection-closed']);

/** Replies the captured sessions lack: RESP3 shapes, attributes, streamed values. */
const EXTRA_REPLIES = [
  '|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n',
  '$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n', '*?\r\n:1\r\n:2\r\n.\r\n', '%?\r\n+a\r\n~?\r\n:1\r\n.\r\n.\r\n',
  '!21\r\nSYNTAX invalid syntax\r\n', '=15\r\ntxt:Some string\r\n', '(12345678901234567890\r\n', '#t\r\n', '_\r\n',
  '>3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nb\r\n', '*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nb\r\n', '+QUEUED\r\n',
  '+1700000000.1 [0 lua] "PING"\r\n', '*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n',
].join('');

const SOURCES = [
  ...ALL_SESSIONS.map((s) => ({ client: bytes(side(s, 'c')), server: bytes(side(s, 's')) })),
  { client: bytes('*1\r\n$4\r\nPING\r\n'.repeat(14)), server: bytes(EXTRA_REPLIES) },
];

/** Fragments that steer random bytes toward the parser's decision points. */
const TOKENS = [
  '*', '$', '\r\n', '\n', '*1\r\n', '*2\r\n', '*3\r\n', '$3\r\n', '$-1\r\n', '*-1\r\n', '*0\r\n', '+OK\r\n', '-ERR x\r\n',
  ':1\r\n', ':0\r\n', '>3\r\n', '%1\r\n', '~2\r\n', '|1\r\n', '$?\r\n', '*?\r\n', ';3\r\n', ';0\r\n', '.\r\n', '_\r\n',
  '#t\r\n', ',1.5\r\n', '!3\r\n', '=7\r\n', 'message', 'subscribe', 'unsubscribe', 'SUBSCRIBE', 'UNSUBSCRIBE', 'HELLO',
  'SELECT', 'CLIENT', 'REPLY', 'OFF', 'SKIP', 'ON', 'MULTI', 'EXEC', 'MONITOR', 'RESET', '+QUEUED\r\n', 'PING\r\n',
  '"', "'", '\\', ' ', '12', '99999999999999999999',
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
    // Large captured sessions are cut to a random window to keep the run short.
    const c = src.client.length > 600 ? src.client.subarray(0, 200 + Math.floor(r() * 400)) : src.client;
    const s = src.server.length > 600 ? src.server.subarray(0, 200 + Math.floor(r() * 400)) : src.server;
    client.push(r() < 0.5 ? mutateBytes(r, c, MUTATIONS) : c);
    server.push(r() < 0.5 ? mutateBytes(r, s, MUTATIONS) : s);
  }
  return { client: concatBytes(client), server: concatBytes(server) };
}

function checkExchange(e: ProtocolExchange): void {
  assert.ok(e.startNs <= e.endNs, `exchange ${e.startNs} > ${e.endNs}`);
  assert.ok(e.requestBytes >= 0 && e.responseBytes >= 0);
  assert.ok(PROBLEMS.has(e.problem), `problem ${e.problem}`);
  assert.equal(e.resource, null);
  assert.equal(e.attributes['db.system.name'], 'redis');
  assert.equal(typeof e.attributes['db.namespace'], 'string');
  if (e.error && e.status !== null) assert.equal(e.attributes['db.response.status_code'], e.status);
  if (!e.error) assert.equal(e.attributes['db.response.status_code'], undefined);
  if (e.problem === 'no-response') assert.equal(e.error, true);
  if (e.operation !== null) assert.match(e.operation, /^[A-Z0-9._|:-]+( [A-Z0-9._|:-]+)?$/);
}

describe('Redis fuzz', () => {
  it(`${ITERATIONS} random and mutated streams at random split points never throw, stay bounded and account for every byte`, { timeout: 120_000 }, () => {
    const started = Date.now();
    let exchangesSeen = 0;
    forEachSeededCase(0x5eed, ITERATIONS, (r) => {
      const { client, server } = makeInput(r);
      const maxPending = r() < 0.2 ? 2 : 64;
      const parser = new RedisParser({ maxPending });
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
      looksLikeRedisClient(client.subarray(0, 64));
      looksLikeRedisServer(server.subarray(0, 64));
      exchangesSeen += out.length;
    });
    assert.ok(exchangesSeen > ITERATIONS, 'inputs produce exchanges, not only noise');
    // Not a timing assertion: printed so a slowdown is visible in the test log.
    console.log(`# redis fuzz: ${ITERATIONS} inputs, ${exchangesSeen} exchanges, ${Date.now() - started} ms`);
  });

  it('any segmentation of a mutated stream gives the same exchanges as the whole stream', () => {
    const seed = 0xc0ffee;
    const r = mulberry32(seed);
    const untimed = (e: ProtocolExchange): unknown => {
      const { startNs: _s, endNs: _e, ...rest } = e;
      return rest;
    };
    const runPieces = (client: Uint8Array[], server: Uint8Array[]): unknown[] => {
      const parser = new RedisParser();
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
