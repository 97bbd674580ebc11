import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_NORMALIZED_LENGTH, summarizeSql } from './summarize-sql.js';
import { fnv1a64Hex } from './fnv1a64.js';

interface Case {
  name: string;
  sql: string;
  operation: string | null;
  table: string | null;
  /** Omitted where the case is about the operation and table only. */
  normalized?: string;
}

// pgbench 16: the built-in tpcb-like script (simple and prepared protocol) and its initialisation.
const PGBENCH: Case[] = [
  { name: 'pgbench: BEGIN', sql: 'BEGIN;', operation: 'BEGIN', table: null, normalized: 'BEGIN;' },
  {
    name: 'pgbench: update accounts',
    sql: 'UPDATE pgbench_accounts SET abalance = abalance + -1234 WHERE aid = 5678;',
    operation: 'UPDATE', table: 'pgbench_accounts',
    normalized: 'UPDATE pgbench_accounts SET abalance = abalance + ? WHERE aid = ?;',
  },
  {
    name: 'pgbench: select balance',
    sql: 'SELECT abalance FROM pgbench_accounts WHERE aid = 5678;',
    operation: 'SELECT', table: 'pgbench_accounts',
    normalized: 'SELECT abalance FROM pgbench_accounts WHERE aid = ?;',
  },
  {
    name: 'pgbench: update tellers',
    sql: 'UPDATE pgbench_tellers SET tbalance = tbalance + 4321 WHERE tid = 7;',
    operation: 'UPDATE', table: 'pgbench_tellers',
    normalized: 'UPDATE pgbench_tellers SET tbalance = tbalance + ? WHERE tid = ?;',
  },
  {
    name: 'pgbench: update branches',
    sql: 'UPDATE pgbench_branches SET bbalance = bbalance + -1234 WHERE bid = 1;',
    operation: 'UPDATE', table: 'pgbench_branches',
    normalized: 'UPDATE pgbench_branches SET bbalance = bbalance + ? WHERE bid = ?;',
  },
  {
    name: 'pgbench: insert history',
    sql: 'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (7, 1, 5678, -1234, CURRENT_TIMESTAMP);',
    operation: 'INSERT', table: 'pgbench_history',
    normalized: 'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP);',
  },
  { name: 'pgbench: END', sql: 'END;', operation: 'END', table: null, normalized: 'END;' },
  {
    name: 'pgbench prepared: update accounts',
    sql: 'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;',
    operation: 'UPDATE', table: 'pgbench_accounts',
    normalized: 'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;',
  },
  {
    name: 'pgbench prepared: insert history',
    sql: 'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP);',
    operation: 'INSERT', table: 'pgbench_history',
    normalized: 'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP);',
  },
  {
    name: 'pgbench init: drop tables',
    sql: 'drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers',
    operation: 'DROP', table: 'pgbench_accounts',
  },
  {
    name: 'pgbench init: create table',
    sql: 'create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22))',
    operation: 'CREATE', table: 'pgbench_history',
    normalized: 'create table pgbench_history(tid int,bid int,aid int,delta int,mtime timestamp,filler char(?))',
  },
  {
    name: 'pgbench init: truncate',
    sql: 'truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers',
    operation: 'TRUNCATE', table: 'pgbench_accounts',
  },
  {
    name: 'pgbench init: insert branch',
    sql: 'insert into pgbench_branches(bid,bbalance) values(1,0)',
    operation: 'INSERT', table: 'pgbench_branches', normalized: 'insert into pgbench_branches(bid,bbalance) values(?,?)',
  },
  {
    name: 'pgbench init: copy',
    sql: 'copy pgbench_accounts from stdin with (freeze on)',
    operation: 'COPY', table: 'pgbench_accounts', normalized: 'copy pgbench_accounts from stdin with (freeze on)',
  },
  { name: 'pgbench init: vacuum', sql: 'vacuum analyze pgbench_branches', operation: 'VACUUM', table: null },
  {
    name: 'pgbench init: primary key',
    sql: 'alter table pgbench_branches add primary key (bid)',
    operation: 'ALTER', table: 'pgbench_branches',
  },
  { name: 'pgbench: count', sql: 'select count(*) from pgbench_branches', operation: 'SELECT', table: 'pgbench_branches' },
];

