// MySQL / MariaDB client/server protocol, one connection: the login (no exchange unless it
// fails), then one exchange per command with its response. TLS (SSLRequest) and compression make
// the rest of the connection opaque: it is skipped. Memory per connection is bounded by the two
// framers (MAX_KEPT_PAYLOAD + RESYNC_WINDOW each), `maxPending` commands and the statement cache
// (MAX_STATEMENTS statements, MAX_STATEMENT_TEXT characters).

import type { ExchangeProblem, ProtocolExchange, ProtocolParser, ProtocolParserOptions } from '../exchange.js';
import { utf8 } from './byte-reader.js';
import { addErrorAttributes, commandExchange, connectionAttributes, type Command } from './command.js';
import {
  CLIENT_COMPRESS, CLIENT_DEPRECATE_EOF, CLIENT_QUERY_ATTRIBUTES, CLIENT_ZSTD_COMPRESSION_ALGORITHM, COM_CHANGE_USER,
  COM_INIT_DB, COM_QUERY, COM_RESET_CONNECTION, COM_STMT_BULK_EXECUTE, COM_STMT_CLOSE, COM_STMT_EXECUTE,
  COM_STMT_PREPARE, COM_STMT_SEND_LONG_DATA, LAST_PREPARED_STATEMENT, commandName,
} from './constants.js';
import { PacketFramer, type Packet } from './framer.js';
import { parseErr, parseGreeting, parseHandshakeResponse, parseOk } from './packets.js';
import { sqlOffset, type AttributesMode } from './query-text.js';
import { DONE, NOT_MINE, ResponseReader, responseKindOf, type EofKnowledge } from './response.js';
import { StatementCache } from './statement-cache.js';
import { ClientSyncRule, ServerSyncRule } from './sync-rules.js';

export const DEFAULT_MAX_PENDING = 64;
/** Longest schema name taken from COM_INIT_DB (MySQL allows 64 characters). */
const MAX_SCHEMA_BYTES = 256;

export interface MysqlHandshake {
  /** As the greeting gives it, without MariaDB's "5.5.5-" replication prefix. */
  serverVersion: string | null;
  user: string | null;
  /** The schema the client asked for at login (CLIENT_CONNECT_WITH_DB). */
  schema: string | null;
}

type Phase = 'start' | 'login' | 'command' | 'opaque';

interface Login {
  startNs: number;
  clientBytes: number;
  serverBytes: number;
  truncated: boolean;
}


export class MysqlParser implements ProtocolParser {
  private readonly maxPending: number;
  private readonly clientRule = new ClientSyncRule();
  private readonly serverRule = new ServerSyncRule();
  private readonly clientFramer: PacketFramer;
  private readonly serverFramer: PacketFramer;
  private phase: Phase = 'start';
  private out: ProtocolExchange[] = [];
  private readonly pending: Command[] = [];
  private readonly statements = new StatementCache();
  private readonly eof: EofKnowledge = { deprecateEof: null };
  private attributesMode: AttributesMode = 'unknown';
  private namespace: string | null = null;
  private serverVersion: string | null = null;
  private user: string | null = null;
  private loginSchema: string | null = null;
  private mariadb = false;
  private serverCapabilities: number | null = null;
  private clientCapabilities: number | null = null;
  private login: Login | null = null;
  private tlsStarted = false;
  /** COM_STMT_SEND_LONG_DATA bytes, counted into the next command (the execute they feed). */
  private carriedRequestBytes = 0;
  private lastPreparedSql: string | null = null;
  /** Server bytes (and gaps) seen while the server framer was looking for a packet start. */
  private unframedServerBytes = 0;
  private ignoredClient = 0;
  private ignoredServer = 0;

