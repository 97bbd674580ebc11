// What the start of a packet looks like, per kind of packet, judged from a header at `at` and as
// many following bytes as there are. Shared by connection-start detection and by the framers'
// resynchronisation. WAIT means the bytes stop before the packet can be judged.

import { CLIENT_PROTOCOL_41, COM_BINLOG_DUMP, COM_BINLOG_DUMP_GTID, COM_CHANGE_USER, COM_FIELD_LIST, COM_INIT_DB,
  COM_PING, COM_QUERY, COM_QUIT, COM_RESET_CONNECTION, COM_SET_OPTION, COM_STATISTICS, COM_STMT_BULK_EXECUTE,
  COM_STMT_CLOSE, COM_STMT_EXECUTE, COM_STMT_FETCH, COM_STMT_PREPARE, COM_STMT_RESET, COM_STMT_SEND_LONG_DATA,
  COM_PROCESS_INFO, MAX_PACKET_PAYLOAD } from './constants.js';
import { ACCEPT, REJECT, WAIT, type Verdict } from './framer.js';

export function payloadLength(buf: Uint8Array, at: number): number {
  return buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16);
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

/** Bytes SQL text can start with: letters, whitespace, '(' (subquery), comments, '{' (ODBC escape). */
function isSqlStart(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || isSpace(b) ||
    b === 0x28 || b === 0x2f || b === 0x2d || b === 0x23 || b === 0x7b;
}

/** SQL text (or a schema name): no control bytes besides whitespace. UTF-8 bytes pass. */
function looksLikeText(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = buf[i]!;
    if ((b < 0x20 && !isSpace(b)) || b === 0x7f) return false;
  }
  return true;
}

/** Bytes of SQL text checked when judging a COM_QUERY / COM_STMT_PREPARE. */
const TEXT_PROBE = 32;

/** A command packet: sequence id 0, a command byte, a length that command can have. */
export function commandVerdict(buf: Uint8Array, at: number): Verdict {
  const avail = buf.length - at;
  if (avail < 5) return WAIT;
  if (buf[at + 3] !== 0) return REJECT;
  const len = payloadLength(buf, at);
  if (len === 0) return REJECT;
  const p = at + 4;
  const cmd = buf[p]!;
  switch (cmd) {
    case COM_QUIT: case COM_PING: case COM_RESET_CONNECTION: case COM_STATISTICS: case COM_PROCESS_INFO:
      return len === 1 ? ACCEPT : REJECT;
    case COM_STMT_CLOSE: case COM_STMT_RESET: case 0x0c /* COM_PROCESS_KILL */:
      return len === 5 ? ACCEPT : REJECT;
    case COM_STMT_FETCH:
      return len === 9 ? ACCEPT : REJECT;
    case COM_SET_OPTION:
      if (len !== 3) return REJECT;
      if (avail < 7) return WAIT;
      return buf[p + 1]! <= 1 && buf[p + 2] === 0 ? ACCEPT : REJECT;
    case COM_INIT_DB: {
      if (len < 2 || len > 257) return REJECT;
      const end = Math.min(buf.length, p + len);
      if (end <= p + 1) return WAIT;
      return looksLikeText(buf, p + 1, end) && buf[p + 1] !== 0x20 ? ACCEPT : REJECT;
    }
    case COM_QUERY: case COM_STMT_PREPARE: {
      if (len < 2 || len > MAX_PACKET_PAYLOAD) return REJECT;
      if (avail < 6) return WAIT;
      const b1 = buf[p + 1]!;
      if (cmd === COM_QUERY && b1 < 0x20 && !isSpace(b1)) {
        // Query attributes prefix: parameter count, then parameter set count 1.
        if (len < 3) return REJECT;
        if (avail < 7) return WAIT;
        return buf[p + 2] === 1 ? ACCEPT : REJECT;
      }
      if (!isSqlStart(b1)) return REJECT;
      const end = Math.min(buf.length, p + len, p + 1 + TEXT_PROBE);
      return looksLikeText(buf, p + 1, end) ? ACCEPT : REJECT;
    }
    case COM_STMT_EXECUTE: {
      if (len < 10) return REJECT;
      if (avail < 14) return WAIT;
      const flags = buf[p + 5]!;
      const iterations = buf[p + 6]! | (buf[p + 7]! << 8) | (buf[p + 8]! << 16) | (buf[p + 9]! << 24);
      return flags <= 0x0f && iterations === 1 ? ACCEPT : REJECT;
    }
    case COM_STMT_BULK_EXECUTE: case COM_STMT_SEND_LONG_DATA:
      return len >= 7 ? ACCEPT : REJECT;
    case COM_FIELD_LIST: case COM_CHANGE_USER:
      return len >= 2 ? ACCEPT : REJECT;
    case COM_BINLOG_DUMP: case COM_BINLOG_DUMP_GTID:
      return len >= 11 ? ACCEPT : REJECT;
    default:
      return REJECT;
  }
}

