import { h } from '../dom.js';
import { status as fmtStatus } from '../format.js';
import { statusClass } from './status-bars.js';

export function protocolBadge(protocol: string): HTMLElement {
  return h('span', { class: `badge proto proto-${protocol}` }, protocol);
}

export function statusBadge(value: number | string | null, error: boolean): HTMLElement {
  const cls = error ? 'server-error' : statusClass(value);
  return h('span', { class: `badge status-${cls}` }, fmtStatus(value));
}

/** A protocol badge and the endpoint's label, the label cut with an ellipsis when the column is narrow. */
export function endpointCell(protocol: string, operation: string, resource: string): HTMLElement {
  const label = endpointLabel(operation, resource);
  return h('span', { class: 'endpoint', title: label }, protocolBadge(protocol), h('span', { class: 'endpoint-text' }, label));
}

/** "GET /cart" or "SELECT orders": the operation and what it acted on, as one label. */
export function endpointLabel(operation: string, resource: string): string {
  if (!resource) return operation || '—';
  if (!operation || resource.startsWith(operation)) return resource;
  return `${operation} ${resource}`;
}
