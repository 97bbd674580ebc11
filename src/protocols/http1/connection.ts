// Pairs the two directions of one HTTP/1.x connection into exchanges.
//
// HTTP/1 has no request ids: the n-th final response answers the n-th request (RFC 9112 §9.3.2),
// so pairing is a FIFO. An exchange is created when a request's head is seen, not when the
// request ends, because responses may start before the request body is complete (100-continue,
// early error responses) and the response parser must know the request method to frame the
// response. Messages the parser could not read still take their place in the FIFO, which keeps
// later pairs aligned after a gap.

import {
  Http1MessageParser,
  type Http1ParserOptions,
} from './message-parser.js';
import type { Http1Exchange, Http1Problem, Http1Request, Http1Response } from './types.js';

export interface Http1ConnectionOptions extends Http1ParserOptions {
  /**
   * Most exchanges kept waiting for a response (pipelining depth). Beyond it the oldest
   * unanswered request is reported as `no-response`, so a one-sided capture cannot grow memory.
   */
  maxPendingExchanges?: number;
}

const DEFAULT_MAX_PENDING = 128;

interface Pending {
  ex: Http1Exchange;
  requestDone: boolean;
  hasFinal: boolean;
  responseDone: boolean;
}

export class Http1Connection {
  private readonly requests: Http1MessageParser<Http1Request>;
  private readonly responses: Http1MessageParser<Http1Response>;
  private readonly maxPending: number;
  private readonly pending: Pending[] = [];
  /** Exchange of the request being parsed, of the response being parsed. */
  private reqSlot: Pending | null = null;
  private resSlot: Pending | null = null;
  private out: Http1Exchange[] | null = null;
  private isUpgraded = false;
  private isClosed = false;
  private lateClientBytes = 0;
  private lateServerBytes = 0;

  constructor(options: Http1ConnectionOptions = {}) {
    const max = options.maxPendingExchanges;
    // Two slots can be in use by the parsers at once; a third must be evictable.
    this.maxPending = typeof max === 'number' && Number.isFinite(max) ? Math.max(2, Math.floor(max)) : DEFAULT_MAX_PENDING;
    this.requests = Http1MessageParser.requests({
      onHead: (m) => this.requestHead(m),
      onMessage: (m) => this.requestDone(m),
    }, options);
    this.responses = Http1MessageParser.responses({
      onHead: (m) => this.responseHead(m),
      onMessage: (m) => this.responseDone(m),
    }, { ...options, requestMethod: () => this.nextAnsweredMethod() });
  }

  /** Bytes the client sent. */
  client(bytes: Uint8Array, nowNs: number): Http1Exchange[] {
    if (this.isClosed) this.lateClientBytes += bytes.length;
    else this.requests.push(bytes, nowNs);
    return this.take();
  }

  /** Bytes the server sent. */
  server(bytes: Uint8Array, nowNs: number): Http1Exchange[] {
    if (this.isClosed) this.lateServerBytes += bytes.length;
    else this.responses.push(bytes, nowNs);
    return this.take();
  }

  /** `n` client bytes exist but were not captured. */
  clientGap(n: number, nowNs: number): Http1Exchange[] {
    if (this.isClosed) { if (n > 0) this.lateClientBytes += n; } else this.requests.gap(n, nowNs);
    return this.take();
  }

  /** `n` server bytes exist but were not captured. */
  serverGap(n: number, nowNs: number): Http1Exchange[] {
    if (this.isClosed) { if (n > 0) this.lateServerBytes += n; } else this.responses.gap(n, nowNs);
    return this.take();
  }

  /**
   * The connection closed: completes a close-delimited response, cuts messages in progress, and
   * reports every request still unanswered as `no-response` (ending at `nowNs`).
   */
  close(nowNs: number): Http1Exchange[] {
    if (this.isClosed) return this.take();
    this.isClosed = true;
    this.requests.end(nowNs);
    this.responses.end(nowNs);
    for (const slot of this.pending) {
      if (slot.ex.response === null) slot.ex.endNs = Math.max(slot.ex.endNs, nowNs);
      this.emit(slot);
    }
    this.pending.length = 0;
    this.reqSlot = null;
    this.resSlot = null;
    return this.take();
  }

