// A finished stream as a ProtocolExchange: HTTP semantics, or gRPC's when the content type says
// so (gRPC over HTTP/2: content-type application/grpc[+proto|+json|;...]).

import type { Attributes, ExchangeProblem, ProtocolExchange } from '../exchange.js';
import { errorCodeName } from './constants.js';
import type { Http2Stream } from './stream.js';

export function toExchange(s: Http2Stream, ended: ExchangeProblem | null): ProtocolExchange {
  const grpc = isGrpc(s.requestContentType) || isGrpc(s.responseContentType) || looksLikeGrpc(s);
  const attributes: Attributes = { 'network.protocol.version': '2' };
  const path = s.path === null ? null : withoutQuery(s.path);
  if (s.method !== null) attributes['http.request.method'] = s.method;
  if (path !== null) attributes['url.path'] = path;
  if (s.scheme !== null) attributes['url.scheme'] = s.scheme;
  if (s.authority !== null) {
    const { host, port } = splitAuthority(s.authority);
    if (host !== '') attributes['server.address'] = host;
    if (port !== null) attributes['server.port'] = port;
  }
  if (s.userAgent !== null) attributes['user_agent.original'] = s.userAgent;
  const statusCode = s.status === null ? null : threeDigits(s.status);
  if (statusCode !== null) attributes['http.response.status_code'] = statusCode;
  // Sizes are exact only for a side seen from its start with no frame missing since.
  const requestWhole = s.requestHeadSeen && !s.partial;
  const responseWhole = s.finalResponseSeen && !s.partial;
  if (requestWhole) attributes['http.request.body.size'] = s.requestBodyBytes;
  if (responseWhole && s.responseEnded) attributes['http.response.body.size'] = s.responseBodyBytes;
  const resetWithError = s.resetCode !== null && s.resetCode !== 0;
  if (resetWithError && s.resetCode! >= 0) attributes['error.type'] = errorCodeName(s.resetCode!);

  // Fields we could not know (HPACK state from before capture began) are lost bytes too.
  const unknown = s.requestFieldsUnknown || s.responseFieldsUnknown;
  const problem = ended ?? (s.truncated || s.partial ? 'truncated' : s.malformed ? 'unparsable' : null);
  const resetStatus = s.resetCode === null ? null : s.resetCode >= 0 ? errorCodeName(s.resetCode) : 'RST_STREAM';

  if (!grpc) {
    // A reset with an error says more about how the exchange ended than a status sent before it.
    const status = resetWithError ? resetStatus : s.status ?? resetStatus;
    return exchange(s, attributes, {
      problem: problem ?? (unknown && (s.method === null || status === null) ? 'truncated' : null),
      operation: s.method,
      resource: path,
      status,
      error: !s.finalResponseSeen || (statusCode !== null && statusCode >= 500) || resetWithError || s.refused,
    });
  }

  attributes['rpc.system'] = 'grpc';
  const { service, method } = splitGrpcPath(path);
  if (service !== null) attributes['rpc.service'] = service;
  if (method !== null) attributes['rpc.method'] = method;
  const code = grpcCode(s, statusCode);
  if (code !== null) attributes['rpc.grpc.status_code'] = code;
  if (requestWhole && !s.requestMessages.lost) attributes['rpc.request.messages'] = s.requestMessages.messages;
  if (responseWhole && !s.responseMessages.lost && s.responseEnded) {
    attributes['rpc.response.messages'] = s.responseMessages.messages;
  }
  // No grpc-status is a failure (the client reports one), unless it may be among unknown fields.
  const statusUnknowable = code === null && s.responseFieldsUnknown;
  const e = exchange(s, attributes, {
    problem: problem ?? (unknown && (method === null || statusUnknowable) ? 'truncated' : null),
    operation: method,
    resource: path,
    status: code !== null ? String(code) : resetStatus,
    error: resetWithError || s.refused || (code === null ? !statusUnknowable : code !== 0),
  });
  e.protocol = 'grpc';
  return e;
}

