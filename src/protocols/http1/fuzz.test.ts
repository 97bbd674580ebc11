// Random and mutated captured traffic, fed at random split points with random gaps, through the
// connection (both parsers). The input is adversarial only by chance; what is checked is what
// must hold for any input: no throw, termination, bounded memory, every byte accounted for.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ChunkFeeder, concatBytes, exchangeBytes, forEachSeededCase, insertDigits, mulberry32, mutateBytes, pick, randomPieces, steeredBytes,
  type ChunkPlan, type MutationPlan, type Rng, type Steering,
} from '../fuzz-kit.js';
import { Http1Connection } from './connection.js';
import { Http1MessageParser } from './message-parser.js';
import { untimed } from './testkit.js';
import { looksLikeHttp1Request, looksLikeHttp1Response } from './detect.js';
import {
  NGINX_304, NGINX_HEAD, NGINX_KEEPALIVE, NGINX_PIPELINED, NGINX_SECRETS, NODE_100_CONTINUE, NODE_204,
  NODE_CHUNKED_TRAILERS, NODE_CHUNKED_UPLOAD, NODE_CLOSE_DELIMITED, PYTHON_GET, PYTHON_HEAD, RFC6455_WEBSOCKET,
  bytes, joined,
} from './fixtures.js';
import type { Http1Message } from './types.js';

const ITERATIONS = 100_000;
/** The internal buffer never grows past the limit; nothing else in a parser grows with input. */
const BUFFER_SLACK = 0;

const SOURCES = [
  PYTHON_GET, PYTHON_HEAD, NODE_CHUNKED_TRAILERS, NODE_204, NODE_CLOSE_DELIMITED, NODE_100_CONTINUE,
  NODE_CHUNKED_UPLOAD, NGINX_KEEPALIVE, NGINX_HEAD, NGINX_304, NGINX_SECRETS, NGINX_PIPELINED, RFC6455_WEBSOCKET,
].map((c) => ({ client: bytes(joined(c.client)), server: bytes(joined(c.server)) }));

/** Fragments that steer random bytes toward the parser's decision points. */
const TOKENS = [
  'GET ', 'HEAD ', 'POST ', 'CONNECT ', ' HTTP/1.1', ' HTTP/1.0', 'HTTP/1.1 ', '200 OK', '101 ', '100 Continue',
  '204 ', '304 ', '\r\n', '\n', '\r\n\r\n', 'Content-Length: ', 'Transfer-Encoding: chunked', 'Upgrade: websocket',
  'Expect: 100-continue', ': ', ';ext=1', '0\r\n\r\n', 'ffff', '12', '/', '*', ' ', 'Host: x',
].map(bytes);

const CHUNKS: ChunkPlan = { maxTickNs: 1000, largeChunk: 300, gapChance: 0.05, extraGapChance: 0.02, maxExtraGap: 3000 };
const STEERING: Steering = { tokens: TOKENS, tokenChance: 0.5, maxRandomRun: 8 };
const MUTATIONS: MutationPlan = { tokens: TOKENS, minEdits: 0, extraEdits: 5, special: insertDigits };

interface Feed { client: Uint8Array; server: Uint8Array }

function makeInput(r: Rng): Feed {
  if (r() < 0.2) return { client: steeredBytes(r, Math.floor(r() * 600), STEERING), server: steeredBytes(r, Math.floor(r() * 600), STEERING) };
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

function checkMessage(m: Http1Message | null): void {
  if (m === null) return;
  assert.ok(m.messageBytes >= 0 && m.headerBytes <= m.messageBytes && m.bodyBytes <= m.messageBytes);
  assert.ok(m.gapBytes <= m.messageBytes);
  assert.ok(m.startNs <= m.endNs, `message ${m.startNs} > ${m.endNs}`);
}

describe('HTTP/1 fuzz', () => {
  it(`${ITERATIONS} random and mutated streams at random split points never throw, stay bounded and account for every byte`, { timeout: 120_000 }, () => {
    const started = Date.now();
    let exchangesSeen = 0;
    forEachSeededCase(0x5eed, ITERATIONS, (r, iter) => {
      const { client, server } = makeInput(r);
      const maxHeaderBytes = r() < 0.3 ? 256 : 16 * 1024;
      const maxPendingExchanges = r() < 0.2 ? 2 : 128;
      const conn = new Http1Connection({ maxHeaderBytes, maxPendingExchanges });
      const feeder = new ChunkFeeder(r, conn, CHUNKS, () => {
        assert.ok(conn.bufferedBytes <= maxHeaderBytes + BUFFER_SLACK, `buffered ${conn.bufferedBytes}`);
        assert.ok(conn.bufferCapacity <= maxHeaderBytes + BUFFER_SLACK, `buffer size ${conn.bufferCapacity}`);
        assert.ok(conn.pendingExchanges <= maxPendingExchanges, `pending ${conn.pendingExchanges}`);
      });
      feeder.both(client, server);
      const out = feeder.out;
      out.push(...conn.close(feeder.nowNs + 1));
      assert.equal(conn.pendingExchanges, 0);
      for (const e of out) {
        checkMessage(e.request);
        checkMessage(e.response);
        assert.ok(e.startNs <= e.endNs, `exchange ${e.startNs} > ${e.endNs}`);
      }
      const { request, response } = exchangeBytes(out);
      assert.equal(request + conn.ignoredClientBytes, feeder.clientTotal, `client bytes, iteration ${iter}`);
      assert.equal(response + conn.ignoredServerBytes, feeder.serverTotal, `server bytes, iteration ${iter}`);
      exchangesSeen += out.length;
      // Detection must not throw either, on any prefix.
      looksLikeHttp1Request(client.subarray(0, 64));
      looksLikeHttp1Response(server.subarray(0, 64));
    });
    assert.ok(exchangesSeen > ITERATIONS, 'inputs produce exchanges, not only noise');
    // Not a timing assertion: printed so a slowdown is visible in the test log.
    console.log(`# fuzz: ${ITERATIONS} inputs, ${exchangesSeen} exchanges, ${Date.now() - started} ms`);
  });

  it('any segmentation of a mutated stream gives the same messages as the whole stream', () => {
    const r = mulberry32(0xc0ffee);
    const run = (kind: 'request' | 'response', pieces: Uint8Array[], maxHeaderBytes: number): unknown[] => {
      const out: unknown[] = [];
      const p = new Http1MessageParser(kind, { onHead() {}, onMessage: (m) => out.push(untimed(m)) }, { maxHeaderBytes });
      for (let i = 0; i < 6; i++) p.expectResponseTo(i % 3 === 1 ? 'HEAD' : 'GET');
      let t = 0;
      for (const piece of pieces) p.push(piece, ++t);
      p.end(++t);
      return out;
    };
    for (let iter = 0; iter < 2000; iter++) {
      const { client, server } = makeInput(r);
      const maxHeaderBytes = r() < 0.5 ? 256 : 16 * 1024;
      for (const [kind, data] of [['request', client], ['response', server]] as const) {
        const pieces = randomPieces(r, data, 4, 64);
        assert.deepEqual(run(kind, pieces, maxHeaderBytes), run(kind, [data], maxHeaderBytes), `${kind}, iteration ${iter}`);
      }
    }
  });
});
