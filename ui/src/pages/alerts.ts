import { getJson } from '../api.js';
import { h, replace } from '../dom.js';
import { dateTime } from '../format.js';
import { alertsTable } from '../components/alerts-table.js';
import type { Page } from '../page.js';
import type { AlertList } from '../types.js';

export function alertsPage(): Page {
  const table = alertsTable('alerts-table');
  const body = h('div');
  const updated = h('span', { class: 'muted' });
  const el = h('div', { class: 'page', testid: 'page-alerts' },
    h('div', { class: 'page-head' }, h('h1', null, 'Alerts'), updated),
    h('section', { class: 'card' }, body));
  return {
    el,
    title: 'Alerts',
    async refresh(ctx) {
      const data = await getJson<AlertList>('/api/v1/alerts', {}, ctx.signal);
      updated.textContent = `updated ${dateTime(new Date().toISOString()).slice(11, 19)}`;
      if (data.alerts.length === 0) {
        replace(body, h('div', { class: 'empty', testid: 'alerts-empty' },
          h('div', { class: 'empty-title' }, 'No alerts firing'),
          h('div', { class: 'empty-detail' }, 'Alerts raised by the agent appear here as soon as they fire.')));
        return;
      }
      table.update(data.alerts);
      replace(body, table.el);
    },
  };
}
