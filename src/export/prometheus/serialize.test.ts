import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHelp, escapeLabelValue, formatPrometheusFloat, serializePrometheus } from './serialize.js';
import { MetricRegistry } from '../../telemetry/metrics/registry.js';
import type { MetricFamily } from '../../telemetry/metrics/registry.js';

describe('formatPrometheusFloat', () => {
  const cases: { name: string; value: number; want: string }[] = [
    { name: 'zero', value: 0, want: '0' },
    { name: 'negative zero', value: -0, want: '0' },
    { name: 'integer', value: 42, want: '42' },
    { name: 'large integer keeps all digits', value: 2 ** 53, want: '9007199254740992' },
    { name: 'byte count', value: 123456789012, want: '123456789012' },
    { name: 'fraction', value: 0.0004, want: '0.0004' },
    { name: 'negative', value: -1.5, want: '-1.5' },
    { name: 'tiny uses exponent Go can parse', value: 1e-7, want: '1e-7' },
    { name: 'huge uses exponent Go can parse', value: 1e21, want: '1e+21' },
    { name: '+Inf', value: Number.POSITIVE_INFINITY, want: '+Inf' },
    { name: '-Inf', value: Number.NEGATIVE_INFINITY, want: '-Inf' },
    { name: 'NaN', value: Number.NaN, want: 'NaN' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(formatPrometheusFloat(c.value), c.want));
});

describe('escaping', () => {
  const labelCases: { name: string; input: string; want: string }[] = [
    { name: 'plain', input: 'nginx', want: 'nginx' },
    { name: 'quote', input: 'say "hi"', want: 'say \\"hi\\"' },
    { name: 'backslash', input: 'C:\\path', want: 'C:\\\\path' },
    { name: 'newline', input: 'a\nb', want: 'a\\nb' },
    { name: 'escape sequence text stays literal', input: '\\n', want: '\\\\n' },
    { name: 'unicode untouched', input: 'café ☕', want: 'café ☕' },
  ];
  for (const c of labelCases) it(`label value: ${c.name}`, () => assert.equal(escapeLabelValue(c.input), c.want));

  const helpCases: { name: string; input: string; want: string }[] = [
    { name: 'quotes stay literal', input: 'the "x" thing', want: 'the "x" thing' },
    { name: 'backslash and newline', input: 'a\\b\nc', want: 'a\\\\b\\nc' },
  ];
  for (const c of helpCases) it(`help: ${c.name}`, () => assert.equal(escapeHelp(c.input), c.want));
});

describe('serializePrometheus', () => {
  const cases: { name: string; families: MetricFamily[]; want: string }[] = [
    { name: 'no families', families: [], want: '' },
    {
      name: 'family without series is left out',
      families: [{ type: 'counter', name: 'a_total', help: 'a', labelNames: ['x'], series: [] }],
      want: '',
    },
    {
      name: 'unlabeled gauge',
      families: [{ type: 'gauge', name: 'sonde_agent_resident_memory_bytes', help: 'RSS', labelNames: [], series: [{ labelValues: [], value: 123 }] }],
      want: '# HELP sonde_agent_resident_memory_bytes RSS\n# TYPE sonde_agent_resident_memory_bytes gauge\nsonde_agent_resident_memory_bytes 123\n',
    },
    {
      name: 'labeled counter with escaping, series sorted',
      families: [{
        type: 'counter',
        name: 'sonde_tcp_connections_total',
        help: 'TCP connections closed\nby "direction" \\ status',
        labelNames: ['direction', 'status'],
        series: [
          { labelValues: ['outbound', 'closed'], value: 2 },
          { labelValues: ['in"b\\o\nund', 'closed'], value: 6 },
        ],
      }],
      want: [
        '# HELP sonde_tcp_connections_total TCP connections closed\\nby "direction" \\\\ status',
        '# TYPE sonde_tcp_connections_total counter',
        'sonde_tcp_connections_total{direction="in\\"b\\\\o\\nund",status="closed"} 6',
        'sonde_tcp_connections_total{direction="outbound",status="closed"} 2',
        '',
      ].join('\n'),
    },
    {
      name: 'histogram: cumulative buckets, +Inf, sum, count',
      families: [{
        type: 'histogram',
        name: 'sonde_tcp_rtt_seconds',
        help: 'RTT',
        labelNames: ['service_name'],
        buckets: [0.0001, 0.001, 0.01],
        series: [{ labelValues: ['nginx'], bucketCounts: [1, 2, 0, 3], sum: 9.5, count: 6 }],
      }],
      want: [
        '# HELP sonde_tcp_rtt_seconds RTT',
        '# TYPE sonde_tcp_rtt_seconds histogram',
        'sonde_tcp_rtt_seconds_bucket{service_name="nginx",le="0.0001"} 1',
        'sonde_tcp_rtt_seconds_bucket{service_name="nginx",le="0.001"} 3',
        'sonde_tcp_rtt_seconds_bucket{service_name="nginx",le="0.01"} 3',
        'sonde_tcp_rtt_seconds_bucket{service_name="nginx",le="+Inf"} 6',
        'sonde_tcp_rtt_seconds_sum{service_name="nginx"} 9.5',
        'sonde_tcp_rtt_seconds_count{service_name="nginx"} 6',
        '',
      ].join('\n'),
    },
    {
      name: 'unlabeled histogram',
      families: [{
        type: 'histogram', name: 'h_seconds', help: 'h', labelNames: [], buckets: [1],
        series: [{ labelValues: [], bucketCounts: [0, 0], sum: 0, count: 0 }],
      }],
      want: '# HELP h_seconds h\n# TYPE h_seconds histogram\nh_seconds_bucket{le="1"} 0\nh_seconds_bucket{le="+Inf"} 0\nh_seconds_sum 0\nh_seconds_count 0\n',
    },
    {
      name: 'families sorted by name, special values',
      families: [
        { type: 'gauge', name: 'b_ratio', help: 'b', labelNames: [], series: [{ labelValues: [], value: Number.NaN }] },
        { type: 'gauge', name: 'a_ratio', help: 'a', labelNames: ['k'], series: [{ labelValues: ['x'], value: Number.NEGATIVE_INFINITY }, { labelValues: ['w'], value: Number.POSITIVE_INFINITY }] },
      ],
      want: '# HELP a_ratio a\n# TYPE a_ratio gauge\na_ratio{k="w"} +Inf\na_ratio{k="x"} -Inf\n# HELP b_ratio b\n# TYPE b_ratio gauge\nb_ratio NaN\n',
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(serializePrometheus(c.families), c.want));

  it('does not reorder its input', () => {
    const families: MetricFamily[] = [
      { type: 'gauge', name: 'b_x', help: 'b', labelNames: [], series: [{ labelValues: [], value: 1 }] },
      { type: 'gauge', name: 'a_x', help: 'a', labelNames: ['k'], series: [{ labelValues: ['z'], value: 1 }, { labelValues: ['y'], value: 1 }] },
    ];
    serializePrometheus(families);
    assert.deepEqual(families.map((f) => f.name), ['b_x', 'a_x']);
    assert.deepEqual(families[1]?.series.map((s) => s.labelValues[0]), ['z', 'y']);
  });

  it('renders a registry end to end', () => {
    const registry = new MetricRegistry({ maxSeriesPerMetric: 2000 });
    const conns = registry.counter({ name: 'sonde_tcp_connections_total', help: 'TCP connections closed', labelNames: ['direction', 'status'] as const });
    conns.inc({ direction: 'inbound', status: 'closed' });
    conns.inc({ direction: 'inbound', status: 'closed' }, 5);
    const rtt = registry.histogram({ name: 'sonde_tcp_rtt_seconds', help: 'Smoothed RTT', labelNames: ['service_name'] as const, buckets: [0.0001, 0.001, 0.01] });
    rtt.observe({ service_name: 'nginx' }, 0.0004);
    const rss = registry.gauge({ name: 'sonde_agent_resident_memory_bytes', help: 'RSS', labelNames: [] as const });
    registry.addCollectHook(() => { rss.set({}, 4096); });
    assert.equal(serializePrometheus(registry.collect()), [
      '# HELP sonde_agent_resident_memory_bytes RSS',
      '# TYPE sonde_agent_resident_memory_bytes gauge',
      'sonde_agent_resident_memory_bytes 4096',
      '# HELP sonde_metric_collect_hook_errors_total Metric collect hooks that threw; their metrics may be stale.',
      '# TYPE sonde_metric_collect_hook_errors_total counter',
      'sonde_metric_collect_hook_errors_total 0',
      '# HELP sonde_tcp_connections_total TCP connections closed',
      '# TYPE sonde_tcp_connections_total counter',
      'sonde_tcp_connections_total{direction="inbound",status="closed"} 6',
      '# HELP sonde_tcp_rtt_seconds Smoothed RTT',
      '# TYPE sonde_tcp_rtt_seconds histogram',
      'sonde_tcp_rtt_seconds_bucket{service_name="nginx",le="0.0001"} 0',
      'sonde_tcp_rtt_seconds_bucket{service_name="nginx",le="0.001"} 1',
      'sonde_tcp_rtt_seconds_bucket{service_name="nginx",le="0.01"} 1',
      'sonde_tcp_rtt_seconds_bucket{service_name="nginx",le="+Inf"} 1',
      'sonde_tcp_rtt_seconds_sum{service_name="nginx"} 0.0004',
      'sonde_tcp_rtt_seconds_count{service_name="nginx"} 1',
      '',
    ].join('\n'));
  });
});
