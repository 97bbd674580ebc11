import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { COLLECT_HOOK_ERRORS_METRIC, MetricRegistry, SERIES_OVERFLOW_METRIC, validateMetricName } from './registry.js';
import type { MetricFamily, MetricType } from './registry.js';

function family(families: MetricFamily[], name: string): MetricFamily {
  const f = families.find((x) => x.name === name);
  assert.ok(f, `family ${name} missing`);
  return f;
}

describe('validateMetricName', () => {
  const good: { type: MetricType; name: string }[] = [
    { type: 'counter', name: 'sonde_tcp_connections_total' },
    { type: 'counter', name: 'sonde_tcp_sent_bytes_total' },
    { type: 'gauge', name: 'sonde_agent_resident_memory_bytes' },
    { type: 'histogram', name: 'http_server_request_duration_seconds' },
    { type: 'gauge', name: 'sonde_build_info' },
  ];
  for (const c of good) it(`accepts ${c.type} ${c.name}`, () => validateMetricName(c.type, c.name));

  const bad: { name: string; type: MetricType; metric: string; error: RegExp }[] = [
    { name: 'invalid character', type: 'gauge', metric: 'sonde-x', error: /gauge "sonde-x": not a valid metric name/ },
    { name: 'leading digit', type: 'gauge', metric: '1x', error: /not a valid metric name/ },
    { name: 'colon', type: 'gauge', metric: 'job:x:rate5m', error: /no colons/ },
    { name: 'empty', type: 'gauge', metric: '', error: /not a valid metric name/ },
    { name: 'reserved prefix', type: 'gauge', metric: '__x', error: /"__" prefix/ },
    { name: 'camelCase', type: 'gauge', metric: 'sonde_queueDepth', error: /snake_case/ },
    { name: 'counter without _total', type: 'counter', metric: 'sonde_events', error: /counter names must end in "_total"/ },
    { name: 'gauge with _total', type: 'gauge', metric: 'sonde_events_total', error: /only counter names may end in "_total"/ },
    { name: 'histogram with _total', type: 'histogram', metric: 'sonde_events_total', error: /only counter/ },
    { name: '_count suffix', type: 'gauge', metric: 'sonde_events_count', error: /"_count" suffix is reserved/ },
    { name: '_sum suffix', type: 'histogram', metric: 'sonde_x_sum', error: /"_sum" suffix/ },
    { name: '_bucket suffix', type: 'gauge', metric: 'sonde_x_bucket', error: /"_bucket" suffix/ },
    { name: 'type in name', type: 'gauge', metric: 'sonde_event_gauge', error: /must not include the type "gauge"/ },
    { name: 'type word inside', type: 'counter', metric: 'sonde_counter_resets_total', error: /type "counter"/ },
    { name: 'abbreviated unit', type: 'histogram', metric: 'sonde_rtt_ms', error: /abbreviated unit "ms"/ },
    { name: 'abbreviated unit inside', type: 'counter', metric: 'sonde_sent_kb_total', error: /abbreviated unit "kb"/ },
    { name: 'prefixed unit', type: 'histogram', metric: 'sonde_rtt_milliseconds', error: /base unit "seconds" instead of "milliseconds"/ },
    { name: 'non-base unit', type: 'gauge', metric: 'sonde_uptime_hours', error: /base unit "seconds" instead of "hours"/ },
    { name: 'bits', type: 'counter', metric: 'sonde_rx_bits_total', error: /"bytes" instead of "bits"/ },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => assert.throws(() => validateMetricName(c.type, c.metric), c.error));
  }
});

