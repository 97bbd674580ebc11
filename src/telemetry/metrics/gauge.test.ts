import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Gauge } from './gauge.js';

function gauge(maxSeries = 100) {
  let overflows = 0;
  const g = new Gauge(
    { name: 'sonde_queue_depth_events', help: 'Events waiting', labelNames: ['stage'] as const },
    { maxSeries, onOverflow: () => { overflows++; } },
  );
  return { g, overflows: () => overflows };
}

describe('Gauge', () => {
  const cases: { name: string; apply: (g: Gauge<readonly ['stage']>) => void; want: number }[] = [
    { name: 'set', apply: (g) => g.set({ stage: 'decode' }, 42), want: 42 },
    { name: 'set then inc', apply: (g) => { g.set({ stage: 'decode' }, 1); g.inc({ stage: 'decode' }); g.inc({ stage: 'decode' }, 3); }, want: 5 },
    { name: 'dec below zero', apply: (g) => { g.dec({ stage: 'decode' }); g.dec({ stage: 'decode' }, 2); }, want: -3 },
    { name: 'set NaN is kept (Prometheus allows it)', apply: (g) => g.set({ stage: 'decode' }, Number.NaN), want: Number.NaN },
    { name: 'bound handle', apply: (g) => { const b = g.bind({ stage: 'decode' }); b.set(10); b.inc(); b.dec(4); }, want: 7 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { g } = gauge();
      c.apply(g);
      assert.equal(g.get({ stage: 'decode' }), c.want);
    });
  }

  it('records a missing label value as ""', () => {
    const { g } = gauge();
    // @ts-expect-error stage is required
    g.set({}, 1);
    assert.deepEqual(g.collect().series, [{ labelValues: [''], value: 1 }]);
  });

  it('folds past the limit and counts each folded update', () => {
    const { g, overflows } = gauge(1);
    g.set({ stage: 'a' }, 1);
    g.set({ stage: 'b' }, 2);
    g.bind({ stage: 'c' }).set(3);
    assert.deepEqual(g.collect().series, [
      { labelValues: ['_other'], value: 3 },
      { labelValues: ['a'], value: 1 },
    ]);
    assert.equal(overflows(), 3);
  });
});
