import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpConditionName } from './conditions.js';
import type { HttpMeasurement } from './measure.js';
import { report, summarize } from './report.js';

function measurement(condition: HttpConditionName, round: number, requestsPerSecond: number, serverCpuUsPerRequest: number | null): HttpMeasurement {
  return {
    round, position: 0, condition, requests: requestsPerSecond * 10, seconds: 10, requestsPerSecond,
    latencyMs: { p50: 0.1, p75: 0.1, p90: 0.2, p99: 0.3 }, socketErrors: null, non2xx3xx: 0,
    readyMs: null, readyLoggedMs: null, bpfPrograms: null, detach: 'verified', agentCpuSeconds: null,
    serverCpuUsPerRequest, warmup: null, sonde: null, foreignBpfPrograms: null, otherCpus: 0, agentBuild: null,
  };
}

describe('bench/http summary: the server CPU per request', () => {
  // Round 1 is a slow round for everyone: ratios are taken within a round, so it cancels out.
  const measurements = [
    measurement('baseline', 0, 100_000, 6),
    measurement('sonde', 0, 85_000, 7.5),
    measurement('baseline', 1, 50_000, 12),
    measurement('sonde', 1, 40_000, 15),
    measurement('baseline', 2, 100_000, 6),
    measurement('sonde', 2, 90_000, 6.6),
  ];

  it('is summarized as it was read, and as a per-round ratio to the baseline', () => {
    const sonde = summarize('sonde', measurements, false, undefined);
    assert.deepEqual([sonde.serverCpuUsPerRequest?.min, sonde.serverCpuUsPerRequest?.median, sonde.serverCpuUsPerRequest?.max], [6.6, 7.5, 15]);
    assert.deepEqual([sonde.serverCpuOfBaseline?.min, sonde.serverCpuOfBaseline?.median, sonde.serverCpuOfBaseline?.max].map((v) => v?.toFixed(3)), ['1.100', '1.250', '1.250']);
  });

  it('leaves out rounds where either side could not be read, and says n/a when none could', () => {
    const partial = [...measurements.slice(0, 4), measurement('baseline', 2, 100_000, null), measurement('sonde', 2, 90_000, 6.6)];
    const sonde = summarize('sonde', partial, false, undefined);
    assert.equal(sonde.serverCpuOfBaseline?.median, 1.25);
    const none = summarize('sonde', [measurement('baseline', 0, 1, null), measurement('sonde', 0, 1, null)], false, undefined);
    assert.equal(none.serverCpuUsPerRequest, null);
    assert.equal(none.serverCpuOfBaseline, null);
  });

  it('is a column of the printed table', () => {
    const names: HttpConditionName[] = ['baseline', 'sonde', 'syscall-floor', 'skb-floor'];
    const summaries = Object.fromEntries(names.map((n) => [n, summarize(n, measurements, false, undefined)])) as Record<HttpConditionName, ReturnType<typeof summarize>>;
    const text = report(summaries, { rounds: [0, 1, 2], conclusive: true, cleanRounds: 3, totalRounds: 3 });
    assert.match(text, /nginx µs\/req/);
    assert.match(text, /7\.50 \(6\.60–15\.00\)\s+1\.250 \(1\.100–1\.250\)/);
  });
});
