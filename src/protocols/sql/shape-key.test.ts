import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, pick, type Rng } from '../fuzz-kit.js';
import { MAX_SHAPE_TEXT, sqlShapeKey } from './shape-key.js';
import { summarizeSql } from './summarize-sql.js';
import { SAMPLE_QUERIES } from './fixtures.js';

const CASES: ReadonlyArray<{ name: string; a: string; b: string; same: boolean }> = [
  { name: 'pgbench: new numbers', a: 'UPDATE pgbench_accounts SET abalance = abalance + -1234 WHERE aid = 5678;', b: 'UPDATE pgbench_accounts SET abalance = abalance + -7 WHERE aid = 91011;', same: true },
  { name: 'new string contents', a: "UPDATE t SET c='04113281545-11240735563' WHERE id=4995", b: "UPDATE t SET c='x' WHERE id=1", same: true },
  { name: 'doubled quote in a string', a: "SELECT 'it''s'", b: "SELECT 'ab''cd'", same: true },
  { name: 'a sign is kept', a: 'SELECT a + -1', b: 'SELECT a + 1', same: false },
  { name: 'digits in names are kept', a: 'SELECT c FROM sbtest1 WHERE id=1', b: 'SELECT c FROM sbtest2 WHERE id=1', same: false },
  { name: 'quoted names are kept whole', a: 'SELECT * FROM "t 1"', b: 'SELECT * FROM "t 2"', same: false },
  { name: 'placeholders are kept', a: 'SELECT $1', b: 'SELECT $2', same: false },
  { name: 'colon placeholders are kept', a: 'SELECT :1', b: 'SELECT :2', same: false },
  { name: 'list lengths differ', a: 'SELECT 1 WHERE id IN (1, 2)', b: 'SELECT 1 WHERE id IN (1, 2, 3)', same: false },
  { name: 'decimals: fraction digits are kept', a: 'SELECT 1.5', b: 'SELECT 2.5', same: true },
];

const REFUSED: ReadonlyArray<{ name: string; sql: string }> = [
  { name: 'line comment', sql: 'SELECT 1 -- 2' },
  { name: 'block comment', sql: '/* a */ SELECT 1' },
  { name: 'hash comment', sql: 'SELECT 1 # 2' },
  { name: 'backslash in a string', sql: "SELECT 'it\\'s'" },
  { name: 'dollar quoting', sql: 'SELECT $$a$$' },
  { name: 'bracketed name', sql: 'SELECT * FROM [t 1]' },
  { name: 'unterminated string', sql: "SELECT 'abc" },
  { name: 'unterminated name', sql: 'SELECT "abc' },
  { name: 'too long', sql: `SELECT ${'a'.repeat(MAX_SHAPE_TEXT)}` },
];

describe('sqlShapeKey', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.same ? 'same key' : 'different keys'}`, () => {
      const a = sqlShapeKey(c.a);
      const b = sqlShapeKey(c.b);
      assert.notEqual(a, null);
      assert.notEqual(b, null);
      assert.equal(a === b, c.same);
    });
  }

  for (const c of REFUSED) {
    it(`refuses: ${c.name}`, () => assert.equal(sqlShapeKey(c.sql), null));
  }

  it('a text without literals is its own key (no copy)', () => {
    const sql = 'SELECT "users".* FROM "users" WHERE "users"."id" IN ($1, $2, $3)';
    assert.equal(sqlShapeKey(sql), sql);
  });

  // The property the cache relies on: texts that share a key share a summary. Random texts over
  // a small alphabet of the lexer's hard cases collide often, which is the point.
  const PIECES = [
    "'", "''", '"', '`', '0', '1', '42', '7', ' ', '-', '+', '.', 'e', 'E', 'N', 'x', '_', '(', ')', ',', ';', ':', '?',
    '$1', '::', 'a', 't1', 'SELECT ', 'FROM ', 'WHERE ', 'IN (', 'LIMIT ', 'VALUES (', 'UPDATE ', 'SET ', '=', 'é',
  ];
  const randomText = (r: Rng): string => {
    let s = '';
    for (let k = 1 + Math.floor(r() * 14); k > 0; k--) s += pick(r, PIECES);
    return s;
  };
  /** The same text with new digits in every number and new contents in every string. */
  const relabel = (r: Rng, sql: string): string =>
    sql.replace(/'[^'\\]*'/g, () => `'${pick(r, ['', 'x', 'a b', '12', '"', '--', '$$', '#'])}'`).replace(/\d+/g, (d) => (r() < 0.5 ? d : String(Math.floor(r() * 100000))));

  it('texts with one key have one summary (200,000 random texts and relabelled samples)', () => {
    const r = mulberry32(20261122);
    const byKey = new Map<string, { sql: string; summary: string }>();
    const check = (sql: string): void => {
      const key = sqlShapeKey(sql);
      if (key === null) return;
      const summary = JSON.stringify(summarizeSql(sql));
      const first = byKey.get(key);
      if (first === undefined) byKey.set(key, { sql, summary });
      else assert.equal(summary, first.summary, `${JSON.stringify(sql)} and ${JSON.stringify(first.sql)} share key ${JSON.stringify(key)}`);
    };
    for (let i = 0; i < 200_000; i++) check(randomText(r));
    for (const sql of SAMPLE_QUERIES) for (let i = 0; i < 200; i++) check(relabel(r, sql));
    assert.ok(byKey.size > 1000, `only ${byKey.size} keys: the generator no longer explores`);
  });
});
