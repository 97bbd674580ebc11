import type { L7Exchange } from '../correlate/l7-exchange.js';
import {
  DEFAULT_BUCKET_MS, DEFAULT_WINDOW_MS, WindowedStats, bucketCount, windowSecondsAt,
} from './service-stats.js';

/** Which client -> server pair an exchange is counted on, and the server's endpoint when it is not a local service. */
export interface GraphEdgeKey {
  readonly client: string;
  readonly server: string;
  /** Set when the server is outside this host: the graph shows it as an `external` node. */
  readonly external: { readonly address: string; readonly port: number } | null;
}

/** `addr:port`, IPv6 in brackets (unbracketed, `2001:db8::1:443` would read as one address). */
export function endpointLabel(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/**
 * The edge an exchange contributes to the service graph, or null. Each exchange is counted
 * once, preferring the server's view (as Tempo pairs spans):
 * - server side with a known client (`peerService`): client = peer, server = this service;
 * - server side with an unknown client: none (per-client-address edges would be unbounded;
 *   the service still appears as a node and in /api/v1/services);
 * - client side to an address of this host: none — the server side of the same exchange is
 *   recorded locally and counts it;
 * - client side to anything else: client = this service, server = `peerService` when known,
 *   else the remote `addr:port`, marked external.
 */
export function graphEdge(x: L7Exchange, isLocalAddress: (addr: string) => boolean): GraphEdgeKey | null {
  if (x.side === 'server') {
    return x.peerService ? { client: x.peerService, server: x.serviceName, external: null } : null;
  }
  if (isLocalAddress(x.remoteAddr)) return null;
  return {
    client: x.serviceName,
    server: x.peerService || endpointLabel(x.remoteAddr, x.remotePort),
    external: { address: x.remoteAddr, port: x.remotePort },
  };
}

/** What a node is: a local service, one serving a database/cache/broker protocol, or something off-host. */
export type GraphNodeKind = 'service' | 'database' | 'cache' | 'broker' | 'external';

/** The kind of a local server, by the protocol it answers. */
export function serverKindOf(protocol: L7Exchange['protocol']): GraphNodeKind {
  switch (protocol) {
    case 'postgresql': case 'mysql': case 'mongodb': return 'database';
    case 'redis': case 'memcached': return 'cache';
    case 'kafka': return 'broker';
    default: return 'service';
  }
}

export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  /** External nodes only: the address and port last seen for them. */
  address?: string;
  port?: number;
}

export interface GraphEdgeStat {
  client: string;
  server: string;
  requests: number;
  errors: number;
  request_rate: number;
  error_rate: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}

export interface GraphSnapshot {
  nodes: GraphNode[];
  edges: GraphEdgeStat[];
  window_seconds: number;
}

export const DEFAULT_MAX_EDGES = 2000;
export const DEFAULT_MAX_NODES = 2000;

export interface ServiceGraphOptions {
  readonly windowMs?: number;
  readonly bucketMs?: number;
  /** Edges tracked at once; new edges past it are not tracked (counted in `droppedEdges`). */
  readonly maxEdges?: number;
  readonly maxNodes?: number;
  /** Wall-clock milliseconds. */
  readonly now?: () => number;
}

interface NodeState {
  kind: GraphNodeKind;
  address: string | undefined;
  port: number | undefined;
  lastSeenMs: number;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Services and the calls between them over a sliding window: nodes for every service seen
 * (either side) and every external server called, edges client -> server with rate, error rate
 * and latency percentiles (measured on the side the edge was taken from).
 */
export class ServiceGraph {
  readonly windowMs: number;
  readonly bucketMs: number;
  readonly #maxEdges: number;
  readonly #maxNodes: number;
  readonly #now: () => number;
  readonly #startedMs: number;
  readonly #edges = new Map<string, Map<string, WindowedStats>>();
  readonly #nodes = new Map<string, NodeState>();
  #edgeCount = 0;
  #droppedEdges = 0;

  constructor(options: ServiceGraphOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.bucketMs = options.bucketMs ?? DEFAULT_BUCKET_MS;
    bucketCount(this.windowMs, this.bucketMs);
    this.#maxEdges = positiveInteger('maxEdges', options.maxEdges ?? DEFAULT_MAX_EDGES);
    this.#maxNodes = positiveInteger('maxNodes', options.maxNodes ?? DEFAULT_MAX_NODES);
    this.#now = options.now ?? Date.now;
    this.#startedMs = this.#now();
  }

