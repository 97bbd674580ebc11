import { h } from '../dom.js';
import { clock, ms } from '../format.js';
import { requestHref } from '../router.js';
import type { Span } from '../types.js';
import { endpointLabel, statusBadge } from './badges.js';
import { createTable, type Table } from './table.js';

/** A short list of spans (slowest, failed) linking to the request detail. */
export function spanTable(testid: string, empty: string): Table<Span> {
  return createTable<Span>({
    testid,
    rowTestid: `${testid.replace(/-table$/, '')}-row`,
    empty,
    compact: true,
    collapseAfter: 10,
    rowHref: (r) => requestHref(r.id),
    rowClass: (r) => (r.error ? 'row-bad' : ''),
    columns: [
      { key: 'time', label: 'Time', render: (r) => clock(r.start) },
      { key: 'endpoint', label: 'Request', wide: true, render: (r) => endpointLabel(r.operation, r.resource) },
      { key: 'status', label: 'Status', render: (r) => statusBadge(r.status, r.error) },
      { key: 'duration', label: 'Duration', num: true, render: (r) => ms(r.duration_ms), sortBy: (r) => r.duration_ms },
    ],
  });
}

export function peerLabel(r: Pick<Span, 'peer_service' | 'remote_addr' | 'remote_port'>): HTMLElement {
  return h('span', { class: 'peer' }, r.peer_service ?? `${r.remote_addr}:${r.remote_port}`);
}
