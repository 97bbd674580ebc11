// Random and mutated captured sessions, fed at random split points with random gaps. The input is
// adversarial only by chance; what is checked is what must hold for any input: no throw,
// termination, bounded memory, well-formed exchanges, every byte accounted for.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { concatBytes, mulberry32, pick, type Rng } from '../fuzz-kit.js';
import type { ProtocolExchange } from '../exchange.js';
import { looksLikePostgresClient, looksLikePostgresServer } from './detect.js';
import {
  NODE_PG_EXTENDED, PGBENCH_INIT, PGBENCH_PIPELINE, PGBENCH_PIPELINE_ERROR, PGBENCH_PREPARED, PGBENCH_SIMPLE,
  PSQL_COPY, PSQL_SIMPLE, PSQL_TLS, bytes, type CapturedSession,
} from './fixtures.js';
import { PostgresParser } from './parser.js';
import { msg } from './testkit.js';

const ITERATIONS = 100_000;
const PROBLEMS = new Set([null, 'truncated', 'no-response', 'unparsable', 'connection-closed']);

const SESSIONS: CapturedSession[] = [
  PSQL_SIMPLE, PSQL_COPY, PGBENCH_INIT, PGBENCH_SIMPLE, PGBENCH_PREPARED, NODE_PG_EXTENDED, PGBENCH_PIPELINE,
  PGBENCH_PIPELINE_ERROR, PSQL_TLS,
];

/** A session as events: which side, bytes (or a gap's length). */
type Event = { client: boolean; data: Uint8Array } | { client: boolean; gap: number };

const SOURCES: Event[][] = SESSIONS.map((s) => s.steps.map((step): Event => {
  if ('c' in step) return { client: true, data: bytes(step.c) };
  if ('s' in step) return { client: false, data: bytes(step.s) };
  if ('cgap' in step) return { client: true, gap: step.cgap };
  return { client: false, gap: step.sgap };
}));

/** Fragments that steer random bytes toward the parser's decision points. */
const TOKENS = [
  msg.startup({ user: 'u', database: 'd' }), '\0\0\0\x08\x04\xd2\x16\x2f', '\0\0\0\x08\x04\xd2\x16\x30', 'S', 'N', 'G',
  msg.query('SELECT 1'), msg.query('COPY t FROM STDIN'), msg.parse('s', 'SELECT $1'), msg.parse('', 'SELECT 2'),
  msg.bind('', 's'), msg.bind('p', ''), msg.execute(''), msg.execute('p'), msg.describe('S', 's'), msg.close('S', 's'),
  msg.close('P', 'p'), msg.sync, msg.flush, msg.terminate, msg.parseComplete, msg.bindComplete, msg.closeComplete,
  msg.noData, msg.emptyQuery, msg.portalSuspended, msg.ready(), msg.ready('E'), msg.complete('SELECT 3'),
  msg.complete('INSERT 0 1'), msg.rowDescription('a'), msg.dataRow('1'), msg.error('42P01'), msg.notice('n'),
  msg.copyIn(1), msg.copyOut(1), msg.copyData('1\n'), msg.copyDone, msg.authOk, 'Z\0\0\0\x05', 'D\0\0\x10\0',
  'd\0\0\0', '\0\0\0\x04', '\xff\xff\xff\xff',
].map(bytes);

function randomBytes(r: Rng, max: number): Uint8Array {
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
  return concatBytes(parts);
}

function mutate(r: Rng, input: Uint8Array): Uint8Array {
  let b = input;
  const count = 1 + Math.floor(r() * 3);
  for (let k = 0; k < count; k++) {
    const at = Math.floor(r() * (b.length + 1));
    switch (Math.floor(r() * 6)) {
      case 0: // flip a byte
        if (b.length > 0) { b = b.slice(); b[Math.min(at, b.length - 1)] = Math.floor(r() * 256); }
        break;
      case 1: // insert a token
        b = concatBytes([b.subarray(0, at), pick(r, TOKENS), b.subarray(at)]);
        break;
      case 2: // delete a run
        b = concatBytes([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(r() * 20)))]);
        break;
      case 3: // duplicate a run
        b = concatBytes([b.subarray(0, at), b.subarray(at, at + Math.floor(r() * 60)), b.subarray(at)]);
        break;
      case 4: // truncate
        b = b.subarray(0, at);
        break;
      default: // a length field's worth of random bytes
        b = concatBytes([b.subarray(0, at), Uint8Array.of(0, 0, Math.floor(r() * 256), Math.floor(r() * 256)), b.subarray(at)]);
    }
  }
  return b;
}

/** Events for one run: a captured session (some steps mutated, some dropped) or random bytes. */
function makeInput(r: Rng): Event[] {
  if (r() < 0.15) {
    const events: Event[] = [];
    for (let i = Math.floor(r() * 8); i >= 0; i--) events.push({ client: r() < 0.5, data: randomBytes(r, 300) });
    return events;
  }
  const src = pick(r, SOURCES);
  // Sometimes start mid-stream.
  const from = r() < 0.3 ? Math.floor(r() * src.length) : 0;
  const mutation = r() < 0.5 ? 0.1 + r() * 0.3 : 0;
  const out: Event[] = [];
  for (const e of src.slice(from)) {
    if (r() < 0.02) continue;
    if ('data' in e && r() < mutation) out.push({ client: e.client, data: mutate(r, e.data) });
    else out.push(e);
  }
  return out;
}

