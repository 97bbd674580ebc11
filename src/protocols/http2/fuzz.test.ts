// Random and mutated HTTP/2 connections (captured and synthetic), fed at random split points
// with random gaps. What must hold for any input: no throw, termination, bounded memory, every
// byte either in an exchange or counted as ignored, and exchanges that are well-formed.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { indexed, literal, sizeUpdate } from '../hpack/testkit.js';
import type { ProtocolExchange } from '../exchange.js';
import {
  ChunkFeeder, exchangeBytes, forEachSeededCase, mulberry32, mutateBytes, pick, steeredBytes, type ChunkPlan, type MutationPlan,
  type Rng, type Steering,
} from '../fuzz-kit.js';
import { looksLikeHttp2Frames, looksLikeHttp2Preface } from './detect.js';
import { ALL_CAPTURES, sideBytes } from './fixtures.js';
import { Http2Parser } from './parser.js';
import {
  PREFACE, concatBytes, continuation, data, frame, goaway, grpcMessage, headers, ping, pushPromise, requestBlock,
  responseBlock, rstStream, settings, windowUpdate,
} from './testkit.js';

const ITERATIONS = 100_000;
/** Two readers (header, kept payload ≤ 64 KiB, resync window 32 KiB) and two header blocks (64 KiB). */
const MAX_BUFFERED = 2 * (9 + 64 * 1024 + 32 * 1024) + 2 * 64 * 1024;
const PROBLEMS = new Set([null, 'truncated', 'no-response', 'unparsable', 'connection-closed']);

interface Conn { client: Uint8Array; server: Uint8Array }

const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

const SYNTHETIC: Conn[] = [
  {
    client: concatBytes(PREFACE, settings([[1, 0]]),
      headers(1, requestBlock('POST', '/a.B/C', [['content-type', 'application/grpc']], true), { padLength: 3, priority: true }),
      data(1, concatBytes(grpcMessage('one'), grpcMessage('two')), { endStream: true, padLength: 2 }),
      headers(3, concatBytes(indexed(3), indexed(62), indexed(63)), { endStream: true, endHeaders: false }),
      continuation(3, literal('x-more', 'y'), true), windowUpdate(0, 99), ping(), rstStream(3, 8)),
    server: concatBytes(settings([[1, 256], [5, 32768]]), settings([], true),
      headers(1, concatBytes(sizeUpdate(100), responseBlock('200', [['content-type', 'application/grpc']]))),
      data(1, grpcMessage('reply')), headers(1, literal('grpc-status', '0'), { endStream: true }),
      pushPromise(1, 2, requestBlock('GET', '/pushed')), headers(2, responseBlock('200')), data(2, bytesOf('p'), { endStream: true }),
      goaway(1, 0), frame(0xb, 0, 0, bytesOf('altsvc'))),
  },
  {
    client: concatBytes(PREFACE, settings(), ...[1, 3, 5, 7, 9].map((id) => headers(id, requestBlock('GET', `/s${id}`, [], id > 3), { endStream: true }))),
    server: concatBytes(settings(), ...[9, 3, 1, 7].map((id) => headers(id, responseBlock(id === 7 ? '503' : '200'), { endStream: id !== 1 })),
      data(1, new Uint8Array(3000), { endStream: true }), rstStream(5, 2)),
  },
];

const SOURCES: Conn[] = [
  ...ALL_CAPTURES.map((c) => ({ client: sideBytes(c, 'c'), server: sideBytes(c, 's') })),
  ...SYNTHETIC,
];

/** Fragments that steer random bytes toward frame and HPACK decision points. */
const TOKENS: Uint8Array[] = [
  PREFACE.subarray(0, 8), settings(), settings([], true), ping(), windowUpdate(1, 5), rstStream(1, 8), goaway(3, 2),
  headers(1, requestBlock('GET', '/t')).subarray(0, 9), data(1, new Uint8Array(0)).subarray(0, 9), Uint8Array.of(0, 0, 0x20, 1, 4, 0, 0, 0, 1),
  Uint8Array.of(0xff, 0xff, 0xff), Uint8Array.of(0x80), Uint8Array.of(0xbe), Uint8Array.of(0x3f, 0xe1, 0x1f), grpcMessage('g'),
];

const CHUNKS: ChunkPlan = { maxTickNs: 1000, largeChunk: 400, gapChance: 0.04, extraGapChance: 0.02, maxExtraGap: 20000 };
const STEERING: Steering = { tokens: TOKENS, tokenChance: 0.5, maxRandomRun: 12 };
const MUTATIONS: MutationPlan = { tokens: TOKENS, minEdits: 0, extraEdits: 4 };

