import { ApiError, getJson } from '../api.js';
import { h, replace, section } from '../dom.js';
import { count, ms, percent, rate } from '../format.js';
import { endpointCell, endpointLabel, protocolBadge } from '../components/badges.js';
import { histogram } from '../components/histogram.js';
import { spanTable } from '../components/span-table.js';
import { statRow, statTile } from '../components/stat.js';
import { statusBars } from '../components/status-bars.js';
import { createTable } from '../components/table.js';
import { createTimeChart } from '../components/time-chart.js';
import type { Page } from '../page.js';
import { href, serviceHref } from '../router.js';
import type { GraphEdge, OperationRow, Overview, Range, ServiceDetail } from '../types.js';
import { errorTone } from './overview.js';

const BUCKET_SECONDS: Record<Range, number> = { '5m': 10, '1h': 60, '24h': 600 };

/** Peers reached over these protocols are services with pages of their own; the rest are data stores. */
const SERVICE_PROTOCOLS = new Set(['http', 'http2', 'grpc']);

function dependencyTable(testid: string, direction: 'inbound' | 'outbound') {
  const peerOf = (e: GraphEdge): string => (direction === 'inbound' ? e.client : e.server);
  return createTable<GraphEdge>({
    testid,
    rowTestid: `${direction}-row`,
    empty: direction === 'inbound' ? 'No callers seen.' : 'Calls nothing we saw.',
    compact: true,
    initialSort: { key: 'rate', dir: 'desc' },
    columns: [
      {
        key: 'peer', label: direction === 'inbound' ? 'Caller' : 'Dependency', sortBy: peerOf,
        render: (e) => (direction === 'inbound' || SERVICE_PROTOCOLS.has(e.protocol) ? h('a', { href: serviceHref(peerOf(e)), testid: 'dependency-link' }, peerOf(e)) : peerOf(e)),
      },
      { key: 'protocol', label: 'Protocol', render: (e) => protocolBadge(e.protocol) },
      { key: 'rate', label: 'Rate', num: true, render: (e) => rate(e.rate_per_s), sortBy: (e) => e.rate_per_s },
      { key: 'errors', label: 'Errors', num: true, render: (e) => h('span', { class: `tone-${errorTone(e.error_rate) ?? 'none'}` }, percent(e.error_rate)), sortBy: (e) => e.error_rate },
      { key: 'p95', label: 'p95', num: true, render: (e) => ms(e.p95_ms), sortBy: (e) => e.p95_ms },
    ],
  });
}

