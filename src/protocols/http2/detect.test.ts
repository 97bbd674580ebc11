import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeHttp2Frames, looksLikeHttp2Preface } from './detect.js';
import { ALL_CAPTURES, chunkBytes } from './fixtures.js';
import { PREFACE, concatBytes, data, frame, headers, pushPromise, requestBlock, settings } from './testkit.js';

const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('looksLikeHttp2Preface', () => {
  const cases: { name: string; input: Uint8Array; want: boolean }[] = [
    { name: 'whole preface', input: PREFACE, want: true },
    { name: 'preface and SETTINGS', input: concatBytes(PREFACE, settings()), want: true },
    { name: 'shortest decidable prefix "PRI "', input: bytesOf('PRI '), want: true },
    { name: 'prefix cut after the version', input: bytesOf('PRI * HTTP/2.0\r\n'), want: true },
    { name: 'too short: "PRI"', input: bytesOf('PRI'), want: false },
    { name: 'empty', input: new Uint8Array(0), want: false },
    { name: 'HTTP/1.1 request', input: bytesOf('GET / HTTP/1.1\r\n'), want: false },
    { name: 'HTTP/1 method named PRI', input: bytesOf('PRI /x HTTP/1.1\r\n'), want: false },
    { name: 'wrong version', input: bytesOf('PRI * HTTP/1.1\r\n\r\n'), want: false },
  ];
  for (const c of cases) it(c.name, () => assert.equal(looksLikeHttp2Preface(c.input), c.want));

  it('every captured client stream starts with it, no server stream does', () => {
    for (const c of ALL_CAPTURES) {
      const client = c.chunks.find(([s]) => s === 'c')!;
      const server = c.chunks.find(([s]) => s === 's')!;
      assert.equal(looksLikeHttp2Preface(chunkBytes(client[1])), true, c.how);
      assert.equal(looksLikeHttp2Preface(chunkBytes(server[1])), false, c.how);
    }
  });
});

describe('looksLikeHttp2Frames', () => {
  const cases: { name: string; input: Uint8Array; sender?: 'client' | 'server'; want: boolean }[] = [
    { name: 'empty SETTINGS', input: settings(), want: true },
    { name: 'HEADERS then DATA from a client', input: concatBytes(headers(7, requestBlock('GET', '/')), data(7, bytesOf('x'))), sender: 'client', want: true },
    { name: 'frames cut at the end of the head', input: concatBytes(settings(), headers(1, requestBlock('GET', '/long'))).subarray(0, 20), want: true },
    { name: 'too short: 8 bytes', input: settings().subarray(0, 8), want: false },
    { name: 'client HEADERS on an even stream', input: headers(2, requestBlock('GET', '/')), sender: 'client', want: false },
    { name: 'PUSH_PROMISE from a client', input: pushPromise(1, 2, requestBlock('GET', '/')), sender: 'client', want: false },
    { name: 'PUSH_PROMISE from a server', input: pushPromise(1, 2, requestBlock('GET', '/')), sender: 'server', want: true },
    { name: 'SETTINGS on a stream', input: frame(4, 0, 1), want: false },
    { name: 'DATA on the connection', input: frame(0, 0, 0, bytesOf('x')), want: false },
    { name: 'unknown type', input: frame(0x20, 0, 1), want: false },
    { name: 'reserved bit set', input: Uint8Array.of(0, 0, 0, 4, 0, 0x80, 0, 0, 0), want: false },
    { name: 'second frame implausible', input: concatBytes(settings(), frame(6, 0, 3, new Uint8Array(8))), want: false },
    { name: 'the preface is not a frame', input: PREFACE, want: false },
    { name: 'HTTP/1 request', input: bytesOf('GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n'), want: false },
    { name: 'TLS ClientHello', input: Uint8Array.of(0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03), want: false },
  ];
  for (const c of cases) it(c.name, () => assert.equal(looksLikeHttp2Frames(c.input, c.sender), c.want));

  it('captured server streams start with frames', () => {
    for (const c of ALL_CAPTURES) {
      const server = c.chunks.find(([s]) => s === 's')!;
      assert.equal(looksLikeHttp2Frames(chunkBytes(server[1]), 'server'), true, c.how);
    }
  });

  it('random bytes rarely pass', () => {
    let seed = 99;
    let passed = 0;
    for (let i = 0; i < 20_000; i++) {
      const b = new Uint8Array(32);
      for (let k = 0; k < b.length; k++) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        b[k] = seed >>> 24;
      }
      if (looksLikeHttp2Frames(b)) passed++;
    }
    assert.ok(passed < 20, `${passed} of 20000`);
  });
});
