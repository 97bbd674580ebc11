// Pairs the commands and replies of one Redis connection (RESP2, RESP3 and inline commands).
//
// Redis answers commands in order, so pairing is a FIFO, with three kinds of server messages that
// answer nothing and must not consume a waiting command: pub/sub pushes (RESP2 `message` arrays
// while subscribed, RESP3 `>` pushes), the extra confirmations of a multi-channel (UN)SUBSCRIBE
// (one reply per channel; the command is paired with the first), and MONITOR's feed. Commands
// that get no reply at all (after CLIENT REPLY OFF/SKIP) are reported at once.
//
// After capture loses bytes it cannot count through, pairing may no longer be provable: a server
// loss reports every waiting command as `truncated` (their replies may be in the lost bytes) and a
// client loss marks the commands that follow `truncated` until the connection is quiet again (no
// command waiting, server between replies), so a possible mis-pair is never reported as clean.

import type { Attributes, ExchangeProblem, ProtocolExchange, ProtocolParser, ProtocolParserOptions } from '../exchange.js';
import { commandName, errorPrefix, isContainer } from './command-name.js';
import { INLINE, type RespMessage } from './resp-message.js';
import { RespScanner } from './resp-scanner.js';

/**
 * Default pipelining depth kept waiting for replies (redis-benchmark -P 1000 fits). Each entry is
 * a small record; past it the oldest command is reported `no-response` and its reply skipped.
 */
const DEFAULT_MAX_PENDING = 1024;

const TYPE_ERROR = 0x2d; // -
const TYPE_BLOB_ERROR = 0x21; // !
const TYPE_ARRAY = 0x2a; // *
const TYPE_PUSH = 0x3e; // >
const TYPE_MAP = 0x25; // %
const TYPE_SIMPLE = 0x2b; // +
const TYPE_INTEGER = 0x3a; // :

/** Confirmation words of the subscribe family: also the lower-cased command names. */
const CONFIRMATIONS = ['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe'] as const;
type Confirmation = typeof CONFIRMATIONS[number];

const enum Special {
  None,
  Select,
  Hello,
  Multi,
  Exec,
  Discard,
  Reset,
  Monitor,
  ClientReply,
}

const SPECIALS: ReadonlyMap<string, Special> = new Map([
  ['SELECT', Special.Select], ['HELLO', Special.Hello], ['MULTI', Special.Multi], ['EXEC', Special.Exec],
  ['DISCARD', Special.Discard], ['RESET', Special.Reset], ['MONITOR', Special.Monitor],
  ['CLIENT REPLY', Special.ClientReply],
]);

interface PendingCommand {
  operation: string | null;
  queryText: string | null;
  special: Special;
  confirmation: Confirmation | null;
  /** The argument a special command acts on: SELECT's index, HELLO's version, CLIENT REPLY's mode. */
  argument: string | null;
  /** Words after the command name. */
  args: number;
  startNs: number;
  endNs: number;
  bytes: number;
  problem: ExchangeProblem | null;
}

interface ReplyOutcome {
  bytes: number;
  endNs: number;
  status: string | null;
  error: boolean;
  problem: ExchangeProblem | null;
}

function isDbIndex(s: string | null): s is string {
  return s !== null && /^(0|[1-9][0-9]{0,8})$/.test(s);
}

function cutProblem(cut: RespMessage['cut']): ExchangeProblem {
  return cut === 'closed' ? 'connection-closed' : cut === 'unparsable' ? 'unparsable' : 'truncated';
}

export class RedisParser implements ProtocolParser {
  private readonly requests: RespScanner;
  private readonly replies: RespScanner;
  private readonly maxPending: number;
  private readonly pending: PendingCommand[] = [];
  private out: ProtocolExchange[] = [];
  private nowNs = 0;
  private isClosed = false;

