// memcached text-protocol detection from the first bytes of a stream, without allocating beyond
// one short word.
//
// The binary protocol (requests start with magic 0x80, responses with 0x81) is deliberately not
// recognised: it is deprecated upstream and MemcachedParser does not parse it, so claiming such a
// connection would only produce unparsable noise.
//
// The cheap kernel-side signature is the first four bytes as one little-endian word compared with
// a handful of constants ("get ", "gets", "set ", "dele", "incr"...), plus `m[gsdan]` followed by
// a space or CR for the meta commands.

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;

/** Commands accepted at the start of a client stream (lower-case: memcached is case-sensitive). */
const COMMANDS = new Set([
  'get', 'gets', 'gat', 'gats', 'set', 'add', 'replace', 'append', 'prepend', 'cas', 'delete', 'incr', 'decr',
  'touch', 'flush_all', 'version', 'stats', 'verbosity', 'quit', 'mg', 'ms', 'md', 'ma', 'mn', 'me',
]);
/** Storage commands: `<cmd> <key> <flags> <exptime> <bytes> [noreply]` (cas adds `<cas unique>`). */
const STORAGE = new Set(['set', 'add', 'replace', 'append', 'prepend', 'cas']);

/** Reply codes that are the whole line. */
const BARE_REPLIES = new Set(['END', 'STORED', 'NOT_STORED', 'EXISTS', 'NOT_FOUND', 'DELETED', 'TOUCHED', 'OK', 'ERROR', 'RESET', 'MN']);
/** Reply codes followed by arguments (or, for meta codes, optional flags). */
const REPLIES_WITH_ARGS = new Set(['VALUE', 'STAT', 'VERSION', 'CLIENT_ERROR', 'SERVER_ERROR', 'VA', 'ME']);
const META_CODES = new Set(['HD', 'EN', 'NF', 'NS', 'EX']);

const LONGEST_WORD = 12;

function firstWord(h: Uint8Array): { word: string; end: number } | null {
  let word = '';
  let i = 0;
  while (i < h.length && i <= LONGEST_WORD) {
    const b = h[i]!;
    if (b === SP || b === CR || b === LF) break;
    if (b < 0x21 || b > 0x7e) return null;
    word += String.fromCharCode(b);
    i++;
  }
  if (i === 0 || i > LONGEST_WORD || i >= h.length) return null;
  return { word, end: i };
}

/** Visible bytes up to the end of the first line (or of the head); the tokens of a complete line. */
function lineTokens(h: Uint8Array, from: number): { tokens: string[]; complete: boolean } | null {
  const tokens: string[] = [];
  let current = '';
  for (let i = from; i < h.length; i++) {
    const b = h[i]!;
    if (b === LF || (b === CR && (i + 1 >= h.length || h[i + 1] === LF))) {
      if (current !== '') tokens.push(current);
      return { tokens, complete: true };
    }
    if (b === SP) {
      if (current !== '') tokens.push(current);
      current = '';
      continue;
    }
    if (b < 0x21 || b === 0x7f) return null;
    if (current.length < 24) current += String.fromCharCode(b);
  }
  return { tokens, complete: false };
}

const isNumber = (s: string | undefined): boolean => s !== undefined && /^-?[0-9]+$/.test(s);

/**
 * Whether `head` starts like a memcached text command: a known lower-case command name followed
 * by a space or the line end, and, when the head holds the whole line, the arguments that
 * command needs (numbers where numbers go). Binary protocol → false.
 */
export function looksLikeMemcachedClient(head: Uint8Array): boolean {
  if (head.length < 3 || head[0] === 0x80) return false;
  const first = firstWord(head);
  if (first === null || !COMMANDS.has(first.word)) return false;
  const line = lineTokens(head, first.end);
  if (line === null) return false;
  if (!line.complete) return true;
  const args = line.tokens;
  const name = first.word;
  if (STORAGE.has(name)) {
    const need = name === 'cas' ? 5 : 4;
    if (args.length !== need && !(args.length === need + 1 && args[need] === 'noreply')) return false;
    return isNumber(args[1]) && isNumber(args[2]) && isNumber(args[3]) && (name !== 'cas' || isNumber(args[4]));
  }
  switch (name) {
    case 'get': case 'gets': case 'mg': case 'md': case 'ma': case 'me': case 'delete':
      return args.length >= 1;
    case 'gat': case 'gats':
      return args.length >= 2 && isNumber(args[0]);
    case 'ms':
      return args.length >= 2;
    case 'incr': case 'decr': case 'touch':
      return args.length >= 2 && isNumber(args[1]);
    case 'verbosity':
      return args.length >= 1 && isNumber(args[0]);
    case 'mn': case 'version': case 'quit':
      return args.length === 0;
    default: // stats [args], flush_all [delay] [noreply]
      return true;
  }
}

/**
 * Whether `head` starts like a memcached text reply: a reply code (VALUE, END, STORED, STAT,
 * ERROR..., meta VA/HD/EN/NF/NS/EX/MN/ME) followed by what that code allows, or the bare number
 * incr/decr return. Binary protocol → false.
 */
export function looksLikeMemcachedServer(head: Uint8Array): boolean {
  if (head.length < 3 || head[0] === 0x81 || head[0] === 0x80) return false;
  const first = firstWord(head);
  if (first === null) return false;
  const { word, end } = first;
  const next = head[end]!;
  const lineEnds = next === CR || next === LF;
  if (BARE_REPLIES.has(word)) return lineEnds;
  if (REPLIES_WITH_ARGS.has(word)) {
    if (next !== SP) return false;
    if (word !== 'VALUE') return true;
    // VALUE <key> <flags> <bytes> [<cas unique>]
    const line = lineTokens(head, end);
    if (line === null) return false;
    if (!line.complete) return true;
    return (line.tokens.length === 3 || line.tokens.length === 4) && isNumber(line.tokens[1]) && isNumber(line.tokens[2]);
  }
  if (META_CODES.has(word)) return lineEnds || next === SP;
  // incr/decr: the new value, possibly space-padded.
  if (/^[0-9]+$/.test(word)) {
    let i = end;
    while (i < head.length && head[i] === SP) i++;
    return i < head.length && (head[i] === CR || head[i] === LF);
  }
  return false;
}
