// Random and mutated captured sessions, cut at random points, with random gaps, through the
// parser. The input is adversarial only by chance; what is checked is what must hold for any
// input: no throw, termination, bounded memory, every byte accounted for, sane exchanges.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { concatBytes, mulberry32, mutateBytes, pick, steeredBytes, type MutationPlan, type Rng, type Steering } from '../fuzz-kit.js';
import type { ProtocolExchange } from '../exchange.js';
import { looksLikeMysqlClient, looksLikeMysqlServer } from './detect.js';
import { ALL_SESSIONS, hex } from './fixtures.js';
import { MAX_KEPT_PAYLOAD, RESYNC_WINDOW } from './framer.js';
import { MysqlParser } from './parser.js';
import { MAX_STATEMENTS } from './statement-cache.js';
import { packet, rechunk, replay, run, summary, text } from './testkit.js';

const ITERATIONS = 100_000;
/** Two framers, each: a partial header, a kept payload prefix, a resync window. */
const MAX_BUFFERED = 2 * (4 + MAX_KEPT_PAYLOAD + RESYNC_WINDOW);
const PROBLEMS = new Set([null, 'truncated', 'no-response', 'unparsable', 'connection-closed']);

interface Piece {
  client: boolean;
  bytes: Uint8Array;
}

const SOURCES: Piece[][] = ALL_SESSIONS.map((s) =>
  s.chunks.map((k) => ('c' in k ? { client: true, bytes: hex(k.c) } : { client: false, bytes: hex(k.s) })));

/** Packets and fragments that steer random bytes toward the parser's decision points. */
const TOKENS = [
  packet(0, '03' + text('SELECT 1')), packet(0, '16' + text('SELECT ?')), packet(0, '1701000000000100000000'),
  packet(0, '1901000000'), packet(0, '0e'), packet(0, '01'), packet(0, '02' + text('db')), packet(0, '030001' + text('SELECT 2')),
  packet(1, '00000002000000'), packet(1, '000100000001000100000000'), packet(1, '01'), packet(1, '0201'),
  packet(2, '03646566000000013100000c3f0001000000038100000000'), packet(3, 'fe00000a00'), packet(3, 'fe00000200'),
  packet(4, 'fe000002000000'), packet(1, 'ff7a04' + text('#42S02gone')), packet(1, 'fb' + text('f.csv')),
  packet(1, 'ffffff0101'), packet(0, '0a' + text('8.0.36') + '00' + '00'.repeat(40)), packet(2, 'fe' + text('plugin') + '00'),
  packet(1, '8fa2af01000000012d' + '00'.repeat(23) + text('u') + '0000'), packet(1, '04aa0000' + '00'.repeat(28)),
  'ffffff00', 'fdffff', 'fe', 'fb', '00', '01', '0a', 'ff',
].map(hex);

const STEERING: Steering = { tokens: TOKENS, tokenChance: 0.6, maxRandomRun: 8 };
/** The sixth edit: a byte set to one that means something in a length or header. */
const MUTATIONS: MutationPlan = {
  tokens: TOKENS, minEdits: 1, extraEdits: 4,
  special: (r, b, at) => {
    if (b.length === 0) return b;
    const out = b.slice();
    out[Math.min(at, b.length - 1)] = pick(r, [0x00, 0x01, 0xfe, 0xff, 0xfb]);
    return out;
  },
};

function makeInput(r: Rng): Piece[] {
  if (r() < 0.2) {
    const out: Piece[] = [];
    const n = 1 + Math.floor(r() * 8);
    for (let i = 0; i < n; i++) out.push({ client: r() < 0.5, bytes: steeredBytes(r, 1 + Math.floor(r() * 200), STEERING) });
    return out;
  }
  const out: Piece[] = [];
  const sessions = 1 + Math.floor(r() * 2);
  for (let s = 0; s < sessions; s++) {
    const src = SOURCES[Math.floor(r() * SOURCES.length)]!;
    // Sometimes picked up mid-connection.
    const from = r() < 0.2 ? Math.floor(r() * src.length) : 0;
    for (const piece of src.slice(from)) {
      out.push(r() < 0.15 ? { client: piece.client, bytes: mutateBytes(r, piece.bytes, MUTATIONS) } : piece);
    }
  }
  return out;
}