const CASES: Case[] = [
  ...PGBENCH,
  // Literals
  {
    name: "string with '' escape", sql: "SELECT * FROM users WHERE name = 'O''Brien' AND x = 'a'",
    operation: 'SELECT', table: 'users', normalized: 'SELECT * FROM users WHERE name = ? AND x = ?',
  },
  {
    name: 'MySQL backslash escapes', sql: "SELECT id FROM t WHERE a = 'it\\'s' AND b = 'c:\\\\dir\\\\' AND c = 'x\\\"y'",
    operation: 'SELECT', table: 't', normalized: 'SELECT id FROM t WHERE a = ? AND b = ? AND c = ?',
  },
  {
    name: 'PostgreSQL standard string ending in a backslash', sql: "SELECT 'C:\\' AS path, 'secret' AS s FROM files",
    operation: 'SELECT', table: 'files', normalized: 'SELECT ? AS path, ? AS s FROM files',
  },
  {
    name: 'E string with escapes', sql: "SELECT E'line\\nbreak \\' quote' FROM t",
    operation: 'SELECT', table: 't', normalized: 'SELECT ? FROM t',
  },
  {
    name: 'N, B, X prefixed strings and MySQL introducer', sql: "SELECT N'ü', B'1010', X'ff', _utf8mb4'abc' FROM t",
    operation: 'SELECT', table: 't', normalized: 'SELECT ?, ?, ?, ? FROM t',
  },
  {
    name: 'dollar quoting', sql: "SELECT $$it's; -- not a comment$$, $fn$ body $$ inner $$ $fn$ FROM t",
    operation: 'SELECT', table: 't', normalized: 'SELECT ?, ? FROM t',
  },
  {
    name: 'dollar-quoted function body', sql: 'CREATE FUNCTION f() RETURNS int AS $body$ SELECT 42; $body$ LANGUAGE sql',
    operation: 'CREATE', table: null, normalized: 'CREATE FUNCTION f() RETURNS int AS ? LANGUAGE sql',
  },
  {
    name: 'numbers: decimal, exponent, hex, leading dot', sql: 'SELECT 3.14, 1e10, 2.5E-3, 0x1F, .5, 1_000 FROM t',
    operation: 'SELECT', table: 't', normalized: 'SELECT ?, ?, ?, ?, ?, ? FROM t',
  },
  {
    name: 'negative numbers after operators, subtraction kept', sql: 'SELECT a-1, b - 2, -3, (-4), c * -5.5 FROM t WHERE d = -6',
    operation: 'SELECT', table: 't', normalized: 'SELECT a-?, b - ?, ?, (?), c * ? FROM t WHERE d = ?',
  },
  {
    name: 'digits inside identifiers stay', sql: 'SELECT col1, t2.x3 FROM table9 AS t2',
    operation: 'SELECT', table: 'table9', normalized: 'SELECT col1, t2.x3 FROM table9 AS t2',
  },
  {
    name: 'TRUE, FALSE, NULL stay', sql: 'UPDATE t SET a = TRUE, b = false, c = NULL WHERE d IS NOT NULL',
    operation: 'UPDATE', table: 't', normalized: 'UPDATE t SET a = TRUE, b = false, c = NULL WHERE d IS NOT NULL',
  },
  {
    name: 'placeholders stay', sql: 'SELECT * FROM t WHERE a = $1 AND b = ? AND c = :name AND d = @v AND e::text = $12',
    operation: 'SELECT', table: 't', normalized: 'SELECT * FROM t WHERE a = $1 AND b = ? AND c = :name AND d = @v AND e::text = $12',
  },
  {
    name: 'casts and array subscripts', sql: "SELECT '{1,2}'::int[], arr[3], ARRAY[4, 5] FROM t",
    operation: 'SELECT', table: 't', normalized: 'SELECT ?::int[], arr[?], ARRAY[?, ?] FROM t',
  },
  // Lists
  {
    name: 'IN list collapsed', sql: 'SELECT * FROM t WHERE id IN (1, 2, 3) AND s NOT IN (\'a\',\'b\')',
    operation: 'SELECT', table: 't', normalized: 'SELECT * FROM t WHERE id IN (?) AND s NOT IN (?)',
  },
  {
    name: 'IN list of placeholders collapsed', sql: 'SELECT * FROM t WHERE id IN ($1, $2, $3)',
    operation: 'SELECT', table: 't', normalized: 'SELECT * FROM t WHERE id IN ($1)',
  },
  {
    name: 'IN subquery untouched', sql: 'DELETE FROM t WHERE id IN (SELECT id FROM u WHERE x = 1)',
    operation: 'DELETE', table: 't', normalized: 'DELETE FROM t WHERE id IN (SELECT id FROM u WHERE x = ?)',
  },
  {
    name: 'VALUES rows collapsed', sql: "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, now())",
    operation: 'INSERT', table: 't', normalized: 'INSERT INTO t (a, b) VALUES (?, ?)',
  },
  {
    name: 'VALUES rows collapsed, then more', sql: 'INSERT INTO t VALUES (1, (2)), (3, (4)) ON CONFLICT (a) DO NOTHING',
    operation: 'INSERT', table: 't', normalized: 'INSERT INTO t VALUES (?, (?)) ON CONFLICT (a) DO NOTHING',
  },
  // Comments and whitespace
  {
    name: 'leading comments and hints', sql: '/* app=web */ -- trace\n  SELECT /*+ INDEX(t i) */ a\n\tFROM   t',
    operation: 'SELECT', table: 't', normalized: 'SELECT a FROM t',
  },
  {
    name: 'comment between tokens separates them', sql: 'SELECT a/**/FROM/* x */t',
    operation: 'SELECT', table: 't', normalized: 'SELECT a FROM t',
  },
  {
    name: 'MySQL executable comment keeps its code', sql: '/*!40101 SET NAMES utf8mb4 */',
    operation: 'SET', table: null, normalized: 'SET NAMES utf8mb4',
  },
  // Statement shapes
  {
    name: 'WITH ... SELECT', sql: 'WITH recent AS (SELECT * FROM orders WHERE ts > 5) SELECT count(*) FROM recent r JOIN users u ON u.id = r.uid',
    operation: 'SELECT', table: 'recent',
  },
  {
    name: 'WITH RECURSIVE ... INSERT', sql: 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) INSERT INTO nums SELECT i FROM n',
    operation: 'INSERT', table: 'nums',
  },
  { name: 'SELECT ... FOR UPDATE', sql: 'SELECT * FROM jobs WHERE id = 1 FOR UPDATE SKIP LOCKED', operation: 'SELECT', table: 'jobs' },
  { name: 'SELECT without FROM', sql: 'SELECT 1', operation: 'SELECT', table: null, normalized: 'SELECT ?' },
  { name: 'FROM inside a function is not the table', sql: 'SELECT EXTRACT(YEAR FROM d) FROM events', operation: 'SELECT', table: 'events' },
  { name: 'subquery in select list', sql: 'SELECT (SELECT max(x) FROM inner_t) FROM outer_t', operation: 'SELECT', table: 'outer_t' },
  { name: 'FROM a subquery', sql: 'SELECT * FROM (SELECT 1) AS s', operation: 'SELECT', table: null },
  { name: 'FROM a table function', sql: 'SELECT * FROM generate_series(1, 10)', operation: 'SELECT', table: null },
  { name: 'parenthesised SELECT', sql: '(SELECT a FROM t1) UNION (SELECT a FROM t2)', operation: 'SELECT', table: 't1' },
  { name: 'schema-qualified', sql: 'SELECT * FROM public.accounts', operation: 'SELECT', table: 'public.accounts' },
  { name: 'double-quoted identifiers', sql: 'SELECT * FROM "My Schema"."Odd""Name"', operation: 'SELECT', table: 'My Schema.Odd"Name' },
  { name: 'backtick identifiers', sql: 'INSERT INTO `shop`.`order items` (a) VALUES (1)', operation: 'INSERT', table: 'shop.order items' },
  { name: 'bracket identifiers', sql: 'UPDATE [dbo].[Users] SET a = 1', operation: 'UPDATE', table: 'dbo.Users' },
  { name: 'MySQL INSERT IGNORE', sql: 'INSERT IGNORE INTO t (a) VALUES (1)', operation: 'INSERT', table: 't' },
  { name: 'REPLACE INTO', sql: 'REPLACE INTO kv (k, v) VALUES (\'a\', \'b\')', operation: 'REPLACE', table: 'kv' },
  { name: 'SQLite INSERT OR REPLACE', sql: 'INSERT OR REPLACE INTO kv VALUES (1)', operation: 'INSERT', table: 'kv' },
  { name: 'DELETE FROM', sql: 'DELETE FROM sessions WHERE expires < now()', operation: 'DELETE', table: 'sessions' },
  { name: 'MERGE INTO', sql: 'MERGE INTO target t USING source s ON t.id = s.id WHEN MATCHED THEN DELETE', operation: 'MERGE', table: 'target' },
  { name: 'CREATE TABLE IF NOT EXISTS', sql: 'CREATE TABLE IF NOT EXISTS app.events (id int)', operation: 'CREATE', table: 'app.events' },
  { name: 'CREATE TEMP TABLE', sql: 'CREATE TEMPORARY TABLE scratch AS SELECT 1', operation: 'CREATE', table: 'scratch' },
  { name: 'CREATE INDEX has no table', sql: 'CREATE INDEX i ON t (a)', operation: 'CREATE', table: null },
  { name: 'ALTER TABLE ONLY', sql: 'ALTER TABLE IF EXISTS ONLY t ADD COLUMN c int', operation: 'ALTER', table: 't' },
  { name: 'TRUNCATE without TABLE', sql: 'TRUNCATE t', operation: 'TRUNCATE', table: 't' },
  { name: 'COPY a query', sql: 'COPY (SELECT 1) TO STDOUT', operation: 'COPY', table: null },
  { name: 'transaction control', sql: 'ROLLBACK', operation: 'ROLLBACK', table: null },
  { name: 'COMMIT lower-case', sql: 'commit', operation: 'COMMIT', table: null },
  { name: 'SET', sql: "SET search_path = 'x'", operation: 'SET', table: null, normalized: 'SET search_path = ?' },
  { name: 'SHOW', sql: 'SHOW server_version', operation: 'SHOW', table: null },
  { name: 'USE', sql: 'USE shop', operation: 'USE', table: null },
  { name: 'CALL', sql: 'CALL refresh(1)', operation: 'CALL', table: null, normalized: 'CALL refresh(?)' },
  { name: 'EXPLAIN', sql: 'EXPLAIN ANALYZE SELECT * FROM t', operation: 'EXPLAIN', table: null },
  // Several statements
  {
    name: 'multi-statement: first summarised, all normalised', sql: "UPDATE a SET x = 1; DELETE FROM b WHERE y = 'z';",
    operation: 'UPDATE', table: 'a', normalized: 'UPDATE a SET x = ?; DELETE FROM b WHERE y = ?;',
  },
  { name: 'empty statements before the first', sql: ';; SELECT 1 FROM t', operation: 'SELECT', table: 't', normalized: ';; SELECT ? FROM t' },
  // Bad or partial input
  { name: 'empty', sql: '', operation: null, table: null, normalized: '' },
  { name: 'only whitespace and comments', sql: '  /* nothing */ -- here\n ', operation: null, table: null, normalized: '' },
  { name: 'unterminated string', sql: "SELECT * FROM t WHERE a = 'never closed", operation: 'SELECT', table: 't', normalized: 'SELECT * FROM t WHERE a = ?' },
  { name: 'unterminated comment', sql: 'SELECT a FROM t /* trailing', operation: 'SELECT', table: 't', normalized: 'SELECT a FROM t' },
  { name: 'unterminated dollar quote', sql: 'SELECT $x$ body', operation: 'SELECT', table: null, normalized: 'SELECT ?' },
  { name: 'unterminated quoted identifier', sql: 'SELECT * FROM "abc', operation: 'SELECT', table: 'abc', normalized: 'SELECT * FROM "abc' },
  { name: 'garbage', sql: '\u0000\u0001 ~~ }{ 42', operation: null, table: null },
  { name: 'not SQL: HTTP', sql: 'GET / HTTP/1.1', operation: null, table: null },
  { name: 'keyword only', sql: 'SELECT', operation: 'SELECT', table: null, normalized: 'SELECT' },
  { name: 'FROM and nothing', sql: 'SELECT a FROM', operation: 'SELECT', table: null },
  { name: 'WITH and no statement', sql: 'WITH x AS (SELECT 1)', operation: null, table: null },
];

