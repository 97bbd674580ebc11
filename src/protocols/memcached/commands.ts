// What each memcached text-protocol command expects: a data block after its line, which reply
// shape, whether `noreply` applies. Command names are lower-case and case-sensitive in memcached.

export const enum CommandKind {
  /** set/add/replace/append/prepend <key> <flags> <exptime> <bytes> [noreply] + data block. */
  Storage,
  /** cas <key> <flags> <exptime> <bytes> <cas unique> [noreply] + data block. */
  Cas,
  /** get/gets <key>*, gat/gats <exptime> <key>*: VALUE blocks, then END. */
  Retrieval,
  /** stats [args]: STAT (ITEM, PREFIX) lines, then END — or one line (RESET, OK, an error). */
  Stats,
  /** lru_crawler metadump (told apart by its subcommand): `key=...` lines, then END. */
  Metadump,
  /** delete/incr/decr/touch/flush_all/verbosity: one line, `noreply` allowed. */
  NoreplyCapable,
  /** mg/ma: `VA <size>` + data block, or one line. */
  MetaWithValue,
  /** ms <key> <datalen> <flags>* + data block: one line. */
  MetaSet,
  /** md, mn, me: one line. */
  MetaLine,
  /** quit: the server closes without a reply. */
  Quit,
  /** Anything else memcached knows (version, watch, slabs...): one line. */
  Other,
}

const KINDS: ReadonlyMap<string, CommandKind> = new Map([
  ['set', CommandKind.Storage], ['add', CommandKind.Storage], ['replace', CommandKind.Storage],
  ['append', CommandKind.Storage], ['prepend', CommandKind.Storage], ['cas', CommandKind.Cas],
  ['get', CommandKind.Retrieval], ['gets', CommandKind.Retrieval], ['gat', CommandKind.Retrieval], ['gats', CommandKind.Retrieval],
  ['stats', CommandKind.Stats], ['lru_crawler', CommandKind.Other],
  ['delete', CommandKind.NoreplyCapable], ['incr', CommandKind.NoreplyCapable], ['decr', CommandKind.NoreplyCapable],
  ['touch', CommandKind.NoreplyCapable], ['flush_all', CommandKind.NoreplyCapable], ['verbosity', CommandKind.NoreplyCapable],
  ['mg', CommandKind.MetaWithValue], ['ma', CommandKind.MetaWithValue], ['ms', CommandKind.MetaSet],
  ['md', CommandKind.MetaLine], ['mn', CommandKind.MetaLine], ['me', CommandKind.MetaLine],
  ['quit', CommandKind.Quit],
  ['version', CommandKind.Other], ['watch', CommandKind.Other], ['slabs', CommandKind.Other], ['lru', CommandKind.Other],
  ['cache_memlimit', CommandKind.Other], ['shutdown', CommandKind.Other], ['misbehave', CommandKind.Other],
  ['debugtime', CommandKind.Other], ['extstore', CommandKind.Other],
]);

/** Beyond this many `?` the query text ends in `...`: a 1000-key multi-get must not make a 2 KB string. */
export const MAX_PLACEHOLDERS = 32;

/** The kind of a known command, undefined for a word memcached does not know. */
export function commandKind(name: string | null): CommandKind | undefined {
  return name === null ? undefined : KINDS.get(name);
}

export function isKnownCommand(name: string | null): boolean {
  return commandKind(name) !== undefined;
}

/** `set ? ? ? ?`: the command as sent, each of its `args` arguments replaced by `?`. */
export function queryText(name: string, args: number): string {
  let text = name;
  const shown = Math.min(Math.max(0, args), MAX_PLACEHOLDERS);
  for (let i = 0; i < shown; i++) text += ' ?';
  if (args > shown) text += ' ...';
  return text;
}

/** Reply codes a quiet (`q`) meta command can still get: everything but its nominal code. */
const QUIET_REPLIES: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['mg', new Set(['VA', 'HD'])],
  ['ms', new Set(['NS', 'EX', 'NF'])],
  ['md', new Set(['NF', 'EX'])],
  ['ma', new Set(['VA', 'NF', 'NS', 'EX'])],
]);

/** The reply a quiet meta command gets when its outcome is nominal — and which is then not sent. */
const SUPPRESSED: ReadonlyMap<string, string> = new Map([['mg', 'EN'], ['ms', 'HD'], ['md', 'HD'], ['ma', 'HD']]);

export function suppressedReply(name: string): string | null {
  return SUPPRESSED.get(name) ?? null;
}

const ERRORS = new Set(['ERROR', 'CLIENT_ERROR', 'SERVER_ERROR']);

export function isErrorReply(code: string | null): boolean {
  return code !== null && ERRORS.has(code);
}

/**
 * Whether a reply starting with `code` can answer the quiet command `name`; `compares`: the
 * command carried a `C` (compare CAS) flag, without which `EX` cannot happen.
 */
export function quietCommandAccepts(name: string, compares: boolean, code: string | null): boolean {
  if (isErrorReply(code)) return true;
  if (code === 'EX' && !compares) return false;
  return code !== null && (QUIET_REPLIES.get(name)?.has(code) ?? false);
}

/** First words of server lines: what a reply can start with (used to resynchronise). */
const REPLY_WORDS = new Set([
  'VALUE', 'END', 'STORED', 'NOT_STORED', 'EXISTS', 'NOT_FOUND', 'DELETED', 'TOUCHED', 'OK', 'ERROR', 'CLIENT_ERROR',
  'SERVER_ERROR', 'STAT', 'VERSION', 'RESET', 'BUSY', 'BADCLASS', 'NOSPARE', 'NOTFULL', 'UNSAFE', 'SAME',
  'VA', 'HD', 'EN', 'NF', 'NS', 'EX', 'MN', 'ME',
]);

export function isReplyWord(word: string | null): boolean {
  return word !== null && REPLY_WORDS.has(word);
}
