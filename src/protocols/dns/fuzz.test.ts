// Random and mutated DNS traffic through both modes of the parser: datagrams with random
// direction, order and gaps, and TCP streams cut at random points with random gaps. Whatever
// the input: no throw, bounded state, sane exchanges, every byte in an exchange or counted.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, pick, type Rng } from '../fuzz-kit.js';
import type { ProtocolExchange } from '../exchange.js';
import { DnsParser } from './parser.js';
import { looksLikeDnsQuery, looksLikeDnsResponse, looksLikeDnsTcpQuery, looksLikeDnsTcpResponse } from './detect.js';
import { parseDnsMessage } from './message.js';
import { MAX_KEPT_BYTES } from './tcp-framing.js';
import { ALL_CAPTURES, hex } from './fixtures.js';
import { buildMessage, concat, framed, question } from './testkit.js';

const ITERATIONS = 100_000;

/** Captured messages without TCP prefixes, plus crafted ones the captures lack. */
const QUERIES: Uint8Array[] = [];
const RESPONSES: Uint8Array[] = [];
for (const c of ALL_CAPTURES) {
  const strip = (h: string): Uint8Array => (c.transport === 'tcp' ? hex(h).subarray(2) : hex(h));
  QUERIES.push(...c.client.map(strip));
  RESPONSES.push(...c.server.map(strip));
}
QUERIES.push(buildMessage({ id: 1, questions: [question('a.test', 28), question('b.test')] }));
RESPONSES.push(
  buildMessage({ id: 1, response: true, rcode: 3, questions: [] }),
  buildMessage({ id: 1, response: true, answers: [{ type: 1, rdata: [1, 2, 3, 4] }], additional: [{ type: 41, name: [0], ttl: [1, 0, 0, 0] }] }),
);

/** Bytes that steer mutations toward the parser's decisions: pointers, label lengths, flags. */
const SPECIAL = [0x00, 0xc0, 0xc0, 0x0c, 0x3f, 0x40, 0x80, 0xff, 0x01, 0x81, 0x29];

function randomBytes(r: Rng, max: number): Uint8Array {
  const out = new Uint8Array(Math.floor(r() * max));
  for (let i = 0; i < out.length; i++) out[i] = r() < 0.3 ? pick(r, SPECIAL) : Math.floor(r() * 256);
  return out;
}

function mutate(r: Rng, input: Uint8Array): Uint8Array {
  let b = input;
  const count = Math.floor(r() * 4);
  for (let k = 0; k < count; k++) {
    const at = Math.floor(r() * (b.length + 1));
    switch (Math.floor(r() * 6)) {
      case 0: // a byte changed
        if (b.length > 0) { b = b.slice(); b[Math.min(at, b.length - 1)] = r() < 0.5 ? pick(r, SPECIAL) : Math.floor(r() * 256); }
        break;
      case 1: // bytes inserted
        b = concat([b.subarray(0, at), randomBytes(r, 8), b.subarray(at)]);
        break;
      case 2: // a run deleted
        b = concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(r() * 10)))]);
        break;
      case 3: // cut short
        b = b.subarray(0, at);
        break;
      case 4: // a header count changed
        if (b.length >= 12) { b = b.slice(); b[4 + 2 * Math.floor(r() * 4) + 1] = Math.floor(r() * 8); }
        break;
      default: // the id changed, so the pair no longer matches
        if (b.length >= 2) { b = b.slice(); b[1] = Math.floor(r() * 4); }
    }
  }
  return b;
}

function message(r: Rng, response: boolean): Uint8Array {
  const roll = r();
  if (roll < 0.1) return randomBytes(r, 80);
  const source = pick(r, response ? RESPONSES : QUERIES);
  return roll < 0.55 ? source : mutate(r, source);
}

