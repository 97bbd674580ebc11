import type { Range } from './types.js';

/**
 * Hash routes: `#/<page>[/<param>][?query]`. The query keeps the time range and a page's filters,
 * so reloading or sharing the URL restores the view; the real query string is left to `?token=`.
 */

export type PageName = 'overview' | 'map' | 'service' | 'requests' | 'request' | 'flows' | 'alerts' | 'profiles' | 'system';

export interface Route {
  page: PageName;
  /** Service name for `service`, span id for `request`. */
  param: string;
  query: URLSearchParams;
}

const SIMPLE_PAGES: readonly PageName[] = ['overview', 'map', 'requests', 'flows', 'alerts', 'profiles', 'system'];

export const RANGES: readonly Range[] = ['5m', '1h', '24h'];
export const DEFAULT_RANGE: Range = '1h';

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
  const [head = '', ...rest] = path.split('/');
  const param = safeDecode(rest.join('/'));
  if (head === 'service' && param) return { page: 'service', param, query };
  if (head === 'requests' && param) return { page: 'request', param, query };
  const page = SIMPLE_PAGES.find((p) => p === head) ?? 'overview';
  return { page, param: '', query };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function currentRoute(): Route {
  return parseHash(location.hash);
}

export function rangeOf(route: Route): Range {
  const r = route.query.get('range');
  return RANGES.find((x) => x === r) ?? DEFAULT_RANGE;
}

/** The hash for a page, carrying the current range along so navigation never resets it. */
export function href(path: string, query: Record<string, string> = {}): string {
  const qs = new URLSearchParams();
  const range = currentRoute().query.get('range');
  if (range && RANGES.some((r) => r === range)) qs.set('range', range);
  for (const [k, v] of Object.entries(query)) if (v !== '') qs.set(k, v);
  const tail = qs.toString();
  return `#/${path}${tail ? `?${tail}` : ''}`;
}

export function serviceHref(name: string): string {
  return href(`service/${encodeURIComponent(name)}`);
}

export function requestHref(id: string): string {
  return href(`requests/${encodeURIComponent(id)}`);
}

/**
 * Rewrites the current route's query without a history entry or a hashchange: filters update
 * the URL as the user types, and the page refreshes itself.
 */
export function replaceQuery(update: Record<string, string | null>): void {
  const route = currentRoute();
  for (const [k, v] of Object.entries(update)) {
    if (v === null || v === '') route.query.delete(k);
    else route.query.set(k, v);
  }
  const path = location.hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  const tail = route.query.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}#/${path || 'overview'}${tail ? `?${tail}` : ''}`);
}
