// PostgreSQL frontend/backend protocol v3, one connection: client and server bytes in, one
// exchange per simple Query and per extended-protocol Execute out.
//
// Pairing rests on the protocol's one ordering rule: the server answers messages in the order the
// client sent them. Client messages that expect an answer wait in a queue; each backend message
// goes to the first of them that can take it, and a queued message passed over that way lost its
// answer (reported `truncated`, never silently given someone else's). Where capture loses bytes:
// - inside a message of known length: the message is still counted, its exchange is `truncated`;
// - across server message boundaries: everything waiting is `truncated`, and at the next
//   ReadyForQuery whatever still waits is reported as it is (its answer may be in the gap);
// - across client message boundaries: a `lost` placeholder takes the answers up to the next
//   ReadyForQuery, in case the gap held requests.
//
// Bounds: `maxPending` queued messages (default 1024; past it the oldest is dropped, reported
// `no-response` if it is a query/execute); two framer buffers of maxMessageBytes + 8
// (default 16 KiB); prepared statements and portals: maxStatements entries each (default 1024)
// and 512 Ki characters of SQL each.

import type { ExchangeProblem, ProtocolExchange, ProtocolParser, ProtocolParserOptions } from '../exchange.js';
import { buildExchange } from './build-exchange.js';
import {
  bindMessage, commandTagRows, errorCode, executeMessage, parseMessage, queryMessage, startupIdentity, targetMessage,
} from './decode.js';
import { MessageFramer, type LossReason, type WireMessage } from './framer.js';
import { accepts, endsWithReady, isReported, markProblem, newPending, type Pending, type PendingKind } from './pending.js';
import { StatementCache } from './statement-cache.js';
import { CANCEL_REQUEST_CODE, GSSENC_REQUEST_CODE, SSL_REQUEST_CODE, readUint32 } from './wire.js';

export interface PostgresParserOptions extends ProtocolParserOptions {
  /** Longest message body kept (SQL past it is cut, exchange `truncated`); longer messages are counted and skipped. */
  maxMessageBytes?: number;
  /** Prepared statements (and portals) remembered per connection. */
  maxStatements?: number;
}

const DEFAULT_MAX_PENDING = 1024;
const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024;
const MIN_MESSAGE_BYTES = 64;
/** The resync scan reads length fields below 16 MiB only. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024 - 64;
const DEFAULT_MAX_STATEMENTS = 1024;
const MAX_STATEMENT_CHARS = 512 * 1024;

const c = (s: string): number => s.charCodeAt(0);
/** Client messages whose bodies the parser reads. */
const CLIENT_BODIES = new Set([c('Q'), c('P'), c('B'), c('E'), c('D'), c('C')]);
/** Backend messages whose bodies the parser reads. */
const SERVER_BODIES = new Set([c('C'), c('E')]);
/** Backend messages that may come at any time and answer nothing. */
const ASYNC = new Set([c('N'), c('A'), c('S')]);

export class PostgresParser implements ProtocolParser {
  private readonly clientFramer: MessageFramer;
  private readonly serverFramer: MessageFramer;
  private readonly maxPending: number;
  private readonly queue: Pending[] = [];
  private readonly statements: StatementCache;
  private readonly portals: StatementCache;
  private out: ProtocolExchange[] = [];
  private encryption: 'tls' | 'gss' | null = null;
  private closed = false;
  private user: string | null = null;
  private database: string | null = null;
  /** After an error in the extended protocol the server ignores everything up to Sync. */
  private skipUntilSync = false;
  private skipped = 0;
  /** False from lost server bytes to the next ReadyForQuery: answers may belong to anyone waiting. */
  private serverSynced = true;
  /** After lost client bytes: messages up to the next one answered by ReadyForQuery may get a lost request's answer. */
  private clientUncertain = false;
  private copyTarget: Pending | null = null;
  private unattributedClient = 0;
  private unattributedServer = 0;

