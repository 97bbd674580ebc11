// Pairs the two directions of a Kafka connection into exchanges. Every response carries the
// correlation id of its request; brokers answer in order, but pairing by id stays right when a
// request or response is lost to capture. A response cannot be read without knowing which API
// and version it answers, so each pending request remembers both. Produce with acks=0 gets no
// response at all: it is reported as soon as it is seen.
// Memory is bounded whatever the input: per direction one partial header (14 bytes) or one
// message prefix (maxKeptBytes, default 4096), and at most maxPending (default 128) exchanges.

import type { Attributes, ExchangeProblem, ProtocolExchange, ProtocolParser, ProtocolParserOptions } from '../exchange.js';
import { API_FETCH, API_PRODUCE, apiName } from './api.js';
import { FramedConnection } from '../framed-connection.js';
import { FrameStream, type Frame, type FrameRule } from '../length-prefixed-frames.js';
import { PendingById } from '../pending-by-id.js';
import { looksLikeKafkaRequest } from './detect.js';
import { kafkaErrorName } from './errors.js';
import { KAFKA_REQUEST_HEADER_BYTES, readKafkaRequest, type KafkaRequest } from './requests.js';
import {
  KAFKA_RESPONSE_HEADER_BYTES, readKafkaResponse, responseCorrelationId, type AnsweredRequest,
} from './responses.js';

export interface KafkaParserOptions extends ProtocolParserOptions {
  /**
   * Bytes kept from the start of each message (default 4096): headers, topic names, error codes
   * and the first record batch headers. The rest is counted and dropped.
   */
  maxKeptBytes?: number;
}

const DEFAULT_MAX_PENDING = 128;
const DEFAULT_MAX_KEPT = 4096;
const MIN_KEPT = 64;
/** Largest message believed: responses (fetch) may exceed the broker's 100 MiB request limit. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
/** How far past the last correlation id a request may be to be believed after lost bytes. */
const RESYNC_CORRELATION_WINDOW = 1024;

interface Pending {
  exchange: ProtocolExchange;
  request: AnsweredRequest;
}

export class KafkaParser implements ProtocolParser {
  private readonly wire: FramedConnection;
  /** Unanswered requests by correlation id. */
  private readonly pending: PendingById<Pending>;
  private out: ProtocolExchange[] = [];
  private lastCorrelationId: number | null = null;

  constructor(options: KafkaParserOptions = {}) {
    const maxPending = options.maxPending;
    const capacity = typeof maxPending === 'number' && Number.isFinite(maxPending) ? Math.max(1, Math.floor(maxPending)) : DEFAULT_MAX_PENDING;
    this.pending = new PendingById<Pending>(capacity, (p, nowNs) => this.giveUp(p.exchange, nowNs));
    const kept = options.maxKeptBytes;
    const maxKept = typeof kept === 'number' && Number.isFinite(kept) ? Math.max(MIN_KEPT, Math.floor(kept)) : DEFAULT_MAX_KEPT;
    const requestRule: FrameRule = {
      headerBytes: KAFKA_REQUEST_HEADER_BYTES,
      frameLength: (head, resyncing) => {
        if (resyncing && !this.resumesRequests(head)) return -1;
        return requestLength(head);
      },
    };
    const requests = new FrameStream(requestRule, maxKept, {
      frame: (f) => this.onRequest(f),
      junk: (n, start, end) => this.onJunk('client', n, start, end),
    });
    const responseRule: FrameRule = {
      headerBytes: KAFKA_RESPONSE_HEADER_BYTES,
      frameLength: (head, resyncing) => {
        const length = sizeField(head) + 4;
        if (length < KAFKA_RESPONSE_HEADER_BYTES || length > MAX_MESSAGE_BYTES) return -1;
        // After lost bytes, a response is only believed if it answers a request we are waiting for.
        if (resyncing && !this.pending.has(responseCorrelationId(head))) return -1;
        return length;
      },
    };
    const responses = new FrameStream(responseRule, maxKept, {
      frame: (f) => this.onResponse(f),
      junk: (n, start, end) => this.onJunk('server', n, start, end),
    });
    this.wire = new FramedConnection(requests, responses);
  }

  client(bytes: Uint8Array, nowNs: number): ProtocolExchange[] {
    this.wire.client(bytes, nowNs);
    return this.take();
  }

  server(bytes: Uint8Array, nowNs: number): ProtocolExchange[] {
    this.wire.server(bytes, nowNs);
    return this.take();
  }

  clientGap(n: number, nowNs: number): ProtocolExchange[] {
    this.wire.clientGap(n, nowNs);
    return this.take();
  }

  serverGap(n: number, nowNs: number): ProtocolExchange[] {
    this.wire.serverGap(n, nowNs);
    return this.take();
  }

  close(nowNs: number): ProtocolExchange[] {
    if (this.wire.close(nowNs)) this.pending.dropAll(nowNs);
    return this.take();
  }

  /** Bytes held by the two directions (partial headers, kept message prefixes). */
  get bufferedBytes(): number {
    return this.wire.bufferedBytes;
  }

  get pendingRequests(): number {
    return this.pending.size;
  }

  /** Client bytes in no exchange: lost with sync after a gap, cut headers, after close. */
  get ignoredClientBytes(): number {
    return this.wire.ignoredClientBytes;
  }

  get ignoredServerBytes(): number {
    return this.wire.ignoredServerBytes;
  }

