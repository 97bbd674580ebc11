// Reading the few fields the parser keeps out of message bodies. Bodies may be a prefix of the
// message (capture gaps, the parser's own size cap): every reader copes with a missing end.

import { cstringEnd, readInt32 } from './wire.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A NUL-terminated string; `cut` when the body ended before its NUL. */
export interface CString {
  text: string;
  /** Offset after the NUL; the body's length when cut. */
  next: number;
  cut: boolean;
}

/** Longest name (statement, portal, user, database) kept; the server truncates at 63 bytes. */
const MAX_NAME_BYTES = 256;

export function readCString(body: Uint8Array, at: number, maxBytes = Number.MAX_SAFE_INTEGER): CString {
  const start = Math.min(at, body.length);
  const end = cstringEnd(body, start, body.length);
  const stop = end < 0 ? body.length : end - 1;
  return { text: text(body, start, Math.min(stop, start + maxBytes)), next: end < 0 ? body.length : end, cut: end < 0 };
}

/** UTF-8 text; short ASCII (names, tags, codes) without the decoder's overhead. */
function text(body: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let s = '';
    for (let i = start; i < end; i++) {
      const b = body[i]!;
      if (b >= 0x80) return utf8.decode(body.subarray(start, end));
      s += String.fromCharCode(b);
    }
    return s;
  }
  return utf8.decode(body.subarray(start, end));
}

function readName(body: Uint8Array, at: number): CString {
  return readCString(body, at, MAX_NAME_BYTES);
}

/** `user` and `database` of a StartupMessage body (which starts with the protocol code). */
export function startupIdentity(body: Uint8Array): { user: string | null; database: string | null } {
  let user: string | null = null;
  let database: string | null = null;
  let o = 4;
  while (o < body.length && body[o] !== 0) {
    const key = readName(body, o);
    const value = readName(body, key.next);
    if (key.cut || value.cut) break;
    if (key.text === 'user') user = value.text;
    else if (key.text === 'database') database = value.text;
    o = value.next;
  }
  return { user, database: database ?? user };
}

/** The SQLSTATE (`C` field) of an ErrorResponse; the message text is never read. */
export function errorCode(body: Uint8Array): string | null {
  let o = 0;
  while (o < body.length && body[o] !== 0) {
    const field = body[o]!;
    const value = readCString(body, o + 1, 16);
    if (value.cut) return null;
    if (field === 0x43 && /^[0-9A-Z]{5}$/.test(value.text)) return value.text;
    o = value.next;
  }
  return null;
}

/** Commands whose tag ends in the number of rows they returned or touched. */
const COUNTED = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'FETCH', 'COPY']);

/** Row count of a CommandComplete tag (`SELECT 5`, `INSERT 0 1`), null when it has none. */
export function commandTagRows(body: Uint8Array): number | null {
  const tag = readCString(body, 0, 64);
  if (tag.cut) return null;
  const words = tag.text.split(' ');
  const last = words[words.length - 1]!;
  if (words.length < 2 || !COUNTED.has(words[0]!) || !/^[0-9]{1,15}$/.test(last)) return null;
  return Number(last);
}

/** Parse: statement name and SQL. */
export function parseMessage(body: Uint8Array): { statement: string; sql: string; sqlCut: boolean } {
  const name = readName(body, 0);
  const sql = readCString(body, name.next);
  return { statement: name.text, sql: sql.text, sqlCut: name.cut || sql.cut };
}

/** Bind: destination portal and source statement. */
export function bindMessage(body: Uint8Array): { portal: string; statement: string } {
  const portal = readName(body, 0);
  return { portal: portal.text, statement: readName(body, portal.next).text };
}

/** Execute: portal name and row limit (0: no limit). */
export function executeMessage(body: Uint8Array): { portal: string; maxRows: number } {
  const portal = readName(body, 0);
  const maxRows = portal.next + 4 <= body.length ? readInt32(body, portal.next) : 0;
  return { portal: portal.text, maxRows };
}

/** Describe or Close: whether it names a statement (`S`) or a portal (`P`), and the name. */
export function targetMessage(body: Uint8Array): { what: 'statement' | 'portal'; name: string } {
  return { what: body[0] === 0x53 ? 'statement' : 'portal', name: readName(body, 1).text };
}

/** Simple Query: the SQL text. */
export function queryMessage(body: Uint8Array): { sql: string; sqlCut: boolean } {
  const sql = readCString(body, 0);
  return { sql: sql.text, sqlCut: sql.cut };
}