interface Outcome {
  problem: ExchangeProblem | null;
  operation: string | null;
  resource: string | null;
  status: string | null;
  error: boolean;
}

// One object literal of fixed shape (an object spread with overrides was 100x slower here).
function exchange(s: Http2Stream, attributes: Attributes, o: Outcome): ProtocolExchange {
  return {
    startNs: s.startNs,
    endNs: Math.max(s.endNs, s.startNs),
    requestBytes: s.requestBytes,
    responseBytes: s.responseBytes,
    operation: o.operation,
    resource: o.resource,
    status: o.status,
    error: o.error,
    attributes,
    problem: o.problem,
  };
}

/**
 * gRPC whose content-type we could not read (it came from HPACK state we never saw): a POST to
 * "/package.Service/Method" whose bodies are gRPC length-prefixed messages, ending on message
 * boundaries.
 */
function looksLikeGrpc(s: Http2Stream): boolean {
  if (!s.requestFieldsUnknown && !s.responseFieldsUnknown) return false;
  if (s.requestContentType !== null || s.responseContentType !== null) return false;
  if (s.method !== 'POST' || s.path === null || !/^\/[^/?#]+\/[^/?#]+$/.test(s.path)) return false;
  const req = s.requestMessages;
  const res = s.responseMessages;
  return req.messages > 0 && !req.lost && req.atBoundary && !res.lost && res.atBoundary;
}

function isGrpc(contentType: string | null): boolean {
  return contentType !== null && contentType.toLowerCase().startsWith('application/grpc');
}

function withoutQuery(path: string): string {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x3f || c === 0x23) return path.slice(0, i); // '?' '#'
  }
  return path;
}

function threeDigits(status: string): number | null {
  if (status.length !== 3) return null;
  for (let i = 0; i < 3; i++) {
    const c = status.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  return Number(status);
}

/** "host", "host:port", "[v6]:port"; userinfo (forbidden in HTTP/2, RFC 9113 §8.3.1) dropped. */
export function splitAuthority(authority: string): { host: string; port: number | null } {
  const a = authority.slice(authority.lastIndexOf('@') + 1);
  let host = a;
  let portText = '';
  if (a.startsWith('[')) {
    const close = a.indexOf(']');
    host = close < 0 ? a.slice(1) : a.slice(1, close);
    if (close >= 0 && a[close + 1] === ':') portText = a.slice(close + 2);
  } else {
    const colon = a.lastIndexOf(':');
    if (colon >= 0) {
      host = a.slice(0, colon);
      portText = a.slice(colon + 1);
    }
  }
  const port = /^\d{1,5}$/.test(portText) && Number(portText) <= 65535 ? Number(portText) : null;
  return { host, port };
}

/** "/package.Service/Method" → its two parts. */
export function splitGrpcPath(path: string | null): { service: string | null; method: string | null } {
  if (path === null) return { service: null, method: null };
  const slash = path.lastIndexOf('/');
  const method = path.slice(slash + 1);
  const service = slash > 0 ? path.slice(1, slash) : null;
  return { service: service === '' ? null : service, method: method === '' ? null : method };
}

/**
 * grpc-status as a number; without one, the code a gRPC client derives from the HTTP status
 * (gRPC's "HTTP to gRPC Status Code Mapping": 400 INTERNAL, 401 UNAUTHENTICATED, 403
 * PERMISSION_DENIED, 404 UNIMPLEMENTED, 429/502/503/504 UNAVAILABLE, other UNKNOWN).
 */
function grpcCode(s: Http2Stream, httpStatus: number | null): number | null {
  if (s.grpcStatus !== null) return /^\d{1,3}$/.test(s.grpcStatus) ? Number(s.grpcStatus) : null;
  if (httpStatus === null || httpStatus === 200) return null;
  switch (httpStatus) {
    case 400: return 13;
    case 401: return 16;
    case 403: return 7;
    case 404: return 12;
    case 429: case 502: case 503: case 504: return 14;
    default: return 2;
  }
}
