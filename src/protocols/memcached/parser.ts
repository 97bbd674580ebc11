// Pairs the commands and replies of one memcached text-protocol connection (classic commands and
// the meta commands mg/ms/md/ma/mn/me). The binary protocol (first byte 0x80) is not parsed.
//
// memcached answers in order, so pairing is a FIFO, with two exceptions: `noreply` commands (and
// `quit`) get no reply at all and are reported as soon as they are read; quiet meta commands
// (flag `q`) get a reply only when the outcome is not the nominal one, so a reply that such a
// command cannot have received (by its code, or by a different opaque token) means the server
// stayed silent for it — it is reported then, with the nominal code it implies (`EN` for mg,
// `HD` for ms/md/ma).
//
// After capture loses bytes it cannot count through, lines are accepted again only from one
// that starts with a known command (client) or reply code (server). A server loss reports every
// waiting command `truncated` (its reply may be in the lost bytes); a client loss marks the
// commands after it `truncated` until the connection is quiet again, so a possible mis-pair is
// never reported as clean.

import type { Attributes, ExchangeProblem, ProtocolExchange, ProtocolParser, ProtocolParserOptions } from '../exchange.js';
import {
  CommandKind, commandKind, isErrorReply, isKnownCommand, isReplyWord, queryText, quietCommandAccepts, suppressedReply,
} from './commands.js';
import { TextScanner, type DataBlock, type TextCut, type TextLine } from './text-scanner.js';

/** Default number of commands kept waiting for a reply; past it the oldest is reported `no-response`. */
const DEFAULT_MAX_PENDING = 1024;

const enum Framing {
  /** One line. */
  Single,
  /** VALUE line + data block, repeated, then END. */
  Retrieval,
  /** STAT / ITEM / PREFIX lines, then END. */
  Stats,
  /** `key=...` lines, then END. */
  Metadump,
  /** `VA <size>` + data block, or one line. */
  MetaValue,
}

interface PendingCommand {
  name: string | null;
  kind: CommandKind | undefined;
  operation: string | null;
  queryText: string | null;
  noreply: boolean;
  quiet: boolean;
  opaque: string | null;
  /** Carries a meta `C` flag. */
  compares: boolean;
  startNs: number;
  endNs: number;
  bytes: number;
  problem: ExchangeProblem | null;
}

interface Response {
  cmd: PendingCommand | null;
  framing: Framing;
  bytes: number;
  /** VALUE blocks seen. */
  rows: number;
  endNs: number;
}

interface Outcome {
  bytes: number;
  endNs: number;
  status: string | null;
  error: boolean;
  problem: ExchangeProblem | null;
  rows?: number;
}

function cutProblem(cut: TextCut): ExchangeProblem {
  return cut === 'closed' ? 'connection-closed' : 'truncated';
}

/** The status a reply line reports: its code word; a bare number (incr/decr) is success. */
function statusOf(word: string | null): string | null {
  if (word === null) return null;
  if (/^[0-9]+$/.test(word)) return 'OK';
  return /^[A-Z][A-Z_]{0,31}$/.test(word) ? word : null;
}

function framingOf(kind: CommandKind | undefined): Framing {
  switch (kind) {
    case CommandKind.Retrieval: return Framing.Retrieval;
    case CommandKind.Stats: return Framing.Stats;
    case CommandKind.Metadump: return Framing.Metadump;
    case CommandKind.MetaWithValue: return Framing.MetaValue;
    default: return Framing.Single;
  }
}

/** A reply nobody waits for frames itself by its first word. */
function framingOfWord(word: string | null): Framing {
  return word === 'VALUE' ? Framing.Retrieval : word === 'STAT' ? Framing.Stats : word === 'VA' ? Framing.MetaValue : Framing.Single;
}

export class MemcachedParser implements ProtocolParser {
  private readonly requests: TextScanner;
  private readonly replies: TextScanner;
  private readonly maxPending: number;
  private readonly pending: PendingCommand[] = [];
  private out: ProtocolExchange[] = [];
  private nowNs = 0;
  private isClosed = false;

