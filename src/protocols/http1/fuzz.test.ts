// Random and mutated captured traffic, fed at random split points with random gaps, through the
// connection (both parsers). The input is adversarial only by chance; what is checked is what
// must hold for any input: no throw, termination, bounded memory, every byte accounted for.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Http1Connection } from './connection.js';
import { Http1MessageParser } from './message-parser.js';
import { untimed } from './testkit.js';
import { looksLikeHttp1Request, looksLikeHttp1Response } from './detect.js';
import {
  NGINX_304, NGINX_HEAD, NGINX_KEEPALIVE, NGINX_PIPELINED, NGINX_SECRETS, NODE_100_CONTINUE, NODE_204,
  NODE_CHUNKED_TRAILERS, NODE_CHUNKED_UPLOAD, NODE_CLOSE_DELIMITED, PYTHON_GET, PYTHON_HEAD, RFC6455_WEBSOCKET,
  bytes, joined,
} from './fixtures.js';
import type { Http1Exchange, Http1Message } from './types.js';

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

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
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
  return concat(parts);
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
        b = concat([b.subarray(0, at), TOKENS[Math.floor(r() * TOKENS.length)]!, b.subarray(at)]);
        break;
      case 2: // delete a run
        b = concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(r() * 20)))]);
        break;
      case 3: // duplicate a run
        b = concat([b.subarray(0, at), b.subarray(at, at + Math.floor(r() * 60)), b.subarray(at)]);
        break;
      case 4: // truncate
        b = b.subarray(0, at);
        break;
      default: // digits into a length
        b = concat([b.subarray(0, at), bytes(String(Math.floor(r() * 100000))), b.subarray(at)]);
    }
  }
  return b;
}

interface Feed { client: Uint8Array; server: Uint8Array }

function makeInput(r: () => number): Feed {
  if (r() < 0.2) return { client: randomBytes(r, 600), server: randomBytes(r, 600) };
  const n = 1 + Math.floor(r() * 3);
  const client: Uint8Array[] = [];
  const server: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const src = SOURCES[Math.floor(r() * SOURCES.length)]!;
    client.push(r() < 0.5 ? mutate(r, src.client) : src.client);
    server.push(r() < 0.5 ? mutate(r, src.server) : src.server);
  }
  return { client: concat(client), server: concat(server) };
}

function checkMessage(m: Http1Message | null): void {
  if (m === null) return;
  assert.ok(m.messageBytes >= 0 && m.headerBytes <= m.messageBytes && m.bodyBytes <= m.messageBytes);
  assert.ok(m.gapBytes <= m.messageBytes);
  assert.ok(m.startNs <= m.endNs, `message ${m.startNs} > ${m.endNs}`);
}

describe('HTTP/1 fuzz', () => {
  it(`${ITERATIONS} random and mutated streams at random split points never throw, stay bounded and account for every byte`, { timeout: 120_000 }, () => {
    const r = rng(0x5eed);
    const started = Date.now();
    let exchangesSeen = 0;
    for (let iter = 0; iter < ITERATIONS; iter++) {
      const { client, server } = makeInput(r);
      const maxHeaderBytes = r() < 0.3 ? 256 : 16 * 1024;
      const maxPendingExchanges = r() < 0.2 ? 2 : 128;
      const conn = new Http1Connection({ maxHeaderBytes, maxPendingExchanges });
      const out: Http1Exchange[] = [];
      let ci = 0;
      let si = 0;
      let clientTotal = 0;
      let serverTotal = 0;
      let now = 0;
      while (ci < client.length || si < server.length) {
        now += 1 + Math.floor(r() * 1000);
        const toClient = si >= server.length || (ci < client.length && r() < 0.5);
        const data = toClient ? client : server;
        const at = toClient ? ci : si;
        const len = Math.min(data.length - at, 1 + Math.floor(r() * (r() < 0.3 ? 8 : 300)));
        const roll = r();
        if (roll < 0.05) {
          // Capture lost these bytes: only their count arrives.
          out.push(...(toClient ? conn.clientGap(len, now) : conn.serverGap(len, now)));
        } else {
          out.push(...(toClient ? conn.client(data.subarray(at, at + len), now) : conn.server(data.subarray(at, at + len), now)));
        }
        if (toClient) { ci += len; clientTotal += len; } else { si += len; serverTotal += len; }
        if (roll > 0.98) {
          // A gap of bytes that never were in `data` (beyond the capture prefix).
          const extra = 1 + Math.floor(r() * 3000);
          out.push(...(toClient ? conn.clientGap(extra, now) : conn.serverGap(extra, now)));
          if (toClient) clientTotal += extra; else serverTotal += extra;
        }
        assert.ok(conn.bufferedBytes <= maxHeaderBytes + BUFFER_SLACK, `buffered ${conn.bufferedBytes}`);
        assert.ok(conn.bufferCapacity <= maxHeaderBytes + BUFFER_SLACK, `buffer size ${conn.bufferCapacity}`);
        assert.ok(conn.pendingExchanges <= maxPendingExchanges, `pending ${conn.pendingExchanges}`);
      }
      out.push(...conn.close(now + 1));
      assert.equal(conn.pendingExchanges, 0);
      let reqBytes = 0;
      let resBytes = 0;
      for (const e of out) {
        reqBytes += e.requestBytes;
        resBytes += e.responseBytes;
        checkMessage(e.request);
        checkMessage(e.response);
        assert.ok(e.startNs <= e.endNs, `exchange ${e.startNs} > ${e.endNs}`);
      }
      assert.equal(reqBytes + conn.ignoredClientBytes, clientTotal, `client bytes, iteration ${iter}`);
      assert.equal(resBytes + conn.ignoredServerBytes, serverTotal, `server bytes, iteration ${iter}`);
      exchangesSeen += out.length;
      // Detection must not throw either, on any prefix.
      looksLikeHttp1Request(client.subarray(0, 64));
      looksLikeHttp1Response(server.subarray(0, 64));
    }
    assert.ok(exchangesSeen > ITERATIONS, 'inputs produce exchanges, not only noise');
    // Not a timing assertion: printed so a slowdown is visible in the test log.
    console.log(`# fuzz: ${ITERATIONS} inputs, ${exchangesSeen} exchanges, ${Date.now() - started} ms`);
  });

  it('any segmentation of a mutated stream gives the same messages as the whole stream', () => {
    const r = rng(0xc0ffee);
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
        const pieces: Uint8Array[] = [];
        for (let i = 0; i < data.length;) {
          const n = 1 + Math.floor(r() * (r() < 0.5 ? 4 : 64));
          pieces.push(data.subarray(i, i + n));
          i += n;
        }
        assert.deepEqual(run(kind, pieces, maxHeaderBytes), run(kind, [data], maxHeaderBytes), `${kind}, iteration ${iter}`);
      }
    }
  });
});
