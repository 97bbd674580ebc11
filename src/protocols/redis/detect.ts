// Redis detection from the first bytes of a stream, without decoding or allocating.
//
// The cheap signature a kernel program can check on a client's first segment (5–6 bytes, fixed
// offsets, no loop): `*`, a digit 1–9, optionally a second digit, then `\r\n$` — the start of a
// RESP array of bulk strings, which is how every client library sends commands. Inline commands
// (`PING\r\n` typed into telnet, some health checks) have no such signature and are only
// recognised here, from a list of well-known command names.
//
// Server replies start with a RESP type byte: RESP2 `+ - : $ *`, RESP3 also `_ , # ! = ( % ~ > |`.
// One byte alone says little (`+OK` is also POP3), so the whole first line is checked.

const CR = 0x0d;
const LF = 0x0a;

/** Longest count or length header checked (`*1048576`): longer is not a command start. */
const MAX_DIGITS = 10;

/**
 * Command names accepted as an inline command. Upper-case, and lower-case except the names the
 * memcached text protocol shares (get, set, incr, decr, append, quit), which a lower-case inline
 * line is far more likely to be.
 */
const INLINE_COMMANDS = new Set([
  'PING', 'ECHO', 'AUTH', 'HELLO', 'INFO', 'QUIT', 'SELECT', 'GET', 'SET', 'DEL', 'EXISTS', 'INCR', 'DECR',
  'KEYS', 'SCAN', 'TYPE', 'TTL', 'EXPIRE', 'MGET', 'MSET', 'HGET', 'HSET', 'HGETALL', 'LPUSH', 'RPUSH', 'LRANGE',
  'SADD', 'SMEMBERS', 'ZADD', 'ZRANGE', 'PUBLISH', 'SUBSCRIBE', 'MONITOR', 'CONFIG', 'CLIENT', 'CLUSTER',
  'COMMAND', 'DBSIZE', 'FLUSHDB', 'FLUSHALL', 'SAVE', 'BGSAVE', 'SHUTDOWN', 'SLOWLOG', 'ROLE', 'REPLCONF',
  'PSYNC', 'SYNC', 'MULTI', 'EXEC', 'DISCARD', 'WATCH', 'EVAL', 'EVALSHA', 'SCRIPT', 'XADD', 'XREAD', 'APPEND',
]);
const SHARED_WITH_MEMCACHED = new Set(['get', 'set', 'incr', 'decr', 'append', 'quit']);
const LONGEST_INLINE = 9;

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

function isNameByte(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || isDigit(b) || b === 0x2e || b === 0x5f || b === 0x7c || b === 0x2d;
}

/**
 * Reads a RESP length header at `at` (digits, or `-1` / `?` where allowed) up to CRLF.
 * Returns the index after the LF, `n` when the bytes end inside a valid prefix, or -1.
 */
function lengthLine(h: Uint8Array, at: number, allowNull: boolean, allowStreamed: boolean): number {
  const n = h.length;
  let i = at;
  if (i < n && allowStreamed && h[i] === 0x3f) i++;
  else if (i < n && allowNull && h[i] === 0x2d) {
    if (i + 1 < n && h[i + 1] !== 0x31) return -1;
    i += 2;
  } else {
    const start = i;
    while (i < n && isDigit(h[i]!)) i++;
    if (i - start > MAX_DIGITS) return -1;
    if (i === start && i < n) return -1;
  }
  if (i >= n) return n;
  if (h[i] !== CR) return -1;
  if (i + 1 >= n) return n;
  return h[i + 1] === LF ? i + 2 : -1;
}

/**
 * Whether `head` starts like a Redis command: a RESP array of bulk strings (`*3\r\n$3\r\nSET...`)
 * or an inline command line (`PING\r\n`). Fewer than 5 bytes (`*1\r\n$`) → false.
 */
export function looksLikeRedisClient(head: Uint8Array): boolean {
  if (head.length < 5) return false;
  if (head[0] === 0x2a) return looksLikeMultibulk(head);
  return looksLikeInline(head);
}

function looksLikeMultibulk(h: Uint8Array): boolean {
  const n = h.length;
  if (h[1]! < 0x31 || h[1]! > 0x39) return false;
  const afterCount = lengthLine(h, 1, false, false);
  if (afterCount < 0 || afterCount >= n || h[afterCount] !== 0x24) return false;
  const afterLength = lengthLine(h, afterCount + 1, false, false);
  if (afterLength < 0) return false;
  if (afterLength >= n) return true;
  // The command name, as far as the head holds it, is a word.
  let length = 0;
  for (let i = afterCount + 1; h[i] !== CR; i++) length = length * 10 + (h[i]! - 0x30);
  if (length === 0 || length > 64) return false;
  const end = Math.min(n, afterLength + length);
  for (let i = afterLength; i < end; i++) if (!isNameByte(h[i]!)) return false;
  return true;
}

