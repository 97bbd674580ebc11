import { getJson } from '../api.js';
import { h, replace, s } from '../dom.js';
import { count, ms, percent, rate } from '../format.js';
import { protocolBadge } from '../components/badges.js';
import { createServiceMap, edgeKey, KIND_LABELS, nodeShape } from '../components/service-map.js';
import type { Page } from '../page.js';
import { href, serviceHref } from '../router.js';
import type { Graph, GraphEdge, GraphNode, NodeKind } from '../types.js';

const KINDS: NodeKind[] = ['service', 'database', 'cache', 'broker', 'external'];

function legend(): HTMLElement {
  return h('div', { class: 'map-legend', testid: 'map-legend' },
    ...KINDS.map((k) => h('span', { class: 'legend-item' },
      s('svg', { width: 34, height: 16, viewBox: '0 0 36 16', class: `legend-shape node-${k}`, 'aria-hidden': 'true' }, nodeShape(k, 34, 14)),
      KIND_LABELS[k])),
    h('span', { class: 'legend-item' }, s('svg', { width: 24, height: 10, 'aria-hidden': 'true' }, s('line', { x1: 0, x2: 24, y1: 5, y2: 5, class: 'legend-edge sev-warn' })), '≥ 1% errors'),
    h('span', { class: 'legend-item' }, s('svg', { width: 24, height: 10, 'aria-hidden': 'true' }, s('line', { x1: 0, x2: 24, y1: 5, y2: 5, class: 'legend-edge sev-bad' })), '≥ 5% errors'));
}

function row(label: string, value: string | Node): HTMLElement[] {
  return [h('dt', null, label), h('dd', null, value)];
}

export function mapPage(): Page {
  let graph: Graph | null = null;
  let selection: { type: 'edge'; key: string } | { type: 'node'; id: string } | null = null;
  const detail = h('aside', { class: 'map-detail card', hidden: true, testid: 'map-detail' });
  const summary = h('span', { class: 'muted', testid: 'map-summary' });
  const emptyNote = h('div', { class: 'empty', hidden: true, testid: 'map-empty' },
    h('div', { class: 'empty-title' }, 'No traffic between services yet'),
    h('div', { class: 'empty-detail' }, 'The map fills in as sonde sees requests from one process to another.'));

  const close = (): void => {
    selection = null;
    map.select(null);
    detail.hidden = true;
  };

  const renderDetail = (): void => {
    if (!graph || !selection) return close();
    const closeButton = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close', testid: 'map-detail-close' }, '×');
    closeButton.addEventListener('click', close);
    if (selection.type === 'edge') {
      const key = selection.key;
      const e = graph.edges.find((x) => edgeKey(x) === key);
      if (!e) return close();
      replace(detail,
        h('header', { class: 'card-head' }, h('h2', { testid: 'edge-detail' }, 'Dependency'), closeButton),
        h('div', { class: 'edge-route' }, nodeName(e.client), h('span', { class: 'muted' }, ' → '), nodeName(e.server)),
        h('dl', { class: 'facts' },
          ...row('Protocol', protocolBadge(e.protocol)),
          ...row('Rate', rate(e.rate_per_s)),
          ...row('Requests', count(e.requests)),
          ...row('Errors', `${count(e.errors)} (${percent(e.error_rate)})`),
          ...row('p50', ms(e.p50_ms)),
          ...row('p95', ms(e.p95_ms)),
          ...row('p99', ms(e.p99_ms))),
        h('a', { class: 'button small', href: href('requests', { service: e.client, protocol: e.protocol }), testid: 'edge-requests-link' }, 'Show requests'));
    } else {
      const id = selection.id;
      const node = graph.nodes.find((n) => n.id === id) ?? { id, kind: 'external' as const };
      const inbound = graph.edges.filter((e) => e.server === id);
      replace(detail,
        h('header', { class: 'card-head' }, h('h2', { testid: 'node-detail' }, node.id), closeButton),
        h('dl', { class: 'facts' },
          ...row('Kind', KIND_LABELS[node.kind]),
          ...(node.protocol ? row('Protocol', protocolBadge(node.protocol)) : []),
          ...row('Callers', String(inbound.length))),
        h('ul', { class: 'plain-list' }, ...inbound.map((e) => h('li', null, nodeName(e.client), h('span', { class: 'muted' }, ` ${rate(e.rate_per_s)} · p95 ${ms(e.p95_ms)} · ${percent(e.error_rate)} err`)))));
    }
    detail.hidden = false;
  };

  const nodeName = (id: string): Node => {
    const n = graph?.nodes.find((x) => x.id === id);
    return n === undefined || n.kind === 'service' ? h('a', { href: serviceHref(id) }, id) : h('span', null, id);
  };

  const map = createServiceMap({
    onNode: (node: GraphNode) => {
      if (node.kind === 'service') {
        location.hash = serviceHref(node.id);
        return;
      }
      selection = { type: 'node', id: node.id };
      map.select(null);
      renderDetail();
    },
    onEdge: (edge: GraphEdge) => {
      selection = { type: 'edge', key: edgeKey(edge) };
      map.select(edgeKey(edge));
      renderDetail();
    },
  });

  const el = h('div', { class: 'page page-map', testid: 'page-map' },
    h('div', { class: 'page-head' }, h('h1', null, 'Service map'), summary),
    h('section', { class: 'card map-card' }, legend(), h('div', { class: 'map-stage' }, map.el, detail), emptyNote));

  return {
    el,
    title: 'Service map',
    async refresh(ctx) {
      graph = await getJson<Graph>('/api/v1/graph', { range: ctx.range }, ctx.signal);
      summary.textContent = `${graph.nodes.length} nodes · ${graph.edges.length} edges`;
      emptyNote.hidden = graph.nodes.length > 0;
      map.el.hidden = graph.nodes.length === 0;
      map.update(graph);
      if (selection) renderDetail();
    },
  };
}
