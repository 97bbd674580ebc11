import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Counter } from './counter.js';

function counter(maxSeries = 100) {
  let overflows = 0;
  const c = new Counter(
    { name: 'sonde_tcp_connections_total', help: 'TCP connections closed', labelNames: ['direction', 'status'] as const },
    { maxSeries, onOverflow: () => { overflows++; } },
  );
  return { c, overflows: () => overflows };
}

describe('Counter', () => {
  it('increments by 1 by default and by the given amount', () => {
    const { c } = counter();
    c.inc({ direction: 'inbound', status: 'closed' });
    c.inc({ direction: 'inbound', status: 'closed' }, 5);
    c.inc({ direction: 'outbound', status: 'reset' }, 0.5);
    assert.equal(c.get({ direction: 'inbound', status: 'closed' }), 6);
    assert.equal(c.get({ direction: 'outbound', status: 'reset' }), 0.5);
    assert.equal(c.get({ direction: 'outbound', status: 'closed' }), undefined);
  });

  const ignored: { name: string; value: number }[] = [
    { name: 'negative', value: -1 },
    { name: 'NaN', value: Number.NaN },
    { name: '-Infinity', value: Number.NEGATIVE_INFINITY },
  ];
  for (const c of ignored) {
    it(`drops a ${c.name} increment without throwing`, () => {
      const { c: m } = counter();
      m.inc({ direction: 'inbound', status: 'closed' }, 2);
      m.inc({ direction: 'inbound', status: 'closed' }, c.value);
      m.bind({ direction: 'inbound', status: 'closed' }).inc(c.value);
      assert.equal(m.get({ direction: 'inbound', status: 'closed' }), 2);
    });
  }

  it('records a missing label value as "" instead of throwing', () => {
    const { c } = counter();
    // @ts-expect-error status is required by the labelNames tuple
    c.inc({ direction: 'inbound' });
    assert.deepEqual(c.collect().series, [{ labelValues: ['inbound', ''], value: 1 }]);
  });

  it('rejects extra labels at compile time', () => {
    const { c } = counter();
    // @ts-expect-error extra is not one of the labelNames
    c.inc({ direction: 'inbound', status: 'closed', extra: 'x' });
    assert.equal(c.get({ direction: 'inbound', status: 'closed' }), 1);
  });

  it('bound handles update the same series', () => {
    const { c } = counter();
    const h = c.bind({ direction: 'inbound', status: 'closed' });
    h.inc();
    h.inc(2);
    c.inc({ direction: 'inbound', status: 'closed' });
    assert.equal(c.get({ direction: 'inbound', status: 'closed' }), 4);
  });

  it('bound handles past the limit count every update as overflow', () => {
    const { c, overflows } = counter(1);
    c.inc({ direction: 'inbound', status: 'closed' });
    const h = c.bind({ direction: 'outbound', status: 'closed' });
    h.inc();
    h.inc();
    assert.equal(overflows(), 3, 'one for bind, one per inc');
    assert.equal(c.get({ direction: '_other', status: '_other' }), 2);
  });

  it('collect snapshots sorted series and is not affected by later updates', () => {
    const { c } = counter();
    c.inc({ direction: 'outbound', status: 'closed' });
    c.inc({ direction: 'inbound', status: 'reset' });
    c.inc({ direction: 'inbound', status: 'closed' });
    const family = c.collect();
    c.inc({ direction: 'inbound', status: 'closed' }, 10);
    assert.deepEqual(family, {
      type: 'counter',
      name: 'sonde_tcp_connections_total',
      help: 'TCP connections closed',
      labelNames: ['direction', 'status'],
      series: [
        { labelValues: ['inbound', 'closed'], value: 1 },
        { labelValues: ['inbound', 'reset'], value: 1 },
        { labelValues: ['outbound', 'closed'], value: 1 },
      ],
    });
  });

  it('an unlabeled counter exports 0 before its first update', () => {
    const c = new Counter({ name: 'sonde_x_total', help: 'x', labelNames: [] as const }, { maxSeries: 10, onOverflow: () => {} });
    assert.deepEqual(c.collect().series, [{ labelValues: [], value: 0 }]);
    // @ts-expect-error an unlabeled metric takes no labels
    c.inc({ x: 'y' });
    c.inc({});
    assert.equal(c.get({}), 2);
  });
});