  constructor(options: ProtocolParserOptions = {}) {
    this.maxPending = Math.max(1, Math.floor(options.maxPending ?? DEFAULT_MAX_PENDING));
    // Both sides start by looking for a packet start: the capture may begin mid-connection.
    this.clientFramer = new PacketFramer({
      packet: (p) => this.onClientPacket(p),
      discarded: (n) => { this.ignoredClient += n; },
      lostSync: () => this.onClientLostSync(),
    }, this.clientRule, true);
    this.serverFramer = new PacketFramer({
      packet: (p) => this.onServerPacket(p),
      discarded: (n) => { this.ignoredServer += n; },
      lostSync: () => this.onServerLostSync(),
    }, this.serverRule, true);
  }

  /** Bytes held by the parser (partial packets, resync windows). */
  get bufferedBytes(): number {
    return this.clientFramer.bufferedBytes + this.serverFramer.bufferedBytes;
  }

  /** The client asked for TLS: the rest of the connection is ciphertext and is skipped. */
  get tls(): boolean {
    return this.tlsStarted;
  }

  get handshake(): MysqlHandshake {
    return { serverVersion: this.serverVersion, user: this.user, schema: this.loginSchema };
  }

  /** Client bytes in no exchange (login, TLS, bytes skipped to resynchronise, ...). */
  get ignoredClientBytes(): number {
    return this.ignoredClient;
  }

  get ignoredServerBytes(): number {
    return this.ignoredServer;
  }

  get pendingCommands(): number {
    return this.pending.length;
  }

  get preparedStatements(): number {
    return this.statements.size;
  }

  client(bytes: Uint8Array, nowNs: number): ProtocolExchange[] {
    this.clientFramer.push(bytes, nowNs);
    return this.drain();
  }

  server(bytes: Uint8Array, nowNs: number): ProtocolExchange[] {
    this.serverFramer.push(bytes, nowNs);
    if (this.serverFramer.isSeeking) this.unframedServerBytes += bytes.length;
    return this.drain();
  }

  clientGap(n: number, nowNs: number): ProtocolExchange[] {
    this.clientFramer.gap(n, nowNs);
    return this.drain();
  }

  serverGap(n: number, nowNs: number): ProtocolExchange[] {
    this.serverFramer.gap(n, nowNs);
    if (this.serverFramer.isSeeking) this.unframedServerBytes += n;
    return this.drain();
  }

  close(nowNs: number): ProtocolExchange[] {
    this.clientFramer.flush(nowNs);
    this.serverFramer.flush(nowNs);
    while (this.pending.length > 0) {
      const head = this.pending[0]!;
      const r = head.reader;
      if (r.started && r.mayEnd) {
        this.finish(head, null);
        continue;
      }
      // Waited for until the connection went away.
      head.endNs = Math.max(head.endNs, nowNs);
      this.finish(head, r.started ? 'connection-closed' : 'no-response');
    }
    if (this.login !== null) {
      this.ignoredClient += this.login.clientBytes;
      this.ignoredServer += this.login.serverBytes;
      this.login = null;
    }
    this.ignoredClient += this.carriedRequestBytes;
    this.carriedRequestBytes = 0;
    return this.drain();
  }

  private drain(): ProtocolExchange[] {
    const out = this.out;
    if (out.length > 0) this.out = [];
    return out;
  }

  // ---- connection phase ----

  private onClientPacket(p: Packet): void {
    switch (this.phase) {
      case 'start':
      case 'login':
        if (p.seq === 1 && this.login === null) this.onHandshakeResponse(p);
        else if (p.seq === 0) {
          // A command: the login happened before the capture, or its end was lost.
          this.enterCommandPhase();
          this.onCommand(p);
        } else if (this.login !== null) {
          this.login.clientBytes += p.wireBytes;
          if (p.lost) this.login.truncated = true;
        } else {
          this.ignoredClient += p.wireBytes;
        }
        return;
      case 'command':
        if (p.seq === 0) this.onCommand(p);
        else this.onClientData(p);
        return;
      case 'opaque':
        this.ignoredClient += p.wireBytes;
    }
  }

