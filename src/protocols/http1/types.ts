// Records produced by the HTTP/1.x parser. Plain data: no methods, no buffers, safe to hand to
// telemetry as-is. Everything here is byte-exact even when capture dropped bytes ("gaps").

/** Why a message could not be read in full. */
export type Http1MessageProblem = 'truncated' | 'unparsable' | 'connection-closed';

/**
 * Why an exchange is not a plain request/response pair.
 * - `truncated`: capture lost bytes where the parser needed them (head, chunk-size line), or a
 *   head was larger than the configured limit; what is known is still reported.
 * - `no-response`: the connection closed with this request still unanswered.
 * - `unparsable`: bytes that are not HTTP/1.x, or a message whose length cannot be determined
 *   (conflicting Content-Length, bad chunk framing).
 * - `connection-closed`: the connection closed in the middle of a message.
 */
export type Http1Problem = 'truncated' | 'no-response' | 'unparsable' | 'connection-closed';

/**
 * Headers kept from a message: the few that records, span attributes and protocol decisions use.
 * Everything else is skipped without being decoded.
 */
export const HTTP1_SELECTED_HEADERS = [
  'host',
  'user-agent',
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'expect',
  'authorization',
  'cookie',
  'set-cookie',
] as const;

export type Http1HeaderName = (typeof HTTP1_SELECTED_HEADERS)[number];

/** Headers whose values are credentials: kept only as "present" unless redaction is turned off. */
export const HTTP1_SECRET_HEADERS: readonly Http1HeaderName[] = ['authorization', 'cookie', 'set-cookie'];

/** What a secret header's value is replaced with. */
export const HTTP1_REDACTED = '[REDACTED]';

/**
 * Selected header values (latin1, surrounding whitespace trimmed), `null` when absent. Repeated
 * fields are joined with ", " as RFC 9110 §5.3 allows.
 */
export type Http1Headers = { [K in Http1HeaderName]: string | null };

/** How the end of a message body was (or would have been) found. */
export type Http1BodyFraming = 'none' | 'content-length' | 'chunked' | 'close' | 'tunnel' | 'unknown';

export interface Http1MessageBase {
  /** "1.1", "1.0"; "" when the start line was not seen. */
  version: string;
  headers: Http1Headers;
  /** Start line + header fields + the empty line (only what was seen, for a truncated head). */
  headerBytes: number;
  /** Payload bytes: Content-Length bytes, the sum of chunk sizes, or close-delimited bytes. */
  bodyBytes: number;
  /**
   * Every byte on the wire attributed to this message: leading empty lines, head, body and its
   * framing (chunk-size lines, trailers), and for a message with a problem, the bytes skipped
   * until the next message start was found.
   */
  messageBytes: number;
  /** How many of `messageBytes` were not captured (known only by their count). */
  gapBytes: number;
  bodyFraming: Http1BodyFraming;
  /** Monotonic ns of the chunk that carried the first byte. */
  startNs: number;
  /** Monotonic ns of the chunk (or gap) that carried the last byte. */
  endNs: number;
  problem: Http1MessageProblem | null;
}

export interface Http1Request extends Http1MessageBase {
  kind: 'request';
  /** As sent (methods are case-sensitive); "" when the request line was not seen. */
  method: string;
  /** Request target as sent: origin-form path + query, absolute-form URL, authority, or "*". */
  target: string;
}

export interface Http1Response extends Http1MessageBase {
  kind: 'response';
  /** 100–999; 0 when the status line was not seen. */
  status: number;
  reason: string;
}

export type Http1Message = Http1Request | Http1Response;

export interface Http1Exchange {
  /** `null` when a response arrived with no request seen before it (e.g. capture started mid-connection). */
  request: Http1Request | null;
  /** The final (non-1xx) response; `null` when none was seen. */
  response: Http1Response | null;
  /** First byte of the request (of the response when there is no request). */
  startNs: number;
  /**
   * Last byte of the final response; for `no-response`, when the connection was seen closing.
   * Never before `startNs`.
   */
  endNs: number;
  /** `request.messageBytes`, or 0. */
  requestBytes: number;
  /** Bytes of all responses of this exchange: interim (1xx) ones and the final one. */
  responseBytes: number;
  /** A 101 or a 2xx to CONNECT ended HTTP/1 on this connection; later bytes are not parsed. */
  upgraded: boolean;
  /** Statuses of the 1xx responses seen before the final one, in order. */
  interim: number[];
  problem: Http1Problem | null;
}
