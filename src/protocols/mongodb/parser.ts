// Pairs the two directions of a MongoDB connection into exchanges. Replies name the request they
// answer (responseTo = the request's requestID), and a driver may have several requests in flight
// on one connection, so pairing is by id, not by order. Three wrinkles of OP_MSG:
// - a request flagged moreToCome expects no reply (w:0 writes, endSessions): it is reported at once;
// - an exhaust reply flagged moreToCome is followed by more replies, each answering the previous
//   reply's requestID (streamed hello): they all belong to the one exchange, which ends with the
//   first reply without the flag (or with the connection);
// - OP_COMPRESSED is recognised but not decompressed: its exchange says so and has no operation.
// Memory is bounded whatever the input: per direction one partial header (16 bytes) or one
// message prefix (maxKeptBytes, default 4096), and at most maxPending (default 128) exchanges.

import type { Attributes, ExchangeProblem, ProtocolExchange, ProtocolParser, ProtocolParserOptions } from '../exchange.js';
import { FramedConnection } from '../framed-connection.js';
import { FrameStream, type Frame, type FrameRule } from '../length-prefixed-frames.js';
import { PendingById } from '../pending-by-id.js';
import { readInt32LE } from './bson.js';
import {
  MONGO_HEADER_BYTES, MONGO_MAX_MESSAGE_BYTES, OP_REPLY, isMongoOpCode, readMongoReply, readMongoRequest,
  type MongoReply, type MongoRequest,
} from './messages.js';

export interface MongoParserOptions extends ProtocolParserOptions {
  /**
   * Bytes kept from the start of each message (default 4096). Command name, collection and `ok`
   * sit in the first few hundred bytes; the rest is counted and dropped.
   */
  maxKeptBytes?: number;
}

const DEFAULT_MAX_PENDING = 128;
const DEFAULT_MAX_KEPT = 4096;
/** Enough for the header, OP_MSG flags and a section kind. */
const MIN_KEPT = 64;

interface Pending {
  exchange: ProtocolExchange;
  /** A reply was seen (exhaust: more are coming). */
  answered: boolean;
}

export class MongoParser implements ProtocolParser {
  private readonly wire: FramedConnection;
  /** Unanswered requests by requestID (by the last reply's requestID while an exhaust stream runs). */
  private readonly pending: PendingById<Pending>;
  private out: ProtocolExchange[] = [];
  private lastRequestId: number | null = null;

