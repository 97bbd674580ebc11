// The contract every protocol parser (except HTTP/1, which predates it and has richer records)
// fulfils. A parser sees the two byte streams of one connection, in order, as the capture hands
// them over, and returns the request/response exchanges it completed. Parsers are pure: no I/O,
// no clock (times come with the bytes), and they never throw — bytes they cannot read become an
// exchange with a `problem`, or are skipped and counted.

/** Values of OpenTelemetry attributes (`db.system.name`, `messaging.destination.name`, ...). */
export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

/**
 * Why an exchange is not a plain request/response pair.
 * - `truncated`: capture lost bytes the parser needed; what is known is still reported.
 * - `no-response`: the connection closed (or the parser gave up waiting) with this request unanswered.
 * - `unparsable`: bytes that are not this protocol; the parser resynchronised after them.
 * - `connection-closed`: the connection closed in the middle of a message.
 */
export type ExchangeProblem = 'truncated' | 'no-response' | 'unparsable' | 'connection-closed';

export interface ProtocolExchange {
  /**
   * Set only when the parser learns the connection's protocol is more specific than the one it
   * was created for (HTTP/2 carrying gRPC: `grpc`).
   */
  protocol?: string;
  /** Monotonic ns of the chunk that carried the request's first byte (the response's, if no request was seen). */
  startNs: number;
  /** Monotonic ns of the chunk that carried the response's last byte; never before startNs. */
  endNs: number;
  /** Whole messages on the wire, exact even where capture kept only a prefix. */
  requestBytes: number;
  responseBytes: number;
  /**
   * What was asked, upper-case where the protocol has a verb: `SELECT` (from SQL), `GET` (Redis),
   * `find` (MongoDB command name as sent), `Produce` (Kafka API), `A` (DNS query type). null when unknown.
   */
  operation: string | null;
  /** What it was asked of: table, collection, topic, DNS name, key prefix... null when none. */
  resource: string | null;
  /**
   * Outcome as the protocol spells it: SQLSTATE (`42P01`), MySQL error number, Redis error
   * prefix (`ERR`, `WRONGTYPE`), DNS RCODE name (`NOERROR`, `NXDOMAIN`), Kafka error code, `OK`.
   * null when no response was seen.
   */
  status: string | null;
  /** The server reported a failure (error response, non-zero error code), or none came back. */
  error: boolean;
  /**
   * OpenTelemetry attributes the parser knows (`db.system.name`, `db.namespace`,
   * `db.collection.name`, `db.response.status_code`, `messaging.system`,
   * `messaging.destination.name`, `messaging.batch.message_count`, `dns.question.name`, ...).
   * Never a value a user's data could contain unless it is part of the protocol's metadata.
   */
  attributes: Attributes;
  /**
   * SQL as sent (PostgreSQL, MySQL): summarised and normalised downstream (literals replaced)
   * before anything leaves the host. Absent for protocols without SQL.
   */
  queryText?: string;
  problem: ExchangeProblem | null;
}

/** One connection's parser: client bytes are what the connecting side sent. */
export interface ProtocolParser {
  client(bytes: Uint8Array, nowNs: number): ProtocolExchange[];
  server(bytes: Uint8Array, nowNs: number): ProtocolExchange[];
  /** `n` bytes the client sent were not captured. */
  clientGap(n: number, nowNs: number): ProtocolExchange[];
  serverGap(n: number, nowNs: number): ProtocolExchange[];
  /** The connection is gone: report what is still pending (unanswered requests as `no-response`). */
  close(nowNs: number): ProtocolExchange[];
}

export interface ProtocolParserOptions {
  /** Most requests kept waiting for a response; past it the oldest is reported `no-response`. */
  maxPending?: number;
}
