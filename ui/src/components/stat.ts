import { h, type Child } from '../dom.js';

export interface StatTile {
  el: HTMLElement;
  set(value: Child, sub?: Child, tone?: 'bad' | 'warn' | null): void;
}

/** A headline number with its label: the first thing read on a page. */
export function statTile(label: string, testid: string): StatTile {
  const value = h('div', { class: 'stat-value' }, '—');
  const sub = h('div', { class: 'stat-sub' });
  const el = h('div', { class: 'stat', testid }, h('div', { class: 'stat-label' }, label), value, sub);
  return {
    el,
    set(v, s, tone) {
      value.replaceChildren(v === null || v === undefined || v === false ? '—' : typeof v === 'number' ? String(v) : v);
      sub.replaceChildren(s === null || s === undefined || s === false ? '' : typeof s === 'number' ? String(s) : s);
      el.dataset.tone = tone ?? '';
    },
  };
}

export function statRow(...tiles: StatTile[]): HTMLElement {
  return h('div', { class: 'stats' }, ...tiles.map((t) => t.el));
}
