import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePgbenchReport, parseRedisBenchmarkCsv, redisBenchmarkResult } from './workloads.js';

describe('bench/db client output parsers', () => {
  it('redis-benchmark --csv: rates per test, header skipped', () => {
    const csv = '"test","rps","avg_latency_ms"\n"SET","81234.56","0.2"\n"GET","90000.00","0.1"\n';
    const m = parseRedisBenchmarkCsv(csv);
    assert.equal(m.get('SET'), 81234.56);
    assert.equal(m.get('GET'), 90000);
    assert.equal(m.size, 2);
  });

  it('redis-benchmark SET/GET: both tests\' operations at their combined (harmonic) rate', () => {
    const csv = '"test","rps","avg_latency_ms"\n"SET","40000.00","0.3"\n"GET","60000.00","0.2"\n';
    const r = redisBenchmarkResult(csv, 12_000);
    assert.equal(r.operations, 24_000);
    assert.equal(r.opsPerSecond, 24_000 / (12_000 / 40_000 + 12_000 / 60_000));
    assert.throws(() => redisBenchmarkResult('"test","rps"\n"SET","1"\n', 1), /no SET\/GET rates/);
  });

  it('pgbench: transactions and tps; null when the report is missing', () => {
    const text = 'number of transactions actually processed: 4321\nlatency average = 1.2 ms\ntps = 812.345678 (without initial connection time)\n';
    assert.deepEqual(parsePgbenchReport(text), { transactions: 4321, tps: 812.345678 });
    assert.equal(parsePgbenchReport('pgbench: error: connection refused'), null);
  });
});
