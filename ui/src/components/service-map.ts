import { h, s } from '../dom.js';
import { ms, percent, rate } from '../format.js';
import type { Graph, GraphEdge, GraphNode, NodeKind } from '../types.js';
import { layoutGraph, NODE_H, NODE_W, routeKey, type Direction, type Placed, type Point } from './map-layout.js';

export interface ServiceMapOptions {
  onNode: (node: GraphNode) => void;
  onEdge: (edge: GraphEdge) => void;
}

export interface ServiceMap {
  el: HTMLElement;
  update(graph: Graph): void;
  select(key: string | null): void;
}

export const KIND_LABELS: Record<NodeKind, string> = {
  service: 'Service', database: 'Database', cache: 'Cache', broker: 'Broker', external: 'External',
};

export function edgeKey(e: Pick<GraphEdge, 'client' | 'server' | 'protocol'>): string {
  return `${e.client}\u0000${e.server}\u0000${e.protocol}`;
}

/** Outline of each kind inside a NODE_W × NODE_H box: the shape tells kinds apart without colour. */
export function nodeShape(kind: NodeKind, w = NODE_W, hgt = NODE_H): SVGElement {
  const mid = hgt / 2;
  switch (kind) {
    case 'database':
      return s('path', { d: `M0,5 A${w / 2},5 0 0 1 ${w},5 V${hgt - 5} A${w / 2},5 0 0 1 0,${hgt - 5} Z M0,5 A${w / 2},5 0 0 0 ${w},5`, class: 'shape' });
    case 'cache':
      return s('path', { d: `M10,0 H${w - 10} L${w},${mid} L${w - 10},${hgt} H10 L0,${mid} Z`, class: 'shape' });
    case 'broker':
      return s('path', { d: `M10,0 H${w} L${w - 10},${hgt} H0 Z`, class: 'shape' });
    case 'external':
      return s('rect', { width: w, height: hgt, rx: mid, class: 'shape' });
    case 'service':
      return s('rect', { width: w, height: hgt, rx: 6, class: 'shape' });
  }
}

const MAX_LABEL_CHARS = 20;

function shortLabel(id: string): string {
  return id.length <= MAX_LABEL_CHARS ? id : `${id.slice(0, MAX_LABEL_CHARS - 1)}…`;
}

function severity(e: GraphEdge): 'ok' | 'warn' | 'bad' {
  if (e.error_rate >= 0.05) return 'bad';
  if (e.error_rate >= 0.01) return 'warn';
  return 'ok';
}

interface EdgeView {
  edge: GraphEdge;
  group: SVGGElement;
  line: SVGPathElement;
}

/**
 * The service map as SVG. The layout is recomputed only when the set of nodes or edges changes;
 * a live refresh with the same topology only restyles edges, so hover and selection survive it.
 */
