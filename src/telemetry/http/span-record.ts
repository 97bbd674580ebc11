import { rfc3339 } from '../../lib/rfc3339.js';
import type { L7Exchange, L7ProtocolName } from '../../correlate/l7-exchange.js';
import { targetPath, targetQuery } from './route.js';

/** OpenTelemetry semantic-convention attributes of an HTTP span (keys exactly as OTel spells them). */
export type HttpSpanAttributes = {
  /** The method if it is a known one, else `_OTHER` (OTel rule); see `http.request.method_original`. */
  'http.request.method': string;
  /** Only when `http.request.method` is `_OTHER` and a method was seen. */
  'http.request.method_original'?: string;
  /** The path, never the query; null when the request was not seen. */
  'url.path': string | null;
  /** Only with `keepQuery`, and only when the target had a query. */
  'url.query'?: string;
  'http.route': string | null;
  'http.response.status_code': number | null;
  'user_agent.original': string | null;
  'client.address': string;
  'server.address': string;
  'server.port': number;
  'network.protocol.version': string | null;
  'http.request.body.size': number;
  'http.response.body.size': number;
};

/** Attribute values of any record (OTel keys). */
export type SpanAttributes = Readonly<Record<string, string | number | boolean | null>>;

/** One L7 request/response exchange, the JSON contract of `/api/v1/requests` and `sonde requests --json`. */
export interface SpanRecord {
  /** RFC 3339, millisecond precision, UTC. */
  start: string;
  duration_ms: number;
  protocol: L7ProtocolName;
  /**
   * Taken from TLS plaintext (the TLS library, by uprobes). Always present in records sonde makes;
   * optional only for records stored before it existed.
   */
  tls?: boolean;
  side: 'server' | 'client';
  pid: number;
  comm: string;
  exe: string | null;
  service_name: string;
  peer_service: string | null;
  local_addr: string;
  local_port: number;
  remote_addr: string;
  remote_port: number;
  /** HTTP: the method as sent; others: the command, SQL verb, API or query type. */
  operation: string | null;
  /** HTTP: the route (bounded cardinality), not the raw path; others: table, collection, topic, DNS name. */
  resource: string | null;
  /** HTTP: the status code; others: the protocol's outcome (SQLSTATE, error code, RCODE name, `OK`). */
  status: number | string | null;
  error: boolean;
  request_bytes: number;
  response_bytes: number;
  socket_cookie: number;
  problem: L7Exchange['problem'];
  upgraded: boolean;
  /** How many exchanges this record stands for: 1 unless records were being sampled. */
  sample_weight: number;
  attributes: SpanAttributes;
}

export interface SpanRecordOptions {
  /** Put the query string in `url.query` (it is dropped by default: queries carry tokens). */
  readonly keepQuery?: boolean;
}

/** The methods OTel knows (RFC 9110 plus PATCH); anything else is `_OTHER` in attributes and labels. */
export const KNOWN_HTTP_METHODS: ReadonlySet<string> = new Set([
  'CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE',
]);
export const OTHER_METHOD = '_OTHER';

/** `http.request.method` / `http_request_method`: a known method as is, else `_OTHER` (methods are case-sensitive). */
export function methodLabel(method: string | null): string {
  return method !== null && KNOWN_HTTP_METHODS.has(method) ? method : OTHER_METHOD;
}

/**
 * Whether an exchange failed, as the issue defines it: on the server side a 5xx; on the client
 * side a 4xx, a 5xx or no response at all.
 */
export function isErrorExchange(side: L7Exchange['side'], status: number | null): boolean {
  if (side === 'server') return status !== null && status >= 500;
  return status === null || status >= 400;
}

/** The host of a Host header value, without its port: `example.com:8080` -> `example.com`, `[::1]:80` -> `::1`. */
export function hostWithoutPort(host: string): string {
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.indexOf(']');
    return close === -1 ? host : host.slice(1, close);
  }
  const colon = host.indexOf(':');
  // More than one colon is a bare IPv6 address (not valid in Host, but seen): keep it whole.
  return colon === -1 || host.indexOf(':', colon + 1) !== -1 ? host : host.slice(0, colon);
}

// Date#toISOString costs ~0.5 µs; records arrive in time order, so the part up to the second
// is reused and only the milliseconds are formatted per record.
function serverAddress(hostHeader: string | null | undefined, fallback: string): string {
  if (hostHeader === undefined || hostHeader === null || hostHeader === '') return fallback;
  const host = hostWithoutPort(hostHeader);
  return host === '' ? fallback : host;
}

/**
 * The record of one exchange. `route` comes from RouteNormalizer; `weight` is the sampler's
 * (1 when not sampling). OTel placement of addresses: on the server side `client.address` is
 * the remote address, `server.address` the Host header (else the local address) and
 * `server.port` the local port; on the client side `client.address` is the local address,
 * `server.address` the Host header (else the remote address) and `server.port` the remote port.
 */
export function toSpanRecord(x: L7Exchange, route: string | null, weight = 1, options: SpanRecordOptions = {}): SpanRecord {
  const server = x.side === 'server';
  const method = methodLabel(x.method);
  const host = x.requestHeaders['host'];
  const attributes: HttpSpanAttributes = {
    'http.request.method': method,
    'url.path': x.target === null ? null : targetPath(x.target),
    'http.route': route,
    'http.response.status_code': x.status,
    'user_agent.original': x.requestHeaders['user-agent'] ?? null,
    'client.address': server ? x.remoteAddr : x.localAddr,
    'server.address': serverAddress(host, server ? x.localAddr : x.remoteAddr),
    'server.port': server ? x.localPort : x.remotePort,
    'network.protocol.version': x.httpVersion,
    'http.request.body.size': x.requestBodyBytes,
    'http.response.body.size': x.responseBodyBytes,
  };
  if (method === OTHER_METHOD && x.method !== null && x.method !== '') attributes['http.request.method_original'] = x.method;
  if (options.keepQuery === true && x.target !== null) {
    const query = targetQuery(x.target);
    if (query !== null) attributes['url.query'] = query;
  }
  return {
    start: rfc3339(x.startMs),
    duration_ms: Math.round(x.durationMs * 1000) / 1000,
    protocol: x.protocol,
    tls: x.tls === true,
    side: x.side,
    pid: x.pid,
    comm: x.comm,
    exe: x.exe,
    service_name: x.serviceName,
    peer_service: x.peerService,
    local_addr: x.localAddr,
    local_port: x.localPort,
    remote_addr: x.remoteAddr,
    remote_port: x.remotePort,
    operation: x.method,
    resource: route,
    status: x.status,
    error: isErrorExchange(x.side, x.status),
    request_bytes: x.requestBytes,
    response_bytes: x.responseBytes,
    socket_cookie: x.socketCookie,
    problem: x.problem,
    upgraded: x.upgraded,
    sample_weight: weight,
    attributes,
  };
}
