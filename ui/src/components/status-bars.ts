import { h } from '../dom.js';
import { count, percent, status as fmtStatus } from '../format.js';

export interface StatusCount {
  status: number | string | null;
  count: number;
}

/** HTTP classes by hundreds; other protocols' statuses are words, and only a few mean success. */
export function statusClass(value: number | string | null): 'ok' | 'redirect' | 'client-error' | 'server-error' | 'other' {
  if (typeof value === 'number') {
    if (value >= 500) return 'server-error';
    if (value >= 400) return 'client-error';
    if (value >= 300) return 'redirect';
    if (value >= 100) return 'ok';
    return 'other';
  }
  if (value === null) return 'other';
  return /^(ok|0|noerror|success)$/i.test(value) ? 'ok' : 'other';
}

/** Status code distribution as labelled horizontal bars, largest first. */
export function statusBars(rows: readonly StatusCount[], testid = 'status-codes'): HTMLElement {
  const total = rows.reduce((a, r) => a + r.count, 0);
  const max = Math.max(1, ...rows.map((r) => r.count));
  const sorted = [...rows].sort((a, b) => b.count - a.count);
  return h('div', { class: 'status-bars', testid },
    ...sorted.map((r) => h('div', { class: 'status-bar', testid: 'status-code-row' },
      h('span', { class: `status-label status-${statusClass(r.status)}` }, fmtStatus(r.status)),
      h('span', { class: 'status-track' }, h('span', { class: `status-fill status-${statusClass(r.status)}`, style: `width:${((r.count / max) * 100).toFixed(1)}%` })),
      h('span', { class: 'num' }, count(r.count)),
      h('span', { class: 'num muted' }, percent(total > 0 ? r.count / total : 0)))));
}
