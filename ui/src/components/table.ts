import { h, replace, type Child } from '../dom.js';

export interface Column<T> {
  key: string;
  label: string;
  /** Right-aligned, tabular figures. */
  num?: boolean;
  render: (row: T) => Child;
  /** The sort key; columns without one are not sortable. */
  sortBy?: (row: T) => number | string | null;
  /** Long free text (URLs, queries): truncated with the full value on hover. */
  wide?: boolean;
  title?: string;
}

export interface TableOptions<T> {
  columns: Column<T>[];
  testid: string;
  rowTestid: string;
  empty: string;
  /** Clicking a row (outside its links) goes there. */
  rowHref?: (row: T) => string;
  rowClass?: (row: T) => string;
  initialSort?: { key: string; dir: 'asc' | 'desc' };
  compact?: boolean;
  /** Rows shown before a "Show all" button; the choice survives refreshes. */
  collapseAfter?: number;
}

export interface Table<T> {
  el: HTMLElement;
  update(rows: readonly T[]): void;
}

/**
 * A table that keeps its sort order across live refreshes: `update` replaces the body in one
 * step, so neither the scroll position nor the header moves.
 */
export function createTable<T>(opts: TableOptions<T>): Table<T> {
  let sort = opts.initialSort ?? null;
  let rows: readonly T[] = [];
  let expanded = false;
  const moreButton = h('button', { type: 'button', class: 'button small ghost', testid: `${opts.testid}-more` });
  const more = h('div', { class: 'table-more', hidden: true }, moreButton);
  moreButton.addEventListener('click', () => {
    expanded = !expanded;
    renderBody();
  });
  const headRow = h('tr');
  const tbody = h('tbody');
  const table = h('table', { class: `data${opts.compact ? ' compact' : ''}`, testid: opts.testid }, h('thead', null, headRow), tbody);

  const renderHead = (): void => {
    replace(headRow, ...opts.columns.map((c) => {
      const sortable = c.sortBy !== undefined;
      const active = sort?.key === c.key;
      const th = h('th', {
        class: [c.num ? 'num' : '', sortable ? 'sortable' : '', active ? 'sorted' : ''].filter(Boolean).join(' ') || null,
        title: c.title,
        'aria-sort': active ? (sort?.dir === 'asc' ? 'ascending' : 'descending') : null,
        scope: 'col',
      }, c.label, active ? h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, sort?.dir === 'asc' ? '▲' : '▼') : null);
      if (sortable) {
        th.tabIndex = 0;
        const toggle = (): void => {
          sort = sort?.key === c.key ? { key: c.key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key: c.key, dir: c.num ? 'desc' : 'asc' };
          renderHead();
          renderBody();
        };
        th.addEventListener('click', toggle);
        th.addEventListener('keydown', (e) => { if (e.key === 'Enter') toggle(); });
      }
      return th;
    }));
  };

  const sorted = (): readonly T[] => {
    const col = sort ? opts.columns.find((c) => c.key === sort?.key) : undefined;
    const by = col?.sortBy;
    if (!sort || !by) return rows;
    const dir = sort.dir === 'asc' ? 1 : -1;
    // Stable, nulls last whatever the direction: a missing p95 is not "fastest".
    return rows.map((r, i) => ({ r, i, k: by(r) })).sort((a, b) => {
      if (a.k === null && b.k === null) return a.i - b.i;
      if (a.k === null) return 1;
      if (b.k === null) return -1;
      const c = typeof a.k === 'number' && typeof b.k === 'number' ? a.k - b.k : String(a.k).localeCompare(String(b.k));
      return c !== 0 ? c * dir : a.i - b.i;
    }).map((x) => x.r);
  };

  const renderBody = (): void => {
    const limit = opts.collapseAfter;
    const collapsible = limit !== undefined && rows.length > limit;
    more.hidden = !collapsible;
    moreButton.textContent = expanded ? 'Show fewer' : `Show all ${rows.length}`;
    if (rows.length === 0) {
      replace(tbody, h('tr', { class: 'empty-row' }, h('td', { colspan: opts.columns.length, testid: `${opts.testid}-empty` }, opts.empty)));
      return;
    }
    const shown = collapsible && !expanded ? sorted().slice(0, limit) : sorted();
    replace(tbody, ...shown.map((row) => {
      const tr = h('tr', { testid: opts.rowTestid, class: opts.rowClass?.(row) || null },
        ...opts.columns.map((c) => {
          const content = c.render(row);
          const title = c.wide && (typeof content === 'string' || typeof content === 'number') ? String(content) : null;
          return h('td', { class: [c.num ? 'num' : '', c.wide ? 'wide' : ''].filter(Boolean).join(' ') || null, title }, content);
        }));
      const target = opts.rowHref?.(row);
      if (target !== undefined) {
        tr.classList.add('link-row');
        tr.tabIndex = 0;
        tr.addEventListener('click', (e) => {
          if ((e.target as Element).closest('a')) return;
          location.hash = target;
        });
        tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') location.hash = target; });
      }
      return tr;
    }));
  };

  renderHead();
  renderBody();
  return {
    el: h('div', null, h('div', { class: 'table-wrap' }, table), more),
    update(next) {
      rows = next;
      renderBody();
    },
  };
}
