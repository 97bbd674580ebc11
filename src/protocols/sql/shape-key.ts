// A key under which SQL texts that differ only in their literals meet, so the summary of one
// (summarize-sql.ts) can stand for the others. pgbench, sysbench and most hand-written code send
// the same statement with new numbers and strings every time; summarising each from scratch cost
// ~2 µs of the agent's CPU per query.
//
// The key keeps every character of the text except the contents of '...' strings and the digits
// of numbers that start a token (but not with 0). It must never join two texts whose summaries differ, so it
// refuses (null) every text whose tokens it cannot read the way the lexer does: comments,
// backslashes (the dialects read them differently), dollar quoting and [bracketed] names.

const QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const BACKTICK = 0x60;
const ZERO = 0x30;
const NINE = 0x39;

/** Longest text keyed; longer ones are summarised every time (and not kept in memory). */
export const MAX_SHAPE_TEXT = 2048;

/** Characters after which a digit starts a number, never a name (`t1`), a `$1` or a `:1`. */
const NUMBER_MAY_FOLLOW = new Set([...' \t\n\r(,=<>+-*/%;!|&^~'].map((c) => c.charCodeAt(0)));

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

/** Outside strings and names, characters only the lexer can read: #, $ (but $1) and [. */
function refused(c: number, next: number): boolean {
  return c === 0x23 || c === 0x5b || (c === 0x24 && !isDigit(next));
}

/**
 * The text with string contents emptied and each leading digit run written as one `1`; null
 * when the text is too long or holds something that only the lexer can read.
 */
export function sqlShapeKey(text: string): string | null {
  const n = text.length;
  // A backslash can end a string early or late depending on the dialect, wherever it is.
  if (n > MAX_SHAPE_TEXT || text.includes('\\')) return null;
  let key = '';
  let copiedTo = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
    if (refused(c, next)) return null;
    if ((c === 0x2d && next === 0x2d) || (c === 0x2f && next === 0x2a)) return null;
    if (c === QUOTE) {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return null;
      key += text.slice(copiedTo, i + 1);
      copiedTo = close;
      i = close + 1;
      continue;
    }
    if (c === DOUBLE_QUOTE || c === BACKTICK) {
      // Names are kept whole, digits and all: "t1" and "t2" are different tables.
      const close = text.indexOf(c === DOUBLE_QUOTE ? '"' : '`', i + 1);
      if (close < 0) return null;
      i = close + 1;
      continue;
    }
    // A leading 0 may start 0x.., 0b.., 0o..: such runs are kept as written.
    if (c !== ZERO && isDigit(c) && (i === 0 || NUMBER_MAY_FOLLOW.has(text.charCodeAt(i - 1)))) {
      let end = i + 1;
      while (end < n && isDigit(text.charCodeAt(end))) end++;
      key += text.slice(copiedTo, i) + '1';
      copiedTo = end;
      i = end;
      continue;
    }
    i++;
  }
  return copiedTo === 0 ? text : key + text.slice(copiedTo);
}
