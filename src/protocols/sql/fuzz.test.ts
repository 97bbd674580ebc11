// Random and mutated text through summarizeSql. Checked for every input: no throw, bounded
// output, a hash that is a function of the normalised text, and the same answer twice. Checked
// for generated well-formed queries: no literal's content reaches the normalised text.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, pick, type Rng } from '../fuzz-kit.js';
import { MAX_NORMALIZED_LENGTH, summarizeSql } from './summarize-sql.js';
import { fnv1a64Hex } from './fnv1a64.js';
import { SAMPLE_QUERIES } from './fixtures.js';

const ITERATIONS = 100_000;

/** Fragments that steer random text toward the lexer's decisions. */
const TOKENS = [
  "'", "''", '"', '`', '[', ']', '\\', "\\'", '$$', '$a$', '$1', '?', ':x', '::', '--', '\n', '/*', '*/', '/*!', '/*+',
  '-', '-1', '.5', '0x', '1e', '(', ')', ',', ';', ' ', 'IN (', 'VALUES (', 'SELECT ', 'FROM ', 'WITH ', 'INSERT INTO ',
  'UPDATE ', 'DELETE ', 'E\'', 'N\'', '_utf8\'', 'é', '😀', '\u0000', '\ud800',
];

function randomText(r: Rng, max: number): string {
  let s = '';
  const target = Math.floor(r() * max);
  while (s.length < target) s += r() < 0.5 ? pick(r, TOKENS) : String.fromCharCode(Math.floor(r() * (r() < 0.8 ? 128 : 0x10000)));
  return s;
}

function mutate(r: Rng, input: string): string {
  let s = input;
  for (let k = Math.floor(r() * 4); k > 0; k--) {
    const at = Math.floor(r() * (s.length + 1));
    switch (Math.floor(r() * 5)) {
      case 0: s = s.slice(0, at) + pick(r, TOKENS) + s.slice(at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 8)); break;
      case 2: s = s.slice(0, at); break;
      case 3: s = s.slice(0, at) + s.slice(at, at + Math.floor(r() * 40)).repeat(1 + Math.floor(r() * 3)) + s.slice(at); break;
      default: s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 128)) + s.slice(at + 1);
    }
  }
  return s;
}

function input(r: Rng): string {
  const roll = r();
  if (roll < 0.34) return randomText(r, 200);
  if (roll < 0.35) return randomText(r, 5000);
  const base = pick(r, SAMPLE_QUERIES);
  if (roll < 0.45) return base;
  if (roll < 0.5) return `${base} ${pick(r, SAMPLE_QUERIES)}`;
  return mutate(r, base);
}

/** A string literal holding `secret`, written as one dialect would. */
function literal(r: Rng, secret: string, mysql: boolean): string {
  const roll = r();
  if (roll < 0.15) return `$$${secret}$$`;
  if (roll < 0.25) return `$q$${secret}'$q$`;
  if (roll < 0.35) return `E'${secret}\\'\\\\'`;
  const body = pick(r, ['', "it''s ", 'x ', ' ; -- ', '/* ']) + secret + pick(r, ['', "''", ' y', '"', '`']);
  if (mysql) return `'${body}${pick(r, ['', "\\'", '\\\\', '\\n'])}'`;
  return `'${body}${pick(r, ['', '\\', 'C:\\dir\\'])}'`;
}

const TEMPLATES: readonly ((v: () => string) => string)[] = [
  (v) => `SELECT a, ${v()} FROM t WHERE b = ${v()} AND c IN (${v()}, ${v()})`,
  (v) => `INSERT INTO t (a, b) VALUES (${v()}, ${v()}), (${v()}, ${v()})`,
  (v) => `UPDATE t SET a = ${v()}, b = b + ${v()} WHERE id = ${v()}; SELECT ${v()}`,
  (v) => `/* c */ DELETE FROM t WHERE x LIKE ${v()} -- ${'tail'}\n OR y = ${v()}`,
];

describe('summarizeSql fuzz', () => {
  it(`${ITERATIONS} random and mutated texts: no throw, bounded, deterministic`, { timeout: 120_000 }, () => {
    const seed = 0x5a1;
    const r = mulberry32(seed);
    const started = Date.now();
    let withOperation = 0;
    for (let iter = 0; iter < ITERATIONS; iter++) {
      const text = input(r);
      try {
        const s = summarizeSql(text);
        assert.ok(s.normalized.length <= MAX_NORMALIZED_LENGTH, `normalized ${s.normalized.length}`);
        assert.match(s.hash, /^[0-9a-f]{16}$/);
        assert.equal(s.hash, fnv1a64Hex(s.normalized));
        assert.deepEqual(summarizeSql(text), s, 'same input, same answer');
        if (s.operation === null) {
          assert.equal(s.table, null);
          assert.equal(s.summary, '');
        } else {
          withOperation++;
          assert.match(s.operation, /^[A-Z]+$/);
          assert.equal(s.summary, s.table === null ? s.operation : `${s.operation} ${s.table}`);
        }
        if (s.table !== null) assert.ok(s.table.length > 0 && s.table.length <= 255);
      } catch (err) {
        assert.fail(`seed ${seed}, iteration ${iter}, input ${JSON.stringify(text.slice(0, 200))}: ${String(err)}`);
      }
    }
    assert.ok(withOperation > ITERATIONS / 10, 'inputs reach the statement rules, not only noise');
    console.log(`# sql fuzz: ${ITERATIONS} inputs, ${withOperation} with an operation, ${Date.now() - started} ms`);
  });

  it('generated queries in one dialect never leak a literal', () => {
    const seed = 0x1ea4;
    const r = mulberry32(seed);
    for (let iter = 0; iter < 20_000; iter++) {
      const mysql = r() < 0.5;
      const values = () => (r() < 0.25 ? `-987654${Math.floor(r() * 1000)}` : literal(r, 'ZQX', mysql));
      const sql = pick(r, TEMPLATES)(values);
      const s = summarizeSql(sql);
      assert.doesNotMatch(s.normalized, /ZQX|987654/, `seed ${seed}, iteration ${iter}: ${sql}`);
      assert.notEqual(s.operation, null, sql);
    }
  });
});
