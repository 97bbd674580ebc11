import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqlSummaryCache } from './summary-cache.js';
import { summarizeSql } from './summarize-sql.js';

describe('SqlSummaryCache', () => {
  it('summarises a statement sent again with new literals once, with the same answer', () => {
    const cache = new SqlSummaryCache();
    const first = cache.summarize('UPDATE pgbench_accounts SET abalance = abalance + -1234 WHERE aid = 5678;');
    const again = cache.summarize('UPDATE pgbench_accounts SET abalance = abalance + -99 WHERE aid = 12;');
    assert.equal(again, first);
    assert.deepEqual(again, summarizeSql('UPDATE pgbench_accounts SET abalance = abalance + -99 WHERE aid = 12;'));
    assert.deepEqual([cache.hits, cache.misses, cache.size], [1, 1, 1]);
  });

  it('summarises texts it cannot key every time, correctly', () => {
    const cache = new SqlSummaryCache();
    const sql = "SELECT name FROM users WHERE id = 42 -- it's me";
    assert.deepEqual(cache.summarize(sql), summarizeSql(sql));
    assert.deepEqual(cache.summarize(sql), summarizeSql(sql));
    assert.deepEqual([cache.hits, cache.misses, cache.size], [0, 2, 0]);
  });

  it('stays within its capacity', () => {
    const cache = new SqlSummaryCache(4);
    for (let i = 0; i < 10; i++) cache.summarize(`SELECT c${i} FROM t WHERE id = ${i}`);
    assert.ok(cache.size <= 4, `size ${cache.size}`);
    assert.deepEqual(cache.summarize('SELECT c9 FROM t WHERE id = 1'), summarizeSql('SELECT c9 FROM t WHERE id = 1'));
  });

  it('rejects a capacity that is not a positive integer', () => {
    assert.throws(() => new SqlSummaryCache(0), /capacity must be a positive integer, got 0/);
  });
});
