import type { BoundCounter } from './metrics/counter.js';
import type { BoundHistogram } from './metrics/histogram.js';
import type { MetricRegistry } from './metrics/registry.js';
import type { GraphEdgeKey } from './service-graph.js';

/** Service-graph latency uses OTel's HTTP buckets: Tempo's defaults start at 100 ms, too coarse for local calls. */
export const SERVICE_GRAPH_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

const GRAPH_LABELS = ['client', 'server'] as const;
/** Bound handles are dropped wholesale past this many edges (the registry bounds series anyway). */
const MAX_CACHED_EDGES = 8192;

interface EdgeHandles {
  readonly total: BoundCounter;
  readonly failed: BoundCounter;
  readonly seconds: BoundHistogram;
}

/** Tempo-style service-graph metrics, one series set per client -> server edge, whatever the protocol. */
export class ServiceGraphMetrics {
  readonly #edges = new Map<string, Map<string, EdgeHandles>>();
  #edgeCount = 0;
  readonly #bind: (client: string, server: string) => EdgeHandles;

  constructor(registry: MetricRegistry) {
    const total = registry.counter({
      name: 'traces_service_graph_request_total',
      help: 'Requests between two services (client -> server), each exchange counted once, from the server side when both ends are local.',
      labelNames: GRAPH_LABELS,
    });
    const failed = registry.counter({
      name: 'traces_service_graph_request_failed_total',
      help: 'Failed requests between two services: as the protocol defines failure (HTTP: 5xx on the server side; 4xx, 5xx or no response on the client side).',
      labelNames: GRAPH_LABELS,
    });
    const seconds = registry.histogram({
      name: 'traces_service_graph_request_server_seconds',
      help: 'Duration of requests between two services, measured on the server side (on the client side for servers outside this host).',
      labelNames: GRAPH_LABELS,
      buckets: SERVICE_GRAPH_BUCKETS,
    });
    this.#bind = (client, server) => ({
      total: total.bind({ client, server }),
      failed: failed.bind({ client, server }),
      seconds: seconds.bind({ client, server }),
    });
  }

  record(edge: GraphEdgeKey, seconds: number, failed: boolean, count = 1): void {
    const e = this.#edge(edge.client, edge.server);
    e.total.inc(count);
    if (failed) e.failed.inc(count);
    e.seconds.observe(seconds, count);
  }

  #edge(client: string, server: string): EdgeHandles {
    let servers = this.#edges.get(client);
    let h = servers?.get(server);
    if (h !== undefined) return h;
    if (this.#edgeCount >= MAX_CACHED_EDGES) {
      this.#edges.clear();
      this.#edgeCount = 0;
      servers = undefined;
    }
    if (servers === undefined) {
      servers = new Map();
      this.#edges.set(client, servers);
    }
    h = this.#bind(client, server);
    servers.set(server, h);
    this.#edgeCount++;
    return h;
  }
}
