import type { L7Exchange } from '../../correlate/l7-exchange.js';
import type { BoundHistogram, Histogram } from '../metrics/histogram.js';
import type { LabelSet } from '../metrics/labels.js';
import type { MetricRegistry } from '../metrics/registry.js';
import type { GraphEdgeKey } from '../service-graph.js';
import { ServiceGraphMetrics } from '../service-graph-metrics.js';
import { isErrorExchange, methodLabel } from './span-record.js';

/** OTel's advisory buckets for `http.server.request.duration` / `http.client.request.duration`, in seconds. */
export const HTTP_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/**
 * Body sizes in bytes: 0 (bodiless GETs, 204s) then powers of 4 from 64 B to 16 MiB. OTel gives
 * no advisory buckets for body sizes; its generic defaults stop at 10,000.
 */
export const HTTP_BODY_SIZE_BUCKETS: readonly number[] = [0, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216];

const LABELS = ['service_name', 'http_request_method', 'http_response_status_code', 'http_route', 'network_protocol_version'] as const;

/** Bound handles cached per label set are dropped wholesale past this many (the registry bounds series anyway). */
export const MAX_CACHED_LABEL_SETS = 8192;

interface SideHandles {
  readonly duration: BoundHistogram;
  readonly requestSize: BoundHistogram;
  readonly responseSize: BoundHistogram;
}

const STATUS_LABELS: string[] = [];

/** `http_response_status_code`: the code as a string, "" when there was no response. */
export function statusLabel(status: number | null): string {
  if (status === null) return '';
  if (status >= 0 && status < 1000 && Number.isInteger(status)) return (STATUS_LABELS[status] ??= String(status));
  return String(status);
}

/** Binds on first use, so a label set that never has (say) a response body gets no empty series. */
function bindLazily<N extends readonly string[]>(metric: Histogram<N>, labels: LabelSet<N>): BoundHistogram {
  let bound: BoundHistogram | undefined;
  return {
    observe(value, count) {
      (bound ??= metric.bind(labels)).observe(value, count);
    },
  };
}

type Level<T> = Map<string, T>;

/**
 * A 4-level cache of bound handles, so a repeated label set costs four map lookups and no
 * allocation (callers build labels only on a miss: a creating closure per call was 200 bytes
 * of garbage per exchange).
 */
class HandleCache<H> {
  #root: Level<Level<Level<Map<number, H>>>> = new Map();
  #size = 0;

  get(a: string, b: string, c: string, d: number): H | undefined {
    return this.#root.get(a)?.get(b)?.get(c)?.get(d);
  }

  set(a: string, b: string, c: string, d: number, h: H): H {
    if (this.#size >= MAX_CACHED_LABEL_SETS) {
      this.#root = new Map();
      this.#size = 0;
    }
    let l1 = this.#root.get(a);
    if (l1 === undefined) this.#root.set(a, (l1 = new Map()));
    let l2 = l1.get(b);
    if (l2 === undefined) l1.set(b, (l2 = new Map()));
    let l3 = l2.get(c);
    if (l3 === undefined) l2.set(c, (l3 = new Map()));
    if (!l3.has(d)) this.#size++;
    l3.set(d, h);
    return h;
  }
}

/**
 * HTTP RED metrics and Tempo-style service-graph metrics, counted from every exchange (never
 * sampled). Labels follow OTel as Prometheus renders it: `service_name`, `http_request_method`
 * (`_OTHER` outside the known methods), `http_response_status_code` ("" without a response),
 * `http_route` (bounded by RouteNormalizer; "" when the request was not seen),
 * `network_protocol_version` (`1.0`, `1.1`, `2`; "" when neither message was seen). Client
 * metrics carry the same labels: which server a client called is the service graph's business.
 */
export class HttpMetrics {
  readonly #server: HandleCache<SideHandles> = new HandleCache();
  readonly #client: HandleCache<SideHandles> = new HandleCache();
  readonly #graph: ServiceGraphMetrics;
  readonly #bindServer: (labels: Record<(typeof LABELS)[number], string>) => SideHandles;
  readonly #bindClient: (labels: Record<(typeof LABELS)[number], string>) => SideHandles;

  /** `graph`: the service-graph metrics, shared with the other protocols' metrics. */
  constructor(registry: MetricRegistry, graph: ServiceGraphMetrics = new ServiceGraphMetrics(registry)) {
    this.#graph = graph;
    const serverDuration = registry.histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP server requests, first request byte to last response byte, as seen on the server socket.',
      labelNames: LABELS,
      buckets: HTTP_DURATION_BUCKETS,
    });
    const clientDuration = registry.histogram({
      name: 'http_client_request_duration_seconds',
      help: 'Duration of HTTP client requests, first request byte to last response byte, as seen on the client socket.',
      labelNames: LABELS,
      buckets: HTTP_DURATION_BUCKETS,
    });
    const sizes = (side: 'server' | 'client', message: 'request' | 'response') => registry.histogram({
      name: `http_${side}_${message}_body_size_bytes`,
      help: `Size of HTTP ${side} ${message} bodies (payload without headers and chunk framing).`,
      labelNames: LABELS,
      buckets: HTTP_BODY_SIZE_BUCKETS,
    });
    const serverRequestSize = sizes('server', 'request');
    const serverResponseSize = sizes('server', 'response');
    const clientRequestSize = sizes('client', 'request');
    const clientResponseSize = sizes('client', 'response');
    this.#bindServer = (labels) => ({
      duration: serverDuration.bind(labels),
      requestSize: bindLazily(serverRequestSize, labels),
      responseSize: bindLazily(serverResponseSize, labels),
    });
    this.#bindClient = (labels) => ({
      duration: clientDuration.bind(labels),
      requestSize: bindLazily(clientRequestSize, labels),
      responseSize: bindLazily(clientResponseSize, labels),
    });
  }

  /**
   * One exchange, counted exactly (or `count` exchanges alike: tallies of the kernel, whose body
   * sizes are not known, so only the duration histograms and the graph count them).
   * `edge` is graphEdge()'s answer (null: not a service-graph edge).
   */
  record(x: L7Exchange, route: string | null, edge: GraphEdgeKey | null, count = 1): void {
    const service = x.serviceName;
    const method = methodLabel(x.method);
    const routeLabel = route ?? '';
    const statusKey = x.status ?? -1;
    const version = x.httpVersion ?? '';
    const server = x.side === 'server';
    const cache = server ? this.#server : this.#client;
    // The version rides in the method's cache key: a handful of values, no fifth map level.
    const methodKey = version === '1.1' ? method : `${method} ${version}`;
    const h = cache.get(service, routeLabel, methodKey, statusKey) ?? cache.set(service, routeLabel, methodKey, statusKey, (server ? this.#bindServer : this.#bindClient)({
      service_name: service,
      http_request_method: method,
      http_response_status_code: statusLabel(x.status),
      http_route: routeLabel,
      network_protocol_version: version,
    }));
    const seconds = x.durationMs / 1000;
    h.duration.observe(seconds, count);
    // Body sizes only for messages that were seen.
    if (count === 1 && x.method !== null) h.requestSize.observe(x.requestBodyBytes);
    if (count === 1 && x.status !== null) h.responseSize.observe(x.responseBodyBytes);
    if (edge !== null) this.#graph.record(edge, seconds, isErrorExchange(x.side, x.status), count);
  }
}
