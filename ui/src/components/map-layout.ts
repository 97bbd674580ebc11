import type { NodeKind } from '../types.js';

/**
 * Deterministic layered layout for the service map (the Sugiyama recipe, kept small):
 * - layers: services that nothing calls (clients) first, each service one layer after the deepest
 *   service calling it, then databases, caches, brokers and external endpoints last;
 * - a call that skips layers gets a waypoint in each layer it crosses, so it runs through the
 *   gaps between nodes instead of under them;
 * - within a layer, nodes and waypoints are ordered by the mean position of their neighbours
 *   (a few barycentre sweeps) to cut crossings;
 * - layers are columns, left to right, when they fit the width at full size; a deeper graph turns
 *   to rows, top to bottom, rather than shrink its labels. A layer too long for the screen folds
 *   into staggered sub-columns (sub-rows).
 * Same input, same picture: no randomness, every tie broken by id.
 */

export interface LayoutNode {
  id: string;
  kind: NodeKind;
}

export interface LayoutEdge {
  client: string;
  server: string;
}

export interface Point {
  x: number;
  y: number;
}

export interface Placed {
  id: string;
  kind: NodeKind;
  /** Top-left corner of the node's NODE_W × NODE_H box. */
  x: number;
  y: number;
  /** 0 for callers that nothing calls, growing towards the data stores. */
  layer: number;
}

/** Layers run left to right when they fit the width given, else top to bottom. */
export type Direction = 'lr' | 'tb';

export interface Layout {
  direction: Direction;
  nodes: Map<string, Placed>;
  /** Per `routeKey(client, server)` of a call that skips layers: where it crosses each layer. */
  routes: Map<string, { enter: Point; leave: Point }[]>;
  width: number;
  height: number;
}

export interface LayoutOptions {
  /** The width available; without it, layers always run left to right. */
  maxWidth?: number;
}

export const NODE_W = 156;
export const NODE_H = 30;
const MARGIN = 24;
const SWEEPS = 6;
/** Beyond the outermost nodes, where same-layer calls and cycles loop round. */
const LOOP_ROOM = 36;
/** Between two calls passing side by side through a layer. */
const LANE = 6;
const MIN_LANE = 1.5;

interface Axis {
  /** Node size along the layer, and across it (the direction calls flow). */
  along: number;
  across: number;
  /** Between two nodes of a layer. */
  gap: number;
  /** Between layers. */
  layerGap: number;
  /** How far a folded layer's next sub-column (sub-row) sits. */
  subAcross: number;
}

const LR: Axis = { along: NODE_H, across: NODE_W, gap: 16, layerGap: 96, subAcross: NODE_W + 18 };
const TB: Axis = { along: NODE_W, across: NODE_H, gap: 20, layerGap: 50, subAcross: NODE_H + 12 };

const KIND_ORDER: Record<NodeKind, number> = { service: 0, database: 1, cache: 2, broker: 3, external: 4 };
const WAYPOINT = '\u0001';

export function routeKey(client: string, server: string): string {
  return `${client}\u0000${server}`;
}