function makeInput(r: Rng): Conn {
  if (r() < 0.15) {
    const withPreface = r() < 0.5;
    return { client: concatBytes(withPreface ? PREFACE : new Uint8Array(0), steeredBytes(r, Math.floor(r() * 400), STEERING)), server: steeredBytes(r, Math.floor(r() * 400), STEERING) };
  }
  const src = pick(r, SOURCES);
  let { client, server } = src;
  // Large sources only now and then, and mostly cut short, to keep the run fast.
  if (server.length > 4000 && r() < 0.8) server = server.subarray(0, 200 + Math.floor(r() * 2000));
  if (r() < 0.6) client = mutateBytes(r, client, MUTATIONS);
  if (r() < 0.6) server = mutateBytes(r, server, MUTATIONS);
  if (r() < 0.1) client = client.subarray(Math.floor(r() * Math.min(client.length, 120))); // mid-stream start
  if (r() < 0.1) server = server.subarray(Math.floor(r() * Math.min(server.length, 120)));
  return { client, server };
}

function checkExchange(e: ProtocolExchange): void {
  assert.ok(e.startNs <= e.endNs, `exchange ${e.startNs} > ${e.endNs}`);
  assert.ok(e.requestBytes >= 0 && e.responseBytes >= 0);
  assert.ok(PROBLEMS.has(e.problem), `problem ${e.problem}`);
  assert.equal(typeof e.error, 'boolean');
  assert.ok(e.status === null || typeof e.status === 'string');
  assert.ok(e.protocol === undefined || e.protocol === 'grpc');
  for (const v of Object.values(e.attributes)) assert.ok(['string', 'number', 'boolean'].includes(typeof v));
}

describe('HTTP/2 fuzz', () => {
  it(`${ITERATIONS} random and mutated connections at random split points never throw, stay bounded and account for every byte`, { timeout: 120_000 }, () => {
    const started = Date.now();
    let exchangesSeen = 0;
    forEachSeededCase(0x5eed2, ITERATIONS, (r) => {
      const { client, server } = makeInput(r);
      const maxPending = r() < 0.2 ? 1 + Math.floor(r() * 3) : 256;
      const upgrade = r() < 0.05 ? { afterUpgrade: { method: 'GET', path: '/up' } } : {};
      const parser = new Http2Parser({ maxPending, ...upgrade });
      const feeder = new ChunkFeeder(r, parser, CHUNKS, () => {
        assert.ok(parser.bufferedBytes <= MAX_BUFFERED, `buffered ${parser.bufferedBytes}`);
        assert.ok(parser.pendingStreams <= maxPending, `pending ${parser.pendingStreams}`);
      });
      feeder.both(client, server);
      const out = feeder.out;
      out.push(...parser.close(feeder.nowNs + 1));
      assert.equal(parser.pendingStreams, 0);
      for (const e of out) checkExchange(e);
      const { request, response } = exchangeBytes(out);
      assert.equal(request + parser.ignoredClientBytes, feeder.clientTotal, 'client bytes');
      assert.equal(response + parser.ignoredServerBytes, feeder.serverTotal, 'server bytes');
      looksLikeHttp2Preface(client.subarray(0, 32));
      looksLikeHttp2Frames(server.subarray(0, 64), 'server');
      exchangesSeen += out.length;
    });
    assert.ok(exchangesSeen > ITERATIONS / 2, `inputs produce exchanges, not only noise (${exchangesSeen})`);
    // Not a timing assertion: printed so a slowdown is visible in the test log.
    console.log(`# fuzz: ${ITERATIONS} inputs, ${exchangesSeen} exchanges, ${Date.now() - started} ms`);
  });

  it('any segmentation of an unmutated connection gives the same exchanges', () => {
    const r = mulberry32(0xc0ffee);
    const strip = (e: ProtocolExchange): unknown => ({ ...e, startNs: 0, endNs: 0 });
    for (let iter = 0; iter < 500; iter++) {
      const src = SOURCES[iter % SOURCES.length]!;
      const feed = (split: boolean): unknown[] => {
        const p = new Http2Parser();
        const out: ProtocolExchange[] = [];
        for (const [side, bytes] of [['c', src.client], ['s', src.server]] as const) {
          for (let i = 0; i < bytes.length;) {
            const n = split ? 1 + Math.floor(r() * (r() < 0.5 ? 4 : 600)) : bytes.length;
            out.push(...(side === 'c' ? p.client(bytes.subarray(i, i + n), 1) : p.server(bytes.subarray(i, i + n), 1)));
            i += n;
          }
        }
        out.push(...p.close(2));
        return out.map(strip);
      };
      assert.deepEqual(feed(true), feed(false), `source ${iter % SOURCES.length}`);
    }
  });
});