  private onHandshakeResponse(p: Packet): void {
    const response = parseHandshakeResponse(p.payload);
    if (response === null) {
      this.ignoredClient += p.wireBytes;
      return;
    }
    this.phase = 'login';
    this.clientCapabilities = response.capabilities;
    if (response.sslRequest) {
      this.tlsStarted = true;
      this.ignoredClient += p.wireBytes;
      this.goOpaque();
      return;
    }
    this.user = response.user;
    this.loginSchema = response.schema;
    this.login = { startNs: p.startNs, clientBytes: p.wireBytes, serverBytes: 0, truncated: p.lost };
    this.updateNegotiated();
  }

  private onServerPacket(p: Packet): void {
    // Framing is established: a hint meant for resynchronisation is spent.
    this.serverRule.expectedResponseSeq = null;
    if (this.phase === 'command') this.onResponsePacket(p);
    else if (this.phase === 'opaque') this.ignoredServer += p.wireBytes;
    else this.onLoginServerPacket(p);
  }

  private onLoginServerPacket(p: Packet): void {
    const b0 = p.payload[0];
    if (p.seq === 0 && b0 === 0x0a) {
      const greeting = parseGreeting(p.payload);
      if (greeting !== null) {
        this.serverVersion = greeting.serverVersion;
        this.mariadb = greeting.mariadb;
        this.serverCapabilities = greeting.capabilities;
        this.updateNegotiated();
        if (this.phase === 'start') this.phase = 'login';
        this.ignoredServer += p.wireBytes;
        return;
      }
    }
    const login = this.login;
    if (login === null) {
      // ERR instead of a greeting: refused before any login (too many connections, host blocked).
      if (p.seq === 0 && b0 === 0xff) this.emitConnectError(p.startNs, 0, 0, p, false);
      else this.ignoredServer += p.wireBytes;
      return;
    }
    if (b0 === 0x00) {
      const ok = parseOk(p.payload);
      this.namespace = ok?.schema ?? this.loginSchema;
      this.ignoredClient += login.clientBytes;
      this.ignoredServer += login.serverBytes + p.wireBytes;
      this.login = null;
      this.enterCommandPhase();
      if (this.compressed()) this.goOpaque();
    } else if (b0 === 0xff) {
      this.login = null;
      this.emitConnectError(login.startNs, login.clientBytes, login.serverBytes, p, login.truncated);
      this.enterCommandPhase();
    } else {
      // Auth switch (0xfe), more auth data (0x01): the login goes on.
      login.serverBytes += p.wireBytes;
      if (p.lost) login.truncated = true;
    }
  }

  private emitConnectError(startNs: number, requestBytes: number, serverBytes: number, p: Packet, truncated: boolean): void {
    const err = parseErr(p.payload) ?? { code: 0, sqlState: null };
    const attributes = connectionAttributes(this.mariadb, this.loginSchema);
    addErrorAttributes(attributes, err);
    this.out.push({
      startNs, endNs: Math.max(startNs, p.endNs), requestBytes, responseBytes: serverBytes + p.wireBytes,
      operation: 'CONNECT', resource: null, status: String(err.code), error: true, attributes,
      problem: truncated || p.lost ? 'truncated' : null,
    });
  }

  private enterCommandPhase(): void {
    if (this.phase === 'command' || this.phase === 'opaque') return;
    this.phase = 'command';
    this.clientRule.allowHandshake = false;
    this.serverRule.allowGreeting = false;
    if (this.namespace === null) this.namespace = this.loginSchema;
    if (this.login !== null) {
      this.ignoredClient += this.login.clientBytes;
      this.ignoredServer += this.login.serverBytes;
      this.login = null;
    }
  }

  private updateNegotiated(): void {
    const client = this.clientCapabilities;
    if (client === null) return;
    const server = this.serverCapabilities;
    // Without the greeting, what the client asked for is the best guess.
    const both = server === null ? client : client & server;
    this.eof.deprecateEof = (both & CLIENT_DEPRECATE_EOF) !== 0;
    if ((both & CLIENT_QUERY_ATTRIBUTES) === 0) this.attributesMode = 'no';
    else this.attributesMode = server === null ? 'unknown' : 'yes';
  }