/** HandshakeResponse41 or SSLRequest: sequence id 1, CLIENT_PROTOCOL_41, zero filler. */
export function handshakeResponseVerdict(buf: Uint8Array, at: number): Verdict {
  const avail = buf.length - at;
  if (avail < 4) return WAIT;
  if (buf[at + 3] !== 1) return REJECT;
  const len = payloadLength(buf, at);
  if (len < 32 || len > 0xffff) return REJECT;
  if (avail < 4 + 32) return WAIT;
  const p = at + 4;
  const capabilities = buf[p]! | (buf[p + 1]! << 8);
  if ((capabilities & CLIENT_PROTOCOL_41) === 0) return REJECT;
  // 23 reserved bytes after capabilities, max packet size and character set; MariaDB uses the
  // last 4 for its extended capabilities, so only the first 19 must be zero.
  for (let i = p + 9; i < p + 28; i++) if (buf[i] !== 0) return REJECT;
  return ACCEPT;
}

/** Versions are short ("8.0.36", "5.5.5-10.11.19-MariaDB-0+deb12u1"); longer is not a greeting. */
const MAX_VERSION_LENGTH = 80;

/** HandshakeV10: sequence id 0, protocol version 10, printable version string starting with a digit. */
export function greetingVerdict(buf: Uint8Array, at: number): Verdict {
  const avail = buf.length - at;
  if (avail < 6) return WAIT;
  if (buf[at + 3] !== 0 || buf[at + 4] !== 0x0a) return REJECT;
  const len = payloadLength(buf, at);
  if (len < 20 || len > 0xffff) return REJECT;
  const v = at + 5;
  const first = buf[v]!;
  if (first < 0x30 || first > 0x39) return REJECT;
  const end = Math.min(buf.length, v + MAX_VERSION_LENGTH, at + 4 + len);
  for (let i = v + 1; i < end; i++) {
    const b = buf[i]!;
    if (b === 0) return i - v >= 3 ? ACCEPT : REJECT;
    if (b < 0x20 || b > 0x7e) return REJECT;
  }
  return end === buf.length ? WAIT : REJECT;
}

/**
 * The first packet of a response: OK, ERR, EOF, LOCAL INFILE request or column count, with
 * sequence id `seq` (1, unless the command took several packets).
 */
export function responseStartVerdict(buf: Uint8Array, at: number, seq = 1): Verdict {
  const avail = buf.length - at;
  if (avail < 5) return WAIT;
  if (buf[at + 3] !== seq) return REJECT;
  const len = payloadLength(buf, at);
  if (len === 0) return REJECT;
  const p = at + 4;
  const b0 = buf[p]!;
  if (b0 === 0x00) return len >= 7 && len <= 0xffff ? ACCEPT : REJECT;
  if (b0 === 0xff) {
    if (len < 3 || len > 0xffff) return REJECT;
    if (len < 9) return ACCEPT;
    if (avail < 8) return WAIT;
    return buf[p + 3] === 0x23 ? ACCEPT : REJECT;
  }
  if (b0 === 0xfe) return len <= 0xffff ? ACCEPT : REJECT;
  if (b0 === 0xfb) return len >= 2 && len <= 4096 ? ACCEPT : REJECT;
  if (b0 < 0xfb) {
    if (len === 1) return ACCEPT;
    if (len !== 2) return REJECT;
    if (avail < 6) return WAIT;
    return buf[p + 1]! <= 1 ? ACCEPT : REJECT;
  }
  return REJECT;
}
