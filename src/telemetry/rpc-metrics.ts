import type { L7Exchange } from '../correlate/l7-exchange.js';
import type { BoundHistogram } from './metrics/histogram.js';
import type { MetricRegistry } from './metrics/registry.js';

/** OTel's advisory buckets for `rpc.server.call.duration` / `rpc.client.call.duration`, in seconds. */
export const RPC_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

const LABELS = ['rpc_system', 'rpc_service', 'rpc_method', 'rpc_grpc_status_code', 'service_name'] as const;

/** Distinct service/method pairs per service_name; past it they are folded into `_OTHER` (paths come from the wire). */
export const MAX_RPC_METHODS_PER_SERVICE = 200;
const OTHER = '_OTHER';
const MAX_CACHED = 8192;

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/**
 * gRPC call metrics as OTel names them, from every exchange (never sampled), on both sides:
 * `rpc_server_call_duration_seconds` for calls a local server answered, `rpc_client_call_duration_seconds`
 * for calls a local client made. `rpc_grpc_status_code` is the grpc-status ("" when none came).
 */
export class RpcMetrics {
  readonly #server;
  readonly #client;
  #bound = new Map<string, BoundHistogram>();
  readonly #methods = new Map<string, Set<string>>();

  constructor(registry: MetricRegistry) {
    this.#server = registry.histogram({
      name: 'rpc_server_call_duration_seconds',
      help: 'Duration of RPCs (gRPC) a local server answered, first request byte to last response byte, as seen on the server socket.',
      labelNames: LABELS,
      buckets: RPC_DURATION_BUCKETS,
    });
    this.#client = registry.histogram({
      name: 'rpc_client_call_duration_seconds',
      help: 'Duration of RPCs (gRPC) a local client made, first request byte to last response byte, as seen on the client socket.',
      labelNames: LABELS,
      buckets: RPC_DURATION_BUCKETS,
    });
  }

  record(x: L7Exchange): void {
    if (x.protocol !== 'grpc') return;
    const a = x.attributes;
    let service = text(a['rpc.service']);
    let method = text(a['rpc.method']);
    if (!this.#admit(x.serviceName, service, method)) {
      service = OTHER;
      method = OTHER;
    }
    const status = text(a['rpc.grpc.status_code']);
    const server = x.side === 'server';
    const key = `${server ? 's' : 'c'}\0${service}\0${method}\0${status}\0${x.serviceName}`;
    let h = this.#bound.get(key);
    if (h === undefined) {
      if (this.#bound.size >= MAX_CACHED) this.#bound = new Map();
      h = (server ? this.#server : this.#client).bind({
        rpc_system: text(a['rpc.system']) || 'grpc',
        rpc_service: service,
        rpc_method: method,
        rpc_grpc_status_code: status,
        service_name: x.serviceName,
      });
      this.#bound.set(key, h);
    }
    h.observe(x.durationMs / 1000);
  }

  #admit(serviceName: string, service: string, method: string): boolean {
    let seen = this.#methods.get(serviceName);
    if (seen === undefined) {
      if (this.#methods.size >= MAX_CACHED) this.#methods.clear();
      seen = new Set();
      this.#methods.set(serviceName, seen);
    }
    const pair = `${service}/${method}`;
    if (seen.has(pair)) return true;
    if (seen.size >= MAX_RPC_METHODS_PER_SERVICE) return false;
    seen.add(pair);
    return true;
  }
}