export function layoutGraph(inputNodes: readonly LayoutNode[], edges: readonly LayoutEdge[], opts: LayoutOptions = {}): Layout {
  const kinds = new Map<string, NodeKind>();
  for (const n of inputNodes) kinds.set(n.id, n.kind);
  // An edge may name a peer the node list lacks; it is still drawn, as external.
  for (const e of edges) for (const id of [e.client, e.server]) if (!kinds.has(id)) kinds.set(id, 'external');
  const ids = [...kinds.keys()].sort(compareIds);
  const isService = (id: string): boolean => kinds.get(id) === 'service';

  const calls: [string, string][] = [];
  const seen = new Set<string>();
  for (const e of [...edges].sort((a, b) => compareIds(a.client, b.client) || compareIds(a.server, b.server))) {
    const key = routeKey(e.client, e.server);
    if (e.client === e.server || seen.has(key)) continue;
    seen.add(key);
    calls.push([e.client, e.server]);
  }
  const succ = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const [c, s] of calls) succ.get(c)?.push(s);

  const rank = serviceRanks(ids.filter(isService), succ, isService);
  const lastServiceRank = Math.max(-1, ...rank.values());
  const layerOf = new Map<string, number>(ids.map((id) => [id, isService(id) ? rank.get(id) ?? 0 : lastServiceRank + 1]));

  const layers: string[][] = [];
  for (const id of ids) {
    const l = layerOf.get(id) ?? 0;
    while (layers.length <= l) layers.push([]);
    layers[l]?.push(id);
  }
  for (const layer of layers) layer.sort((a, b) => (KIND_ORDER[kinds.get(a) ?? 'external'] - KIND_ORDER[kinds.get(b) ?? 'external']) || compareIds(a, b));

  // Waypoints for calls that skip layers, chained client → w1 → … → server for the sweeps.
  const chainSucc = new Map<string, string[]>();
  const chainPred = new Map<string, string[]>();
  const link = (a: string, b: string): void => {
    chainSucc.set(a, [...(chainSucc.get(a) ?? []), b]);
    chainPred.set(b, [...(chainPred.get(b) ?? []), a]);
  };
  const waypoints = new Map<string, string[]>();
  for (const [c, s] of calls) {
    const from = layerOf.get(c) ?? 0;
    const to = layerOf.get(s) ?? 0;
    if (to <= from) continue; // same layer or a cycle: drawn as a loop, not routed
    let prev = c;
    const chain: string[] = [];
    for (let l = from + 1; l < to; l++) {
      const w = `${WAYPOINT}${routeKey(c, s)}\u0000${l}`;
      layers[l]?.push(w);
      chain.push(w);
      link(prev, w);
      prev = w;
    }
    link(prev, s);
    if (chain.length > 0) waypoints.set(routeKey(c, s), chain);
  }

  orderByBarycentre(layers, chainSucc, chainPred, (id) => (id.startsWith(WAYPOINT) ? 0 : KIND_ORDER[kinds.get(id) ?? 'external']));

  const kindOf = (id: string): NodeKind => kinds.get(id) ?? 'external';
  const lr = place(layers, kindOf, waypoints, 'lr', Infinity);
  if (opts.maxWidth === undefined || lr.width <= opts.maxWidth) return lr;
  return place(layers, kindOf, waypoints, 'tb', opts.maxWidth);
}

interface Slot {
  id: string;
  /** Start along the layer (a node's edge, or a waypoint's line) and across it. */
  u: number;
  v: number;
  /** How far across the layer a waypoint's line runs. */
  span: number;
}