  /** Exchanges on edges that could not be tracked because `maxEdges` were in use. */
  get droppedEdges(): number {
    return this.#droppedEdges;
  }

  /** One exchange: its own service becomes (or stays) a node; `edge` (from graphEdge) is counted. */
  record(x: L7Exchange, edge: GraphEdgeKey | null, error: boolean, count = 1): void {
    const now = this.#now();
    this.#touch(x.serviceName, x.side === 'server' ? serverKindOf(x.protocol) : 'service', undefined, undefined, now);
    if (edge === null) return;
    let servers = this.#edges.get(edge.client);
    let stats = servers?.get(edge.server);
    if (stats === undefined) {
      if (this.#edgeCount >= this.#maxEdges) this.#forgetIdle(now);
      if (this.#edgeCount >= this.#maxEdges) {
        this.#droppedEdges++;
        return;
      }
      if (servers === undefined) {
        servers = new Map();
        this.#edges.set(edge.client, servers);
      }
      stats = new WindowedStats(this.windowMs, this.bucketMs);
      servers.set(edge.server, stats);
      this.#edgeCount++;
    }
    stats.record(now, x.durationMs, error, count);
    if (edge.external !== null) this.#touch(edge.server, 'external', edge.external.address, edge.external.port, now);
    else this.#touch(edge.client === x.serviceName ? edge.server : edge.client, 'service', undefined, undefined, now);
  }

  /** Nodes seen and edges with traffic in the window, sorted by id and by (client, server). */
  snapshot(): GraphSnapshot {
    const now = this.#now();
    this.#forgetIdle(now);
    const edges: GraphEdgeStat[] = [];
    const inEdges = new Set<string>();
    for (const [client, servers] of this.#edges) {
      for (const [server, stats] of servers) {
        const s = stats.summary(now, this.#startedMs);
        if (s === null) continue;
        inEdges.add(client).add(server);
        edges.push({
          client,
          server,
          requests: s.requests,
          errors: s.errors,
          request_rate: s.requestRate,
          error_rate: s.errorRate,
          p50_ms: s.p50Ms,
          p95_ms: s.p95Ms,
          p99_ms: s.p99Ms,
        });
      }
    }
    edges.sort((a, b) => (a.client !== b.client ? (a.client < b.client ? -1 : 1) : a.server < b.server ? -1 : a.server > b.server ? 1 : 0));
    const nodes: GraphNode[] = [];
    for (const [id, n] of this.#nodes) {
      inEdges.delete(id);
      nodes.push(n.kind === 'external' ? { id, kind: n.kind, address: n.address as string, port: n.port as number } : { id, kind: n.kind });
    }
    // Only when maxNodes refused a node: every edge still ends at a node.
    for (const id of inEdges) nodes.push({ id, kind: 'service' });
    nodes.sort(byId);
    return { nodes, edges, window_seconds: windowSecondsAt(now, this.bucketMs, this.windowMs / this.bucketMs, this.#startedMs) };
  }

  #touch(id: string, kind: GraphNodeKind, address: string | undefined, port: number | undefined, now: number): void {
    const n = this.#nodes.get(id);
    if (n !== undefined) {
      n.lastSeenMs = now;
      // A name seen as a local service stays one, even if something also called it from outside.
      if (kind !== 'external' && (n.kind === 'external' || n.kind === 'service')) n.kind = kind;
      if (n.kind === 'external') {
        n.address = address;
        n.port = port;
      }
      return;
    }
    if (this.#nodes.size >= this.#maxNodes) {
      this.#forgetIdle(now);
      if (this.#nodes.size >= this.#maxNodes) return;
    }
    this.#nodes.set(id, { kind, address, port, lastSeenMs: now });
  }

  #forgetIdle(now: number): void {
    const cutoff = now - this.windowMs;
    for (const [client, servers] of this.#edges) {
      for (const [server, stats] of servers) {
        if (stats.lastBucketStartMs + this.bucketMs <= cutoff) {
          servers.delete(server);
          this.#edgeCount--;
        }
      }
      if (servers.size === 0) this.#edges.delete(client);
    }
    for (const [id, n] of this.#nodes) if (n.lastSeenMs <= cutoff) this.#nodes.delete(id);
  }
}