function checkExchange(e: ProtocolExchange, transport: string): void {
  assert.ok(e.startNs <= e.endNs, `exchange ${e.startNs} > ${e.endNs}`);
  assert.ok(e.requestBytes >= 0 && e.responseBytes >= 0);
  assert.equal(e.attributes['network.transport'], transport);
  if (e.status === null) {
    assert.equal(e.responseBytes, 0);
    assert.equal(e.error, true, 'no response is an error');
    // Unanswered: said so, unless the query itself already had a problem to report.
    assert.notEqual(e.problem, null, 'an unanswered exchange has a problem');
  } else {
    assert.equal(e.error, e.status !== 'NOERROR');
  }
  if (e.resource !== null) assert.ok(e.resource.length <= 255, 'name capped');
}

describe('DNS fuzz', () => {
  it(`${ITERATIONS} random and mutated datagram flows never throw, stay bounded and account for every byte`, { timeout: 120_000 }, () => {
    const seed = 0xd05;
    const r = mulberry32(seed);
    const started = Date.now();
    let exchanges = 0;
    for (let iter = 0; iter < ITERATIONS; iter++) {
      const maxPending = r() < 0.2 ? 2 : 64;
      const p = DnsParser.datagrams({ maxPending });
      const out: ProtocolExchange[] = [];
      let clientTotal = 0;
      let serverTotal = 0;
      let now = 0;
      const steps = 1 + Math.floor(r() * 8);
      try {
        for (let s = 0; s < steps; s++) {
          now += Math.floor(r() * 1000);
          const roll = r();
          if (roll < 0.45) {
            const d = message(r, false);
            clientTotal += d.length;
            out.push(...p.client(d, now));
          } else if (roll < 0.9) {
            const d = message(r, true);
            serverTotal += d.length;
            out.push(...p.server(d, now));
          } else if (roll < 0.95) {
            const n = Math.floor(r() * 600);
            if (r() < 0.5) { clientTotal += n; out.push(...p.clientGap(n, now)); } else { serverTotal += n; out.push(...p.serverGap(n, now)); }
          } else {
            out.push(...p.expire(now, Math.floor(r() * 2000)));
          }
          assert.ok(p.pendingQueries <= maxPending, `pending ${p.pendingQueries}`);
          assert.equal(p.bufferedBytes, 0);
        }
        out.push(...p.close(now + 1));
        assert.equal(p.pendingQueries, 0);
        for (const e of out) checkExchange(e, 'udp');
        assert.equal(out.reduce((n, e) => n + e.requestBytes, 0) + p.ignoredClientBytes, clientTotal, 'client bytes');
        assert.equal(out.reduce((n, e) => n + e.responseBytes, 0) + p.ignoredServerBytes, serverTotal, 'server bytes');
      } catch (err) {
        assert.fail(`seed ${seed}, iteration ${iter}: ${String(err)}`);
      }
      exchanges += out.length;
    }
    assert.ok(exchanges > ITERATIONS, 'inputs produce exchanges, not only noise');
    console.log(`# dns datagram fuzz: ${ITERATIONS} flows, ${exchanges} exchanges, ${Date.now() - started} ms`);
  });

  const tcpTitle = `${ITERATIONS} random and mutated TCP streams at random split points never throw, stay bounded and account for every byte`;
  it(tcpTitle, { timeout: 120_000 }, () => {
    const seed = 0x7c9;
    const r = mulberry32(seed);
    const started = Date.now();
    let exchanges = 0;
    for (let iter = 0; iter < ITERATIONS; iter++) {
      const p = DnsParser.stream({ maxPending: r() < 0.2 ? 2 : 64 });
      const streams = [0, 1].map((side) => {
        const parts: Uint8Array[] = [];
        for (let n = Math.floor(r() * 4); n > 0; n--) {
          const m = message(r, side === 1);
          // Mostly well framed; sometimes a lying prefix or bare bytes.
          parts.push(r() < 0.9 ? framed(m) : r() < 0.5 ? m : framed(m).subarray(0, Math.floor(r() * (m.length + 2))));
        }
        return concat(parts);
      }) as [Uint8Array, Uint8Array];
      const at = [0, 0];
      const totals = [0, 0];
      const out: ProtocolExchange[] = [];
      let now = 0;
      try {
        while (at[0]! < streams[0].length || at[1]! < streams[1].length) {
          now += Math.floor(r() * 100);
          const side = at[0]! >= streams[0].length ? 1 : at[1]! >= streams[1].length ? 0 : r() < 0.5 ? 0 : 1;
          const data = streams[side]!;
          const len = Math.min(data.length - at[side]!, 1 + Math.floor(r() * (r() < 0.3 ? 4 : 120)));
          if (r() < 0.04) out.push(...(side === 0 ? p.clientGap(len, now) : p.serverGap(len, now)));
          else {
            const chunk = data.subarray(at[side]!, at[side]! + len);
            out.push(...(side === 0 ? p.client(chunk, now) : p.server(chunk, now)));
          }
          at[side]! += len;
          totals[side]! += len;
          if (r() < 0.02) {
            const extra = 1 + Math.floor(r() * 70_000);
            out.push(...(side === 0 ? p.clientGap(extra, now) : p.serverGap(extra, now)));
            totals[side]! += extra;
          }
          assert.ok(p.bufferedBytes <= 2 * MAX_KEPT_BYTES, `buffered ${p.bufferedBytes}`);
          assert.ok(p.pendingQueries <= 64);
        }
        out.push(...p.close(now + 1));
        assert.equal(p.pendingQueries, 0);
        for (const e of out) checkExchange(e, 'tcp');
        assert.equal(out.reduce((n, e) => n + e.requestBytes, 0) + p.ignoredClientBytes, totals[0], 'client bytes');
        assert.equal(out.reduce((n, e) => n + e.responseBytes, 0) + p.ignoredServerBytes, totals[1], 'server bytes');
      } catch (err) {
        assert.fail(`seed ${seed}, iteration ${iter}: ${String(err)}`);
      }
      exchanges += out.length;
      looksLikeDnsTcpQuery(streams[0].subarray(0, 64));
      looksLikeDnsTcpResponse(streams[1].subarray(0, 64));
    }
    assert.ok(exchanges > ITERATIONS / 2, 'inputs produce exchanges, not only noise');
    console.log(`# dns tcp fuzz: ${ITERATIONS} streams, ${exchanges} exchanges, ${Date.now() - started} ms`);
  });

  it('any segmentation of a TCP stream without gaps gives the same exchanges as the whole stream', () => {
    const seed = 0x5e9;
    const r = mulberry32(seed);
    const run = (client: Uint8Array[], server: Uint8Array[]): ProtocolExchange[] => {
      const p = DnsParser.stream();
      const out: ProtocolExchange[] = [];
      for (const c of client) out.push(...p.client(c, 0));
      for (const s of server) out.push(...p.server(s, 0));
      out.push(...p.close(0));
      return out;
    };
    const pieces = (data: Uint8Array): Uint8Array[] => {
      const out: Uint8Array[] = [];
      for (let i = 0; i < data.length;) {
        const n = 1 + Math.floor(r() * (r() < 0.5 ? 3 : 50));
        out.push(data.subarray(i, i + n));
        i += n;
      }
      return out;
    };
    for (let iter = 0; iter < 3000; iter++) {
      const client = concat(Array.from({ length: 1 + Math.floor(r() * 3) }, () => framed(message(r, false))));
      const server = concat(Array.from({ length: 1 + Math.floor(r() * 3) }, () => framed(message(r, true))));
      assert.deepEqual(run(pieces(client), pieces(server)), run([client], [server]), `seed ${seed}, iteration ${iter}`);
    }
  });

  it('parseDnsMessage and detection on random and mutated bytes: no throw, names capped', () => {
    const r = mulberry32(0xa11);
    for (let iter = 0; iter < ITERATIONS; iter++) {
      const b = message(r, r() < 0.5);
      const parsed = parseDnsMessage(b);
      const q = 'question' in parsed ? parsed.question : null;
      if (q !== null) assert.ok(q.name.length <= 255 && q.name.length > 0);
      looksLikeDnsQuery(b);
      looksLikeDnsResponse(b);
    }
  });
});
