// Checks our output with the reference parser and linter rather than with our own idea of the
// format. promtool 2.x reads the exposition from stdin, so the file is attached as stdin.
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializePrometheus } from './serialize.js';
import { MetricRegistry } from '../../telemetry/metrics/registry.js';
import { exponentialBuckets } from '../../telemetry/metrics/histogram.js';

// PROMTOOL pins one binary (or, pointed at nothing, rehearses the not-installed path).
const PROMTOOL_CANDIDATES = process.env.PROMTOOL !== undefined ? [process.env.PROMTOOL] : ['promtool', '/usr/bin/promtool'];

function findPromtool(): string | undefined {
  for (const candidate of PROMTOOL_CANDIDATES) {
    const probe = spawnSync(candidate, ['--version'], { stdio: 'ignore' });
    if (probe.error === undefined && probe.status === 0) return candidate;
  }
  return undefined;
}

const promtool = findPromtool();

/** The promtool path, or undefined after skipping (failing, under CI=true) when it is missing. */
function requirePromtool(t: TestContext): string | undefined {
  if (promtool !== undefined) return promtool;
  if (process.env.CI === 'true') assert.fail('promtool not installed (Debian package "prometheus"); required under CI=true');
  t.skip('promtool not installed');
  return undefined;
}

function checkMetrics(tool: string, text: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-promtool-'));
  try {
    const file = join(dir, 'metrics.prom');
    writeFileSync(file, text);
    const fd = openSync(file, 'r');
    try {
      const result = spawnSync(tool, ['check', 'metrics'], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
      if (result.error !== undefined) throw result.error;
      return { status: result.status, output: `${result.stdout}${result.stderr}` };
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function realisticRegistry(): MetricRegistry {
  const registry = new MetricRegistry({ maxSeriesPerMetric: 2000 });

  const conns = registry.counter({
    name: 'sonde_tcp_connections_total',
    help: 'TCP connections closed, by direction and final state.',
    labelNames: ['direction', 'status'],
  });
  conns.inc({ direction: 'inbound', status: 'closed' });
  conns.inc({ direction: 'inbound', status: 'closed' }, 5);
  conns.inc({ direction: 'outbound', status: 'reset' }, 2);

  const sent = registry.counter({
    name: 'sonde_tcp_sent_bytes_total',
    help: 'Bytes sent on traced TCP connections.',
    labelNames: ['service_name', 'service_namespace'],
  });
  // Label values straight from the wild: quotes, backslashes, newlines, unicode, empty.
  sent.inc({ service_name: 'say "hi"', service_namespace: 'C:\\srv\\app' }, 1e12);
  sent.inc({ service_name: 'multi\nline\r\nname', service_namespace: '' }, 42);
  sent.inc({ service_name: 'café ☕', service_namespace: 'prod' }, 0.5);
  sent.inc({ service_name: '\\"\n', service_namespace: '\\' }, 7);

  const dropped = registry.counter({
    name: 'sonde_pipeline_dropped_total',
    help: 'Events dropped by a full queue.\nHelp with a newline, a backslash \\ and "quotes".',
    labelNames: ['stage'],
    maxSeries: 2,
  });
  for (const stage of ['capture', 'decode', 'correlate', 'parse']) dropped.inc({ stage }, 3);

  const rtt = registry.histogram({
    name: 'sonde_tcp_rtt_seconds',
    help: 'Smoothed TCP round-trip time.',
    labelNames: ['service_name'],
    buckets: [0.0001, 0.001, 0.01],
  });
  rtt.observe({ service_name: 'nginx' }, 0.0004);
  rtt.observe({ service_name: 'nginx' }, 0.02, 3);
  rtt.observe({ service_name: 'redis "cache"' }, 0.00001);

  const duration = registry.histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests.',
    labelNames: ['http_request_method', 'http_response_status_code', 'service_name', 'k8s_pod_name'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
  });
  duration.observe({ http_request_method: 'GET', http_response_status_code: '200', service_name: 'nginx', k8s_pod_name: 'web-0' }, 0.003);
  duration.observe({ http_request_method: 'POST', http_response_status_code: '500', service_name: 'nginx', k8s_pod_name: 'web-0' }, 12);

  const sizes = registry.histogram({
    name: 'sonde_ringbuf_batch_size_bytes',
    help: 'Bytes per ring buffer wake-up.',
    labelNames: [],
    buckets: exponentialBuckets(64, 4, 8),
  });
  sizes.observe({}, 3000, 10);

  const rss = registry.gauge({ name: 'sonde_agent_resident_memory_bytes', help: 'Resident set size of the agent.', labelNames: [] });
  registry.addCollectHook(() => rss.set({}, process.memoryUsage().rss));

  const temps = registry.gauge({ name: 'sonde_probe_attached_ratio', help: 'Attached probes over wanted.', labelNames: ['probe'] });
  temps.set({ probe: 'tp/sock/inet_sock_set_state' }, 1);
  temps.set({ probe: 'nan' }, Number.NaN);
  temps.set({ probe: 'pos' }, Number.POSITIVE_INFINITY);
  temps.set({ probe: 'neg' }, Number.NEGATIVE_INFINITY);
  temps.set({ probe: 'tiny' }, 1e-9);
  temps.set({ probe: 'huge' }, 1e300);
  temps.set({ probe: 'big-int' }, 2 ** 53);

  return registry;
}

describe('promtool check metrics', () => {
  const cases: { name: string; text: () => string }[] = [
    { name: 'realistic registry', text: () => serializePrometheus(realisticRegistry().collect()) },
    { name: 'empty registry', text: () => serializePrometheus(new MetricRegistry().collect()) },
    { name: 'no families at all', text: () => serializePrometheus([]) },
  ];
  for (const c of cases) {
    it(c.name, (t) => {
      const tool = requirePromtool(t);
      if (tool === undefined) return;
      const text = c.text();
      const { status, output } = checkMetrics(tool, text);
      assert.equal(output, '', `promtool reported problems:\n${output}\n--- input ---\n${text}`);
      assert.equal(status, 0, `promtool exited ${String(status)}\n--- input ---\n${text}`);
    });
  }

  it('the realistic registry exercises what it claims to', () => {
    const text = serializePrometheus(realisticRegistry().collect());
    for (const needle of ['\\"hi\\"', 'C:\\\\srv\\\\app', 'multi\\nline', 'le="+Inf"', '_other', 'sonde_metric_series_overflow_total{metric="sonde_pipeline_dropped_total"} 2', ' NaN', ' +Inf', ' -Inf']) {
      assert.ok(text.includes(needle), `missing ${needle}`);
    }
  });

  it('promtool flags a broken exposition (the check is not vacuous)', (t) => {
    const tool = requirePromtool(t);
    if (tool === undefined) return;
    const lint = checkMetrics(tool, '# HELP x_seconds h\n# TYPE x_seconds counter\nx_seconds 1\n');
    assert.match(lint.output, /_total/);
    assert.notEqual(lint.status, 0);
    const parse = checkMetrics(tool, 'x{a="unterminated} 1\n');
    assert.notEqual(parse.status, 0);
  });
});