describe('summarizeSql', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const s = summarizeSql(c.sql);
      assert.equal(s.operation, c.operation, 'operation');
      assert.equal(s.table, c.table, 'table');
      if (c.normalized !== undefined) assert.equal(s.normalized, c.normalized, 'normalized');
      assert.equal(s.summary, c.operation === null ? '' : c.table === null ? c.operation : `${c.operation} ${c.table}`);
      assert.match(s.hash, /^[0-9a-f]{16}$/);
      assert.equal(s.hash, fnv1a64Hex(s.normalized));
    });
  }

  it('same shape, other literals: same hash; other shape: other hash', () => {
    const a = summarizeSql("SELECT * FROM t WHERE id IN (1, 2) AND name = 'x'");
    const b = summarizeSql("SELECT  *  FROM t WHERE id IN (7, 8, 9, 10) -- more ids\n AND name = 'something else'");
    const c = summarizeSql("SELECT * FROM t WHERE id IN (1, 2) AND nick = 'x'");
    assert.equal(a.normalized, b.normalized);
    assert.equal(a.hash, b.hash);
    assert.notEqual(a.hash, c.hash);
  });

  it('no literal content survives normalisation', () => {
    const secrets = [
      "SELECT 'SECRET1' FROM t", "SELECT E'SECRET2\\'' FROM t", "SELECT $$SECRET3$$", "SELECT $t$SECRET4$t$",
      "INSERT INTO t VALUES ('a', 'SECRET5')", "SELECT * FROM t WHERE a = 'x''SECRET6'", "SELECT 'it\\'s SECRET7'",
      "SELECT 'C:\\', 'SECRET8'", "SELECT X'5EC7E7'", "UPDATE t SET a = 'SECRET9' WHERE b IN ('SECRET10', 'x')",
    ];
    for (const sql of secrets) assert.doesNotMatch(summarizeSql(sql).normalized, /SECRET|5EC7E7/, sql);
  });

  it('a 1 MB query stays fast and capped', () => {
    const columns = Array.from({ length: 60_000 }, (_, i) => `column_${i} + ${i}`).join(', ');
    const wide = `SELECT ${columns} FROM wide_table WHERE x = 'secret'`;
    const ids = Array.from({ length: 150_000 }, (_, i) => String(i)).join(', ');
    const longIn = `SELECT * FROM t WHERE id IN (${ids})`;
    const rows = Array.from({ length: 50_000 }, (_, i) => `(${i}, 'name ${i}')`).join(', ');
    const bulk = `INSERT INTO bulk (a, b) VALUES ${rows}`;
    const unterminated = `SELECT 'x ${'y\\'.repeat(500_000)}`;
    for (const sql of [wide, longIn, bulk, unterminated]) assert.ok(sql.length >= 1_000_000, `${sql.length} chars`);

    const started = performance.now();
    const w = summarizeSql(wide);
    const l = summarizeSql(longIn);
    const b = summarizeSql(bulk);
    const u = summarizeSql(unterminated);
    const elapsed = performance.now() - started;

    assert.equal(w.normalized.length, MAX_NORMALIZED_LENGTH);
    assert.ok(w.normalized.endsWith('…'));
    assert.equal(w.summary, 'SELECT wide_table', 'the table after a long select list is still found');
    assert.equal(l.normalized, 'SELECT * FROM t WHERE id IN (?)');
    assert.equal(b.normalized, 'INSERT INTO bulk (a, b) VALUES (?, ?)');
    assert.equal(u.normalized, 'SELECT ?');
    // Generous: a linear scan takes a few tens of ms; a quadratic one would take minutes.
    assert.ok(elapsed < 2000, `${elapsed.toFixed(0)} ms for 4 MB`);
  });
});
