import type { L7Exchange } from '../correlate/l7-exchange.js';
import { LocalAddresses } from '../correlate/local-addresses.js';
import { HttpMetrics } from './http/http-metrics.js';
import { DEFAULT_MAX_ROUTES_PER_SERVICE, RouteNormalizer, type RoutePatterns } from './http/route.js';
import { isErrorExchange, toSpanRecord, type SpanRecord } from './http/span-record.js';
import type { MetricRegistry } from './metrics/registry.js';
import { DEFAULT_RECENT_SPANS, RecentSpans } from './recent-spans.js';
import { DEFAULT_RECORD_BUDGET_PER_SECOND, RecordSampler } from './sampler.js';
import { ServiceGraph, graphEdge, type GraphSnapshot } from './service-graph.js';
import { ServiceGraphMetrics } from './service-graph-metrics.js';
import { ProtocolMetrics } from './protocol-metrics.js';
import { RpcMetrics } from './rpc-metrics.js';
import { isProtocolError, toProtocolSpanRecord } from './protocol-span-record.js';
import { DEFAULT_BUCKET_MS, DEFAULT_WINDOW_MS, ServiceStats, type ServiceStat } from './service-stats.js';
import { pathTallyKey } from '../correlate/tally-key.js';
import { LearnedHashes } from './learned-hashes.js';

/** Learned kernel hashes (route, or operation and table) kept at most; past it they are relearned. */
const MAX_LEARNED = 16384;

export interface L7TelemetryOptions {
  /** Records kept for /api/v1/requests. Default 10,000. */
  readonly recentLimit?: number;
  /** Sustained records per second before records are sampled. Default 10,000; Infinity never samples. */
  readonly recordBudgetPerSecond?: number;
  /** Seconds of budget a burst may use before sampling starts. Default 2. */
  readonly recordBurstSeconds?: number;
  readonly routePatterns?: RoutePatterns;
  /** Default 100. */
  readonly maxRoutesPerService?: number;
  /** Keep query strings (in the `url.query` attribute). Default false. */
  readonly keepQuery?: boolean;
  /** Window of /api/v1/services and /api/v1/graph. Default 5 minutes in 10 s buckets. */
  readonly windowMs?: number;
  readonly bucketMs?: number;
  /** Wall-clock milliseconds (windows and the sampler's bucket). Default Date.now. */
  readonly now?: () => number;
  /** Whether an address is this host's; decides which side of a local call the service graph counts. */
  readonly isLocalAddress?: (addr: string) => boolean;
  /** Told about a subscriber that threw; the record still reaches the others. */
  readonly onSubscriberError?: (error: unknown) => void;
}

/**
 * The one entry point from the pipeline for L7 exchanges. For every exchange, exactly: the
 * route, the HTTP and service-graph metrics, the per-service window and the graph window. Then
 * the record sampler decides whether a record is made; a kept record (with its sample weight) is
 * stored for /api/v1/requests and handed to subscribers (`sonde requests`, exporters).
 */
export class L7Telemetry {
  readonly recent: RecentSpans;
  readonly routes: RouteNormalizer;
  readonly sampler: RecordSampler;
  readonly #metrics: HttpMetrics;
  readonly #protocolMetrics: ProtocolMetrics;
  readonly #rpcMetrics: RpcMetrics;
  readonly #graphMetrics: ServiceGraphMetrics;
  readonly #stats: ServiceStats;
  readonly #graph: ServiceGraph;
  readonly #keepQuery: boolean;
  readonly #isLocal: (addr: string) => boolean;
  readonly #subscribers = new Set<(span: SpanRecord) => void>();
  readonly #tallySubscribers = new Set<(span: SpanRecord) => void>();
  /** Service + kernel hash -> what the parsed exchanges with that hash were (for kernel tallies). */
  readonly #learned = new LearnedHashes(MAX_LEARNED);
  readonly #onSubscriberError: ((error: unknown) => void) | undefined;

  constructor(registry: MetricRegistry, options: L7TelemetryOptions = {}) {
    const routeOverflow = registry.counter({
      name: 'sonde_http_route_overflow_total',
      help: 'HTTP exchanges whose route was folded into "/{other}" because their service had reached its route limit.',
      labelNames: ['service_name'] as const,
    });
    const sampledOut = registry.counter({
      name: 'sonde_l7_records_sampled_out_total',
      help: 'L7 records not kept because the record budget was exceeded (metrics still count them).',
      labelNames: [] as const,
    });
    const sampleWeight = registry.gauge({
      name: 'sonde_l7_record_sample_weight',
      help: 'Current L7 record sampling: 1 when every record is kept, N when one in N is.',
      labelNames: [] as const,
    });
    const now = options.now ?? Date.now;
    this.recent = new RecentSpans(options.recentLimit ?? DEFAULT_RECENT_SPANS);
    this.routes = new RouteNormalizer({
      patterns: options.routePatterns ?? [],
      maxRoutesPerService: options.maxRoutesPerService ?? DEFAULT_MAX_ROUTES_PER_SERVICE,
      onOverflow: (service_name) => routeOverflow.inc({ service_name }),
    });
    this.sampler = new RecordSampler({
      budgetPerSecond: options.recordBudgetPerSecond ?? DEFAULT_RECORD_BUDGET_PER_SECOND,
      ...(options.recordBurstSeconds === undefined ? {} : { burstSeconds: options.recordBurstSeconds }),
      now,
    });
    const window = { windowMs: options.windowMs ?? DEFAULT_WINDOW_MS, bucketMs: options.bucketMs ?? DEFAULT_BUCKET_MS, now };
    this.#stats = new ServiceStats(window);
    this.#graph = new ServiceGraph(window);
    this.#graphMetrics = new ServiceGraphMetrics(registry);
    this.#metrics = new HttpMetrics(registry, this.#graphMetrics);
    this.#protocolMetrics = new ProtocolMetrics(registry);
    this.#rpcMetrics = new RpcMetrics(registry);
    this.#keepQuery = options.keepQuery ?? false;
    if (options.isLocalAddress !== undefined) {
      this.#isLocal = options.isLocalAddress;
    } else {
      const local = new LocalAddresses();
      this.#isLocal = (addr) => local.has(addr);
    }
    this.#onSubscriberError = options.onSubscriberError;

    let reportedDropped = 0;
    registry.addCollectHook(() => {
      const dropped = this.sampler.dropped;
      if (dropped > reportedDropped) sampledOut.inc({}, dropped - reportedDropped);
      reportedDropped = dropped;
      sampleWeight.set({}, this.sampler.weight);
    });
  }

