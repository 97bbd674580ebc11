import { h } from '../dom.js';
import { dateTime } from '../format.js';
import { serviceHref } from '../router.js';
import type { Alert } from '../types.js';
import { createTable, type Table } from './table.js';

/** The contract leaves an alert's fields open; the common ones get columns, the rest a summary. */
export function alertsTable(testid: string): Table<Alert> {
  return createTable<Alert>({
    testid,
    rowTestid: 'alert-row',
    empty: 'No alerts firing.',
    columns: [
      { key: 'severity', label: 'Severity', render: (a) => h('span', { class: `badge sev-${String(a.severity ?? 'info').toLowerCase()}` }, String(a.severity ?? 'alert')), sortBy: (a) => String(a.severity ?? '') },
      { key: 'name', label: 'Alert', render: (a) => String(a.name ?? a.summary ?? 'alert'), sortBy: (a) => String(a.name ?? '') },
      { key: 'service', label: 'Service', render: (a) => (a.service_name ? h('a', { href: serviceHref(a.service_name) }, a.service_name) : '—') },
      { key: 'summary', label: 'Summary', wide: true, render: (a) => String(a.summary ?? '') },
      { key: 'since', label: 'Since', render: (a) => (a.since ? dateTime(a.since) : '—'), sortBy: (a) => String(a.since ?? '') },
    ],
  });
}