  private db = '0';
  /** SELECT queued inside MULTI: applies when EXEC succeeds. */
  private queuedDb: string | null = null;
  private resp3 = false;
  private channelSubscribed = false;
  private shardSubscribed = false;
  private monitoring = false;
  private replyMode: 'on' | 'off' | 'skip' = 'on';
  /** Confirmations still expected from the last paired (UN)SUBSCRIBE; Infinity when unknown. */
  private absorbing: Confirmation | null = null;
  private absorbLeft = 0;
  /** Replies still owed to commands evicted as `no-response`: skipped to keep pairs aligned. */
  private skipReplies = 0;
  /** Capture lost bytes and pairing is not yet proven again. */
  private uncertain = false;

  private pushes = 0;
  private orphans = 0;
  private extraClientBytes = 0;
  private extraServerBytes = 0;

  constructor(options: ProtocolParserOptions = {}) {
    const max = options.maxPending;
    this.maxPending = typeof max === 'number' && Number.isFinite(max) ? Math.max(1, Math.floor(max)) : DEFAULT_MAX_PENDING;
    this.requests = new RespScanner('client', {
      onMessage: (m) => this.command(m),
      onLoss: () => { this.uncertain = true; },
    });
    this.replies = new RespScanner('server', {
      onMessage: (m) => this.reply(m),
      onLoss: () => this.serverLoss(),
    });
  }

  client(bytes: Uint8Array, nowNs: number): ProtocolExchange[] {
    this.nowNs = nowNs;
    if (this.isClosed) this.extraClientBytes += bytes.length;
    else this.requests.push(bytes, nowNs);
    return this.take();
  }

  server(bytes: Uint8Array, nowNs: number): ProtocolExchange[] {
    this.nowNs = nowNs;
    if (this.isClosed) this.extraServerBytes += bytes.length;
    else this.replies.push(bytes, nowNs);
    return this.take();
  }

  clientGap(n: number, nowNs: number): ProtocolExchange[] {
    this.nowNs = nowNs;
    if (this.isClosed) { if (n > 0) this.extraClientBytes += n; } else this.requests.gap(n, nowNs);
    return this.take();
  }

  serverGap(n: number, nowNs: number): ProtocolExchange[] {
    this.nowNs = nowNs;
    if (this.isClosed) { if (n > 0) this.extraServerBytes += n; } else this.replies.gap(n, nowNs);
    return this.take();
  }

  close(nowNs: number): ProtocolExchange[] {
    if (this.isClosed) return this.take();
    this.nowNs = nowNs;
    this.isClosed = true;
    this.requests.end(nowNs);
    this.replies.end(nowNs);
    for (const cmd of this.pending) this.noResponse(cmd, nowNs);
    this.pending.length = 0;
    return this.take();
  }

  /** Server messages that answered no command: pub/sub messages, RESP3 pushes, MONITOR lines. */
  get pushMessages(): number {
    return this.pushes;
  }

  /** Replies that arrived with no command waiting (after capture lost the command). */
  get unpairedReplies(): number {
    return this.orphans;
  }

  /** Commands waiting for their reply. */
  get pendingCommands(): number {
    return this.pending.length;
  }

  /** Bytes held for messages in progress: captured prefixes only, never payloads. */
  get bufferedBytes(): number {
    return this.requests.bufferedBytes + this.replies.bufferedBytes;
  }

  /** Client bytes in no exchange: skipped while resynchronising, lost in gaps, empty commands, after close. */
  get unpairedClientBytes(): number {
    return this.requests.skippedBytes + this.extraClientBytes;
  }

