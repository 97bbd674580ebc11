// Queries as applications send them, to seed the fuzz test: pgbench 16 (tpcb-like script and
// initialisation), sysbench oltp_read_write (MySQL, prepared with ?), and ORM-style statements.
// Test data only: not imported by the agent.

export const SAMPLE_QUERIES: readonly string[] = [
  'BEGIN;',
  'UPDATE pgbench_accounts SET abalance = abalance + -1234 WHERE aid = 5678;',
  'SELECT abalance FROM pgbench_accounts WHERE aid = 5678;',
  'UPDATE pgbench_tellers SET tbalance = tbalance + -1234 WHERE tid = 7;',
  'UPDATE pgbench_branches SET bbalance = bbalance + -1234 WHERE bid = 1;',
  'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (7, 1, 5678, -1234, CURRENT_TIMESTAMP);',
  'END;',
  'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;',
  'drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers',
  'create table pgbench_accounts(aid int not null,bid int,abalance int,filler char(84)) with (fillfactor=100)',
  'copy pgbench_accounts from stdin with (freeze on)',
  'vacuum analyze pgbench_accounts',
  'alter table pgbench_accounts add primary key (aid)',
  'SELECT c FROM sbtest1 WHERE id=?',
  'SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c',
  'SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN 10 AND 110 ORDER BY c',
  "UPDATE sbtest1 SET c='04113281545-11240735563-70813428765' WHERE id=4995",
  "INSERT INTO sbtest1 (id, k, c, pad) VALUES (5012, 4993, '6861-4567', '2249-6363')",
  'DELETE FROM sbtest1 WHERE id=5012',
  "SELECT `users`.* FROM `users` WHERE `users`.`email` = 'a@b.c' LIMIT 1",
  'SELECT "users".* FROM "users" WHERE "users"."id" IN ($1, $2, $3)',
  "INSERT INTO `events` (`name`, `payload`) VALUES ('signup', '{\\\"plan\\\": \\\"pro\\\"}'), ('login', '{}')",
  "WITH t AS (SELECT id FROM orders WHERE created_at > now() - interval '1 day') SELECT count(*) FROM t",
  'SELECT * FROM jobs WHERE state = $1 ORDER BY id LIMIT 10 FOR UPDATE SKIP LOCKED',
  "/* controller:users,action:show */ SELECT name FROM users WHERE id = 42",
  "DO $$ BEGIN RAISE NOTICE 'x'; END $$",
  'SET NAMES utf8mb4',
  "SELECT E'a\\\\b', $tag$it's$tag$, 0x1f, 1e-5 FROM dual",
];