describe('MetricRegistry registration', () => {
  it('registering the identical definition twice returns the same metric', () => {
    const r = new MetricRegistry();
    const a = r.counter({ name: 'sonde_x_total', help: 'x', labelNames: ['a'] as const });
    const b = r.counter({ name: 'sonde_x_total', help: 'x', labelNames: ['a'] as const });
    assert.equal(a, b);
    const h1 = r.histogram({ name: 'sonde_y_seconds', help: 'y', labelNames: [], buckets: [1, 2] });
    const h2 = r.histogram({ name: 'sonde_y_seconds', help: 'y', labelNames: [], buckets: [1, 2, Number.POSITIVE_INFINITY] });
    assert.equal(h1, h2);
  });

  const conflicts: { name: string; second: (r: MetricRegistry) => unknown }[] = [
    { name: 'different help', second: (r) => r.counter({ name: 'sonde_x_total', help: 'other', labelNames: ['a'] }) },
    { name: 'different labels', second: (r) => r.counter({ name: 'sonde_x_total', help: 'x', labelNames: ['b'] }) },
    { name: 'different label order', second: (r) => r.counter({ name: 'sonde_x_total', help: 'x', labelNames: ['a', 'b'] }) },
    { name: 'different maxSeries', second: (r) => r.counter({ name: 'sonde_x_total', help: 'x', labelNames: ['a'], maxSeries: 5 }) },
  ];
  for (const c of conflicts) {
    it(`throws naming the metric on ${c.name}`, () => {
      const r = new MetricRegistry();
      r.counter({ name: 'sonde_x_total', help: 'x', labelNames: ['a'] });
      assert.throws(() => c.second(r), /metric "sonde_x_total" is already registered as counter/);
    });
  }

  it('throws naming the metric on a different type', () => {
    const r = new MetricRegistry();
    r.gauge({ name: 'sonde_q_seconds', help: 'q', labelNames: [] });
    assert.throws(
      () => r.histogram({ name: 'sonde_q_seconds', help: 'q', labelNames: [], buckets: [1] }),
      /metric "sonde_q_seconds" is already registered as gauge .*; cannot register it again as histogram/,
    );
  });

  it('throws on different histogram buckets', () => {
    const r = new MetricRegistry();
    r.histogram({ name: 'sonde_y_seconds', help: 'y', labelNames: [], buckets: [1, 2] });
    assert.throws(() => r.histogram({ name: 'sonde_y_seconds', help: 'y', labelNames: [], buckets: [1, 3] }), /"sonde_y_seconds" is already registered.*buckets \[1, 2\]/);
  });

  const invalid: { name: string; register: (r: MetricRegistry) => unknown; error: RegExp }[] = [
    { name: 'bad name', register: (r) => r.gauge({ name: 'x-y', help: 'h', labelNames: [] }), error: /gauge "x-y"/ },
    { name: 'empty help', register: (r) => r.gauge({ name: 'sonde_x', help: '  ', labelNames: [] }), error: /help text is required/ },
    { name: 'bad label', register: (r) => r.gauge({ name: 'sonde_x', help: 'h', labelNames: ['le'] }), error: /metric "sonde_x": label name "le"/ },
    { name: 'bad maxSeries', register: (r) => r.gauge({ name: 'sonde_x', help: 'h', labelNames: [], maxSeries: 0 }), error: /maxSeries/ },
    { name: 'bad buckets', register: (r) => r.histogram({ name: 'sonde_x_seconds', help: 'h', labelNames: [], buckets: [2, 1] }), error: /ascending/ },
    { name: 'self-metric name taken', register: (r) => r.counter({ name: SERIES_OVERFLOW_METRIC, help: 'h', labelNames: [] }), error: /already registered/ },
  ];
  for (const c of invalid) it(`rejects ${c.name}`, () => assert.throws(() => c.register(new MetricRegistry()), c.error));

  it('rejects a bad registry-wide limit', () => {
    assert.throws(() => new MetricRegistry({ maxSeriesPerMetric: -1 }), /maxSeriesPerMetric/);
  });
});