  record(x: L7Exchange): void {
    // HTTP/2 (not gRPC) is HTTP: the same metrics (no protocol-version label: see docs/tls.md) and records.
    if (x.protocol !== 'http' && x.protocol !== 'http2') {
      this.#recordProtocol(x);
      return;
    }
    const route = this.routes.route(x.serviceName, x.target);
    if (x.target !== null) this.#learned.learn(x.serviceName, pathTallyKey(x.target), route, null, null);
    const edge = graphEdge(x, this.#isLocal);
    const error = isErrorExchange(x.side, x.status);
    this.#metrics.record(x, route, edge);
    if (x.side === 'server') this.#stats.record(x.serviceName, x.durationMs, error);
    this.#graph.record(x, edge, error);
    const weight = this.sampler.offer();
    if (weight === 0) return;
    this.#keep(toSpanRecord(x, route, weight, { keepQuery: this.#keepQuery }));
  }

  /**
   * `count` exchanges alike counted by the kernel while their connection was paused (over the
   * capture budget): the metrics, windows and graph count them; no record is made. The route or
   * table is the one parsed exchanges with the same kernel hash had (none until one was parsed).
   */
  recordTally(x: L7Exchange, count: number): void {
    if (!(count > 0)) return;
    const learned = x.tallyKey === undefined ? undefined : this.#learned.get(x.serviceName, x.tallyKey);
    const edge = graphEdge(x, this.#isLocal);
    if (x.protocol === 'http') {
      const error = isErrorExchange(x.side, x.status);
      const route = learned?.route ?? null;
      this.#metrics.record(x, route, edge, count);
      if (x.side === 'server') this.#stats.record(x.serviceName, x.durationMs, error, count);
      this.#graph.record(x, edge, error, count);
      this.#tallied(() => toSpanRecord(x, route, count, { keepQuery: false }));
      return;
    }
    const described = learned === undefined ? x : { ...x, operation: learned.operation ?? x.operation, resource: learned.resource };
    const error = isProtocolError(described);
    this.#protocolMetrics.record(described, count);
    if (edge !== null) this.#graphMetrics.record(edge, x.durationMs / 1000, error, count);
    if (x.side === 'server') this.#stats.record(x.serviceName, x.durationMs, error, count);
    this.#graph.record(x, edge, error, count);
    this.#tallied(() => toProtocolSpanRecord(described, count));
  }

  #tallied(make: () => SpanRecord): void {
    if (this.#tallySubscribers.size === 0) return;
    const span = make();
    for (const fn of this.#tallySubscribers) {
      try {
        fn(span);
      } catch (err) {
        this.#onSubscriberError?.(err);
      }
    }
  }

  /** Databases, caches, messaging, DNS, gRPC: the same windows and graph, their own metrics and records. */
  #recordProtocol(x: L7Exchange): void {
    if (x.tallyKey !== undefined) this.#learned.learn(x.serviceName, x.tallyKey, null, x.operation, x.resource);
    const edge = graphEdge(x, this.#isLocal);
    const error = isProtocolError(x);
    if (x.protocol === 'grpc') this.#rpcMetrics.record(x);
    else this.#protocolMetrics.record(x);
    if (edge !== null) this.#graphMetrics.record(edge, x.durationMs / 1000, error);
    if (x.side === 'server') this.#stats.record(x.serviceName, x.durationMs, error);
    this.#graph.record(x, edge, error);
    const weight = this.sampler.offer();
    if (weight === 0) return;
    this.#keep(toProtocolSpanRecord(x, weight));
  }

  #keep(span: SpanRecord): void {
    this.recent.add(span);
    for (const fn of this.#subscribers) {
      try {
        fn(span);
      } catch (err) {
        this.#onSubscriberError?.(err);
      }
    }
  }

  /** Server-side RED per service over the window (`/api/v1/services`). */
  services(): ServiceStat[] {
    return this.#stats.snapshot();
  }

  /** Nodes and client -> server edges over the window (`/api/v1/graph`). */
  graph(): GraphSnapshot {
    return this.#graph.snapshot();
  }

  /**
   * Kernel tallies from now on, as records whose `sample_weight` is how many exchanges they
   * stand for (at their mean latency): for aggregates (the store's rollups), never to be shown
   * as requests. Until the returned function is called.
   */
  subscribeTallies(fn: (span: SpanRecord) => void): () => void {
    this.#tallySubscribers.add(fn);
    return () => {
      this.#tallySubscribers.delete(fn);
    };
  }

  /** Every kept record from now on, until the returned function is called. */
  subscribe(fn: (span: SpanRecord) => void): () => void {
    this.#subscribers.add(fn);
    return () => {
      this.#subscribers.delete(fn);
    };
  }
}