  constructor(options: PostgresParserOptions = {}) {
    this.maxPending = Math.max(1, options.maxPending ?? DEFAULT_MAX_PENDING);
    const maxBodyBytes = Math.min(MAX_MESSAGE_BYTES, Math.max(MIN_MESSAGE_BYTES, options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES));
    const maxStatements = Math.max(1, options.maxStatements ?? DEFAULT_MAX_STATEMENTS);
    this.statements = new StatementCache(maxStatements, MAX_STATEMENT_CHARS);
    this.portals = new StatementCache(maxStatements, MAX_STATEMENT_CHARS);
    this.clientFramer = new MessageFramer({
      side: 'client',
      initialMode: 'untyped',
      maxBodyBytes,
      keepsBody: (type, form) => form === 'untyped' || CLIENT_BODIES.has(type),
    }, {
      message: (m) => this.onClientMessage(m),
      lost: (n, reason, now) => this.onClientLost(n, reason, now),
    });
    this.serverFramer = new MessageFramer({
      side: 'server',
      initialMode: 'resync',
      maxBodyBytes,
      keepsBody: (type) => SERVER_BODIES.has(type),
    }, {
      message: (m) => this.onServerMessage(m),
      lost: (n, reason) => this.onServerLost(n, reason),
    });
  }

  /** Bytes held in the framers' buffers. */
  get bufferedBytes(): number {
    return this.clientFramer.bufferedBytes + this.serverFramer.bufferedBytes;
  }

  /** Allocated buffer space (at most 2 × (maxMessageBytes + 8)). */
  get bufferCapacity(): number {
    return this.clientFramer.bufferCapacity + this.serverFramer.bufferCapacity;
  }

  /** True once the server accepted SSLRequest: the rest of the connection is TLS, not read. */
  get tls(): boolean {
    return this.encryption === 'tls';
  }

  /** True once the server accepted GSSENCRequest: the rest of the connection is encrypted, not read. */
  get gssEncrypted(): boolean {
    return this.encryption === 'gss';
  }

  get startup(): { user: string | null; database: string | null } {
    return { user: this.user, database: this.database };
  }

  /** Executes the server skipped because an earlier message of their batch failed. */
  get skippedAfterError(): number {
    return this.skipped;
  }

  /** Client messages waiting for the server. */
  get pendingRequests(): number {
    return this.queue.length;
  }

  /** Prepared statements and portals remembered. */
  get preparedCount(): number {
    return this.statements.size + this.portals.size;
  }

  /** Client bytes in no exchange (startup, Sync, ignored or unreadable bytes...). */
  get unattributedClientBytes(): number {
    return this.unattributedClient + this.clientFramer.ignoredBytes;
  }

  get unattributedServerBytes(): number {
    return this.unattributedServer + this.serverFramer.ignoredBytes;
  }

  client(bytes: Uint8Array, nowNs: number): ProtocolExchange[] {
    if (this.closed) return [];
    this.clientFramer.push(bytes, nowNs);
    return this.flush();
  }

  server(bytes: Uint8Array, nowNs: number): ProtocolExchange[] {
    if (this.closed) return [];
    this.serverFramer.push(bytes, nowNs);
    return this.flush();
  }

  clientGap(n: number, nowNs: number): ProtocolExchange[] {
    if (this.closed || !(n > 0)) return [];
    this.clientFramer.gap(n, nowNs);
    return this.flush();
  }

  serverGap(n: number, nowNs: number): ProtocolExchange[] {
    if (this.closed || !(n > 0)) return [];
    this.serverFramer.gap(n, nowNs);
    return this.flush();
  }

  close(nowNs: number): ProtocolExchange[] {
    if (this.closed) return [];
    this.closed = true;
    // Bytes of a message the close cut short belong to nothing that finished.
    this.clientFramer.setMode('off');
    this.serverFramer.setMode('off');
    for (const p of this.queue.splice(0)) {
      p.endNs = Math.max(p.endNs, nowNs);
      this.settle(p, p.responseBytes > 0 ? 'connection-closed' : 'no-response');
    }
    return this.flush();
  }