describe('MetricRegistry cardinality', () => {
  it('folds new label sets into _other and counts them per metric', () => {
    const r = new MetricRegistry({ maxSeriesPerMetric: 2 });
    const conns = r.counter({ name: 'sonde_tcp_connections_total', help: 'c', labelNames: ['direction', 'status'] });
    conns.inc({ direction: 'inbound', status: 'closed' });
    conns.inc({ direction: 'inbound', status: 'reset' });
    conns.inc({ direction: 'outbound', status: 'closed' }, 3);
    conns.inc({ direction: 'outbound', status: 'reset' }, 4);
    conns.inc({ direction: 'inbound', status: 'closed' });
    const families = r.collect();
    assert.deepEqual(family(families, 'sonde_tcp_connections_total').series, [
      { labelValues: ['_other', '_other'], value: 7 },
      { labelValues: ['inbound', 'closed'], value: 2 },
      { labelValues: ['inbound', 'reset'], value: 1 },
    ]);
    assert.deepEqual(family(families, SERIES_OVERFLOW_METRIC).series, [
      { labelValues: ['sonde_tcp_connections_total'], value: 2 },
    ]);
  });

  it('a definition maxSeries overrides the registry limit', () => {
    const r = new MetricRegistry({ maxSeriesPerMetric: 1 });
    const g = r.gauge({ name: 'sonde_x', help: 'x', labelNames: ['a'], maxSeries: 3 });
    for (const a of ['1', '2', '3', '4']) g.set({ a }, 1);
    assert.deepEqual(family(r.collect(), 'sonde_x').series.map((s) => s.labelValues[0]), ['1', '2', '3', '_other']);
  });

  it('overflow counts stay separate per metric', () => {
    const r = new MetricRegistry({ maxSeriesPerMetric: 1 });
    const a = r.counter({ name: 'sonde_a_total', help: 'a', labelNames: ['k'] });
    const b = r.histogram({ name: 'sonde_lat_seconds', help: 'b', labelNames: ['k'], buckets: [1] });
    for (const k of ['1', '2', '3']) a.inc({ k });
    for (const k of ['1', '2']) b.observe({ k }, 0.5);
    assert.deepEqual(family(r.collect(), SERIES_OVERFLOW_METRIC).series, [
      { labelValues: ['sonde_a_total'], value: 2 },
      { labelValues: ['sonde_lat_seconds'], value: 1 },
    ]);
  });
});

describe('MetricRegistry.collect', () => {
  it('an empty registry exposes only its self-metrics', () => {
    const families = new MetricRegistry().collect();
    assert.deepEqual(families.map((f) => [f.name, f.series.length]), [
      [COLLECT_HOOK_ERRORS_METRIC, 1],
      [SERIES_OVERFLOW_METRIC, 0],
    ]);
  });

  it('returns families sorted by name', () => {
    const r = new MetricRegistry();
    r.gauge({ name: 'zeta_bytes', help: 'z', labelNames: [] });
    r.counter({ name: 'alpha_total', help: 'a', labelNames: [] });
    r.histogram({ name: 'http_server_request_duration_seconds', help: 'h', labelNames: [], buckets: [1] });
    const names = r.collect().map((f) => f.name);
    assert.deepEqual(names, [...names].sort());
    assert.equal(names[0], 'alpha_total');
  });

  it('runs hooks before every collect, in order, and can remove them', () => {
    const r = new MetricRegistry();
    const rss = r.gauge({ name: 'sonde_agent_resident_memory_bytes', help: 'rss', labelNames: [] as const });
    const calls: string[] = [];
    let next = 100;
    const remove = r.addCollectHook(() => { calls.push('first'); rss.set({}, next++); });
    r.addCollectHook(() => { calls.push('second'); });
    assert.deepEqual(family(r.collect(), 'sonde_agent_resident_memory_bytes').series, [{ labelValues: [], value: 100 }]);
    assert.deepEqual(family(r.collect(), 'sonde_agent_resident_memory_bytes').series, [{ labelValues: [], value: 101 }]);
    remove();
    r.collect();
    assert.deepEqual(calls, ['first', 'second', 'first', 'second', 'second']);
  });

  it('a throwing hook is counted and reported, and the others still run', () => {
    const errors: unknown[] = [];
    const r = new MetricRegistry({ onCollectHookError: (e) => errors.push(e) });
    const g = r.gauge({ name: 'sonde_x', help: 'x', labelNames: [] });
    r.addCollectHook(() => { throw new Error('boom'); });
    r.addCollectHook(() => g.set({}, 7));
    const families = r.collect();
    assert.deepEqual(family(families, 'sonde_x').series, [{ labelValues: [], value: 7 }]);
    assert.deepEqual(family(families, COLLECT_HOOK_ERRORS_METRIC).series, [{ labelValues: [], value: 1 }]);
    assert.equal((errors[0] as Error).message, 'boom');
  });

  it('includes metrics registered after an earlier collect', () => {
    const r = new MetricRegistry();
    r.collect();
    r.gauge({ name: 'sonde_late', help: 'l', labelNames: [] });
    assert.ok(r.collect().some((f) => f.name === 'sonde_late'));
  });
});