  private compressed(): boolean {
    const client = this.clientCapabilities ?? 0;
    const server = this.serverCapabilities ?? 0xffffffff;
    return (client & server & (CLIENT_COMPRESS | CLIENT_ZSTD_COMPRESSION_ALGORITHM)) !== 0;
  }

  private goOpaque(): void {
    this.phase = 'opaque';
    this.clientFramer.halt();
    this.serverFramer.halt();
  }

  // ---- command phase ----

  /**
   * The protocol is half duplex: a client sends a command once the previous response is complete
   * (pipelining clients aside). So a new command ends a response that was only waiting for an
   * optional packet, and tells where the server's next response will start when framing was lost.
   */
  private beforeCommand(responseSeq: number): void {
    const head = this.pending[0];
    if (head !== undefined && head.reader.started && head.reader.mayEnd) this.finish(head, null);
    const server = this.serverFramer;
    if (server.isSeeking) {
      // Server bytes came that could not be framed: the responses to what is pending were in them.
      if (this.unframedServerBytes > 0) {
        while (this.pending.length > 0) this.finish(this.pending[0]!, 'truncated');
        server.restartSeek();
        this.unframedServerBytes = 0;
      }
      this.serverRule.expectedResponseSeq = this.pending[0]?.nextServerSeq ?? responseSeq;
      return;
    }
    // A packet in progress that nobody waits for (or after a doubtful resync) is not trusted.
    const untrusted = this.pending[0]?.reader.lostPackets === true;
    if (server.midPacket && (this.pending.length === 0 || untrusted)) {
      while (this.pending.length > 0) this.finish(this.pending[0]!, 'truncated');
      server.abandon();
      this.serverRule.expectedResponseSeq = responseSeq;
    }
  }

  private onCommand(p: Packet): void {
    this.beforeCommand((p.lastSeq + 1) & 0xff);
    const payload = p.payload;
    if (p.length === 0) {
      this.ignoredClient += p.wireBytes;
      return;
    }
    const command = payload.length > 0 ? payload[0]! : -1;
    if (command === COM_STMT_SEND_LONG_DATA) {
      this.carriedRequestBytes += p.wireBytes;
      return;
    }
    const kind = command < 0 ? 'results' : responseKindOf(command);
    const c: Command = {
      command, startNs: p.startNs, endNs: p.endNs, requestBytes: p.wireBytes + this.carriedRequestBytes,
      responseBytes: 0, operation: null, queryText: undefined, statementId: null, prepared: false,
      namespace: this.namespace, newSchema: null, prepareSql: null, truncated: p.lost, unparsable: false,
      closedMidMessage: p.partial, reader: new ResponseReader(kind ?? 'single'), nextServerSeq: (p.lastSeq + 1) & 0xff,
    };
    this.carriedRequestBytes = 0;
    this.describeCommand(c, payload);
    if (kind === null || p.partial) {
      // No response will come: reported at once.
      this.emit(c, null, p.partial);
      return;
    }
    this.pending.push(c);
    if (this.pending.length > this.maxPending) this.finish(this.pending[0]!, 'no-response');
  }

  private describeCommand(c: Command, payload: Uint8Array): void {
    switch (c.command) {
      case -1:
        return;
      case COM_QUERY: {
        const at = sqlOffset(payload, this.attributesMode);
        if (at >= 0) c.queryText = utf8(payload.subarray(at));
        else c.operation = 'COM_QUERY';
        return;
      }
      case COM_STMT_PREPARE:
        c.operation = 'COM_STMT_PREPARE';
        c.prepareSql = utf8(payload.subarray(1));
        c.queryText = c.prepareSql;
        this.lastPreparedSql = c.prepareSql;
        return;
      case COM_STMT_EXECUTE:
      case COM_STMT_BULK_EXECUTE: {
        c.prepared = true;
        if (payload.length >= 5) c.statementId = readU32(payload, 1);
        this.resolveStatement(c);
        if (c.queryText === undefined) c.operation = commandName(c.command);
        return;
      }
      case COM_STMT_CLOSE:
        c.operation = 'COM_STMT_CLOSE';
        if (payload.length >= 5) this.statements.delete(readU32(payload, 1));
        return;
      case COM_INIT_DB: {
        c.operation = 'USE';
        const name = payload.subarray(1);
        if (name.length > 0 && name.length <= MAX_SCHEMA_BYTES) {
          c.newSchema = utf8(name);
          c.namespace = c.newSchema;
        }
        return;
      }
      default:
        c.operation = commandName(c.command);
        if (c.operation === null) c.unparsable = true;
    }
  }

