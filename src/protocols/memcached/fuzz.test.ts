// Random and mutated memcached text-protocol traffic, fed at random split points with random gaps
// in both directions. The input is adversarial only by chance; what is checked is what must hold
// for any input: no throw, termination, bounded memory, every byte accounted for, sane exchanges.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeProblem, ProtocolExchange } from '../exchange.js';
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

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

function randomBytes(r: () => number, max: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let n = 0;
  const target = Math.floor(r() * max);
  while (n < target) {
    let p: Uint8Array;
    if (r() < 0.6) p = pick(r, TOKENS);
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
        b = concat([b.subarray(0, at), pick(r, TOKENS), b.subarray(at)]);
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
  if (r() < 0.15) return { client: randomBytes(r, 400), server: randomBytes(r, 400) };
  const n = 1 + Math.floor(r() * 3);
  const client: Uint8Array[] = [];
  const server: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const src = pick(r, SOURCES);
    client.push(r() < 0.5 ? mutate(r, src.client) : src.client);
    server.push(r() < 0.5 ? mutate(r, src.server) : src.server);
  }
  return { client: concat(client), server: concat(server) };
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
    const seed = 0x5eed;
    const r = rng(seed);
    const started = Date.now();
    let exchangesSeen = 0;
    for (let iter = 0; iter < ITERATIONS; iter++) {
      const { client, server } = makeInput(r);
      const maxPending = r() < 0.2 ? 2 : 64;
      const parser = new MemcachedParser({ maxPending });
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
          const len = Math.min(data.length - at, 1 + Math.floor(r() * (r() < 0.3 ? 8 : 200)));
          const roll = r();
          if (roll < 0.04) {
            // Capture lost these bytes: only their count arrives.
            out.push(...(toClient ? parser.clientGap(len, now) : parser.serverGap(len, now)));
          } else {
            const chunk = data.subarray(at, at + len);
            out.push(...(toClient ? parser.client(chunk, now) : parser.server(chunk, now)));
          }
          if (toClient) { ci += len; clientTotal += len; } else { si += len; serverTotal += len; }
          if (roll > 0.98) {
            // A gap of bytes that never were in `data` (beyond the capture prefix).
            const extra = 1 + Math.floor(r() * 3000);
            out.push(...(toClient ? parser.clientGap(extra, now) : parser.serverGap(extra, now)));
            if (toClient) clientTotal += extra; else serverTotal += extra;
          }
          assert.ok(parser.bufferedBytes <= MAX_BUFFERED, `buffered ${parser.bufferedBytes}`);
          assert.ok(parser.pendingCommands <= maxPending, `pending ${parser.pendingCommands}`);
        }
        out.push(...parser.close(now + 1));
        assert.equal(parser.pendingCommands, 0);
        assert.equal(parser.bufferedBytes, 0);
        let requestBytes = 0;
        let responseBytes = 0;
        for (const e of out) {
          checkExchange(e);
          requestBytes += e.requestBytes;
          responseBytes += e.responseBytes;
        }
        assert.equal(requestBytes + parser.unpairedClientBytes, clientTotal, 'client bytes');
        assert.equal(responseBytes + parser.unpairedServerBytes, serverTotal, 'server bytes');
        looksLikeMemcachedClient(client.subarray(0, 64));
        looksLikeMemcachedServer(server.subarray(0, 64));
      } catch (err) {
        throw new Error(`seed ${seed}, iteration ${iter}: ${(err as Error).message}`, { cause: err });
      }
      exchangesSeen += out.length;
    }
    assert.ok(exchangesSeen > ITERATIONS, 'inputs produce exchanges, not only noise');
    // Not a timing assertion: printed so a slowdown is visible in the test log.
    console.log(`# memcached fuzz: ${ITERATIONS} inputs, ${exchangesSeen} exchanges, ${Date.now() - started} ms`);
  });

  it('any segmentation of a mutated stream gives the same exchanges as the whole stream', () => {
    const seed = 0xc0ffee;
    const r = rng(seed);
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
    const pieces = (data: Uint8Array): Uint8Array[] => {
      const out: Uint8Array[] = [];
      for (let i = 0; i < data.length;) {
        const n = 1 + Math.floor(r() * (r() < 0.5 ? 4 : 64));
        out.push(data.subarray(i, i + n));
        i += n;
      }
      return out;
    };
    for (let iter = 0; iter < 3000; iter++) {
      const { client, server } = makeInput(r);
      assert.deepEqual(runPieces(pieces(client), pieces(server)), runPieces([client], [server]), `seed ${seed}, iteration ${iter}`);
    }
  });
});
