import type { Attributes, ProtocolExchange } from '../protocols/exchange.js';
import type { MonotonicClock } from './clock.js';
import { describeExchange } from './describe-exchange.js';
import { NO_HEADERS, type L7Exchange, type L7ProtocolName } from './l7-exchange.js';

/** Who and where: the part of a record that comes from the connection, not the parser. */
export type ExchangeIdentity = Pick<L7Exchange,
  'side' | 'pid' | 'comm' | 'exe' | 'serviceName' | 'peerService' | 'family' | 'localAddr' | 'localPort' | 'remoteAddr' | 'remotePort' | 'socketCookie' | 'tls'>;

/**
 * The exchange as another socket saw it (a server socket's local client): a copy carrying
 * `identity`. What `{ ...exchange, ...identity }` makes, without copying property by property
 * through a second spread (once per mirrored exchange).
 */
export function withIdentity(exchange: L7Exchange, identity: ExchangeIdentity): L7Exchange {
  const copy = { ...exchange };
  copy.side = identity.side;
  copy.pid = identity.pid;
  copy.comm = identity.comm;
  copy.exe = identity.exe;
  copy.serviceName = identity.serviceName;
  copy.peerService = identity.peerService;
  copy.family = identity.family;
  copy.localAddr = identity.localAddr;
  copy.localPort = identity.localPort;
  copy.remoteAddr = identity.remoteAddr;
  copy.remotePort = identity.remotePort;
  copy.socketCookie = identity.socketCookie;
  if ('tls' in identity) copy.tls = identity.tls;
  return copy;
}

const text = (v: Attributes[string] | undefined): string | null => (typeof v === 'string' ? v : null);
const count = (v: Attributes[string] | undefined): number => (typeof v === 'number' ? v : 0);

/**
 * HTTP/2 exchanges (not gRPC) fill the HTTP fields from the parser's attributes, so they count in
 * the HTTP metrics and make HTTP records, with version "2".
 */
function http2Fields(a: Attributes): Pick<L7Exchange, 'method' | 'target' | 'httpVersion' | 'status' | 'requestBodyBytes' | 'responseBodyBytes' | 'requestHeaders'> {
  const status = a['http.response.status_code'];
  const host = text(a['server.address']);
  const userAgent = text(a['user_agent.original']);
  const headers: Record<string, string> = {};
  if (host !== null) headers['host'] = host;
  if (userAgent !== null) headers['user-agent'] = userAgent;
  return {
    method: text(a['http.request.method']),
    target: text(a['url.path']),
    httpVersion: '2',
    status: typeof status === 'number' ? status : null,
    requestBodyBytes: count(a['http.request.body.size']),
    responseBodyBytes: count(a['http.response.body.size']),
    requestHeaders: headers,
  };
}

/** The L7Exchange of a non-HTTP/1 parser's exchange (HTTP fields empty, except for HTTP/2). */
export function protocolL7Exchange(
  identity: ExchangeIdentity,
  protocol: L7ProtocolName,
  ex: ProtocolExchange,
  clock: MonotonicClock,
  keepSqlLiterals: boolean,
): L7Exchange {
  const described = describeExchange(ex, keepSqlLiterals);
  const name = (ex.protocol as L7ProtocolName | undefined) ?? protocol;
  const record: L7Exchange = {
    protocol: name,
    ...identity,
    startMs: clock.toWallMs(ex.startNs),
    durationMs: Math.max(0, (ex.endNs - ex.startNs) / 1e6),
    method: null,
    target: null,
    httpVersion: null,
    status: null,
    requestBytes: ex.requestBytes,
    responseBytes: ex.responseBytes,
    requestBodyBytes: 0,
    responseBodyBytes: 0,
    requestHeaders: NO_HEADERS,
    responseHeaders: NO_HEADERS,
    upgraded: false,
    problem: ex.problem,
    operation: described.operation,
    resource: described.resource,
    statusText: ex.status,
    failed: ex.error,
    attributes: described.attributes,
  };
  if (described.tallyKey !== undefined) record.tallyKey = described.tallyKey;
  return name === 'http2' ? Object.assign(record, http2Fields(ex.attributes)) : record;
}