export function createServiceMap(opts: ServiceMapOptions): ServiceMap {
  const tip = h('div', { class: 'map-tip', role: 'tooltip', hidden: true, testid: 'map-tooltip' });
  const el = h('div', { class: 'map-wrap', testid: 'service-map' }, tip);
  let svg: SVGSVGElement | null = null;
  let signature = '';
  let builtWidth = 0;
  let lastGraph: Graph | null = null;
  let edgeViews = new Map<string, EdgeView>();
  let nodeViews = new Map<string, SVGGElement>();
  let nodes = new Map<string, GraphNode>();
  let edges: GraphEdge[] = [];
  let selected: string | null = null;
  let maxRate = 1;

  const showTip = (ev: MouseEvent, lines: (string | Node)[]): void => {
    tip.replaceChildren(...lines.map((l) => (typeof l === 'string' ? h('div', null, l) : l)));
    tip.hidden = false;
    const box = el.getBoundingClientRect();
    const x = ev.clientX - box.left + el.scrollLeft + 14;
    const y = ev.clientY - box.top + el.scrollTop + 14;
    // Flip to the left of the cursor near the right edge rather than overflow the page.
    const flip = ev.clientX - box.left > box.width - 260;
    tip.style.left = `${flip ? x - tip.offsetWidth - 28 : x}px`;
    tip.style.top = `${y}px`;
  };
  const hideTip = (): void => { tip.hidden = true; };

  const edgeTip = (e: GraphEdge): (string | Node)[] => [
    h('div', { class: 'tip-title' }, `${e.client} → ${e.server}`),
    h('div', { class: 'tip-grid' },
      h('span', null, 'protocol'), h('span', null, e.protocol),
      h('span', null, 'rate'), h('span', null, rate(e.rate_per_s)),
      h('span', null, 'errors'), h('span', null, percent(e.error_rate)),
      h('span', null, 'p50 / p95 / p99'), h('span', null, `${ms(e.p50_ms)} / ${ms(e.p95_ms)} / ${ms(e.p99_ms)}`)),
  ];

  const nodeTip = (n: GraphNode): (string | Node)[] => {
    const inbound = edges.filter((e) => e.server === n.id);
    const outbound = edges.filter((e) => e.client === n.id);
    const inRate = inbound.reduce((a, e) => a + e.rate_per_s, 0);
    const inReq = inbound.reduce((a, e) => a + e.requests, 0);
    const inErr = inbound.reduce((a, e) => a + e.errors, 0);
    const lines: Node[] = [
      h('div', { class: 'tip-title' }, n.id),
      h('div', { class: 'tip-grid' },
        h('span', null, 'kind'), h('span', null, `${KIND_LABELS[n.kind]}${n.protocol ? ` (${n.protocol})` : ''}`),
        h('span', null, 'inbound'), h('span', null, inbound.length > 0 ? `${rate(inRate)}, ${percent(inReq > 0 ? inErr / inReq : 0)} errors` : 'none'),
        h('span', null, 'calls'), h('span', null, `${outbound.length} dependenc${outbound.length === 1 ? 'y' : 'ies'}`)),
    ];
    if (n.kind === 'service') lines.push(h('div', { class: 'tip-hint' }, 'Click to open the service'));
    return lines;
  };

  const highlight = (ids: Set<string> | null, keys: Set<string> | null): void => {
    if (!svg) return;
    svg.classList.toggle('focused', ids !== null);
    for (const [id, g] of nodeViews) g.classList.toggle('hl', ids?.has(id) ?? false);
    for (const [key, v] of edgeViews) v.group.classList.toggle('hl', keys?.has(key) ?? false);
  };

  const styleEdges = (): void => {
    for (const v of edgeViews.values()) {
      const e = v.edge;
      const width = 1.2 + 3.3 * (Math.log1p(Math.max(0, e.rate_per_s)) / Math.log1p(maxRate));
      v.line.style.strokeWidth = width.toFixed(2);
      v.group.dataset.severity = severity(e);
      v.line.setAttribute('marker-end', `url(#map-arrow-${severity(e)})`);
      v.group.classList.toggle('selected', selected === edgeKey(e));
    }
  };

  const build = (graph: Graph): void => {
    builtWidth = el.clientWidth || 1200;
    const lay = layoutGraph(graph.nodes, graph.edges, { maxWidth: builtWidth });
    edgeViews = new Map();
    nodeViews = new Map();
    const defs = s('defs', null, ...(['ok', 'warn', 'bad', 'hl'] as const).map((sev) =>
      s('marker', { id: `map-arrow-${sev}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, markerUnits: 'userSpaceOnUse', orient: 'auto' },
        s('path', { d: 'M0,1 L9,5 L0,9 Z', class: `arrow arrow-${sev}` }))));
    const edgeLayer = s('g', { class: 'edges' });
    const nodeLayer = s('g', { class: 'nodes' });

    // Parallel edges (one pair, several protocols) fan out instead of drawing on top of each other.
    const pairs = new Map<string, GraphEdge[]>();
    for (const e of graph.edges) {
      const k = `${e.client}\u0000${e.server}`;
      pairs.set(k, [...(pairs.get(k) ?? []), e]);
    }
    for (const group of pairs.values()) {
      group.sort((a, b) => (a.protocol < b.protocol ? -1 : 1));
      group.forEach((e, i) => {
        const a = lay.nodes.get(e.client);
        const b = lay.nodes.get(e.server);
        if (!a || !b) return;
        const d = edgePath(lay.direction, a, b, (i - (group.length - 1) / 2) * 6, lay.routes.get(routeKey(e.client, e.server)) ?? []);
        const line = s('path', { d, class: 'edge-line' });
        const hit = s('path', { d, class: 'edge-hit' });
        const g = s('g', { class: 'edge', testid: 'map-edge', 'data-client': e.client, 'data-server': e.server, 'data-protocol': e.protocol, tabindex: 0 }, hit, line);
        const key = edgeKey(e);
        edgeViews.set(key, { edge: e, group: g, line });
        g.addEventListener('mousemove', (ev) => showTip(ev, edgeTip(edgeViews.get(key)?.edge ?? e)));
        g.addEventListener('mouseenter', () => highlight(new Set([e.client, e.server]), new Set([key])));
        g.addEventListener('mouseleave', () => { hideTip(); highlight(null, null); });
        g.addEventListener('click', () => opts.onEdge(edgeViews.get(key)?.edge ?? e));
        g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') opts.onEdge(edgeViews.get(key)?.edge ?? e); });
        edgeLayer.append(g);
      });
    }

    for (const p of [...lay.nodes.values()].sort((x, y) => (x.id < y.id ? -1 : 1))) {
      const node = nodes.get(p.id) ?? { id: p.id, kind: p.kind };
      const g = s('g', {
        class: `node node-${p.kind}`, transform: `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`,
        testid: 'map-node', 'data-id': p.id, 'data-kind': p.kind, tabindex: 0, role: 'button', 'aria-label': `${KIND_LABELS[p.kind]} ${p.id}`,
      }, nodeShape(p.kind), s('text', { x: NODE_W / 2, y: NODE_H / 2 + 4, 'text-anchor': 'middle', class: 'node-label' }, shortLabel(p.id)));
      nodeViews.set(p.id, g);
      const related = (): { ids: Set<string>; keys: Set<string> } => {
        const ids = new Set([p.id]);
        const keys = new Set<string>();
        for (const e of edges) if (e.client === p.id || e.server === p.id) { ids.add(e.client); ids.add(e.server); keys.add(edgeKey(e)); }
        return { ids, keys };
      };
      g.addEventListener('mousemove', (ev) => showTip(ev, nodeTip(nodes.get(p.id) ?? node)));
      g.addEventListener('mouseenter', () => { const r = related(); highlight(r.ids, r.keys); });
      g.addEventListener('mouseleave', () => { hideTip(); highlight(null, null); });
      g.addEventListener('click', () => opts.onNode(nodes.get(p.id) ?? node));
      g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') opts.onNode(nodes.get(p.id) ?? node); });
      nodeLayer.append(g);
    }

    const next = s('svg', {
      class: 'map', viewBox: `0 0 ${lay.width.toFixed(0)} ${lay.height.toFixed(0)}`, width: lay.width.toFixed(0), height: lay.height.toFixed(0),
      role: 'img', 'aria-label': `Service map: ${lay.nodes.size} nodes, ${graph.edges.length} edges`, testid: 'map-svg', 'data-direction': lay.direction,
    }, defs, edgeLayer, nodeLayer);
    if (svg) svg.replaceWith(next);
    else el.prepend(next);
    svg = next;
  };

  // The layout depends on the width (columns or rows): redo it when the window is resized.
  let resizeTimer: number | undefined;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => {
      if (lastGraph && el.clientWidth > 0 && Math.abs(el.clientWidth - builtWidth) > 40) {
        build(lastGraph);
        styleEdges();
      }
    }, 150);
  }).observe(el);

  return {
    el,
    update(graph) {
      lastGraph = graph;
      nodes = new Map(graph.nodes.map((n) => [n.id, n]));
      edges = graph.edges;
      maxRate = Math.max(1, ...graph.edges.map((e) => e.rate_per_s));
      const sig = [
        ...graph.nodes.map((n) => `n:${n.id}:${n.kind}`).sort(),
        ...graph.edges.map((e) => `e:${edgeKey(e)}`).sort(),
      ].join('\n');
      if (sig !== signature) {
        signature = sig;
        hideTip();
        build(graph);
      } else {
        for (const e of graph.edges) {
          const v = edgeViews.get(edgeKey(e));
          if (v) v.edge = e;
        }
      }
      styleEdges();
    },
    select(key) {
      selected = key;
      styleEdges();
    },
  };
}

/**
 * A call from the client to the server: forward calls leave towards the next layer and pass
 * through their waypoints, straight across each layer they skip; a call within one layer bows
 * out sideways, and a call back to an earlier layer (a cycle) loops round.
 */
function edgePath(direction: Direction, a: Placed, b: Placed, offset: number, route: readonly { enter: Point; leave: Point }[]): string {
  const lr = direction === 'lr';
  if (b.layer > a.layer) {
    // Tangents run across the layers: horizontal left to right, vertical top to bottom.
    const shift = (p: Point): Point => (lr ? { x: p.x, y: p.y + offset } : { x: p.x + offset, y: p.y });
    const start = shift(lr ? { x: a.x + NODE_W, y: a.y + NODE_H / 2 } : { x: a.x + NODE_W / 2, y: a.y + NODE_H });
    const end = shift(lr ? { x: b.x - 1, y: b.y + NODE_H / 2 } : { x: b.x + NODE_W / 2, y: b.y - 1 });
    const curve = (p: Point, q: Point): string => {
      if (lr) {
        const dx = Math.max(24, (q.x - p.x) / 2);
        return `C${f(p.x + dx)},${f(p.y)} ${f(q.x - dx)},${f(q.y)} ${f(q.x)},${f(q.y)}`;
      }
      const dy = Math.max(20, (q.y - p.y) / 2);
      return `C${f(p.x)},${f(p.y + dy)} ${f(q.x)},${f(q.y - dy)} ${f(q.x)},${f(q.y)}`;
    };
    let d = `M${f(start.x)},${f(start.y)}`;
    let at = start;
    for (const w of route) {
      const enter = shift(w.enter);
      const leave = shift(w.leave);
      d += ` ${curve(at, enter)} L${f(leave.x)},${f(leave.y)}`;
      at = leave;
    }
    return `${d} ${curve(at, end)}`;
  }
  if (direction === 'tb') {
    if (b.layer === a.layer) {
      const ax = a.x + NODE_W / 2 + offset;
      const bx = b.x + NODE_W / 2 + offset;
      const sy = a.y + NODE_H;
      const ey = b.y + NODE_H + 1;
      const cy = Math.max(sy, ey) + 30 + Math.abs(bx - ax) * 0.1;
      return `M${f(ax)},${f(sy)} C${f(ax)},${f(cy)} ${f(bx)},${f(cy)} ${f(bx)},${f(ey)}`;
    }
    const sx = a.x + NODE_W;
    const ex = b.x + NODE_W + 1;
    const cx = Math.max(sx, ex) + 50;
    return `M${f(sx)},${f(a.y + NODE_H / 2)} C${f(cx)},${f(a.y + NODE_H / 2)} ${f(cx)},${f(b.y + NODE_H / 2)} ${f(ex)},${f(b.y + NODE_H / 2)}`;
  }
  const ay = a.y + NODE_H / 2 + offset;
  const by = b.y + NODE_H / 2 + offset;
  if (b.layer === a.layer) {
    const sx = a.x + NODE_W;
    const ex = b.x + NODE_W + 1;
    const cx = Math.max(sx, ex) + 36 + Math.abs(by - ay) * 0.2;
    return `M${f(sx)},${f(ay)} C${f(cx)},${f(ay)} ${f(cx)},${f(by)} ${f(ex)},${f(by)}`;
  }
  const sx = a.x + NODE_W / 2;
  const sy = a.y + NODE_H;
  const ex = b.x + NODE_W / 2;
  const ey = b.y + NODE_H + 1;
  const dip = Math.max(sy, ey) + 40;
  return `M${f(sx)},${f(sy)} C${f(sx)},${f(dip)} ${f(ex)},${f(dip)} ${f(ex)},${f(ey)}`;
}

function f(n: number): string {
  return n.toFixed(1);
}