/** What must hold for any exchange; checked as one condition, explained only on failure. */
function checkExchange(e: ProtocolExchange, iter: number): void {
  const rows = e.attributes['db.response.returned_rows'];
  const ok = e.startNs <= e.endNs
    && e.requestBytes >= 0 && e.responseBytes >= 0
    && (e.status === null || /^[0-9A-Z]{5}$/.test(e.status))
    && typeof e.error === 'boolean'
    && PROBLEMS.has(e.problem)
    && e.attributes['db.system.name'] === 'postgresql'
    && e.operation === null
    && (rows === undefined || (typeof rows === 'number' && rows >= 0));
  if (!ok) assert.fail(`iteration ${iter}: malformed exchange ${JSON.stringify(e)}`);
}

describe('PostgreSQL fuzz', () => {
  it(`${ITERATIONS} random and mutated sessions at random split points never throw, stay bounded and account for every byte`, { timeout: 300_000 }, () => {
    const seed = 0x5eed_5a1;
    const r = mulberry32(seed);
    const started = Date.now();
    let exchangesSeen = 0;
    let iter = 0;
    try {
      for (; iter < ITERATIONS; iter++) {
        const events = makeInput(r);
        const maxMessageBytes = r() < 0.3 ? 64 + Math.floor(r() * 200) : 16 * 1024;
        const maxPending = r() < 0.2 ? 1 + Math.floor(r() * 4) : 1024;
        const maxStatements = r() < 0.2 ? 2 : 1024;
        const parser = new PostgresParser({ maxMessageBytes, maxPending, maxStatements });
        const bufferLimit = 2 * (Math.max(64, maxMessageBytes) + 8);
        const out: ProtocolExchange[] = [];
        let clientTotal = 0;
        let serverTotal = 0;
        let now = 0;
        for (const e of events) {
          now += 1 + Math.floor(r() * 1000);
          if ('gap' in e) {
            out.push(...(e.client ? parser.clientGap(e.gap, now) : parser.serverGap(e.gap, now)));
            if (e.client) clientTotal += e.gap; else serverTotal += e.gap;
            continue;
          }
          // Re-split the segment; sometimes lose a piece to a gap.
          for (let at = 0; at < e.data.length;) {
            const len = Math.min(e.data.length - at, 1 + Math.floor(r() * (r() < 0.3 ? 8 : 400)));
            const piece = e.data.subarray(at, at + len);
            if (r() < 0.03) out.push(...(e.client ? parser.clientGap(len, now) : parser.serverGap(len, now)));
            else out.push(...(e.client ? parser.client(piece, now) : parser.server(piece, now)));
            if (e.client) clientTotal += len; else serverTotal += len;
            at += len;
            // Checked without building messages on every piece: this loop is the hot path.
            if (parser.bufferedBytes > bufferLimit || parser.bufferCapacity > bufferLimit) {
              assert.fail(`buffered ${parser.bufferedBytes}, buffer size ${parser.bufferCapacity}`);
            }
            if (parser.pendingRequests > maxPending) assert.fail(`pending ${parser.pendingRequests}`);
            if (parser.preparedCount > 2 * maxStatements) assert.fail(`prepared ${parser.preparedCount}`);
          }
        }
        out.push(...parser.close(now + 1));
        assert.equal(parser.pendingRequests, 0);
        let req = 0;
        let res = 0;
        for (const e of out) {
          checkExchange(e, iter);
          req += e.requestBytes;
          res += e.responseBytes;
        }
        assert.equal(req + parser.unattributedClientBytes, clientTotal, `client bytes, iteration ${iter}`);
        assert.equal(res + parser.unattributedServerBytes, serverTotal, `server bytes, iteration ${iter}`);
        exchangesSeen += out.length;
        // Detection must not throw either, on any prefix.
        const firstData = events.find((e) => 'data' in e);
        if (firstData !== undefined && 'data' in firstData) {
          looksLikePostgresClient(firstData.data.subarray(0, 64));
          looksLikePostgresServer(firstData.data.subarray(0, 64));
        }
      }
    } catch (err) {
      console.log(`# fuzz failed: seed ${seed}, iteration ${iter}`);
      throw err;
    }
    assert.ok(exchangesSeen > ITERATIONS, 'inputs produce exchanges, not only noise');
    // Not a timing assertion: printed so a slowdown is visible in the test log.
    console.log(`# fuzz: ${ITERATIONS} inputs, ${exchangesSeen} exchanges, ${Date.now() - started} ms`);
  });

  it('any segmentation of a captured session gives the same exchanges', () => {
    const r = mulberry32(0xc0ffee);
    const summarise = (xs: ProtocolExchange[]): unknown[] =>
      xs.map((e) => [e.queryText, e.status, e.error, e.problem, e.requestBytes, e.responseBytes, e.attributes]);
    for (let iter = 0; iter < 2000; iter++) {
      const src = pick(r, SOURCES);
      const feed = (split: boolean): ProtocolExchange[] => {
        const parser = new PostgresParser();
        const out: ProtocolExchange[] = [];
        let now = 0;
        for (const e of src) {
          now += 1000;
          if ('gap' in e) {
            out.push(...(e.client ? parser.clientGap(e.gap, now) : parser.serverGap(e.gap, now)));
            continue;
          }
          for (let at = 0; at < e.data.length;) {
            const len = split ? 1 + Math.floor(r() * (r() < 0.5 ? 4 : 64)) : e.data.length;
            const piece = e.data.subarray(at, at + len);
            out.push(...(e.client ? parser.client(piece, now) : parser.server(piece, now)));
            at += len;
          }
        }
        out.push(...parser.close(now + 1000));
        return out;
      };
      assert.deepEqual(summarise(feed(true)), summarise(feed(false)), `iteration ${iter}`);
    }
  });
});
