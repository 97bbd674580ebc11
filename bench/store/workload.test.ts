import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeLatencies } from './latency.js';
import { SERVICES, Workload } from './workload.js';

describe('store bench workload', () => {
  it('is the same for the same seed and different for another', () => {
    const a = new Workload(7);
    const b = new Workload(7);
    const c = new Workload(8);
    const take = (w: Workload) => Array.from({ length: 50 }, (_, i) => w.exchange(1_700_000_000_000 + i)).flat().map((s) => `${s.service_name}${s.resource}${s.duration_ms}`);
    assert.deepEqual(take(a), take(b));
    assert.notDeepEqual(take(a), take(c));
  });

  it('spreads over the services, protocols and both sides', () => {
    const w = new Workload(1);
    const spans = Array.from({ length: 5000 }, (_, i) => w.exchange(1_700_000_000_000 + i)).flat();
    assert.ok(new Set(spans.map((s) => s.service_name)).size >= SERVICES, 'every service appears');
    assert.deepEqual(new Set(spans.map((s) => s.protocol)), new Set(['http', 'postgresql', 'redis', 'kafka']));
    const servers = spans.filter((s) => s.side === 'server').length;
    assert.ok(servers > spans.length * 0.3 && servers < spans.length * 0.7, `${servers} of ${spans.length} are server spans`);
    const errors = spans.filter((s) => s.error).length / spans.length;
    assert.ok(errors > 0.002 && errors < 0.1, `error share ${errors}`);
  });

  it('summarizes latencies by nearest rank', () => {
    assert.deepEqual(summarizeLatencies([5, 1, 4, 2, 3]), { n: 5, p50Ms: 3, p95Ms: 5, maxMs: 5 });
    assert.equal(summarizeLatencies([]), null);
  });
});
