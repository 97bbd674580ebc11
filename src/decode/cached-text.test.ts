import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddressTexts, CommTexts } from './cached-text.js';

function commAt(name: string, offset = 3): DataView {
  const buf = new Uint8Array(offset + 16);
  buf.set(new TextEncoder().encode(name).subarray(0, 16), offset);
  return new DataView(buf.buffer);
}

describe('CommTexts', () => {
  const cases = [
    ['short name', 'nginx', 'nginx'],
    ['empty', '', ''],
    ['exactly 16 bytes, no NUL', 'abcdefghijklmnop', 'abcdefghijklmnop'],
    ['UTF-8', 'café', 'café'],
  ] as const;
  for (const [label, name, expected] of cases) {
    it(label, () => {
      assert.equal(new CommTexts().read(commAt(name), 3), expected);
    });
  }

  it('gives each name its own text however many come and go', () => {
    const comms = new CommTexts();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 40; i++) assert.equal(comms.read(commAt(`worker-${i}`), 3), `worker-${i}`);
    }
  });

  it('returns the remembered string for a repeated name', () => {
    const comms = new CommTexts();
    const first = comms.read(commAt('redis-server'), 3);
    assert.equal(comms.read(commAt('redis-server', 7), 7), first);
  });
});

describe('AddressTexts', () => {
  const v4 = (a: number[]): DataView => new DataView(new Uint8Array([9, ...a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).buffer);

  it('formats IPv4 from the first four bytes, and again the same after caching', () => {
    const texts = new AddressTexts();
    assert.equal(texts.format(v4([127, 0, 0, 1]), 1, 4), '127.0.0.1');
    assert.equal(texts.format(v4([127, 0, 0, 1]), 1, 4), '127.0.0.1');
    assert.equal(texts.format(v4([10, 1, 2, 3]), 1, 4), '10.1.2.3');
  });

  it('stays right past its size cap (a scan of many addresses)', () => {
    const texts = new AddressTexts();
    for (let i = 0; i < 10_000; i++) {
      const a = [10, (i >> 16) & 255, (i >> 8) & 255, i & 255];
      assert.equal(texts.format(v4(a), 1, 4), a.join('.'));
    }
  });

  it('formats IPv6 (RFC 5952)', () => {
    const bytes = new Uint8Array(17);
    bytes[16] = 1; // ::1 at offset 1
    assert.equal(new AddressTexts().format(new DataView(bytes.buffer), 1, 6), '::1');
  });
});