  private flush(): ProtocolExchange[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  // ---- client side ----

  private onClientMessage(m: WireMessage): void {
    if (m.form === 'untyped') {
      this.onStartupPacket(m);
      return;
    }
    const type = String.fromCharCode(m.type);
    switch (type) {
      case 'Q': {
        if (this.ignoredAfterError(m)) return;
        const q = queryMessage(m.body);
        const p = this.request('query', m);
        p.sql = q.sql;
        if (q.sqlCut) markProblem(p, 'truncated');
        // A simple Query drops the unnamed statement and portal.
        this.statements.delete('');
        this.portals.delete('');
        this.enqueue(p);
        return;
      }
      case 'P': {
        if (this.ignoredAfterError(m)) return;
        const parse = parseMessage(m.body);
        const p = this.request('parse', m);
        p.sql = parse.sql;
        p.creates = parse.statement;
        p.replaced = parse.statement === '' ? null : this.statements.get(parse.statement) ?? null;
        if (parse.sqlCut) markProblem(p, 'truncated');
        this.statements.set(parse.statement, {
          sql: parse.sql, statement: parse.statement === '' ? null : parse.statement, sqlCut: parse.sqlCut,
        });
        this.enqueue(p);
        return;
      }
      case 'B': {
        if (this.ignoredAfterError(m)) return;
        const bind = bindMessage(m.body);
        const prepared = this.statements.get(bind.statement);
        const p = this.request('bind', m);
        p.sql = prepared?.sql ?? null;
        p.statement = bind.statement === '' ? null : bind.statement;
        p.creates = bind.portal;
        this.portals.set(bind.portal, {
          sql: p.sql, statement: p.statement, sqlCut: prepared?.sqlCut ?? false,
        });
        this.enqueue(p);
        return;
      }
      case 'E': {
        if (this.ignoredAfterError(m)) {
          this.skipped++;
          return;
        }
        const portal = this.portals.get(executeMessage(m.body).portal);
        const p = this.request('execute', m);
        p.sql = portal?.sql ?? null;
        p.statement = portal?.statement ?? null;
        if (portal?.sqlCut === true) markProblem(p, 'truncated');
        this.enqueue(p);
        return;
      }
      case 'D':
      case 'C': {
        if (this.ignoredAfterError(m)) return;
        const target = targetMessage(m.body);
        const cache = target.what === 'statement' ? this.statements : this.portals;
        const p = this.request(type === 'D' ? 'describe' : 'close', m);
        p.sql = cache.get(target.name)?.sql ?? null;
        if (type === 'C') cache.delete(target.name);
        this.enqueue(p);
        return;
      }
      case 'S':
        this.skipUntilSync = false;
        this.enqueue(this.request('sync', m));
        return;
      case 'F':
        if (this.ignoredAfterError(m)) return;
        this.enqueue(this.request('function', m));
        return;
      case 'X':
        this.unattributedClient += m.wireBytes;
        this.clientFramer.setMode('off');
        return;
      case 'p': {
        // Password / SASL: part of the startup round trips.
        const head = this.queue[0];
        if (head?.kind === 'startup') head.requestBytes += m.wireBytes;
        else this.unattributedClient += m.wireBytes;
        return;
      }
      case 'd':
      case 'c':
      case 'f': {
        // COPY FROM STDIN data: part of the COPY's request; never answered on its own.
        const target = this.copyTarget;
        if (target === null) {
          this.unattributedClient += m.wireBytes;
          return;
        }
        target.requestBytes += m.wireBytes;
        if (m.lostBytes > 0) markProblem(target, 'truncated');
        if (type !== 'd') target.copyIn = false;
        return;
      }
      default: // H (Flush): asks for output, answers nothing.
        this.unattributedClient += m.wireBytes;
    }
  }

  private onStartupPacket(m: WireMessage): void {
    const code = m.body.length >= 4 ? readUint32(m.body, 0) : 0;
    if (code === SSL_REQUEST_CODE) {
      this.unattributedClient += m.wireBytes;
      this.serverFramer.expectAnswer('SN');
    } else if (code === GSSENC_REQUEST_CODE) {
      this.unattributedClient += m.wireBytes;
      this.serverFramer.expectAnswer('GN');
    } else if (code === CANCEL_REQUEST_CODE) {
      // A connection that only carries a cancel key; the server closes it without a word.
      this.unattributedClient += m.wireBytes;
      this.clientFramer.setMode('off');
      this.serverFramer.setMode('off');
    } else {
      const who = startupIdentity(m.body);
      this.user = who.user;
      this.database = who.database;
      this.clientFramer.setMode('typed');
      this.serverFramer.setMode('typed');
      this.serverSynced = true;
      this.enqueue(this.request('startup', m));
    }
  }

  /** A message the server ignores because an earlier one of its batch failed (before Sync). */
  private ignoredAfterError(m: WireMessage): boolean {
    if (!this.skipUntilSync) return false;
    this.unattributedClient += m.wireBytes;
    return true;
  }

  private request(kind: PendingKind, m: WireMessage): Pending {
    const p = newPending(kind, m.startNs, m.wireBytes);
    if (m.lostBytes > 0) markProblem(p, 'truncated');
    return p;
  }

  private enqueue(p: Pending): void {
    if (this.clientUncertain) {
      markProblem(p, 'truncated');
      if (endsWithReady(p.kind)) this.clientUncertain = false;
    }
    this.queue.push(p);
    if (this.queue.length > this.maxPending) {
      const oldest = this.queue.shift()!;
      this.settle(oldest, 'no-response');
      // Its answer may still come and would go to the next in line: treat answers as uncertain.
      this.desynchronised('truncated');
    }
  }

  private onClientLost(n: number, reason: LossReason, nowNs: number): void {
    const copy = this.copyTarget;
    if (copy !== null && copy.copyIn) {
      // Lost COPY data: nothing in it is answered.
      copy.requestBytes += n;
      markProblem(copy, 'truncated');
      return;
    }
    const tail = this.queue[this.queue.length - 1];
    if (tail !== undefined && tail.kind === 'lost') {
      tail.requestBytes += n;
      return;
    }
    const lost = newPending('lost', nowNs, n);
    markProblem(lost, reason === 'invalid' ? 'unparsable' : 'truncated');
    this.skipUntilSync = false;
    this.clientUncertain = false;
    this.enqueue(lost);
    this.clientUncertain = true;
  }

  // ---- server side ----

  private onServerMessage(m: WireMessage): void {
    if (m.form === 'answer') {
      this.unattributedServer += m.wireBytes;
      if (m.type === c('S') || m.type === c('G')) {
        this.encryption = m.type === c('S') ? 'tls' : 'gss';
        this.clientFramer.setMode('off');
        this.serverFramer.setMode('off');
      }
      return;
    }
    const type = m.type;
    if (ASYNC.has(type)) {
      const head = this.queue[0];
      if (head === undefined) {
        this.unattributedServer += m.wireBytes;
        return;
      }
      this.addResponse(head, m);
      return;
    }
    if (!this.serverSynced && this.awaitingReady() > 1) {
      this.unsortable(m);
      return;
    }
    let at = 0;
    while (at < this.queue.length && !accepts(this.queue[at]!, type)) at++;
    if (at === this.queue.length) {
      // An answer to something sent before the capture began (or lost with a gap).
      this.unattributedServer += m.wireBytes;
      if (type === c('Z')) this.serverSynced = true;
      return;
    }
    // Those passed over can no longer be answered: their answers were lost.
    for (let i = 0; i < at; i++) {
      const skipped = this.queue.shift()!;
      markProblem(skipped, 'truncated');
      this.settle(skipped, skipped.problem);
    }
    const p = this.queue[0]!;
    if (!this.serverSynced) markProblem(p, 'truncated');
    this.addResponse(p, m);
    this.deliver(p, m);
    if (type === c('Z') && !this.serverSynced) this.resynchronised();
  }

  /** Requests waiting whose answer ends with ReadyForQuery. */
  private awaitingReady(): number {
    let n = 0;
    for (const p of this.queue) if (endsWithReady(p.kind)) n++;
    return n;
  }

  /**
   * After lost server bytes, with several requests waiting for ReadyForQuery: an answer could be
   * anyone's, so none is recorded; at the next ReadyForQuery everyone waiting is reported as it is.
   */
  private unsortable(m: WireMessage): void {
    const head = this.queue[0]!;
    this.addResponse(head, m);
    if (m.type === c('Z')) this.resynchronised();
  }

  /** ReadyForQuery after lost server bytes: whatever still waits may have had its answer in them. */
  private resynchronised(): void {
    for (const rest of this.queue.splice(0)) {
      markProblem(rest, 'truncated');
      this.settle(rest, rest.problem);
    }
    this.serverSynced = true;
  }

  private addResponse(p: Pending, m: WireMessage): void {
    p.responseBytes += m.wireBytes;
    p.endNs = Math.max(p.endNs, m.endNs);
    if (m.lostBytes > 0) markProblem(p, 'truncated');
  }

  private deliver(p: Pending, m: WireMessage): void {
    const t = String.fromCharCode(m.type);
    switch (p.kind) {
      case 'startup':
        // Authentication failed (E) or the session is ready (Z): neither is an exchange.
        if (t === 'Z' || t === 'E') this.settleHead(null);
        return;
      case 'query':
      case 'function':
      case 'lost':
        this.result(p, t, m);
        if (t === 'Z') this.settleHead(p.problem);
        return;
      case 'execute':
        this.result(p, t, m);
        if (t === 'C' || t === 'I' || t === 's') this.settleHead(p.problem);
        else if (t === 'E') this.failExtended(p);
        return;
      case 'sync':
        if (t === 'E') this.result(p, t, m);
        else this.settleHead(p.problem);
        return;
      default: // parse bind describe close
        if (t === 'E') {
          this.result(p, t, m);
          this.failExtended(p);
        } else if (t !== 't') {
          this.queue.shift();
          this.handOn(p);
        }
    }
  }

  /** What a backend message says about the statement(s) `p` runs. */
  private result(p: Pending, t: string, m: WireMessage): void {
    switch (t) {
      case 'D':
        p.dataRows++;
        return;
      case 'C': {
        const tagged = m.complete ? commandTagRows(m.body) : null;
        if (tagged !== null) p.rows = (p.rows ?? 0) + tagged;
        else if (p.dataRows > 0) {
          p.rows = (p.rows ?? 0) + p.dataRows;
          p.rowsCounted = true;
        }
        p.dataRows = 0;
        p.answered = true;
        p.copyIn = false;
        return;
      }
      case 's':
        p.rows = (p.rows ?? 0) + p.dataRows;
        p.rowsCounted = true;
        p.dataRows = 0;
        p.answered = true;
        return;
      case 'E':
        if (!p.failed) {
          p.failed = true;
          p.status = errorCode(m.body);
        }
        p.answered = true;
        p.copyIn = false;
        return;
      case 'G':
        p.copyIn = true;
        this.copyTarget = p;
        return;
      case 'I':
      case 'Z':
      case 'V':
        p.answered = true;
        return;
      default:
    }
  }

  /**
   * An extended-protocol message failed: report it, undo what it would have created, and drop
   * what the server will skip (everything up to the next Sync).
   */
  private failExtended(p: Pending): void {
    this.queue.shift();
    this.undo(p);
    this.settle(p, p.problem);
    let i = 0;
    while (i < this.queue.length && this.queue[i]!.kind !== 'sync') i++;
    for (const dropped of this.queue.splice(0, i)) {
      if (dropped.kind === 'execute') this.skipped++;
      this.undo(dropped);
      this.unattributedClient += dropped.requestBytes;
      this.unattributedServer += dropped.responseBytes;
    }
    if (this.queue.length === 0) this.skipUntilSync = true;
  }

  /** The statement or portal a refused (or skipped) Parse / Bind would have created does not exist. */
  private undo(p: Pending): void {
    if (p.kind === 'parse') {
      if (p.replaced !== null) this.statements.set(p.creates, p.replaced);
      else this.statements.delete(p.creates);
    } else if (p.kind === 'bind') {
      this.portals.delete(p.creates);
    }
  }

  /** A Parse / Bind / Describe / Close went through: its bytes are part of the Execute it prepares. */
  private handOn(p: Pending): void {
    for (const next of this.queue) {
      if (next.kind === 'execute') {
        next.requestBytes += p.requestBytes;
        next.responseBytes += p.responseBytes;
        next.startNs = Math.min(next.startNs, p.startNs);
        if (p.problem !== null) markProblem(next, p.problem);
        return;
      }
      if (endsWithReady(next.kind)) break;
    }
    this.unattributedClient += p.requestBytes;
    this.unattributedServer += p.responseBytes;
  }

  private settleHead(problem: ExchangeProblem | null): void {
    this.settle(this.queue.shift()!, problem);
  }

  /**
   * Done with `p`: an exchange if it is a query / execute / function call, failed, or a lost
   * placeholder that took a statement's answer; otherwise its bytes are counted as unattributed.
   */
  private settle(p: Pending, problem: ExchangeProblem | null): void {
    if (this.copyTarget === p) this.copyTarget = null;
    const reported = isReported(p.kind) || p.failed || (p.kind === 'lost' && p.answered);
    if (!reported) {
      this.unattributedClient += p.requestBytes;
      this.unattributedServer += p.responseBytes;
      return;
    }
    this.out.push(buildExchange(p, this.database, problem));
  }

  private onServerLost(n: number, reason: LossReason): void {
    this.desynchronised(reason === 'invalid' ? 'unparsable' : 'truncated');
    const head = this.queue[0];
    if (head === undefined) this.unattributedServer += n;
    else head.responseBytes += n;
  }

  private desynchronised(problem: ExchangeProblem): void {
    this.serverSynced = false;
    for (const p of this.queue) markProblem(p, problem);
  }
}
