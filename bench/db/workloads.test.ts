import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePgbenchReport, parseRedisBenchmarkCsv } from './workloads.js';

describe('bench/db client output parsers', () => {
  it('redis-benchmark --csv: rates per test, header skipped', () => {
    const csv = '"test","rps","avg_latency_ms"\n"SET","81234.56","0.2"\n"GET","90000.00","0.1"\n';
    const m = parseRedisBenchmarkCsv(csv);
    assert.equal(m.get('SET'), 81234.56);
    assert.equal(m.get('GET'), 90000);
    assert.equal(m.size, 2);
  });

  it('pgbench: transactions and tps; null when the report is missing', () => {
    const text = 'number of transactions actually processed: 4321\nlatency average = 1.2 ms\ntps = 812.345678 (without initial connection time)\n';
    assert.deepEqual(parsePgbenchReport(text), { transactions: 4321, tps: 812.345678 });
    assert.equal(parsePgbenchReport('pgbench: error: connection refused'), null);
  });
});
