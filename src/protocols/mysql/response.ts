// Follows the server's packets answering one command, to know where the response ends and what
// it said. The shape depends on the command: a result set (possibly several), a prepared
// statement's metadata, one status packet, a stream... Whether EOF packets are sent (the
// CLIENT_DEPRECATE_EOF capability) is read from the packets themselves where they tell: a classic
// EOF is 5 bytes, an OK with the 0xfe header is at least 7, and a row right after the column
// definitions means no EOF is sent.

import {
  COM_BINLOG_DUMP, COM_BINLOG_DUMP_GTID, COM_CHANGE_USER, COM_FIELD_LIST, COM_PROCESS_INFO, COM_QUERY, COM_QUIT,
  COM_STMT_BULK_EXECUTE, COM_STMT_CLOSE, COM_STMT_EXECUTE, COM_STMT_FETCH, COM_STMT_PREPARE, COM_STMT_SEND_LONG_DATA,
  MAX_PACKET_PAYLOAD, SERVER_MORE_RESULTS_EXISTS, SERVER_STATUS_CURSOR_EXISTS,
} from './constants.js';
import type { Packet } from './framer.js';
import {
  PROGRESS_REPORT_CODE, eofStatus, isColumnDefinition, parseColumnCount, parseErr, parseOk, parsePrepareOk,
  type ErrPacket, type PrepareOk,
} from './packets.js';

export type ResponseKind =
  /** OK, ERR, LOCAL INFILE request or result sets (COM_QUERY, COM_STMT_EXECUTE). */
  | 'results'
  /** STMT_PREPARE_OK and parameter / column definitions. */
  | 'prepare'
  /** Column definitions until EOF (COM_FIELD_LIST). */
  | 'fields'
  /** Rows until EOF (COM_STMT_FETCH). */
  | 'rows'
  /** Events until EOF or ERR (binlog dump). */
  | 'stream'
  /** Authentication round trips until OK or ERR (COM_CHANGE_USER). */
  | 'auth'
  /** One packet. */
  | 'single';

/** How the server answers `command`; null when it does not answer. */
export function responseKindOf(command: number): ResponseKind | null {
  switch (command) {
    case COM_QUIT: case COM_STMT_CLOSE: case COM_STMT_SEND_LONG_DATA: return null;
    case COM_QUERY: case COM_STMT_EXECUTE: case COM_STMT_BULK_EXECUTE: case COM_PROCESS_INFO: return 'results';
    case COM_STMT_PREPARE: return 'prepare';
    case COM_FIELD_LIST: return 'fields';
    case COM_STMT_FETCH: return 'rows';
    case COM_BINLOG_DUMP: case COM_BINLOG_DUMP_GTID: return 'stream';
    case COM_CHANGE_USER: return 'auth';
    default: return 'single';
  }
}

/** What the connection knows about EOF packets, shared by all responses and updated by them. */
export interface EofKnowledge {
  deprecateEof: boolean | null;
}

export const MORE = 0;
export const DONE = 1;
/** The response had already ended where only an optional packet could follow; this one is the next response's. */
export const NOT_MINE = 2;
export type PushResult = typeof MORE | typeof DONE | typeof NOT_MINE;

type State =
  | 'first' | 'columns' | 'afterColumns' | 'rows' | 'definitions' | 'trailer' | 'until-eof' | 'lost' | 'done';

/** An EOF packet or an OK packet with the 0xfe header (a row starting with 0xfe is 16 MiB long). */
function isFeTerminator(p: Packet): boolean {
  return p.payload[0] === 0xfe && p.length < MAX_PACKET_PAYLOAD;
}

/** Classic EOF: 0xfe, warnings, status flags (5 bytes; 1 before protocol 4.1). */
function isClassicEof(p: Packet): boolean {
  return p.payload[0] === 0xfe && p.length < 7;
}

export class ResponseReader {
  private state: State;
  private columnsLeft = 0;
  private definitionsLeft = 0;
  private eofsSeen = 0;
  private eofsExpected = 0;
  private lastWasDefinition = false;
  /** Packets were received (the response started). */
  started = false;
  rows = 0;
  /** Some packets were lost (resynchronised in the middle): the row count is a lower bound. */
  lostPackets = false;
  sawResultSet = false;
  affectedRows: number | null = null;
  err: ErrPacket | null = null;
  prepareOk: PrepareOk | null = null;
  /** New default schema announced by session state tracking. */
  schema: string | null = null;
  /** The server asked for a local file (LOAD DATA LOCAL INFILE): client data packets follow. */
  localInfile = false;
  /** Packets that do not fit the protocol were seen. */
  unparsable = false;

