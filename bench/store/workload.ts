/**
 * Synthetic traffic of a small fleet for the store bench: 50 services with 20 routes each
 * calling one another over HTTP (both ends captured), taking requests from outside, and using
 * a PostgreSQL database, a local Redis, a Kafka broker and an outside API. Seeded, so runs
 * compare.
 */
import type { StoreFlow, StoreSpan } from '../../src/export/store/records.js';
import { rfc3339 } from '../../src/lib/rfc3339.js';
import { mulberry32 } from '../../src/protocols/fuzz-kit.js';

export const SERVICES = 50;
export const ROUTES_PER_SERVICE = 20;


interface Route {
  method: string;
  path: string;
  medianMs: number;
  errorRate: number;
}

const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const NOUNS = ['users', 'orders', 'items', 'carts', 'payments', 'invoices', 'sessions', 'search', 'reports', 'stock'];
const TABLES = ['users', 'orders', 'order_lines', 'items', 'payments', 'invoices', 'audit', 'stock', 'carts', 'sessions'];

/** Exchange mix, by share: [kind, weight]. */
const MIX: readonly [string, number][] = [['http', 0.6], ['ingress', 0.15], ['postgresql', 0.12], ['redis', 0.08], ['kafka', 0.03], ['external', 0.02]];

export class Workload {
  readonly services: string[];
  readonly #routes: Route[][];
  readonly #rand: () => number;
  #cookie = 1;

  constructor(seed = 42) {
    this.#rand = mulberry32(seed);
    this.services = Array.from({ length: SERVICES }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    this.#routes = this.services.map(() => Array.from({ length: ROUTES_PER_SERVICE }, (_, r) => ({
      method: METHODS[Math.floor(this.#rand() * METHODS.length)]!,
      path: `/api/${NOUNS[r % NOUNS.length]!}${r >= NOUNS.length ? '/{id}' : ''}`,
      // Log-uniform medians from 1 ms to 200 ms; a few routes fail often.
      medianMs: Math.exp(Math.log(1) + this.#rand() * Math.log(200)),
      errorRate: this.#rand() < 0.1 ? 0.05 : 0.005,
    })));
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#rand() * items.length)]!;
  }

  /** Log-normal around the median (sigma 0.6): a long right tail like real latencies. */
  #duration(medianMs: number): number {
    const u = Math.max(1e-12, this.#rand());
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.#rand());
    return Math.round(medianMs * Math.exp(0.6 * z) * 1000) / 1000;
  }

  #span(startMs: number, fields: Partial<StoreSpan> & Pick<StoreSpan, 'service_name' | 'side' | 'protocol' | 'duration_ms'>): StoreSpan {
    return {
      start: rfc3339(startMs),
      pid: 1000 + this.services.indexOf(fields.service_name),
      comm: fields.service_name,
      exe: `/usr/local/bin/${fields.service_name}`,
      peer_service: null,
      local_addr: '10.0.0.1',
      local_port: 8080,
      remote_addr: '10.0.0.2',
      remote_port: 40000 + Math.floor(this.#rand() * 20000),
      operation: null,
      resource: null,
      status: null,
      error: false,
      request_bytes: 200 + Math.floor(this.#rand() * 800),
      response_bytes: 500 + Math.floor(this.#rand() * 8000),
      sample_weight: 1,
      problem: null,
      attributes: {},
      ...fields,
    };
  }

  #httpPair(startMs: number, client: string | null, server: string): StoreSpan[] {
    const route = this.#pick(this.#routes[this.services.indexOf(server)]!);
    const duration = this.#duration(route.medianMs);
    const failed = this.#rand() < route.errorRate;
    const status = failed ? this.#pick([500, 502, 503]) : this.#rand() < 0.03 ? 404 : 200;
    const attributes = {
      'http.request.method': route.method, 'url.path': route.path.replace('{id}', String(Math.floor(this.#rand() * 1e6))),
      'http.route': route.path, 'http.response.status_code': status, 'user_agent.original': client === null ? 'Mozilla/5.0' : 'okhttp/4.12',
      'server.address': server, 'server.port': 8080, 'network.protocol.version': '1.1',
    };
    const serverSpan = this.#span(startMs, {
      service_name: server, side: 'server', protocol: 'http', duration_ms: duration, peer_service: client,
      remote_addr: client === null ? `198.51.100.${Math.floor(this.#rand() * 200)}` : '10.0.0.1',
      operation: route.method, resource: route.path, status, error: status >= 500, attributes,
    });
    if (client === null) return [serverSpan];
    const clientSpan = this.#span(startMs, {
      service_name: client, side: 'client', protocol: 'http', duration_ms: Math.round((duration + 0.3) * 1000) / 1000, peer_service: server,
      remote_addr: '10.0.0.1', remote_port: 8080, operation: route.method, resource: route.path, status, error: status >= 400, attributes,
    });
    return [clientSpan, serverSpan];
  }