function place(layers: readonly string[][], kindOf: (id: string) => NodeKind, waypoints: Map<string, string[]>, direction: Direction, maxWidth: number): Layout {
  const ax = direction === 'lr' ? LR : TB;
  const total = layers.reduce((a, l) => a + l.filter((id) => !id.startsWith(WAYPOINT)).length, 0);
  // Left to right, a column holds about 1.5 √n nodes before folding: 50 nodes fit one screen.
  const maxPerColumn = Math.max(9, Math.ceil(Math.sqrt(total) * 1.5));
  const avail = Math.max(NODE_W, maxWidth - MARGIN * 2);

  const placed = layers.map((items) => {
    const slots = new Map<string, Slot>();
    const real = items.filter((id) => !id.startsWith(WAYPOINT));
    // Unfolded: nodes and waypoints one after another, each waypoint its own lane.
    const flatLayout = (lane: number): { flat: { id: string; u: number }[]; extent: number } => {
      let cursor = 0;
      let prevReal: boolean | null = null;
      const flat: { id: string; u: number }[] = [];
      for (const id of items) {
        const isReal = !id.startsWith(WAYPOINT);
        if (prevReal !== null) cursor += prevReal && isReal ? ax.gap : lane;
        flat.push({ id, u: cursor });
        if (isReal) cursor += ax.along;
        prevReal = isReal;
      }
      return { flat, extent: cursor };
    };
    let { flat, extent: flatExtent } = flatLayout(LANE);
    if (flatExtent > avail) {
      // Narrower lanes before folding: the extent grows linearly with the lane width.
      const bare = flatLayout(0).extent;
      const lanes = (flatExtent - bare) / LANE;
      const lane = lanes > 0 ? (avail - bare) / lanes : 0;
      if (lane >= MIN_LANE) ({ flat, extent: flatExtent } = flatLayout(lane));
    }
    let sub = 1;
    if (direction === 'lr') sub = Math.max(1, Math.ceil(real.length / maxPerColumn));
    else if (flatExtent > avail && real.length > 1) sub = Math.max(2, Math.ceil(((real.length - 1) * (NODE_W + ax.gap)) / Math.max(1, avail - NODE_W)));
    const thickness = (Math.min(sub, Math.max(1, real.length)) - 1) * ax.subAcross + ax.across;

    if (sub === 1) {
      for (const f of flat) slots.set(f.id, { id: f.id, u: f.u, v: 0, span: thickness });
      return { slots, extent: flatExtent, thickness };
    }
    // Folded: consecutive nodes alternate between sub-columns, a fraction of a pitch apart, so
    // the order the sweeps chose is kept and labels never overlap; waypoints take the middle
    // of the gap between their neighbouring nodes.
    const pitch = ax.along + ax.gap;
    const step = direction === 'lr' ? pitch / sub : Math.min(pitch, (avail - NODE_W) / (real.length - 1));
    real.forEach((id, i) => slots.set(id, { id, u: i * step, v: (i % sub) * ax.subAcross, span: 0 }));
    const extent = (real.length - 1) * step + ax.along;
    let run: string[] = [];
    let before: Slot | null = null;
    const flush = (after: Slot | null): void => {
      if (run.length === 0) return;
      const lo = before ? before.u + ax.along : (after ? after.u - LANE * (run.length + 1) : extent / 2 - (LANE * run.length) / 2);
      const hi = after ? Math.max(lo, after.u) : lo + LANE * (run.length + 1);
      // Kept within the layer's extent, so waypoints never widen the picture.
      run.forEach((id, j) => slots.set(id, { id, u: Math.min(extent, Math.max(0, lo + ((hi - lo) * (j + 1)) / (run.length + 1))), v: 0, span: thickness }));
      run = [];
    };
    for (const id of items) {
      if (id.startsWith(WAYPOINT)) {
        run.push(id);
        continue;
      }
      const s = slots.get(id) ?? null;
      flush(s);
      before = s;
    }
    flush(null);
    return { slots, extent, thickness };
  });

  const longest = Math.max(ax.along, ...placed.map((p) => p.extent));
  const nodes = new Map<string, Placed>();
  const lines = new Map<string, { enter: Point; leave: Point }>();
  const toXY = (u: number, v: number): Point => (direction === 'lr' ? { x: v, y: u } : { x: u, y: v });
  let v0 = 0;
  placed.forEach((p, layer) => {
    const shift = (longest - p.extent) / 2;
    for (const s of p.slots.values()) {
      if (s.id.startsWith(WAYPOINT)) {
        lines.set(s.id, { enter: toXY(s.u + shift, v0), leave: toXY(s.u + shift, v0 + s.span) });
      } else {
        const at = toXY(s.u + shift, v0 + s.v);
        nodes.set(s.id, { id: s.id, kind: kindOf(s.id), layer, x: at.x, y: at.y });
      }
    }
    if (p.slots.size > 0) v0 += p.thickness + ax.layerGap;
  });

  // Waypoints before the first node of a layer can sit above (left of) everything: shift the
  // whole picture so nothing starts before the margin.
  const xs: number[] = [];
  const ys: number[] = [];
  for (const n of nodes.values()) {
    xs.push(n.x, n.x + NODE_W);
    ys.push(n.y, n.y + NODE_H);
  }
  for (const l of lines.values()) {
    xs.push(l.enter.x, l.leave.x);
    ys.push(l.enter.y, l.leave.y);
  }
  const minX = Math.min(0, ...xs);
  const minY = Math.min(0, ...ys);
  const dx = MARGIN - minX;
  const dy = MARGIN - minY;
  for (const n of nodes.values()) {
    n.x += dx;
    n.y += dy;
  }
  const routes = new Map<string, { enter: Point; leave: Point }[]>();
  for (const [key, chain] of waypoints) {
    routes.set(key, chain.map((w) => lines.get(w)).filter((l): l is { enter: Point; leave: Point } => l !== undefined).map((l) => ({
      enter: { x: l.enter.x + dx, y: l.enter.y + dy },
      leave: { x: l.leave.x + dx, y: l.leave.y + dy },
    })));
  }
  const width = Math.max(NODE_W, ...xs) + dx + MARGIN;
  const height = Math.max(NODE_H, ...ys) + dy + MARGIN + LOOP_ROOM;
  return { direction, nodes, routes, width, height };
}