  private take(): ProtocolExchange[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /**
   * After lost bytes, whether `head` is the next request rather than bytes inside one (runs of
   * zeros in a record batch look like a header): clients number requests 0, 1, 2..., so the
   * correlation id must come a little after the last one seen (when one was).
   */
  private resumesRequests(head: Uint8Array): boolean {
    if (!looksLikeKafkaRequest(head)) return false;
    if (this.lastCorrelationId === null) return true;
    const id = (head[8]! << 24) | (head[9]! << 16) | (head[10]! << 8) | head[11]!;
    return id > this.lastCorrelationId && id - this.lastCorrelationId <= RESYNC_CORRELATION_WINDOW;
  }

  private onRequest(f: Frame): void {
    const req = readKafkaRequest(f.head, f.declaredLength);
    this.lastCorrelationId = req.correlationId;
    const exchange: ProtocolExchange = {
      startNs: f.startNs,
      endNs: f.endNs,
      requestBytes: f.length,
      responseBytes: 0,
      operation: apiName(req.apiKey),
      resource: req.topic ?? req.group,
      status: null,
      error: false,
      attributes: requestAttributes(req),
      problem: f.cut ? 'connection-closed' : problemOf(req),
    };
    if (f.cut) {
      exchange.error = true;
      this.out.push(exchange);
      return;
    }
    if (req.apiKey === API_PRODUCE && req.acks === 0) {
      this.out.push(exchange);
      return;
    }
    this.pending.add(req.correlationId, { exchange, request: { apiKey: req.apiKey, apiVersion: req.apiVersion } }, f.startNs);
  }

  private onResponse(f: Frame): void {
    const id = responseCorrelationId(f.head);
    const p = this.pending.take(id);
    if (p === undefined) {
      // The request was lost to capture (or came before the parser): without it the response
      // cannot be read, only counted.
      this.out.push({
        startNs: f.startNs, endNs: f.endNs, requestBytes: 0, responseBytes: f.length, operation: null, resource: null,
        status: null, error: false, attributes: baseAttributes(), problem: f.cut ? 'connection-closed' : 'truncated',
      });
      return;
    }
    const res = readKafkaResponse(f.head, f.declaredLength, p.request);
    const e = p.exchange;
    e.responseBytes = f.length;
    e.endNs = Math.max(e.endNs, f.endNs);
    if (f.cut) e.problem ??= 'connection-closed';
    else if (res.malformed) e.problem ??= 'unparsable';
    else if (res.truncated) e.problem ??= 'truncated';
    if (res.errorCode !== null) {
      e.status = String(res.errorCode);
      e.attributes['messaging.kafka.error_code'] = res.errorCode;
      if (res.errorCode !== 0) {
        e.error = true;
        e.attributes['error.type'] = kafkaErrorName(res.errorCode);
      }
    }
    if (e.resource === null && res.topic !== null) {
      e.resource = res.topic;
      e.attributes['messaging.destination.name'] = res.topic;
    }
    if (p.request.apiKey === API_FETCH && res.recordCount !== null) {
      e.attributes['messaging.batch.message_count'] = res.recordCount;
    }
    this.out.push(e);
  }

  private onJunk(side: 'client' | 'server', bytes: number, startNs: number, endNs: number): void {
    this.out.push({
      startNs, endNs, requestBytes: side === 'client' ? bytes : 0, responseBytes: side === 'server' ? bytes : 0,
      operation: null, resource: null, status: null, error: false, attributes: baseAttributes(), problem: 'unparsable',
    });
  }

  private giveUp(e: ProtocolExchange, nowNs: number): void {
    // That nothing came back matters more than a request read in part.
    if (e.problem === null || e.problem === 'truncated') e.problem = 'no-response';
    e.error = true;
    e.endNs = Math.max(e.endNs, nowNs);
    this.out.push(e);
  }
}

function sizeField(head: Uint8Array): number {
  return (head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!;
}

/**
 * Length of the request starting at `head`, or -1. In step with the stream any api key and
 * version go: a newer client's are reported by number.
 */
function requestLength(head: Uint8Array): number {
  const length = sizeField(head) + 4;
  if (length < KAFKA_REQUEST_HEADER_BYTES || length > MAX_MESSAGE_BYTES) return -1;
  const apiKey = (head[4]! << 8) | head[5]!;
  const apiVersion = (head[6]! << 8) | head[7]!;
  const clientIdLength = ((head[12]! << 8) | head[13]!) << 16 >> 16;
  if (apiKey > 0x7fff || apiVersion > 0x7fff || clientIdLength < -1 || clientIdLength > length - KAFKA_REQUEST_HEADER_BYTES) return -1;
  return length;
}

function baseAttributes(): Attributes {
  return { 'messaging.system': 'kafka' };
}

function requestAttributes(req: KafkaRequest): Attributes {
  const a = baseAttributes();
  if (req.apiKey === API_PRODUCE) {
    a['messaging.operation.name'] = 'send';
    a['messaging.operation.type'] = 'send';
  } else if (req.apiKey === API_FETCH) {
    a['messaging.operation.name'] = 'poll';
    a['messaging.operation.type'] = 'receive';
  } else {
    a['messaging.operation.name'] = apiName(req.apiKey);
  }
  if (req.topic !== null) a['messaging.destination.name'] = req.topic;
  if (req.partition !== null) a['messaging.destination.partition.id'] = String(req.partition);
  if (req.group !== null) a['messaging.consumer.group.name'] = req.group;
  if (req.clientId !== null && req.clientId.length > 0) a['messaging.client.id'] = req.clientId;
  if (req.apiKey === API_PRODUCE && req.recordCount !== null) a['messaging.batch.message_count'] = req.recordCount;
  return a;
}

function problemOf(req: KafkaRequest): ExchangeProblem | null {
  if (req.malformed) return 'unparsable';
  return req.truncated ? 'truncated' : null;
}