  /** The spans of one exchange starting at `startMs`: two when both ends are on this host. */
  exchange(startMs: number): StoreSpan[] {
    let r = this.#rand();
    let kind = MIX[0]![0];
    for (const [k, w] of MIX) {
      if (r < w) {
        kind = k;
        break;
      }
      r -= w;
    }
    const from = this.#pick(this.services);
    switch (kind) {
      case 'http': {
        const to = this.services[(this.services.indexOf(from) + 1 + Math.floor(this.#rand() * 3)) % SERVICES]!;
        return this.#httpPair(startMs, from, to);
      }
      case 'ingress':
        return this.#httpPair(startMs, null, from);
      case 'postgresql': {
        const table = this.#pick(TABLES);
        const op = this.#pick(['SELECT', 'SELECT', 'SELECT', 'INSERT', 'UPDATE']);
        const failed = this.#rand() < 0.01;
        return [this.#span(startMs, {
          service_name: from, side: 'client', protocol: 'postgresql', duration_ms: this.#duration(op === 'SELECT' ? 0.8 : 2.5),
          remote_addr: '10.0.0.5', remote_port: 5432, operation: op, resource: table, status: failed ? '40P01' : 'OK', error: failed,
          attributes: { 'db.system.name': 'postgresql', 'db.collection.name': table, 'db.operation.name': op, 'db.query.text': `${op} * FROM ${table} WHERE id = $1` },
        })];
      }
      case 'redis': {
        const op = this.#pick(['GET', 'GET', 'SET', 'EXPIRE']);
        const duration = this.#duration(0.15);
        const fields = { protocol: 'redis' as const, operation: op, resource: 'session:', status: 'OK', attributes: { 'db.system.name': 'redis', 'db.operation.name': op } };
        return [
          this.#span(startMs, { ...fields, service_name: from, side: 'client', duration_ms: duration + 0.05, peer_service: 'cache', remote_addr: '10.0.0.1', remote_port: 6379 }),
          this.#span(startMs, { ...fields, service_name: 'cache', side: 'server', duration_ms: duration, peer_service: from, local_port: 6379 }),
        ];
      }
      case 'kafka':
        return [this.#span(startMs, {
          service_name: from, side: 'client', protocol: 'kafka', duration_ms: this.#duration(4), remote_addr: '10.0.0.8', remote_port: 9092,
          operation: 'Produce', resource: this.#pick(['orders', 'events', 'audit']), status: '0',
          attributes: { 'messaging.system': 'kafka', 'messaging.operation.name': 'send' },
        })];
      default:
        return [this.#span(startMs, {
          service_name: from, side: 'client', protocol: 'http', duration_ms: this.#duration(120), remote_addr: '93.184.216.34', remote_port: 443,
          operation: 'POST', resource: '/v1/charges', status: 200,
          attributes: { 'http.request.method': 'POST', 'url.path': '/v1/charges', 'server.address': 'api.example.com', 'server.port': 443 },
        })];
    }
  }

  /** A closed connection of a service, for the flows part of the store. */
  flow(endMs: number): StoreFlow {
    const service = this.#pick(this.services);
    const outbound = this.#rand() < 0.6;
    const duration = this.#duration(30);
    return {
      start: rfc3339(endMs - duration), end: rfc3339(endMs), duration_ms: duration, pid: 1000 + this.services.indexOf(service),
      comm: service, exe: `/usr/local/bin/${service}`, service_name: service, peer_service: outbound && this.#rand() < 0.5 ? this.#pick(this.services) : null,
      container_id: null, direction: outbound ? 'outbound' : 'inbound', family: 'ipv4', local_addr: '10.0.0.1',
      local_port: outbound ? 40000 + Math.floor(this.#rand() * 20000) : 8080,
      remote_addr: outbound ? this.#pick(['10.0.0.5', '10.0.0.8', '93.184.216.34']) : `198.51.100.${Math.floor(this.#rand() * 200)}`,
      remote_port: outbound ? this.#pick([5432, 9092, 443]) : 40000 + Math.floor(this.#rand() * 20000),
      bytes_sent: Math.floor(this.#rand() * 100_000), bytes_received: Math.floor(this.#rand() * 100_000), segments_sent: 10, segments_received: 12,
      retransmits: this.#rand() < 0.02 ? 1 + Math.floor(this.#rand() * 3) : 0, srtt_us: 200, status: this.#rand() < 0.01 ? 'failed' : 'closed',
      partial: false, owner_source: outbound ? 'connect' : 'accept', socket_cookie: this.#cookie++,
    };
  }
}
