import { ApiError, getJson } from '../api.js';
import { h } from '../dom.js';
import { clock, count, ms } from '../format.js';
import { protocolBadge, statusBadge } from '../components/badges.js';
import { peerLabel } from '../components/span-table.js';
import { createTable } from '../components/table.js';
import type { Page, PageServices } from '../page.js';
import { currentRoute, replaceQuery, requestHref, serviceHref, type Route } from '../router.js';
import { PROTOCOLS, type Overview, type Span, type SpanPage } from '../types.js';

const PAGE_SIZE = 50;
const TYPING_DELAY_MS = 300;
const OPTIONS_EVERY_MS = 30_000;

/** Filters as the URL keeps them; the same names as the /api/v1/spans parameters. */
const FILTERS = ['service', 'protocol', 'status', 'error', 'min_duration_ms', 'q'] as const;
type FilterName = (typeof FILTERS)[number];

/** Where "back" on a request detail returns: the list with the filters it was opened from. */
let lastListHash = '#/requests';
export function lastRequestsList(): string {
  return lastListHash;
}

function option(value: string, label: string): HTMLOptionElement {
  return h('option', { value }, label);
}

export function requestsPage(initial: Route, services: PageServices): Page {
  const serviceSelect = h('select', { class: 'input', testid: 'filter-service', 'aria-label': 'Service' }, option('', 'All services'));
  const protocolSelect = h('select', { class: 'input', testid: 'filter-protocol', 'aria-label': 'Protocol' },
    option('', 'All protocols'), ...PROTOCOLS.map((p) => option(p, p)));
  const statusInput = h('input', { class: 'input narrow', testid: 'filter-status', placeholder: 'Status', 'aria-label': 'Status', inputmode: 'numeric' });
  const errorSelect = h('select', { class: 'input', testid: 'filter-error', 'aria-label': 'Errors' },
    option('', 'Errors and successes'), option('true', 'Errors only'), option('false', 'Successes only'));
  const minDuration = h('input', { class: 'input narrow', type: 'number', min: 0, step: 'any', testid: 'filter-min-duration', placeholder: 'Min ms', 'aria-label': 'Minimum duration in ms' });
  const search = h('input', { class: 'input grow', type: 'search', testid: 'filter-q', placeholder: 'Search resource, operation or query text', 'aria-label': 'Search' });
  const clear = h('button', { type: 'button', class: 'button small ghost', testid: 'filter-clear' }, 'Clear');
  const inputs: Record<FilterName, HTMLInputElement | HTMLSelectElement> = {
    service: serviceSelect, protocol: protocolSelect, status: statusInput, error: errorSelect, min_duration_ms: minDuration, q: search,
  };

  const filterProblem = h('div', { class: 'inline-error', hidden: true, testid: 'filter-error-message', role: 'status' });
  const totalLabel = h('span', { class: 'muted', testid: 'requests-total' });
  const pageInfo = h('span', { class: 'muted', testid: 'page-info' });
  const prev = h('button', { type: 'button', class: 'button small', testid: 'page-prev' }, '← Newer');
  const next = h('button', { type: 'button', class: 'button small', testid: 'page-next' }, 'Older →');

  const table = createTable<Span>({
    testid: 'requests-table',
    rowTestid: 'request-row',
    empty: 'No requests match these filters in this range.',
    rowHref: (r) => requestHref(r.id),
    rowClass: (r) => (r.error ? 'row-bad' : ''),
    columns: [
      { key: 'time', label: 'Time', render: (r) => clock(r.start) },
      { key: 'service', label: 'Service', render: (r) => h('a', { href: serviceHref(r.service_name) }, r.service_name) },
      { key: 'protocol', label: 'Protocol', render: (r) => protocolBadge(r.protocol) },
      { key: 'side', label: 'Side', render: (r) => r.side },
      { key: 'operation', label: 'Operation', render: (r) => r.operation || '—' },
      { key: 'resource', label: 'Resource', wide: true, render: (r) => r.resource || '—' },
      { key: 'status', label: 'Status', render: (r) => statusBadge(r.status, r.error) },
      { key: 'duration', label: 'Duration', num: true, render: (r) => ms(r.duration_ms) },
      { key: 'peer', label: 'Peer', render: (r) => peerLabel(r) },
    ],
  });

  const loadFromRoute = (route: Route): void => {
    for (const name of FILTERS) {
      const value = route.query.get(name) ?? '';
      const input = inputs[name];
      if (input instanceof HTMLSelectElement && value && ![...input.options].some((o) => o.value === value)) input.append(option(value, value));
      input.value = value;
    }
  };
  loadFromRoute(initial);

  const offset = (): number => {
    const n = Number(currentRoute().query.get('offset') ?? 0);
    return Number.isInteger(n) && n > 0 ? n : 0;
  };

  const applyFilters = (): void => {
    const update: Record<string, string | null> = { offset: null };
    for (const name of FILTERS) update[name] = inputs[name].value.trim() || null;
    replaceQuery(update);
    services.refresh();
  };
  let typing: number | undefined;
  const applySoon = (): void => {
    clearTimeout(typing);
    typing = window.setTimeout(applyFilters, TYPING_DELAY_MS);
  };
  for (const input of [serviceSelect, protocolSelect, errorSelect]) input.addEventListener('change', applyFilters);
  for (const input of [statusInput, minDuration, search]) {
    input.addEventListener('input', applySoon);
    input.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') {
        clearTimeout(typing);
        applyFilters();
      }
    });
  }
  clear.addEventListener('click', () => {
    for (const name of FILTERS) inputs[name].value = '';
    applyFilters();
  });
  const go = (delta: number): void => {
    const target = Math.max(0, offset() + delta);
    replaceQuery({ offset: target === 0 ? null : String(target) });
    services.refresh();
  };
  prev.addEventListener('click', () => go(-PAGE_SIZE));
  next.addEventListener('click', () => go(PAGE_SIZE));

  let knownServices = '';
  let optionsAt = 0;
  const refreshServiceOptions = (names: string[]): void => {
    const sorted = [...new Set(names)].sort();
    const key = sorted.join('\n');
    // Rebuilt only when the set changes, so an open dropdown is not yanked away by a live tick.
    if (key === knownServices) return;
    knownServices = key;
    const current = serviceSelect.value;
    serviceSelect.replaceChildren(option('', 'All services'), ...sorted.map((n) => option(n, n)));
    if (current && !sorted.includes(current)) serviceSelect.append(option(current, current));
    serviceSelect.value = current;
  };

  const el = h('div', { class: 'page', testid: 'page-requests' },
    h('div', { class: 'page-head' }, h('h1', null, 'Requests'), totalLabel),
    h('section', { class: 'card' },
      h('div', { class: 'filters', testid: 'requests-filters' }, serviceSelect, protocolSelect, statusInput, errorSelect, minDuration, search, clear),
      filterProblem,
      table.el,
      h('div', { class: 'pager', testid: 'pagination' }, pageInfo, h('span', { class: 'pager-buttons' }, prev, next))));

  return {
    el,
    title: 'Requests',
    async refresh(ctx) {
      lastListHash = location.hash || '#/requests';
      const params: Record<string, string | number> = { range: ctx.range, limit: PAGE_SIZE, offset: offset() };
      for (const name of FILTERS) {
        const v = ctx.route.query.get(name);
        if (v) params[name] = v;
      }
      // Options come from the overview, re-read now and then rather than on every tick; a
      // failure there must not blank the list.
      const optionsDue = Date.now() - optionsAt > OPTIONS_EVERY_MS;
      const overview = optionsDue ? getJson<Overview>('/api/v1/overview', { range: ctx.range }, ctx.signal).catch(() => null) : Promise.resolve(null);
      let page: SpanPage;
      try {
        page = await getJson<SpanPage>('/api/v1/spans', params, ctx.signal);
      } catch (err) {
        if (err instanceof ApiError && err.isClientError) {
          filterProblem.textContent = `The agent rejected these filters: ${err.message}`;
          filterProblem.hidden = false;
          table.update([]);
          totalLabel.textContent = '';
          pageInfo.textContent = '';
          prev.disabled = true;
          next.disabled = true;
          return;
        }
        throw err;
      }
      filterProblem.hidden = true;
      const o = await overview;
      if (o) {
        optionsAt = Date.now();
        refreshServiceOptions(o.services.map((s) => s.name));
      }
      table.update(page.items);
      totalLabel.textContent = `${count(page.total)} request${page.total === 1 ? '' : 's'}`;
      const first = page.total === 0 ? 0 : page.offset + 1;
      const last = page.offset + page.items.length;
      pageInfo.textContent = page.total === 0 ? 'No results' : `${count(first)}–${count(last)} of ${count(page.total)}`;
      prev.disabled = page.offset <= 0;
      next.disabled = last >= page.total;
    },
    dispose() {
      clearTimeout(typing);
    },
  };
}
