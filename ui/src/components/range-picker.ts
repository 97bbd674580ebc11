import { h } from '../dom.js';
import { RANGES } from '../router.js';
import type { Range } from '../types.js';

const LABELS: Record<Range, string> = { '5m': '5 minutes', '1h': '1 hour', '24h': '24 hours' };

export interface RangePicker {
  el: HTMLElement;
  set(range: Range): void;
}

/** Segmented 5m / 1h / 24h control; the caller keeps the choice in the URL. */
export function rangePicker(onChange: (range: Range) => void): RangePicker {
  const buttons = RANGES.map((r) => {
    const b = h('button', { type: 'button', class: 'seg', testid: `range-${r}`, title: `Last ${LABELS[r]}`, 'aria-pressed': 'false' }, r);
    b.addEventListener('click', () => onChange(r));
    return b;
  });
  const el = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Time range', testid: 'range-picker' }, ...buttons);
  return {
    el,
    set(range) {
      RANGES.forEach((r, i) => buttons[i]?.setAttribute('aria-pressed', String(r === range)));
      el.dataset.range = range;
    },
  };
}
