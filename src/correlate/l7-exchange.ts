import type { Attributes } from '../protocols/exchange.js';

/** The `protocol` of records. */
export type L7ProtocolName = 'http' | 'http2' | 'grpc' | 'postgresql' | 'mysql' | 'redis' | 'mongodb' | 'kafka' | 'memcached' | 'dns';

/**
 * One request/response exchange seen on one socket, with its owner resolved: what correlate
 * hands to telemetry, whatever the protocol parser was. Times are wall-clock milliseconds.
 * HTTP/1 fills the HTTP fields (method, target, status...); every other protocol fills
 * `operation`, `resource`, `statusText`, `failed` and `attributes` and leaves the HTTP ones null.
 */
export interface L7Exchange {
  protocol: L7ProtocolName;
  /** server: the socket accepted the connection (it received the request); client: it connected. */
  side: 'server' | 'client';
  startMs: number;
  /** First request byte seen -> last response byte seen. */
  durationMs: number;
  pid: number;
  comm: string;
  exe: string | null;
  serviceName: string;
  /** The service on the other end, when it is a local process or a known service. */
  peerService: string | null;
  family: 4 | 6;
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
  socketCookie: number;
  /** e.g. "GET"; null when the request was not seen (mid-stream start) or unparsable. */
  method: string | null;
  /** The raw request target (path and query) as sent. */
  target: string | null;
  /** "1.0", "1.1", or "2" (HTTP/2). */
  httpVersion: string | null;
  /** Final status code (1xx interim responses are not final); null when there was no response. */
  status: number | null;
  /** Whole messages, headers included, exact even when the capture was truncated. */
  requestBytes: number;
  responseBytes: number;
  requestBodyBytes: number;
  responseBodyBytes: number;
  /**
   * Selected request/response headers, lower-case names; secrets already redacted by the parser.
   * A header that was not sent is null or absent (HTTP/1 hands over the parser's own record,
   * which names every selected header).
   */
  requestHeaders: Readonly<Record<string, string | null>>;
  responseHeaders: Readonly<Record<string, string | null>>;
  /** A 101 Switching Protocols (e.g. websocket): the stream is no longer parsed after it. */
  upgraded: boolean;
  problem: null | 'truncated' | 'no-response' | 'unparsable' | 'connection-closed';
  /** Non-HTTP/1: what was asked (SQL verb, Redis command, DNS type...); null for HTTP/1 (see `method`). */
  operation: string | null;
  /** Non-HTTP/1: what it was asked of (table, collection, topic, DNS name). */
  resource: string | null;
  /** Non-HTTP/1: the outcome as the protocol spells it (SQLSTATE, error code, RCODE name, `OK`). */
  statusText: string | null;
  /** Non-HTTP/1: the server reported a failure or nothing answered; null for HTTP/1 (decided from status and side). */
  failed: boolean | null;
  /** Non-HTTP/1: OpenTelemetry attributes from the parser (SQL already normalised unless configured otherwise). */
  attributes: Readonly<Attributes>;
  /** Parsed from TLS plaintext taken from the TLS library (uprobes); absent means false. */
  tls?: boolean;
  /**
   * The kernel's hash of the SQL text (tally-key.ts), for parsed SQL and for kernel tallies: how
   * telemetry learns the table of tallied statements. HTTP's is computed from `target`.
   */
  tallyKey?: number;
}

/** The headers of a side that has none (every non-HTTP exchange): one shared, frozen object. */
export const NO_HEADERS: Readonly<Record<string, string | null>> = Object.freeze({});