export function servicePage(name: string): Page {
  const tiles = {
    rate: statTile('Rate', 'stat-rate'),
    errors: statTile('Error rate', 'stat-error-rate'),
    p50: statTile('p50', 'stat-p50'),
    p95: statTile('p95', 'stat-p95'),
    p99: statTile('p99', 'stat-p99'),
  };
  const latency = createTimeChart({
    testid: 'latency-chart',
    series: [
      { label: 'p50', colorVar: '--series-1' },
      { label: 'p95', colorVar: '--series-2' },
      { label: 'p99', colorVar: '--series-3' },
    ],
    format: (v) => ms(v),
  });
  const throughput = createTimeChart({
    testid: 'throughput-chart',
    series: [
      { label: 'requests', colorVar: '--series-1', fill: true },
      { label: 'errors', colorVar: '--bad', fill: true },
    ],
    format: (v) => rate(v),
  });
  const histogramBody = h('div', { class: 'histogram-wrap' });
  const statusBody = h('div');
  const operations = createTable<OperationRow>({
    testid: 'operations-table',
    rowTestid: 'operation-row',
    empty: 'No operations in this range.',
    initialSort: { key: 'rate', dir: 'desc' },
    rowHref: (r) => href('requests', { service: name, protocol: r.protocol, q: r.resource }),
    columns: [
      { key: 'endpoint', label: 'Operation', wide: true, sortBy: (r) => endpointLabel(r.operation, r.resource), render: (r) => endpointCell(r.protocol, r.operation, r.resource) },
      { key: 'rate', label: 'Rate', num: true, render: (r) => rate(r.rate_per_s), sortBy: (r) => r.rate_per_s },
      { key: 'requests', label: 'Requests', num: true, render: (r) => count(r.requests), sortBy: (r) => r.requests },
      { key: 'errors', label: 'Error rate', num: true, render: (r) => h('span', { class: `tone-${errorTone(r.error_rate) ?? 'none'}` }, percent(r.error_rate)), sortBy: (r) => r.error_rate },
      { key: 'p50', label: 'p50', num: true, render: (r) => ms(r.p50_ms), sortBy: (r) => r.p50_ms },
      { key: 'p95', label: 'p95', num: true, render: (r) => ms(r.p95_ms), sortBy: (r) => r.p95_ms },
      { key: 'p99', label: 'p99', num: true, render: (r) => ms(r.p99_ms), sortBy: (r) => r.p99_ms },
    ],
  });
  const inbound = dependencyTable('inbound-table', 'inbound');
  const outbound = dependencyTable('outbound-table', 'outbound');
  const slow = spanTable('slow-table', 'No requests in this range.');
  const failed = spanTable('failed-table', 'No failed requests in this range.');
  const requestsLink = h('a', { class: 'button small', href: href('requests', { service: name }), testid: 'service-requests-link' }, 'All requests');

  const content = h('div', { class: 'page-body' },
    statRow(tiles.rate, tiles.errors, tiles.p50, tiles.p95, tiles.p99),
    h('div', { class: 'grid-2' },
      section('Latency percentiles', latency.el, { testid: 'latency-card' }),
      section('Throughput', throughput.el, { testid: 'throughput-card' })),
    h('div', { class: 'grid-2' },
      section('Latency distribution', histogramBody, { testid: 'histogram-card' }),
      section('Status codes', statusBody, { testid: 'status-card' })),
    section('Operations', operations.el, { testid: 'operations-card' }),
    h('div', { class: 'grid-2' },
      section('Inbound: who calls it', inbound.el, { testid: 'inbound-card' }),
      section('Outbound: what it calls', outbound.el, { testid: 'outbound-card' })),
    h('div', { class: 'grid-2' },
      section('Slowest requests', slow.el, { testid: 'slow-card' }),
      section('Failed requests', failed.el, { testid: 'failed-card' })));
  const notFound = h('div', { class: 'card', hidden: true, testid: 'service-not-found' });
  const el = h('div', { class: 'page', testid: 'page-service' },
    h('div', { class: 'page-head' },
      h('div', null, h('div', { class: 'crumbs' }, h('a', { href: href('overview') }, 'Overview'), ' / service'), h('h1', { testid: 'service-name' }, name)),
      requestsLink),
    content, notFound);

  return {
    el,
    title: name,
    async refresh(ctx) {
      let data: ServiceDetail;
      let overview: Overview | null;
      try {
        [data, overview] = await Promise.all([
          getJson<ServiceDetail>('/api/v1/service', { name, range: ctx.range }, ctx.signal),
          // The service's own RED numbers; the page still works without them.
          getJson<Overview>('/api/v1/overview', { range: ctx.range }, ctx.signal).catch(() => null),
        ]);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          content.hidden = true;
          notFound.hidden = false;
          replace(notFound, h('div', { class: 'empty' },
            h('div', { class: 'empty-title' }, `No records for ${name} in this range`),
            h('div', { class: 'empty-detail' }, 'Pick a longer range, or check the name on the overview.'),
            h('a', { class: 'button small', href: href('overview') }, 'Back to overview')));
          return;
        }
        throw err;
      }
      content.hidden = false;
      notFound.hidden = true;
      requestsLink.setAttribute('href', href('requests', { service: name }));

      const summary = overview?.services.find((s) => s.name === name);
      const requests = data.operations.reduce((a, o) => a + o.requests, 0);
      const errors = data.operations.reduce((a, o) => a + o.errors, 0);
      const errorRate = summary?.error_rate ?? (requests > 0 ? errors / requests : 0);
      tiles.rate.set(rate(summary?.rate_per_s ?? data.operations.reduce((a, o) => a + o.rate_per_s, 0)), `${count(summary?.requests ?? requests)} requests`);
      tiles.errors.set(percent(errorRate), `${count(summary?.errors ?? errors)} errors`, errorTone(errorRate));
      tiles.p50.set(ms(summary?.p50_ms));
      tiles.p95.set(ms(summary?.p95_ms));
      tiles.p99.set(ms(summary?.p99_ms));

      const t = data.percentiles.map((p) => p.t);
      latency.update(t, [data.percentiles.map((p) => p.p50_ms), data.percentiles.map((p) => p.p95_ms), data.percentiles.map((p) => p.p99_ms)]);
      const bucket = BUCKET_SECONDS[ctx.range];
      throughput.update(t, [data.percentiles.map((p) => p.requests / bucket), data.percentiles.map((p) => p.errors / bucket)]);

      replace(histogramBody, data.latency_histogram.length > 0 ? histogram(data.latency_histogram) : h('div', { class: 'empty compact' }, 'No latencies recorded.'));
      replace(statusBody, data.status_codes.length > 0 ? statusBars(data.status_codes) : h('div', { class: 'empty compact' }, 'No statuses recorded.'));
      operations.update(data.operations);
      inbound.update(data.inbound);
      outbound.update(data.outbound);
      slow.update(data.slow);
      failed.update(data.failed);
    },
    dispose() {
      latency.dispose();
      throughput.dispose();
    },
  };
}