  /** A 101 or a CONNECT tunnel ended HTTP/1 here. */
  get upgraded(): boolean {
    return this.isUpgraded;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Exchanges waiting for their request or response to complete. */
  get pendingExchanges(): number {
    return this.pending.length;
  }

  /**
   * Client bytes in no exchange: after an upgrade, after close, blank lines at the end. With the
   * exchanges' `requestBytes` they add up to every client byte and gap given.
   */
  get ignoredClientBytes(): number {
    return this.requests.passthroughBytes + this.requests.discardedBytes + this.lateClientBytes;
  }

  /** Server bytes in no exchange (see `ignoredClientBytes`). */
  get ignoredServerBytes(): number {
    return this.responses.passthroughBytes + this.responses.discardedBytes + this.lateServerBytes;
  }

  /** Most bytes either direction's parser holds (each stays within the header limit). */
  get bufferedBytes(): number {
    return Math.max(this.requests.bufferedBytes, this.responses.bufferedBytes);
  }

  /** Largest internal buffer of either direction (each never beyond the header limit). */
  get bufferCapacity(): number {
    return Math.max(this.requests.bufferCapacity, this.responses.bufferCapacity);
  }

  // ---------------------------------------------------------------------------------------------

  private take(): Http1Exchange[] {
    const out = this.out;
    if (out === null) return [];
    this.out = null;
    return out;
  }

  private newSlot(request: Http1Request | null, startNs: number): Pending {
    return {
      ex: {
        request,
        response: null,
        startNs,
        endNs: startNs,
        requestBytes: 0,
        responseBytes: 0,
        upgraded: false,
        interim: [],
        problem: null,
      },
      requestDone: request === null,
      hasFinal: false,
      responseDone: false,
    };
  }

  private requestHead(m: Http1Request): void {
    const slot = this.newSlot(m, m.startNs);
    this.pending.push(slot);
    this.reqSlot = slot;
    if (this.pending.length > this.maxPending) this.evict();
  }

  private requestDone(m: Http1Request): void {
    const slot = this.reqSlot;
    this.reqSlot = null;
    if (slot === null) return;
    slot.requestDone = true;
    slot.ex.requestBytes = m.messageBytes;
    this.drain();
  }

  private firstUnanswered(): Pending | null {
    for (const slot of this.pending) if (!slot.hasFinal) return slot;
    return null;
  }

  private nextAnsweredMethod(): string | undefined {
    const slot = this.firstUnanswered();
    return slot?.ex.request?.method;
  }

  private responseHead(m: Http1Response): void {
    let slot = this.firstUnanswered();
    if (slot === null) {
      // Capture started mid-connection, or the request was never seen.
      slot = this.newSlot(null, m.startNs);
      this.pending.push(slot);
      this.resSlot = slot;
      if (this.pending.length > this.maxPending) this.evict();
    }
    this.resSlot = slot;
    const interim = m.status >= 100 && m.status < 200 && m.status !== 101;
    if (interim) {
      slot.ex.interim.push(m.status);
      return;
    }
    slot.hasFinal = true;
    slot.ex.response = m;
    if (m.bodyFraming === 'tunnel') slot.ex.upgraded = true;
  }

  private responseDone(m: Http1Response): void {
    const slot = this.resSlot;
    this.resSlot = null;
    if (slot === null) return;
    slot.ex.responseBytes += m.messageBytes;
    if (slot.ex.response !== m) return; // an interim response
    slot.responseDone = true;
    slot.ex.endNs = m.endNs;
    if (slot.ex.upgraded && !this.isUpgraded) {
      this.isUpgraded = true;
      // Completes an upgrade request still open, so the exchange can be reported now.
      this.requests.switchProtocols();
      slot.requestDone = true;
    }
    this.drain();
  }

  private drain(): void {
    const pending = this.pending;
    while (pending.length > 0) {
      const slot = pending[0]!;
      if (!slot.requestDone || !slot.responseDone) return;
      pending.shift();
      this.emit(slot);
    }
  }

  /**
   * Reports the oldest exchange no parser is writing to: unanswered (as `no-response`), or
   * complete but stuck behind a request that never ends. Order is given up only here, under
   * pressure, to keep memory bounded.
   */
  private evict(): void {
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) {
      const slot = pending[i]!;
      if (slot === this.reqSlot || slot === this.resSlot) continue;
      pending.splice(i, 1);
      this.emit(slot);
      return;
    }
  }

  private emit(slot: Pending): void {
    const ex = slot.ex;
    if (ex.request !== null) ex.requestBytes = ex.request.messageBytes;
    let problem: Http1Problem | null = ex.request?.problem ?? null;
    if (problem === null && ex.response !== null) problem = ex.response.problem;
    if (problem === null && ex.response === null) problem = 'no-response';
    ex.problem = problem;
    if (ex.response === null && ex.request !== null) ex.endNs = Math.max(ex.endNs, ex.request.endNs);
    // A response head cut short is only reported at close, and FIFO may then pair it with a
    // request that began after it; durations must still not go negative.
    if (ex.endNs < ex.startNs) ex.endNs = ex.startNs;
    (this.out ??= []).push(ex);
  }
}