  constructor(options: MongoParserOptions = {}) {
    const maxPending = options.maxPending;
    const capacity = typeof maxPending === 'number' && Number.isFinite(maxPending) ? Math.max(1, Math.floor(maxPending)) : DEFAULT_MAX_PENDING;
    this.pending = new PendingById<Pending>(capacity, (p, nowNs) => this.giveUp(p, nowNs));
    const kept = options.maxKeptBytes;
    const maxKept = typeof kept === 'number' && Number.isFinite(kept) ? Math.max(MIN_KEPT, Math.floor(kept)) : DEFAULT_MAX_KEPT;
    const requestRule: FrameRule = {
      headerBytes: MONGO_HEADER_BYTES,
      frameLength: (head, resyncing) => {
        const length = plausibleLength(head);
        if (length < 0 || !resyncing) return length;
        return this.resumesRequests(head) ? length : -1;
      },
    };
    const requests = new FrameStream(requestRule, maxKept, {
      frame: (f) => this.onRequest(f),
      junk: (n, start, end) => this.onJunk('client', n, start, end),
    });
    const replyRule: FrameRule = {
      headerBytes: MONGO_HEADER_BYTES,
      // After lost bytes, a reply is only believed if it answers a request we are waiting for.
      frameLength: (head, resyncing) => {
        const length = plausibleLength(head);
        if (length < 0 || !resyncing) return length;
        return this.pending.has(readInt32LE(head, 8)) ? length : -1;
      },
    };
    const replies = new FrameStream(replyRule, maxKept, {
      frame: (f) => this.onReply(f),
      junk: (n, start, end) => this.onJunk('server', n, start, end),
    });
    this.wire = new FramedConnection(requests, replies);
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
   * After lost bytes, whether `head` is the next request rather than bytes inside one: requests
   * answer nothing (responseTo 0), are never OP_REPLY, and drivers number them upwards.
   */
  private resumesRequests(head: Uint8Array): boolean {
    if (readInt32LE(head, 8) !== 0 || readInt32LE(head, 12) === OP_REPLY) return false;
    return this.lastRequestId === null || readInt32LE(head, 4) > this.lastRequestId;
  }

  private onRequest(f: Frame): void {
    const req = readMongoRequest(f.head, f.declaredLength);
    this.lastRequestId = req.requestId;
    const exchange: ProtocolExchange = {
      startNs: f.startNs,
      endNs: f.endNs,
      requestBytes: f.length,
      responseBytes: 0,
      operation: req.compressedOpCode !== null ? null : req.command,
      resource: req.collection,
      status: null,
      error: false,
      attributes: requestAttributes(req),
      problem: f.cut ? 'connection-closed' : requestProblem(req),
    };
    if (f.cut) {
      exchange.error = true;
      this.out.push(exchange);
      return;
    }
    if (req.oneWay) {
      this.out.push(exchange);
      return;
    }
    // A reused id drops the older request: it will never be matched now.
    this.pending.add(req.requestId, { exchange, answered: false }, f.startNs);
  }

  private onReply(f: Frame): void {
    const reply = readMongoReply(f.head, f.declaredLength);
    const p = this.pending.take(reply.responseTo);
    if (p === undefined) {
      // The request was lost to capture (or came before the parser): report what the reply says.
      const exchange: ProtocolExchange = {
        startNs: f.startNs, endNs: f.endNs, requestBytes: 0, responseBytes: 0, operation: null, resource: null,
        status: null, error: false, attributes: baseAttributes(), problem: 'truncated',
      };
      applyReply(exchange, reply, f);
      if (f.cut) exchange.problem = 'connection-closed';
      this.out.push(exchange);
      return;
    }
    applyReply(p.exchange, reply, f);
    p.answered = true;
    if (f.cut) {
      p.exchange.problem ??= 'connection-closed';
      this.out.push(p.exchange);
    } else if (reply.moreToCome) {
      // Exhaust: the next reply answers this one.
      this.pending.refile(reply.requestId, p);
    } else {
      this.out.push(p.exchange);
    }
  }

  private onJunk(side: 'client' | 'server', bytes: number, startNs: number, endNs: number): void {
    this.out.push({
      startNs, endNs, requestBytes: side === 'client' ? bytes : 0, responseBytes: side === 'server' ? bytes : 0,
      operation: null, resource: null, status: null, error: false, attributes: baseAttributes(), problem: 'unparsable',
    });
  }

  /** An exchange that will get no (more) replies. */
  private giveUp(p: Pending, nowNs: number): void {
    if (!p.answered) {
      // That nothing came back matters more than a request read in part.
      if (p.exchange.problem === null || p.exchange.problem === 'truncated') p.exchange.problem = 'no-response';
      p.exchange.error = true;
      p.exchange.endNs = Math.max(p.exchange.endNs, nowNs);
    }
    this.out.push(p.exchange);
  }
}

/** Declared length if `head` is a plausible header, else -1. */
function plausibleLength(head: Uint8Array): number {
  const length = readInt32LE(head, 0);
  if (length < MONGO_HEADER_BYTES || length > MONGO_MAX_MESSAGE_BYTES || !isMongoOpCode(readInt32LE(head, 12))) return -1;
  return length;
}

function baseAttributes(): Attributes {
  return { 'db.system.name': 'mongodb' };
}

function requestAttributes(req: MongoRequest): Attributes {
  const a = baseAttributes();
  if (req.compressedOpCode !== null) {
    a['mongodb.compressed'] = true;
    a['mongodb.original_opcode'] = req.compressedOpCode;
    return a;
  }
  if (req.command !== null) a['db.operation.name'] = req.command;
  if (req.collection !== null) a['db.collection.name'] = req.collection;
  if (req.database !== null) a['db.namespace'] = req.database;
  if (req.batchSize !== null) a['db.operation.batch.size'] = req.batchSize;
  return a;
}

function requestProblem(req: MongoRequest): ExchangeProblem | null {
  if (req.malformed) return 'unparsable';
  return req.truncated ? 'truncated' : null;
}

/** Folds a reply (one of several, for exhaust) into its exchange: the last reply's outcome wins, any error sticks. */
function applyReply(exchange: ProtocolExchange, reply: MongoReply, f: Frame): void {
  exchange.responseBytes += f.length;
  exchange.endNs = Math.max(exchange.endNs, f.endNs, exchange.startNs);
  if (reply.compressedOpCode !== null) {
    exchange.attributes['mongodb.compressed'] = true;
    exchange.attributes['mongodb.original_reply_opcode'] = reply.compressedOpCode;
    return;
  }
  if (reply.malformed) exchange.problem ??= 'unparsable';
  else if (reply.truncated) exchange.problem ??= 'truncated';
  if (reply.ok === true) {
    if (!exchange.error) exchange.status = 'OK';
  } else if (reply.ok === false) {
    const status = reply.code !== null ? String(reply.code) : reply.codeName ?? 'ERROR';
    exchange.status = status;
    exchange.error = true;
    exchange.attributes['db.response.status_code'] = status;
    exchange.attributes['error.type'] = reply.codeName ?? status;
  }
}
