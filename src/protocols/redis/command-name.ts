// What a Redis command is called in telemetry: its name upper-cased, plus the subcommand for the
// container commands whose subcommands are separate commands (`CLIENT SETNAME`, `CONFIG GET`),
// and a query text with every argument replaced by `?` (keys and values are user data).

/** Commands whose first argument names a subcommand (Redis 7 "container" commands). */
const CONTAINERS = new Set([
  'ACL', 'CLIENT', 'CLUSTER', 'COMMAND', 'CONFIG', 'FUNCTION', 'LATENCY', 'MEMORY', 'MODULE', 'OBJECT',
  'PUBSUB', 'SCRIPT', 'SENTINEL', 'SLOWLOG', 'XGROUP', 'XINFO',
]);

/** Whether `name` (upper-case) is a command whose first argument names a subcommand. */
export function isContainer(name: string): boolean {
  return CONTAINERS.has(name);
}

/** Beyond this many `?` the query text ends in `...`: MSET with 10k pairs must not make a 20 KB string. */
export const MAX_PLACEHOLDERS = 32;
const MAX_NAME = 40;

export interface CommandName {
  /** `GET`, `CLIENT SETNAME`; null when the name is not a plausible command name. */
  operation: string | null;
  /** `SET ? ?`; null with the operation. */
  queryText: string | null;
}

/**
 * A word Redis could have as a command or subcommand name: letters, digits and the `._|-:`
 * module commands use (`JSON.SET`, `FT.SEARCH`). Anything else is not reported: it would be a
 * user's bytes, not a verb.
 */
function isName(word: string): boolean {
  if (word.length === 0 || word.length > MAX_NAME) return false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) ||
      c === 0x2e || c === 0x5f || c === 0x7c || c === 0x2d || c === 0x3a;
    if (!ok) return false;
  }
  return true;
}

/**
 * `name` and `sub` are the command's first two words as sent (either may be null when not
 * captured); `args` is how many words follow the name.
 */
export function commandName(name: string | null, sub: string | null, args: number): CommandName {
  if (name === null || !isName(name)) return { operation: null, queryText: null };
  let operation = name.toUpperCase();
  let placeholders = Math.max(0, args);
  if (CONTAINERS.has(operation) && sub !== null && isName(sub) && args > 0) {
    operation += ' ' + sub.toUpperCase();
    placeholders--;
  }
  let queryText = operation;
  const shown = Math.min(placeholders, MAX_PLACEHOLDERS);
  for (let i = 0; i < shown; i++) queryText += ' ?';
  if (placeholders > shown) queryText += ' ...';
  return { operation, queryText };
}

/**
 * The prefix of an error reply (`ERR`, `WRONGTYPE`, `MOVED`): its first word when that is an
 * upper-case code, as Redis errors are; `ERR` (the generic code) otherwise, so free text never
 * becomes a status.
 */
export function errorPrefix(message: string | null): string {
  if (message === null) return 'ERR';
  let end = message.indexOf(' ');
  if (end < 0) end = message.length;
  if (end === 0 || end > 32) return 'ERR';
  for (let i = 0; i < end; i++) {
    const c = message.charCodeAt(i);
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39 && i > 0) || (c === 0x5f && i > 0);
    if (!ok) return 'ERR';
  }
  return message.slice(0, end);
}