  constructor(readonly kind: ResponseKind) {
    this.state = kind === 'rows' ? 'rows' : kind === 'fields' ? 'until-eof' : 'first';
    if (kind === 'rows') this.sawResultSet = true;
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** Complete unless an optional trailing packet comes (EOF after prepared-statement metadata). */
  get mayEnd(): boolean {
    return this.state === 'done' || this.state === 'trailer';
  }

  /** Framing was lost in the middle of this response: read on by the packets' shapes alone. */
  lose(): void {
    if (this.state === 'done') return;
    this.lostPackets = true;
    if (this.kind === 'results' || this.kind === 'rows') this.state = 'lost';
  }

  push(p: Packet, eof: EofKnowledge): PushResult {
    if (this.state === 'done') return NOT_MINE;
    if (this.state === 'trailer') {
      if (!isClassicEof(p)) {
        this.state = 'done';
        return NOT_MINE;
      }
      this.started = true;
      eof.deprecateEof = false;
      this.eofsSeen++;
      if (this.eofsSeen >= this.eofsExpected) this.state = 'done';
      return this.state === 'done' ? DONE : MORE;
    }
    this.started = true;
    if (p.payload.length === 0) {
      // A packet whose payload was lost to the capture (or is empty): nothing to read.
      if (p.length === 0) this.unparsable = true;
      return MORE;
    }
    const b0 = p.payload[0]!;
    // Neither rows (lenenc strings, binary rows start 0x00) nor definitions start with 0xff.
    if (b0 === 0xff && p.length < MAX_PACKET_PAYLOAD) {
      const err = parseErr(p.payload);
      if (err !== null && err.code === PROGRESS_REPORT_CODE) return MORE;
      this.err = err ?? { code: 0, sqlState: null };
      this.state = 'done';
      return DONE;
    }
    switch (this.kind) {
      case 'results': case 'rows': return this.pushResults(p, b0, eof);
      case 'prepare': return this.pushPrepare(p, b0, eof);
      case 'fields': case 'stream': return this.finishWhen(isClassicEof(p));
      case 'auth': return this.finishWhen(b0 === 0x00 && this.readOk(p));
      case 'single':
        if (b0 === 0x00) this.readOk(p);
        return this.finishWhen(true);
    }
  }

  private finishWhen(condition: boolean): PushResult {
    if (!condition) return MORE;
    this.state = 'done';
    return DONE;
  }

  private readOk(p: Packet): boolean {
    const ok = parseOk(p.payload);
    if (ok === null) return true;
    this.affectedRows = (this.affectedRows ?? 0) + ok.affectedRows;
    if (ok.schema !== null) this.schema = ok.schema;
    return true;
  }

  /** End of one result (OK or EOF): another follows when the server says so. */
  private endResult(status: number): PushResult {
    if ((status & SERVER_MORE_RESULTS_EXISTS) !== 0) {
      this.state = 'first';
      return MORE;
    }
    this.state = 'done';
    return DONE;
  }

  private terminatorStatus(p: Packet): number {
    if (isClassicEof(p)) return eofStatus(p.payload);
    const ok = parseOk(p.payload);
    if (ok === null) return 0;
    if (ok.schema !== null) this.schema = ok.schema;
    return ok.status;
  }

  private pushResults(p: Packet, b0: number, eof: EofKnowledge): PushResult {
    switch (this.state) {
      case 'first': {
        if (b0 === 0x00) {
          const ok = parseOk(p.payload);
          if (ok === null) return this.finishWhen(true);
          this.affectedRows = (this.affectedRows ?? 0) + ok.affectedRows;
          if (ok.schema !== null) this.schema = ok.schema;
          return this.endResult(ok.status);
        }
        if (b0 === 0xfb) {
          this.localInfile = true;
          return MORE;
        }
        if (isFeTerminator(p)) return this.endResult(this.terminatorStatus(p));
        const count = parseColumnCount(p.payload);
        if (count === null) {
          this.unparsable = true;
          this.lostPackets = true;
          this.state = 'lost';
          return MORE;
        }
        this.sawResultSet = true;
        this.columnsLeft = count.metadataFollows ? count.count : 0;
        this.state = this.columnsLeft > 0 ? 'columns' : 'afterColumns';
        return MORE;
      }
      case 'columns':
        if (!isColumnDefinition(p.payload) && !p.lost) this.unparsable = true;
        this.columnsLeft--;
        if (this.columnsLeft === 0) this.state = 'afterColumns';
        return MORE;
      case 'afterColumns':
        if (isFeTerminator(p)) {
          if (isClassicEof(p)) {
            eof.deprecateEof = false;
            const status = eofStatus(p.payload);
            // A cursor was opened (COM_STMT_EXECUTE with a cursor type): rows come with COM_STMT_FETCH.
            if ((status & SERVER_STATUS_CURSOR_EXISTS) !== 0) return this.endResult(status);
            this.state = 'rows';
            return MORE;
          }
          eof.deprecateEof = true;
          return this.endResult(this.terminatorStatus(p));
        }
        eof.deprecateEof = true;
        this.rows++;
        this.state = 'rows';
        return MORE;
      case 'rows':
        if (isFeTerminator(p)) return this.endResult(this.terminatorStatus(p));
        this.rows++;
        return MORE;
      case 'lost': {
        const definition = isColumnDefinition(p.payload);
        if (isFeTerminator(p) && !(this.lastWasDefinition && isClassicEof(p))) {
          this.lastWasDefinition = false;
          return this.endResult(this.terminatorStatus(p));
        }
        this.lastWasDefinition = definition;
        return MORE;
      }
      default:
        return MORE;
    }
  }

  private pushPrepare(p: Packet, b0: number, eof: EofKnowledge): PushResult {
    if (this.state === 'first') {
      const ok = b0 === 0x00 ? parsePrepareOk(p.payload) : null;
      if (ok === null) {
        this.unparsable = true;
        return this.finishWhen(true);
      }
      this.prepareOk = ok;
      this.definitionsLeft = ok.params + ok.columns;
      this.eofsExpected = (ok.params > 0 ? 1 : 0) + (ok.columns > 0 ? 1 : 0);
      this.state = 'definitions';
      return this.afterDefinition(eof);
    }
    if (isClassicEof(p)) {
      eof.deprecateEof = false;
      this.eofsSeen++;
    } else if (this.definitionsLeft > 0) {
      this.definitionsLeft--;
    } else {
      this.unparsable = true;
    }
    return this.afterDefinition(eof);
  }

  private afterDefinition(eof: EofKnowledge): PushResult {
    if (this.definitionsLeft > 0) return MORE;
    if (eof.deprecateEof === true || this.eofsSeen >= this.eofsExpected) return this.finishWhen(true);
    // Without EOF packets it ends here; with them one more comes. When it is not known which,
    // the next packet decides (or the next command, or the end of the connection).
    this.state = 'trailer';
    return MORE;
  }
}