  private resolveStatement(c: Command): void {
    const id = c.statementId;
    if (id === null || c.queryText !== undefined) return;
    const sql = id === LAST_PREPARED_STATEMENT ? this.lastPreparedSql : this.statements.get(id);
    if (sql !== undefined && sql !== null) {
      c.queryText = sql;
      c.operation = null;
    }
  }

  /** Client packets with a non-zero sequence id: LOCAL INFILE data, COM_CHANGE_USER auth data. */
  private onClientData(p: Packet): void {
    const head = this.pending[0];
    if (head === undefined || !(head.reader.localInfile || head.reader.kind === 'auth')) {
      this.ignoredClient += p.wireBytes;
      return;
    }
    head.requestBytes += p.wireBytes;
    head.nextServerSeq = (p.lastSeq + 1) & 0xff;
    if (p.lost) head.truncated = true;
    if (p.partial) head.closedMidMessage = true;
  }

  private onResponsePacket(p: Packet): void {
    for (;;) {
      const head = this.pending[0];
      if (head === undefined) {
        // Nobody asked: the tail of a response from before the capture, or an unsolicited error.
        this.ignoredServer += p.wireBytes;
        return;
      }
      const r = head.reader;
      if (p.seq === 0 && !r.started) {
        // Responses start at 1 or more: this is a packet nobody asked for (MySQL 8 sends an ERR
        // before closing an idle connection).
        this.ignoredServer += p.wireBytes;
        return;
      }
      if (!p.resynced && p.seq !== head.nextServerSeq) {
        if (r.started && p.seq === 1) {
          // A new response begins: the head's ended without us seeing its end.
          this.finish(head, r.mayEnd ? null : 'truncated');
          continue;
        }
        head.truncated = true;
      }
      head.nextServerSeq = (p.lastSeq + 1) & 0xff;
      const result = r.push(p, this.eof);
      if (result === NOT_MINE) {
        this.finish(head, null);
        continue;
      }
      head.responseBytes += p.wireBytes;
      head.endNs = Math.max(head.endNs, p.endNs);
      if (p.lost) head.truncated = true;
      if (p.partial) head.closedMidMessage = true;
      if (result === DONE) this.finish(head, null);
      return;
    }
  }

  private onServerLostSync(): void {
    const head = this.pending[0];
    if (head === undefined) return;
    head.truncated = true;
    head.reader.lose();
  }

  private onClientLostSync(): void {
    const head = this.pending[0];
    if (head !== undefined && head.reader.localInfile) head.truncated = true;
  }

  private finish(c: Command, problem: ExchangeProblem | null): void {
    const at = this.pending.indexOf(c);
    if (at >= 0) this.pending.splice(at, 1);
    const r = c.reader;
    if (r.started && r.err === null) {
      if (c.command === COM_INIT_DB && c.newSchema !== null) this.namespace = c.newSchema;
      if (r.schema !== null) this.namespace = r.schema;
      if (r.prepareOk !== null && c.prepareSql !== null) this.statements.set(r.prepareOk.statementId, c.prepareSql);
      if (c.command === COM_RESET_CONNECTION || c.command === COM_CHANGE_USER) this.statements.clear();
    }
    this.resolveStatement(c);
    this.emit(c, problem, false);
  }

  private emit(c: Command, problem: ExchangeProblem | null, closed: boolean): void {
    this.out.push(commandExchange(c, problem, closed, connectionAttributes(this.mariadb, c.namespace)));
  }

}

function readU32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
}
