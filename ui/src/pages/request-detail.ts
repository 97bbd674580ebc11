import { ApiError, getJson } from '../api.js';
import { h, replace } from '../dom.js';
import { bytes, clock, dateTime, hostPort, ms } from '../format.js';
import { endpointLabel, protocolBadge, statusBadge } from '../components/badges.js';
import type { Page } from '../page.js';
import { serviceHref } from '../router.js';
import type { Span } from '../types.js';
import { lastRequestsList } from './requests.js';

function fact(label: string, value: Node | string, testid?: string): HTMLElement[] {
  return [h('dt', null, label), h('dd', { testid }, value)];
}

function attributeValue(v: unknown): Node | string {
  if (typeof v === 'string') return v.length > 80 || v.includes('\n') ? h('pre', { class: 'code' }, v) : v;
  return h('code', null, JSON.stringify(v));
}

/** One span: what it was, who talked to whom, how long it took, and every attribute. */
export function requestDetailPage(id: string): Page {
  const body = h('div');
  const back = h('a', { href: lastRequestsList(), class: 'button small ghost', testid: 'back-to-requests' }, '← Requests');
  const el = h('div', { class: 'page', testid: 'page-request' },
    h('div', { class: 'page-head' }, h('div', null, h('div', { class: 'crumbs' }, 'Requests / ', h('code', null, id)), h('h1', { testid: 'request-title' }, 'Request')), back),
    body);
  let loaded = false;

  const render = (span: Span): void => {
    const title = el.querySelector('[data-testid="request-title"]');
    if (title) title.textContent = endpointLabel(span.operation, span.resource);
    const startMs = new Date(span.start).getTime();
    const peer = span.peer_service
      ? h('span', null, h('a', { href: serviceHref(span.peer_service) }, span.peer_service), h('span', { class: 'muted' }, ` at ${hostPort(span.remote_addr, span.remote_port)}`))
      : hostPort(span.remote_addr, span.remote_port);
    const attrs = Object.entries(span.attributes ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    replace(body, h('div', { class: 'page-body', testid: 'request-detail', 'data-id': span.id },
      h('div', { class: 'badges-row' }, protocolBadge(span.protocol), span.status === null ? null : statusBadge(span.status, span.error),
        h('span', { class: 'badge' }, span.side), // A status badge turns red for errors already; a null status needs the flag spelled out.
        span.error && span.status === null ? h('span', { class: 'badge status-server-error' }, 'error') : null,
        span.problem ? h('span', { class: 'badge status-client-error', title: span.problem }, `problem: ${span.problem}`) : null),
      h('div', { class: 'grid-2' },
        h('section', { class: 'card' }, h('header', { class: 'card-head' }, h('h2', null, 'Exchange')),
          h('dl', { class: 'facts', testid: 'request-facts' },
            ...fact('Service', h('a', { href: serviceHref(span.service_name) }, span.service_name), 'detail-service'),
            ...fact('Peer', peer, 'detail-peer'),
            ...fact('Local', hostPort(span.local_addr, span.local_port)),
            ...fact('Operation', span.operation || '—'),
            ...fact('Resource', span.resource || '—', 'detail-resource'),
            ...fact('Status', statusBadge(span.status, span.error), 'detail-status'),
            ...fact('Request size', bytes(span.request_bytes)),
            ...fact('Response size', bytes(span.response_bytes)))),
        h('section', { class: 'card' }, h('header', { class: 'card-head' }, h('h2', null, 'Timing and process')),
          h('div', { class: 'timing', testid: 'request-timing' },
            h('div', { class: 'timing-bar' }, h('span', { class: `timing-fill${span.error ? ' bad' : ''}` })),
            h('div', { class: 'timing-labels' }, h('span', null, clock(span.start)), h('strong', { testid: 'detail-duration' }, ms(span.duration_ms)), h('span', null, Number.isFinite(startMs) ? clock(startMs + span.duration_ms) : ''))),
          h('dl', { class: 'facts' },
            ...fact('Started', dateTime(span.start)),
            ...fact('Duration', ms(span.duration_ms)),
            ...fact('Process', `${span.comm} (pid ${span.pid})`, 'detail-process'),
            ...fact('Executable', span.exe ?? '—'),
            ...fact('Side', span.side === 'server' ? 'server (this process answered)' : 'client (this process called out)'),
            ...fact('Sample weight', String(span.sample_weight))))),
      h('section', { class: 'card' }, h('header', { class: 'card-head' }, h('h2', null, 'Attributes'), h('span', { class: 'muted' }, `${attrs.length}`)),
        attrs.length === 0 ? h('div', { class: 'empty compact' }, 'No attributes.') :
          h('div', { class: 'table-wrap' }, h('table', { class: 'data compact attrs', testid: 'attributes-table' },
            h('tbody', null, ...attrs.map(([k, v]) => h('tr', { testid: 'attribute-row' }, h('th', { scope: 'row' }, h('code', null, k)), h('td', null, attributeValue(v))))))))));
  };

  return {
    el,
    title: 'Request',
    async refresh(ctx) {
      // A span never changes once recorded: live ticks need not fetch it again.
      if (loaded) return;
      try {
        render(await getJson<Span>(`/api/v1/spans/${encodeURIComponent(id)}`, {}, ctx.signal));
        loaded = true;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          replace(body, h('div', { class: 'card', testid: 'request-not-found' }, h('div', { class: 'empty' },
            h('div', { class: 'empty-title' }, 'Request not found'),
            h('div', { class: 'empty-detail' }, 'It may have aged out of the store, which keeps a bounded history.'))));
          return;
        }
        throw err;
      }
    },
  };
}
