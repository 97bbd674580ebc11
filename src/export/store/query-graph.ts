import { addDense, newDenseHistogram, type DenseHistogram } from './histogram.js';
import { NodeKinds } from './graph-rules.js';
import { EDGE_KIND, OP_KIND, type KeyValue } from './rollup-kinds.js';
import { rateSeconds, readRollup, red, tilesStart, type RollupSource } from './rollup-read.js';
import { rangeWindow, tiles, type RangeWindow, type Tile } from './window.js';
import type { GraphAnswer, GraphEdgeAnswer } from './answers.js';

interface EdgeTotals {
  client: string;
  server: string;
  protocol: string;
  clientLocal: boolean;
  serverLocal: boolean;
  requests: number;
  errors: number;
  hist: DenseHistogram;
}

function byEdge(a: GraphEdgeAnswer, b: GraphEdgeAnswer): number {
  return a.client.localeCompare(b.client) || a.server.localeCompare(b.server) || a.protocol.localeCompare(b.protocol);
}

/** Edges over a window (optionally only those with a given client or server), locality flags merged. */
export function edgeTotals(src: RollupSource, w: RangeWindow, where?: (key: readonly KeyValue[]) => boolean): EdgeTotals[] {
  const rows = readRollup(src, { kind: EDGE_KIND, tiles: edgeTiles(w), groupBy: EDGE_KIND.keys, nowMs: w.nowMs, ...(where === undefined ? {} : { where }) });
  const edges = new Map<string, EdgeTotals>();
  for (const row of rows) {
    const [client, server, protocol, clientLocal, serverLocal] = row.key.map(String) as [string, string, string, string, string];
    const id = `${client}\u0001${server}\u0001${protocol}`;
    let e = edges.get(id);
    if (e === undefined) {
      e = { client, server, protocol, clientLocal: false, serverLocal: false, requests: 0, errors: 0, hist: newDenseHistogram() };
      edges.set(id, e);
    }
    e.clientLocal ||= clientLocal === '1';
    e.serverLocal ||= serverLocal === '1';
    e.requests += row.sums[0] ?? 0;
    e.errors += row.sums[1] ?? 0;
    if (row.hist !== null) addDense(e.hist, row.hist);
  }
  return [...edges.values()];
}

function edgeTiles(w: RangeWindow): Tile[] {
  return tiles(w.firstBucketMs, w.nowMs, EDGE_KIND.resolutions);
}

/** Seconds edge rates are over (edge rows start at a minute, so a 5m window reads up to 6 minutes of them). */
export function edgeSeconds(src: RollupSource, w: RangeWindow): number {
  return rateSeconds(src, EDGE_KIND, w, tilesStart(edgeTiles(w)));
}

function edgeAnswer(e: EdgeTotals, seconds: number): GraphEdgeAnswer {
  return { client: e.client, server: e.server, protocol: e.protocol, ...red(e.requests, e.errors, e.hist, seconds) };
}

export function edgeAnswers(edges: readonly EdgeTotals[], seconds: number): GraphEdgeAnswer[] {
  return edges.map((e) => edgeAnswer(e, seconds)).sort(byEdge);
}

export function graph(src: RollupSource, rangeMs: number, nowMs: number): GraphAnswer {
  const w = rangeWindow(rangeMs, nowMs);
  const seconds = edgeSeconds(src, w);
  const kinds = new NodeKinds();
  // Which protocols each service serves: from the operations, whose key has the protocol.
  const ops = readRollup(src, { kind: OP_KIND, tiles: tiles(w.firstBucketMs, nowMs, OP_KIND.resolutions), groupBy: ['service', 'side', 'protocol'], sumsOnly: true, nowMs });
  for (const op of ops) {
    const [name, side, protocol] = op.key.map(String) as [string, string, string];
    if (side === 'server') kinds.serves(name, protocol, true);
    else kinds.local(name);
  }
  const edges = edgeTotals(src, w);
  for (const e of edges) {
    kinds.serves(e.server, e.protocol, e.serverLocal);
    if (e.clientLocal) kinds.local(e.client);
    else kinds.seen(e.client);
  }
  return { nodes: kinds.nodes(), edges: edgeAnswers(edges, seconds), window_seconds: Math.round(seconds) };
}