  /** Server bytes in no exchange: pushes, extra confirmations, replies with no command, skipped, after close. */
  get unpairedServerBytes(): number {
    return this.replies.skippedBytes + this.extraServerBytes;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  private take(): ProtocolExchange[] {
    const out = this.out;
    if (out.length > 0) this.out = [];
    return out;
  }

  // ---- commands -------------------------------------------------------------------------------

  private command(m: RespMessage): void {
    // `*0`, `*-1` and empty inline lines: Redis reads past them without replying.
    if (m.cut === null && m.count <= 0 && (m.type === INLINE || m.type === TYPE_ARRAY)) {
      this.extraClientBytes += m.bytes;
      return;
    }
    // A name cut short by lost bytes would be a different (wrong) name: not reported.
    const name = (m.lostHeads & 0b001) === 0 ? m.head(0) : null;
    // The first argument matters to container commands (their subcommand) and to SELECT and
    // HELLO (what they switch to); for every other command it is a key, left undecoded.
    const upper = name === null ? null : name.toUpperCase();
    const wantsSub = upper !== null && (isContainer(upper) || upper === 'SELECT' || upper === 'HELLO');
    const sub = wantsSub && (m.lostHeads & 0b010) === 0 ? m.head(1) : null;
    const { operation, queryText } = commandName(name, sub, m.count - 1);
    const special = operation === null ? Special.None : SPECIALS.get(operation) ?? Special.None;
    const confirmation = operation === null ? null : CONFIRMATIONS.find((c) => c.length === operation.length && c === operation.toLowerCase()) ?? null;
    const argument = special === Special.ClientReply
      ? ((m.lostHeads & 0b100) === 0 ? m.head(2)?.toUpperCase() ?? null : null)
      : sub;
    // Bytes lost inside the name, or inside an argument the record or pairing depends on (the
    // subcommand, SELECT's index, HELLO's version, CLIENT REPLY's mode), make it unreliable.
    const needsArgument = special === Special.Select || special === Special.Hello || (operation !== null && isContainer(operation));
    const lostNeeded = (m.lostHeads & 0b001) !== 0 ||
      ((m.lostHeads & 0b010) !== 0 && needsArgument) ||
      ((m.lostHeads & 0b100) !== 0 && special === Special.ClientReply);
    if (m.cut === null && this.uncertain && this.pending.length === 0 && this.skipReplies === 0 && this.replies.idle) {
      this.uncertain = false;
    }
    const cmd: PendingCommand = {
      operation,
      queryText,
      special,
      confirmation,
      argument,
      args: Math.max(0, m.count - 1),
      startNs: m.startNs,
      endNs: m.endNs,
      bytes: m.bytes,
      problem: m.cut !== null ? cutProblem(m.cut) : lostNeeded || this.uncertain ? 'truncated' : null,
    };
    if (m.cut === 'closed') {
      this.emit(cmd, { bytes: 0, endNs: m.endNs, status: null, error: false, problem: 'connection-closed' });
      return;
    }
    if (confirmation === 'subscribe' || confirmation === 'psubscribe') this.channelSubscribed = true;
    if (confirmation === 'ssubscribe') this.shardSubscribed = true;
    if (!this.expectsReply(cmd)) {
      this.emit(cmd, { bytes: 0, endNs: m.endNs, status: null, error: false, problem: null });
      return;
    }
    this.pending.push(cmd);
    if (this.pending.length > this.maxPending) {
      const oldest = this.pending.shift()!;
      this.noResponse(oldest, this.nowNs);
      // Its reply is still coming (ahead of the others): skip it rather than mis-pair.
      this.skipReplies++;
    }
  }

  /** Applies CLIENT REPLY ON/OFF/SKIP: whether `cmd` will be answered. */
  private expectsReply(cmd: PendingCommand): boolean {
    const mode = cmd.special === Special.ClientReply ? cmd.argument : null;
    switch (this.replyMode) {
      case 'off':
        if (mode === 'ON') { this.replyMode = 'on'; return true; }
        return false;
      case 'skip':
        if (mode === 'ON') { this.replyMode = 'on'; return true; }
        this.replyMode = mode === 'OFF' ? 'off' : mode === 'SKIP' ? 'skip' : 'on';
        return false;
      default:
        if (mode === 'OFF') { this.replyMode = 'off'; return false; }
        if (mode === 'SKIP') { this.replyMode = 'skip'; return false; }
        return true;
    }
  }

  // ---- replies --------------------------------------------------------------------------------

  private reply(m: RespMessage): void {
    if (m.cut !== null) {
      this.cutReply(m);
      return;
    }
    if (m.resp3) this.resp3 = true;
    const t = m.type;
    if (t === TYPE_PUSH) {
      const word = m.count === 3 ? this.confirmationWord(m) : null;
      if (word !== null) this.confirmation(m, word);
      else this.push(m);
      return;
    }
    if (this.monitoring && t === TYPE_SIMPLE && /^[0-9]/.test(m.head(0) ?? '')) {
      this.push(m);
      return;
    }
    if (t === TYPE_ARRAY && !this.resp3 && m.count >= 3) {
      const subscribed = this.channelSubscribed || this.shardSubscribed;
      const isMessage = m.headType(0) === 0x24 &&
        (m.count === 3 ? m.headIs(0, 'message') || m.headIs(0, 'smessage') : m.count === 4 && m.headIs(0, 'pmessage'));
      if (subscribed && isMessage) {
        this.push(m);
        return;
      }
      const word = m.count === 3 && m.headType(2) === TYPE_INTEGER ? this.confirmationWord(m) : null;
      if (word !== null && (subscribed || this.pending[0]?.confirmation === word || this.absorbing === word)) {
        this.confirmation(m, word);
        return;
      }
    }
    this.pairReply(m);
  }

  private confirmationWord(m: RespMessage): Confirmation | null {
    for (const c of CONFIRMATIONS) if (m.headIs(0, c)) return c;
    return null;
  }

  private push(m: RespMessage): void {
    this.pushes++;
    this.extraServerBytes += m.bytes;
  }

  /** One per channel: the first answers the (UN)SUBSCRIBE, the others are absorbed. */
  private confirmation(m: RespMessage, word: Confirmation): void {
    const remaining = Number(m.head(2) ?? 'NaN');
    if (remaining === 0) {
      if (word === 'unsubscribe' || word === 'punsubscribe') this.channelSubscribed = false;
      if (word === 'sunsubscribe') this.shardSubscribed = false;
    } else if (word === 'subscribe' || word === 'psubscribe') {
      this.channelSubscribed = true;
    } else if (word === 'ssubscribe') {
      this.shardSubscribed = true;
    }
    const head = this.pending[0];
    const headWaits = head !== undefined && head.confirmation === word && this.skipReplies === 0;
    // With an unknown count (UNSUBSCRIBE without arguments), a new command of the same kind
    // waiting means the earlier one is done.
    const absorb = this.absorbing === word && this.absorbLeft > 0 && !(this.absorbLeft === Infinity && headWaits);
    if (absorb) {
      this.absorbLeft = remaining === 0 ? 0 : this.absorbLeft - 1;
      this.extraServerBytes += m.bytes;
      return;
    }
    if (headWaits) {
      const args = head.args;
      this.pairReply(m);
      this.absorbing = word;
      this.absorbLeft = args > 0 ? args - 1 : word.endsWith('unsubscribe') && remaining !== 0 ? Infinity : 0;
      return;
    }
    if (this.resp3 || m.type === TYPE_PUSH || this.channelSubscribed || this.shardSubscribed) {
      // A confirmation nobody waits for (its command was lost): not a reply to what waits.
      this.push(m);
      return;
    }
    this.pairReply(m);
  }

  private pairReply(m: RespMessage): void {
    this.absorbing = null;
    this.absorbLeft = 0;
    if (this.skipReplies > 0) {
      this.skipReplies--;
      this.extraServerBytes += m.bytes;
      return;
    }
    const cmd = this.pending.shift();
    if (cmd === undefined) {
      this.orphans++;
      this.extraServerBytes += m.bytes;
      return;
    }
    const isError = m.type === TYPE_ERROR || m.type === TYPE_BLOB_ERROR;
    if (!isError) this.applyEffects(cmd, m);
    else if (cmd.special === Special.Exec) this.queuedDb = null;
    this.emit(cmd, {
      bytes: m.bytes,
      endNs: m.endNs,
      status: isError ? errorPrefix(m.head(0)) : 'OK',
      error: isError,
      problem: isError && (m.lostHeads & 1) !== 0 ? 'truncated' : null,
    });
  }

  /** State a successful reply changes: the database, the protocol version, modes. */
  private applyEffects(cmd: PendingCommand, m: RespMessage): void {
    const queued = m.type === TYPE_SIMPLE && m.headIs(0, 'queued');
    switch (cmd.special) {
      case Special.Select:
        if (isDbIndex(cmd.argument)) {
          if (queued) this.queuedDb = cmd.argument;
          else this.db = cmd.argument;
        }
        break;
      case Special.Hello:
        if (cmd.argument === '3' || m.type === TYPE_MAP) this.resp3 = true;
        else if (cmd.argument === '2') this.resp3 = false;
        break;
      case Special.Exec:
        // A null array means WATCH aborted the transaction: nothing ran.
        if (m.type === TYPE_ARRAY && m.count >= 0 && this.queuedDb !== null) this.db = this.queuedDb;
        this.queuedDb = null;
        break;
      case Special.Multi:
      case Special.Discard:
        this.queuedDb = null;
        break;
      case Special.Reset:
        this.db = '0';
        this.queuedDb = null;
        this.resp3 = false;
        this.channelSubscribed = false;
        this.shardSubscribed = false;
        this.monitoring = false;
        this.replyMode = 'on';
        break;
      case Special.Monitor:
        if (!queued) this.monitoring = true;
        break;
      default:
        break;
    }
  }

  /** A reply cut by lost bytes, junk or the close: it answers the oldest command, as far as known. */
  private cutReply(m: RespMessage): void {
    if (m.type === TYPE_PUSH) {
      this.extraServerBytes += m.bytes;
      return;
    }
    if (this.skipReplies > 0) {
      this.skipReplies--;
      this.extraServerBytes += m.bytes;
      return;
    }
    const cmd = this.pending.shift();
    if (cmd === undefined) {
      this.extraServerBytes += m.bytes;
      return;
    }
    const isError = m.type === TYPE_ERROR || m.type === TYPE_BLOB_ERROR;
    this.emit(cmd, {
      bytes: m.bytes,
      endNs: m.endNs,
      status: m.type === 0 ? null : isError ? errorPrefix(m.head(0)) : 'OK',
      error: isError,
      problem: cutProblem(m.cut),
    });
  }

  /** The server stream lost its place: replies of waiting commands may be in the lost bytes. */
  private serverLoss(): void {
    for (const cmd of this.pending) {
      this.emit(cmd, { bytes: 0, endNs: this.nowNs, status: null, error: false, problem: 'truncated' });
    }
    this.pending.length = 0;
    this.skipReplies = 0;
    this.absorbing = null;
    this.uncertain = true;
  }

  private noResponse(cmd: PendingCommand, nowNs: number): void {
    this.emit(cmd, { bytes: 0, endNs: nowNs, status: null, error: true, problem: 'no-response' });
  }

  private emit(cmd: PendingCommand, reply: ReplyOutcome): void {
    const attributes: Attributes = { 'db.system.name': 'redis', 'db.namespace': this.db };
    if (cmd.operation !== null && cmd.queryText !== null) {
      attributes['db.operation.name'] = cmd.operation;
      attributes['db.query.text'] = cmd.queryText;
    }
    if (reply.error && reply.status !== null) attributes['db.response.status_code'] = reply.status;
    this.out.push({
      startNs: cmd.startNs,
      endNs: Math.max(cmd.startNs, cmd.endNs, reply.endNs),
      requestBytes: cmd.bytes,
      responseBytes: reply.bytes,
      operation: cmd.operation,
      resource: null,
      status: reply.status,
      error: reply.error,
      attributes,
      problem: reply.problem ?? cmd.problem,
    });
  }
}
