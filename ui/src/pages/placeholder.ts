import { h } from '../dom.js';
import type { Page } from '../page.js';

/** Pages whose data sonde does not collect yet: navigation works, the page says so plainly. */
export function placeholderPage(id: string, title: string, headline: string, detail: string): Page {
  const el = h('div', { class: 'page', testid: `page-${id}` },
    h('div', { class: 'page-head' }, h('h1', null, title)),
    h('div', { class: 'card placeholder', testid: 'placeholder' },
      h('div', { class: 'empty' },
        h('div', { class: 'empty-title' }, 'Not collected yet'),
        h('div', { class: 'empty-detail' }, headline),
        h('div', { class: 'empty-detail muted' }, detail))));
  return { el, title, refresh: async () => {} };
}
