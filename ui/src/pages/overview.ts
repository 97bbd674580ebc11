import { getJson } from '../api.js';
import { h, replace, section } from '../dom.js';
import { count, ms, percent, rate } from '../format.js';
import { alertsTable } from '../components/alerts-table.js';
import { endpointCell } from '../components/badges.js';
import { sparkline } from '../components/sparkline.js';
import { statRow, statTile } from '../components/stat.js';
import { createTable } from '../components/table.js';
import type { Page } from '../page.js';
import { href, serviceHref } from '../router.js';
import type { Overview, ServiceSummary, TopErrorsRow, TopLatencyRow } from '../types.js';

export function errorTone(fraction: number): 'bad' | 'warn' | null {
  if (fraction >= 0.05) return 'bad';
  if (fraction >= 0.01) return 'warn';
  return null;
}

function serviceLink(name: string): HTMLAnchorElement {
  return h('a', { href: serviceHref(name), class: 'service-link' }, name);
}

export function overviewPage(): Page {
  const tiles = {
    services: statTile('Services', 'stat-services'),
    rate: statTile('Throughput', 'stat-rate'),
    errors: statTile('Error rate', 'stat-error-rate'),
    alerts: statTile('Alerts firing', 'stat-alerts'),
  };
  const filter = h('input', { type: 'search', class: 'input', placeholder: 'Filter services', testid: 'services-filter', 'aria-label': 'Filter services' });
  let last: Overview | null = null;

  const services = createTable<ServiceSummary>({
    testid: 'services-table',
    rowTestid: 'service-row',
    empty: 'No services seen in this range yet.',
    initialSort: { key: 'rate', dir: 'desc' },
    rowHref: (r) => serviceHref(r.name),
    rowClass: (r) => (errorTone(r.error_rate) === 'bad' ? 'row-bad' : ''),
    columns: [
      { key: 'name', label: 'Service', render: (r) => serviceLink(r.name), sortBy: (r) => r.name },
      { key: 'rate', label: 'Rate', num: true, render: (r) => rate(r.rate_per_s), sortBy: (r) => r.rate_per_s },
      { key: 'requests', label: 'Requests', num: true, render: (r) => count(r.requests), sortBy: (r) => r.requests },
      { key: 'errors', label: 'Error rate', num: true, render: (r) => h('span', { class: `tone-${errorTone(r.error_rate) ?? 'none'}` }, percent(r.error_rate)), sortBy: (r) => r.error_rate },
      { key: 'p50', label: 'p50', num: true, render: (r) => ms(r.p50_ms), sortBy: (r) => r.p50_ms },
      { key: 'p95', label: 'p95', num: true, render: (r) => ms(r.p95_ms), sortBy: (r) => r.p95_ms },
      { key: 'p99', label: 'p99', num: true, render: (r) => ms(r.p99_ms), sortBy: (r) => r.p99_ms },
      {
        key: 'trend', label: 'Requests over time', render: (r) => sparkline(r.series.map((p) => p.requests), {
          overlay: r.series.map((p) => p.errors), title: `${r.name}: requests (errors in red) per bucket`, testid: 'service-sparkline',
        }),
      },
    ],
  });

  const topLatency = createTable<TopLatencyRow>({
    testid: 'top-latency-table',
    rowTestid: 'top-latency-row',
    empty: 'No requests in this range.',
    compact: true,
    rowHref: (r) => href('requests', { service: r.service_name, protocol: r.protocol, q: r.resource }),
    columns: [
      { key: 'service', label: 'Service', render: (r) => serviceLink(r.service_name) },
      { key: 'endpoint', label: 'Endpoint', wide: true, render: (r) => endpointCell(r.protocol, r.operation, r.resource) },
      { key: 'requests', label: 'Requests', num: true, render: (r) => count(r.requests) },
      { key: 'p95', label: 'p95', num: true, render: (r) => ms(r.p95_ms) },
    ],
  });

  const topErrors = createTable<TopErrorsRow>({
    testid: 'top-errors-table',
    rowTestid: 'top-errors-row',
    empty: 'No errors in this range.',
    compact: true,
    rowHref: (r) => href('requests', { service: r.service_name, protocol: r.protocol, q: r.resource, error: 'true' }),
    columns: [
      { key: 'service', label: 'Service', render: (r) => serviceLink(r.service_name) },
      { key: 'endpoint', label: 'Endpoint', wide: true, render: (r) => endpointCell(r.protocol, r.operation, r.resource) },
      { key: 'errors', label: 'Errors', num: true, render: (r) => count(r.errors) },
      { key: 'rate', label: 'Error rate', num: true, render: (r) => h('span', { class: `tone-${errorTone(r.error_rate) ?? 'none'}` }, percent(r.error_rate)) },
    ],
  });

  const alerts = alertsTable('overview-alerts-table');
  const alertsBody = h('div', { testid: 'overview-alerts' });

  const showServices = (): void => {
    if (!last) return;
    const needle = filter.value.trim().toLowerCase();
    services.update(needle ? last.services.filter((s) => s.name.toLowerCase().includes(needle)) : last.services);
  };
  filter.addEventListener('input', showServices);

  const el = h('div', { class: 'page', testid: 'page-overview' },
    h('div', { class: 'page-head' }, h('h1', null, 'Overview')),
    statRow(tiles.services, tiles.rate, tiles.errors, tiles.alerts),
    section('Services', services.el, { testid: 'services-card', aside: filter }),
    h('div', { class: 'grid-2' },
      section('Slowest endpoints (p95)', topLatency.el, { testid: 'top-latency' }),
      section('Most errors', topErrors.el, { testid: 'top-errors' })),
    section('Firing alerts', alertsBody, { testid: 'alerts-card' }));

  return {
    el,
    title: 'Overview',
    async refresh(ctx) {
      const data = await getJson<Overview>('/api/v1/overview', { range: ctx.range }, ctx.signal);
      last = data;
      const requests = data.services.reduce((a, s) => a + s.requests, 0);
      const errors = data.services.reduce((a, s) => a + s.errors, 0);
      const errorRate = requests > 0 ? errors / requests : 0;
      tiles.services.set(count(data.services.length));
      tiles.rate.set(rate(data.services.reduce((a, s) => a + s.rate_per_s, 0)), `${count(requests)} requests`);
      tiles.errors.set(percent(errorRate), `${count(errors)} errors`, errorTone(errorRate));
      tiles.alerts.set(count(data.alerts.length), null, data.alerts.length > 0 ? 'bad' : null);
      showServices();
      topLatency.update(data.top_latency);
      topErrors.update(data.top_errors);
      if (data.alerts.length === 0) {
        replace(alertsBody, h('div', { class: 'empty compact', testid: 'alerts-empty' }, h('div', { class: 'empty-detail' }, 'No alerts firing.')));
      } else {
        alerts.update(data.alerts);
        replace(alertsBody, alerts.el);
      }
    },
  };
}
