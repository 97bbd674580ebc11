import type { L7Exchange } from '../correlate/l7-exchange.js';
import { rfc3339 } from '../lib/rfc3339.js';
import { extendableCopy } from '../lib/extendable-copy.js';
import type { SpanRecord } from './http/span-record.js';

/**
 * Whether a non-HTTP/1 exchange failed: the server said so, or (on the client side) nothing
 * answered. A server that never answered has nothing to blame itself for.
 */
export function isProtocolError(x: L7Exchange): boolean {
  if (x.failed === true && !(x.side === 'server' && x.problem === 'no-response')) return true;
  return x.side === 'client' && x.problem === 'no-response';
}

/**
 * The record of a database, messaging or DNS exchange: the same keys as HTTP records, with the
 * parser's OTel attributes plus where the server was (`server.address`, `server.port`).
 */
export function toProtocolSpanRecord(x: L7Exchange, weight = 1): SpanRecord {
  const server = x.side === 'server';
  const attributes = extendableCopy(x.attributes);
  attributes['server.address'] = server ? x.localAddr : x.remoteAddr;
  attributes['server.port'] = server ? x.localPort : x.remotePort;
  attributes['client.address'] = server ? x.remoteAddr : x.localAddr;
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
    operation: x.operation,
    resource: x.resource,
    status: x.statusText,
    error: isProtocolError(x),
    request_bytes: x.requestBytes,
    response_bytes: x.responseBytes,
    socket_cookie: x.socketCookie,
    problem: x.problem,
    upgraded: false,
    sample_weight: weight,
    attributes,
  };
}