  /** The command whose data block is being read. */
  private awaitingData: PendingCommand | null = null;
  /** The reply being read (multi-line replies span several lines and blocks). */
  private response: Response | null = null;
  private clientLost = false;
  private serverLost = false;
  private uncertain = false;
  /** Replies still owed to commands evicted as `no-response`. */
  private skipReplies = 0;

  private orphans = 0;
  private extraClientBytes = 0;
  private extraServerBytes = 0;

  constructor(options: ProtocolParserOptions = {}) {
    const max = options.maxPending;
    this.maxPending = typeof max === 'number' && Number.isFinite(max) ? Math.max(1, Math.floor(max)) : DEFAULT_MAX_PENDING;
    this.requests = new TextScanner(2, {
      onLine: (line) => this.commandLine(line),
      onData: (block) => this.commandData(block),
      onLoss: () => { this.clientLost = true; this.uncertain = true; },
    });
    this.replies = new TextScanner(1, {
      onLine: (line) => this.replyLine(line),
      onData: (block) => this.replyData(block),
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
    if (this.response !== null) this.finish(this.response, null, 'connection-closed');
    for (const cmd of this.pending) this.emit(cmd, { bytes: 0, endNs: nowNs, status: null, error: true, problem: 'no-response' });
    this.pending.length = 0;
    return this.take();
  }

  /** Commands waiting for their reply. */
  get pendingCommands(): number {
    return this.pending.length;
  }

  /** Replies that arrived with no command waiting (after capture lost the command). */
  get unpairedReplies(): number {
    return this.orphans;
  }

  /** Bytes held for lines in progress: token prefixes only, never data blocks. */
  get bufferedBytes(): number {
    return this.requests.bufferedBytes + this.replies.bufferedBytes;
  }

  /** Client bytes in no exchange: lost in gaps, fragments skipped while resynchronising, after close. */
  get unpairedClientBytes(): number {
    return this.requests.skippedBytes + this.extraClientBytes;
  }

  /** Server bytes in no exchange: replies with no command, fragments skipped, lost in gaps, after close. */
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

  private commandLine(line: TextLine): void {
    const name = line.firstTokenComplete ? line.token(0) : null;
    if (this.clientLost) {
      // After lost bytes a line counts only when it starts like a command (not a fragment).
      if (line.cut !== null || line.count === 0 || !isKnownCommand(name)) {
        this.extraClientBytes += line.bytes;
        return;
      }
      this.clientLost = false;
    }
    const cmd = this.describe(line, name);
    if (line.cut !== null) {
      cmd.problem = cutProblem(line.cut);
      // Cut by a gap, the command was sent whole: its reply will come.
      if (line.cut === 'closed') this.emit(cmd, { bytes: 0, endNs: line.endNs, status: null, error: false, problem: null });
      else this.enqueue({ ...cmd, noreply: false });
      return;
    }
    const dataLength = this.dataLength(line, cmd.kind);
    if (dataLength >= 0) {
      this.awaitingData = cmd;
      this.requests.expectData(dataLength);
      return;
    }
    this.complete(cmd);
  }

  private describe(line: TextLine, name: string | null): PendingCommand {
    let kind = commandKind(name);
    if (name === 'lru_crawler' && line.token(1) === 'metadump') kind = CommandKind.Metadump;
    const known = kind !== undefined && name !== null;
    const args = line.count - 1;
    const noreply = kind === CommandKind.Quit || (line.lastIsNoreply && (
      (kind === CommandKind.Storage && line.count === 6) ||
      (kind === CommandKind.Cas && line.count === 7) ||
      (kind === CommandKind.NoreplyCapable && line.count >= 2)));
    const meta = kind === CommandKind.MetaWithValue || kind === CommandKind.MetaSet || (kind === CommandKind.MetaLine && name === 'md');
    return {
      name,
      kind,
      operation: known ? name.toUpperCase() : null,
      queryText: known ? queryText(name, args) : null,
      noreply,
      quiet: meta && line.quiet,
      opaque: meta ? line.opaque : null,
      compares: meta && line.compareFlag,
      startNs: line.startNs,
      endNs: line.endNs,
      bytes: line.bytes,
      problem: null,
    };
  }

  /** Length of the data block the command line announces, or -1 when none follows. */
  private dataLength(line: TextLine, kind: CommandKind | undefined): number {
    switch (kind) {
      // memcached rejects a storage line with the wrong token count before reading any data.
      case CommandKind.Storage:
        return line.count === 5 || line.count === 6 ? line.tokenNumber(4) : -1;
      case CommandKind.Cas:
        return line.count === 6 || line.count === 7 ? line.tokenNumber(4) : -1;
      case CommandKind.MetaSet: {
        if (line.count < 2) return -1;
        const n = line.tokenNumber(2);
        return n >= 0 ? n : line.sizeFlag;
      }
      default:
        return -1;
    }
  }

  private commandData(block: DataBlock): void {
    const cmd = this.awaitingData;
    this.awaitingData = null;
    if (cmd === null) {
      this.extraClientBytes += block.bytes;
      return;
    }
    cmd.bytes += block.bytes;
    cmd.endNs = Math.max(cmd.endNs, block.endNs);
    if (block.cut === 'closed') {
      this.emit(cmd, { bytes: 0, endNs: block.endNs, status: null, error: false, problem: 'connection-closed' });
      return;
    }
    // Cut by a gap: the block's end was counted; what followed it is lost (onLoss follows).
    this.complete(cmd);
  }

  private complete(cmd: PendingCommand): void {
    if (this.uncertain && this.pending.length === 0 && this.skipReplies === 0 && this.response === null && this.replies.idle) {
      this.uncertain = false;
    }
    if (this.uncertain && cmd.problem === null) cmd.problem = 'truncated';
    if (cmd.noreply) {
      this.emit(cmd, { bytes: 0, endNs: cmd.endNs, status: null, error: false, problem: null });
      return;
    }
    this.enqueue(cmd);
  }

  private enqueue(cmd: PendingCommand): void {
    this.pending.push(cmd);
    if (this.pending.length > this.maxPending) {
      const oldest = this.pending.shift()!;
      this.emit(oldest, { bytes: 0, endNs: this.nowNs, status: null, error: true, problem: 'no-response' });
      // Its reply is still coming, ahead of the others (unless quiet mode kept it silent).
      if (!oldest.quiet) this.skipReplies++;
    }
  }

  // ---- replies --------------------------------------------------------------------------------

  private replyLine(line: TextLine): void {
    const word = line.firstTokenComplete ? line.token(0) : null;
    if (this.serverLost && this.response === null) {
      if (line.cut !== null || !isReplyWord(word)) {
        this.extraServerBytes += line.bytes;
        return;
      }
      this.serverLost = false;
    }
    const r = this.response ?? this.beginResponse(line, word);
    r.bytes += line.bytes;
    r.endNs = Math.max(r.endNs, line.endNs);
    if (line.cut !== null) {
      this.finish(r, null, cutProblem(line.cut));
      return;
    }
    switch (r.framing) {
      case Framing.Retrieval:
        if (word === 'VALUE') {
          r.rows++;
          this.expectBlock(r, line.tokenNumber(3));
          return;
        }
        this.finish(r, statusOf(word), null);
        return;
      case Framing.Stats:
        if (word === 'STAT' || word === 'ITEM' || word === 'PREFIX') return;
        this.finish(r, statusOf(word), null);
        return;
      case Framing.Metadump:
        if (word !== null && word.startsWith('key=')) return;
        this.finish(r, statusOf(word), null);
        return;
      case Framing.MetaValue:
        if (word === 'VA') {
          this.expectBlock(r, line.tokenNumber(1));
          return;
        }
        this.finish(r, statusOf(word), null);
        return;
      default:
        this.finish(r, statusOf(word), null);
    }
  }

  /** A VALUE/VA line announced a block; without a readable length the framing is lost. */
  private expectBlock(r: Response, length: number): void {
    if (length >= 0) {
      this.replies.expectData(length);
      return;
    }
    this.finish(r, null, 'unparsable');
    this.serverLoss();
  }

  /**
   * Picks the command a reply answers. Quiet meta commands ahead of it that could not have
   * received this reply were answered by silence: they are reported now.
   */
  private beginResponse(line: TextLine, word: string | null): Response {
    let cmd: PendingCommand | null = null;
    if (this.skipReplies > 0) {
      this.skipReplies--;
    } else {
      let i = 0;
      for (; i < this.pending.length; i++) {
        const p = this.pending[i]!;
        if (!p.quiet || p.name === null) break;
        if (line.opaque !== null && p.opaque !== null) {
          if (line.opaque === p.opaque) break;
        } else if (quietCommandAccepts(p.name, p.compares, word)) {
          break;
        }
      }
      for (const silent of this.pending.splice(0, i)) {
        const status = silent.name === null ? null : suppressedReply(silent.name);
        this.emit(silent, { bytes: 0, endNs: Math.max(silent.endNs, line.startNs), status, error: false, problem: silent.problem });
      }
      cmd = this.pending.shift() ?? null;
    }
    // A reply that frames itself (VALUE, VA, STAT) to a one-line command (only after a mis-pair
    // or a misbehaving server) is still read by its own framing, so its data block is skipped.
    const framing = cmd !== null ? framingOf(cmd.kind) : Framing.Single;
    const r: Response = {
      cmd,
      framing: framing === Framing.Single ? framingOfWord(word) : framing,
      bytes: 0,
      rows: 0,
      endNs: line.endNs,
    };
    this.response = r;
    return r;
  }

  private replyData(block: DataBlock): void {
    const r = this.response;
    if (r === null) {
      this.extraServerBytes += block.bytes;
      return;
    }
    r.bytes += block.bytes;
    r.endNs = Math.max(r.endNs, block.endNs);
    if (block.cut !== null) {
      this.finish(r, r.framing === Framing.MetaValue ? 'VA' : null, cutProblem(block.cut));
      return;
    }
    if (r.framing === Framing.MetaValue) this.finish(r, 'VA', null);
  }

  private finish(r: Response, status: string | null, problem: ExchangeProblem | null): void {
    this.response = null;
    const cmd = r.cmd;
    if (cmd === null) {
      this.orphans++;
      this.extraServerBytes += r.bytes;
      return;
    }
    this.emit(cmd, {
      bytes: r.bytes,
      endNs: r.endNs,
      status,
      error: isErrorReply(status),
      problem,
      ...(cmd.kind === CommandKind.Retrieval && problem === null ? { rows: r.rows } : {}),
    });
  }

  /** The server stream lost its place: replies of waiting commands may be in the lost bytes. */
  private serverLoss(): void {
    // A multi-line reply interrupted between two of its lines.
    if (this.response !== null) this.finish(this.response, null, 'truncated');
    for (const cmd of this.pending) {
      this.emit(cmd, { bytes: 0, endNs: this.nowNs, status: null, error: false, problem: 'truncated' });
    }
    this.pending.length = 0;
    this.skipReplies = 0;
    this.serverLost = true;
    this.uncertain = true;
  }

  private emit(cmd: PendingCommand, outcome: Outcome): void {
    const attributes: Attributes = { 'db.system.name': 'memcached' };
    if (cmd.operation !== null && cmd.queryText !== null) {
      attributes['db.operation.name'] = cmd.operation;
      attributes['db.query.text'] = cmd.queryText;
    }
    if (outcome.error && outcome.status !== null) attributes['db.response.status_code'] = outcome.status;
    if (outcome.rows !== undefined) attributes['db.response.returned_rows'] = outcome.rows;
    this.out.push({
      startNs: cmd.startNs,
      endNs: Math.max(cmd.startNs, cmd.endNs, outcome.endNs),
      requestBytes: cmd.bytes,
      responseBytes: outcome.bytes,
      operation: cmd.operation,
      resource: null,
      status: outcome.status,
      error: outcome.error || outcome.problem === 'no-response',
      attributes,
      problem: outcome.problem ?? cmd.problem,
    });
  }
}
