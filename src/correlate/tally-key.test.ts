import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pathTallyKey, sqlTallyKey } from './tally-key.js';

describe('pathTallyKey', () => {
  const same: Array<[string, string, string]> = [
    ['ids in a segment', '/users/42', '/users/43'],
    ['query string dropped', '/items?a=1', '/items?b=2'],
    ['fragment dropped', '/a#x', '/a#y'],
    ['uuid-like segment', '/o/0b1c2d3e-aaaa', '/o/9f8e7d6c-bbbb'],
    ['past 96 bytes', `/${'a'.repeat(96)}x`, `/${'a'.repeat(96)}y`],
  ];
  for (const [name, a, b] of same) it(`same key: ${name}`, () => assert.equal(pathTallyKey(a), pathTallyKey(b)));
  const different: Array<[string, string, string]> = [
    ['different words', '/users', '/orders'],
    ['extra segment', '/users', '/users/'],
    ['root vs empty', '/', ''],
    ['id vs word', '/users/42', '/users/me'],
  ];
  for (const [name, a, b] of different) it(`different keys: ${name}`, () => assert.notEqual(pathTallyKey(a), pathTallyKey(b)));
  it('is an unsigned 32-bit number with known values (FNV-1a by segment)', () => {
    // "/" : the empty first segment folds the FNV offset basis into itself (0), then the empty last one.
    assert.equal(pathTallyKey('/'), Math.imul(2166136261, 16777619) >>> 0);
    const k = pathTallyKey('/users/42');
    assert.ok(Number.isInteger(k) && k >= 0 && k < 2 ** 32);
  });
});

describe('sqlTallyKey', () => {
  const same: Array<[string, string, string]> = [
    ['numbers', 'UPDATE t SET v = v + 4390 WHERE id = 41234;', 'UPDATE t SET v = v + 17 WHERE id = 9;'],
    ['string literals', "SELECT * FROM u WHERE name = 'bob'", "SELECT * FROM u WHERE name = 'alice'"],
    ['after a NUL', 'SELECT 1\0P\0\0', 'SELECT 2\0B\0\0'],
    ['past 64 hashed bytes', `SELECT ${'x'.repeat(60)} FROM a`, `SELECT ${'x'.repeat(60)} FROM b`],
    ['literal lengths do not move the window', `UPDATE t SET ${'c'.repeat(40)} = 1 WHERE a = 'x' AND b = 2`, `UPDATE t SET ${'c'.repeat(40)} = 12345 WHERE a = 'xyzzy' AND b = 2`],
  ];
  for (const [name, a, b] of same) it(`same key: ${name}`, () => assert.equal(sqlTallyKey(a), sqlTallyKey(b)));
  const different: Array<[string, string, string]> = [
    ['tables', 'SELECT * FROM a', 'SELECT * FROM b'],
    ['verbs', 'DELETE FROM a', 'SELECT FROM a'],
  ];
  for (const [name, a, b] of different) it(`different keys: ${name}`, () => assert.notEqual(sqlTallyKey(a), sqlTallyKey(b)));
  it('of the empty text is the FNV offset basis', () => assert.equal(sqlTallyKey(''), 2166136261));
});

describe('non-ASCII text', () => {
  it('is hashed as its UTF-8 bytes, as the kernel sees it on the wire', () => {
    // "/é" on the wire is 2f c3 a9: one segment of two bytes.
    const bytes = [0xc3, 0xa9];
    let seg = 2166136261;
    for (const b of bytes) seg = Math.imul(seg ^ b, 16777619) >>> 0;
    const h = Math.imul(0, 16777619) >>> 0; // the empty segment before the first '/'
    assert.equal(pathTallyKey('/é'), Math.imul(h ^ seg, 16777619) >>> 0);
    assert.notEqual(sqlTallyKey("SELECT 'é' FROM t"), sqlTallyKey('SELECT é FROM t'));
  });
});