function checkExchange(e: ProtocolExchange, lastNs: number): void {
  assert.ok(e.startNs <= e.endNs, `exchange ${e.startNs} > ${e.endNs}`);
  assert.ok(e.endNs <= lastNs, `exchange ends after the input (${e.endNs} > ${lastNs})`);
  assert.ok(e.requestBytes >= 0 && e.responseBytes >= 0);
  assert.equal(e.attributes['db.system.name'], 'mysql');
  assert.ok(PROBLEMS.has(e.problem), `problem ${e.problem}`);
  assert.ok(e.status === null || typeof e.status === 'string');
  if (e.problem === 'no-response') assert.equal(e.error, true);
}

describe('MySQL fuzz', () => {
  it(`${ITERATIONS} random and mutated sessions at random split points never throw, stay bounded and account for every byte`, { timeout: 300_000 }, () => {
    const seed = 0x5eed;
    const r = mulberry32(seed);
    const started = Date.now();
    let exchangesSeen = 0;
    for (let iter = 0; iter < ITERATIONS; iter++) {
      const pieces = makeInput(r);
      const maxPending = r() < 0.2 ? 2 : 64;
      const parser = new MysqlParser({ maxPending });
      const out: ProtocolExchange[] = [];
      let clientTotal = 0;
      let serverTotal = 0;
      let now = 0;
      const context = (): string => `seed ${seed}, iteration ${iter}`;
      try {
        for (const piece of pieces) {
          for (let at = 0; at < piece.bytes.length || (at === 0 && piece.bytes.length === 0);) {
            now += 1 + Math.floor(r() * 1000);
            const len = Math.min(piece.bytes.length - at, 1 + Math.floor(r() * (r() < 0.3 ? 8 : 400)));
            const part = piece.bytes.subarray(at, at + len);
            const roll = r();
            if (roll < 0.04) {
              // Capture lost these bytes: only their count arrives.
              out.push(...(piece.client ? parser.clientGap(len, now) : parser.serverGap(len, now)));
            } else {
              out.push(...(piece.client ? parser.client(part, now) : parser.server(part, now)));
            }
            if (piece.client) clientTotal += len; else serverTotal += len;
            if (roll > 0.985) {
              // Bytes that never were in the input (beyond the capture prefix).
              const extra = 1 + Math.floor(r() * (r() < 0.1 ? 20_000_000 : 3000));
              out.push(...(piece.client ? parser.clientGap(extra, now) : parser.serverGap(extra, now)));
              if (piece.client) clientTotal += extra; else serverTotal += extra;
            }
            assert.ok(parser.bufferedBytes <= MAX_BUFFERED, `buffered ${parser.bufferedBytes}`);
            assert.ok(parser.pendingCommands <= maxPending, `pending ${parser.pendingCommands}`);
            assert.ok(parser.preparedStatements <= MAX_STATEMENTS);
            at += Math.max(len, 1);
          }
        }
        out.push(...parser.close(++now));
        assert.equal(parser.pendingCommands, 0);
        assert.equal(parser.bufferedBytes, 0);
        let request = 0;
        let response = 0;
        for (const e of out) {
          checkExchange(e, now);
          request += e.requestBytes;
          response += e.responseBytes;
        }
        assert.equal(request + parser.ignoredClientBytes, clientTotal, 'client bytes');
        assert.equal(response + parser.ignoredServerBytes, serverTotal, 'server bytes');
        for (const piece of pieces.slice(0, 2)) {
          looksLikeMysqlClient(piece.bytes.subarray(0, 64));
          looksLikeMysqlServer(piece.bytes.subarray(0, 64));
        }
      } catch (error) {
        throw new Error(`${context()}: ${(error as Error).message}`, { cause: error });
      }
      exchangesSeen += out.length;
    }
    assert.ok(exchangesSeen > ITERATIONS, 'inputs produce exchanges, not only noise');
    // Not a timing assertion: printed so a slowdown is visible in the test log.
    console.log(`# fuzz: ${ITERATIONS} inputs, ${exchangesSeen} exchanges, ${Date.now() - started} ms`);
  });

  it('any segmentation of a captured session gives the same exchanges as the captured one', () => {
    const r = mulberry32(0xc0ffee);
    const whole = ALL_SESSIONS.map((s) => replay(s).exchanges.map(summary));
    for (let iter = 0; iter < 3000; iter++) {
      const i = Math.floor(r() * ALL_SESSIONS.length);
      const session = ALL_SESSIONS[i]!;
      const size = 1 + Math.floor(r() * (r() < 0.5 ? 6 : 200));
      const split = run([...rechunk(session.chunks, size), { close: true }]).exchanges.map(summary);
      assert.deepEqual(split, whole[i], `iteration ${iter}, ${session.how}, pieces of ${size}`);
    }
  });
});
