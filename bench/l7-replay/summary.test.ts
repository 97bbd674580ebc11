import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplayResult, Stage } from './replay.js';
import { summarize } from './summary.js';

const result = (stage: Stage, cpuMs: number, exchanges = 1000): ReplayResult => ({ stage, cpuMs, records: 2000, exchanges, tallied: 0, flows: 0, decodeProblems: 0 });

describe('summarize', () => {
  it('takes the median per stage and what each stage adds to the one before', () => {
    const s = summarize([
      result('decode', 1), result('decode', 3), result('decode', 2),
      result('parse', 10), result('parse', 12), result('parse', 11),
      result('telemetry', 20), result('telemetry', 21), result('telemetry', 19),
      result('store', 25), result('store', 26), result('store', 24),
    ], 500);
    assert.deepEqual(s.map((x) => x.stage), ['decode', 'parse', 'telemetry', 'store']);
    assert.deepEqual(s.map((x) => x.cpuMs), [2, 11, 20, 25]);
    // 1000 exchanges: ms * 1e6 / 1000 ns each; 500 requests.
    assert.deepEqual(s.map((x) => x.nsPerExchange), [2000, 11000, 20000, 25000]);
    assert.deepEqual(s.map((x) => x.addedNsPerExchange), [2000, 9000, 9000, 5000]);
    assert.deepEqual(s.map((x) => x.addedNsPerRequest), [4000, 18000, 18000, 10000]);
    assert.deepEqual(s.map((x) => x.ratioToDecode), [1, 5.5, 10, 12.5]);
  });

  it('leaves out stages that were not replayed, and has no ratio without the baseline', () => {
    const s = summarize([result('parse', 10), result('store', 30)], 100);
    assert.deepEqual(s.map((x) => [x.stage, x.addedNsPerExchange, x.ratioToDecode]), [['parse', 10000, 0], ['store', 20000, 0]]);
  });

  it('reports 0 per exchange when nothing was parsed, not Infinity', () => {
    const s = summarize([result('decode', 1, 0), result('store', 2, 0)], 0);
    assert.deepEqual(s.map((x) => [x.nsPerExchange, x.addedNsPerRequest]), [[0, 0], [0, 0]]);
  });
});