function looksLikeInline(h: Uint8Array): boolean {
  const n = h.length;
  let i = 0;
  let word = '';
  while (i < n && i <= LONGEST_INLINE && isNameByte(h[i]!)) word += String.fromCharCode(h[i++]!);
  if (i === 0 || i > LONGEST_INLINE || i >= n) return false;
  const next = h[i]!;
  if (next !== 0x20 && next !== CR && next !== LF) return false;
  const upper = word.toUpperCase();
  if (!INLINE_COMMANDS.has(upper)) return false;
  if (word !== upper && (word !== word.toLowerCase() || SHARED_WITH_MEMCACHED.has(word))) return false;
  // "GET / HTTP/1.1" is a valid inline GET too; leave it to HTTP.
  for (let k = i; k + 5 <= n && h[k] !== LF; k++) {
    if (h[k] === 0x48 && h[k + 1] === 0x54 && h[k + 2] === 0x54 && h[k + 3] === 0x50 && h[k + 4] === 0x2f) return false;
  }
  return true;
}

/** The first line of a reply: simple strings and errors are visible text up to CRLF. */
function textLine(h: Uint8Array, at: number): boolean {
  const n = h.length;
  for (let i = at; i < n; i++) {
    const b = h[i]!;
    if (b === CR) return i + 1 >= n || h[i + 1] === LF;
    if (b < 0x20 && b !== 0x09) return false;
  }
  // No CRLF in the head: accept only a long visible run, not a stray few bytes.
  return n - at >= 64;
}

/** Longest number line checked: RESP3 big numbers run past 40 digits. */
const MAX_NUMBER_LINE = 200;

function numberLine(h: Uint8Array, at: number, chars: (b: number) => boolean): boolean {
  const n = h.length;
  let i = at;
  while (i < n && i - at <= MAX_NUMBER_LINE && chars(h[i]!)) i++;
  if (i === at || i >= n || i - at > MAX_NUMBER_LINE) return false;
  return h[i] === CR && (i + 1 >= n || h[i + 1] === LF);
}

const isInteger = (b: number): boolean => isDigit(b) || b === 0x2d || b === 0x2b;
const isDouble = (b: number): boolean =>
  isInteger(b) || b === 0x2e || b === 0x65 || b === 0x45 || b === 0x69 || b === 0x6e || b === 0x66 || b === 0x61;

const TYPE_BYTES = new Set(Array.from('+-:$*_,#!=(%~>|', (c) => c.charCodeAt(0)));

/**
 * Whether `head` starts like a Redis reply: a RESP2/RESP3 type byte and a well-formed first line
 * (for aggregates, also the next element's type byte when the head holds it). Needs the first
 * line's CRLF, except for a simple string or error of 64+ visible bytes.
 */
export function looksLikeRedisServer(head: Uint8Array): boolean {
  const n = head.length;
  if (n < 3) return false;
  const t = head[0]!;
  switch (t) {
    case 0x2b: // +
      return textLine(head, 1);
    case 0x2d: // - : errors start with an upper-case code (ERR, WRONGTYPE, MOVED...)
      return head[1]! >= 0x41 && head[1]! <= 0x5a && textLine(head, 1);
    case 0x3a: case 0x28: // : (
      return numberLine(head, 1, isInteger);
    case 0x2c: // ,
      return numberLine(head, 1, isDouble);
    case 0x5f: // _
      return head[1] === CR && head[2] === LF;
    case 0x23: // #
      return (head[1] === 0x74 || head[1] === 0x66) && head[2] === CR && (n < 4 || head[3] === LF);
    case 0x24: case 0x21: case 0x3d: { // $ ! =
      const end = lengthLine(head, 1, t === 0x24, t === 0x24);
      return end > 0 && (end < n || head[n - 1] === LF);
    }
    case 0x2a: case 0x25: case 0x7e: case 0x3e: case 0x7c: { // * % ~ > |
      const end = lengthLine(head, 1, t === 0x2a, t !== 0x3e);
      if (end <= 0 || (end >= n && head[n - 1] !== LF)) return false;
      const empty = head[1] === 0x30 || head[1] === 0x2d;
      return end >= n || empty || TYPE_BYTES.has(head[end]!);
    }
    default:
      return false;
  }
}