/**
 * Longest-path layering over service→service calls. Back edges (cycles, found by a DFS in id
 * order) are ignored so every service gets a finite rank.
 */
function serviceRanks(services: readonly string[], succ: Map<string, string[]>, isService: (id: string) => boolean): Map<string, number> {
  const state = new Map<string, 1 | 2>();
  const order: string[] = [];
  const acyclic = new Map<string, string[]>(services.map((id) => [id, []]));
  const visit = (root: string): void => {
    // Iterative DFS: a 50-node chain must not depend on the call stack.
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: string; next: number };
      const out = (succ.get(top.id) ?? []).filter(isService);
      if (top.next < out.length) {
        const to = out[top.next++] as string;
        const st = state.get(to);
        if (st === 1) continue; // back edge: part of a cycle
        acyclic.get(top.id)?.push(to);
        if (st === undefined) {
          state.set(to, 1);
          stack.push({ id: to, next: 0 });
        }
      } else {
        state.set(top.id, 2);
        order.push(top.id);
        stack.pop();
      }
    }
  };
  for (const id of services) if (!state.has(id)) visit(id);
  const rank = new Map<string, number>(services.map((id) => [id, 0]));
  // Reverse post-order is a topological order of the acyclic edges.
  for (let i = order.length - 1; i >= 0; i--) {
    const from = order[i] as string;
    const r = rank.get(from) ?? 0;
    for (const to of acyclic.get(from) ?? []) if ((rank.get(to) ?? 0) < r + 1) rank.set(to, r + 1);
  }
  return rank;
}

function orderByBarycentre(layers: string[][], succ: Map<string, string[]>, pred: Map<string, string[]>, group: (id: string) => number): void {
  const position = new Map<string, number>();
  for (const layer of layers) layer.forEach((id, i) => position.set(id, layer.length > 1 ? i / (layer.length - 1) : 0.5));
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const forward = sweep % 2 === 0;
    const order = layers.map((_l, i) => i);
    if (!forward) order.reverse();
    for (const c of order) {
      const layer = layers[c];
      if (!layer || layer.length < 2) continue;
      const neighbours = forward ? pred : succ;
      const keyed = layer.map((id, i) => {
        const ps = (neighbours.get(id) ?? []).map((n) => position.get(n)).filter((p): p is number => p !== undefined);
        return { id, i, key: ps.length > 0 ? ps.reduce((a, b) => a + b, 0) / ps.length : (position.get(id) ?? 0.5) };
      });
      // Kinds stay grouped in the data layer (databases together, then caches, ...).
      keyed.sort((a, b) => (group(a.id) - group(b.id)) || (a.key - b.key) || (a.i - b.i));
      layers[c] = keyed.map((k) => k.id);
      layers[c]?.forEach((id, i, arr) => position.set(id, arr.length > 1 ? i / (arr.length - 1) : 0.5));
    }
  }
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
