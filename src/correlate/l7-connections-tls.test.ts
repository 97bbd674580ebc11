import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { L7Segment } from '../decode/l7-events.js';
import { L7Protocol } from '../decode/generated/l7.js';
import { MonotonicClock } from './clock.js';
import { FlowCorrelator } from './flow-correlator.js';
import type { L7Exchange } from './l7-exchange.js';
import { L7Connections } from './l7-connections.js';

const enc = new TextEncoder();
const v4 = (last: number): Uint8Array => new Uint8Array([127, 0, 0, last, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

function segment(text: string, extra: Partial<L7Segment>): L7Segment {
  const payload = enc.encode(text);
  return {
    kind: 'segment', egress: true, messageStart: true, datagram: false, protocol: L7Protocol.HTTP1, family: 4,
    localPort: 40000, remotePort: 443, seq: 0, payloadLength: payload.length, senderPid: 77, socketCookie: 9, tsNs: 1_000_000,
    localAddrBytes: v4(1), remoteAddrBytes: v4(2), payload, tls: false, ...extra,
  };
}

function harness(): { conns: L7Connections; out: L7Exchange[] } {
  const flows = new FlowCorrelator({ rules: [], procRoot: mkdtempSync(join(tmpdir(), 'sonde-proc-')) });
  flows.onOpen({ kind: 'open', socketCookie: 9, pid: 77, comm: 'curl', direction: 'outbound', tuple: null });
  const out: L7Exchange[] = [];
  const conns = new L7Connections({ flows, clock: new MonotonicClock(), onExchange: (e) => out.push(e) });
  return { conns, out };
}

const REQUEST = 'GET /secret HTTP/1.1\r\nHost: x\r\n\r\n';
const RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

describe('L7Connections with TLS plaintext', () => {
  it('TLS plaintext makes records with tls: true', () => {
    const { conns, out } = harness();
    conns.segment(segment(REQUEST, { tls: true }));
    conns.segment(segment(RESPONSE, { tls: true, egress: false }));
    assert.equal(out.length, 1);
    assert.equal(out[0]?.tls, true);
    assert.equal(out[0]?.target, '/secret');
    assert.equal(out[0]?.status, 200);
  });

  it('plaintext of a socket already parsed from its segments takes over, unflushed', () => {
    const { conns, out } = harness();
    // The socket path saw the start of a request (say, a STARTTLS-like prelude) ...
    conns.segment(segment('GET /prelude HTTP/1.1\r\n', { seq: 5000 }));
    // ... then the connection turned out to be TLS: its plaintext replaces it.
    conns.segment(segment(REQUEST, { tls: true }));
    conns.segment(segment(RESPONSE, { tls: true, egress: false }));
    conns.flushAll(2_000_000);
    assert.deepEqual(out.map((e) => [e.target, e.tls]), [['/secret', true]]);
    assert.equal(conns.stats.tlsTakeovers, 1);
  });

  it('ciphertext segments of a connection parsed from plaintext are skipped', () => {
    const { conns, out } = harness();
    conns.segment(segment(REQUEST, { tls: true }));
    conns.segment(segment('\u0017\u0003\u0003garbage', { seq: 9999, protocol: L7Protocol.HTTP1 }));
    conns.segment(segment(RESPONSE, { tls: true, egress: false }));
    assert.equal(conns.stats.ciphertextSkipped, 1);
    assert.deepEqual(out.map((e) => [e.target, e.status, e.tls]), [['/secret', 200, true]]);
  });

  it('records of socket segments say tls: false', () => {
    const { conns, out } = harness();
    conns.segment(segment(REQUEST, {}));
    conns.segment(segment(RESPONSE, { egress: false }));
    assert.equal(out[0]?.tls, false);
  });
});
