// A forgiving SQL tokenizer for summaries, not a parser: it only needs to tell literals,
// identifiers, comments and punctuation apart, in one pass, whatever the dialect. Every character
// is looked at a bounded number of times (closing quotes and comment ends are found by scanning
// forward once), so the cost is linear in the text whatever it holds.
//
// Dialects disagree about a backslash in '...': MySQL reads it as an escape, PostgreSQL (with
// standard_conforming_strings, the default) as a plain character. The caller picks; a wrong
// pick shows as a string left open at the end of the text, or as string content read as code
// right against a string (`'it\'s'` read without escapes gives `'it\'` then `s`), which real SQL
// never writes.

export type SqlTokenKind =
  /** Unquoted identifier or keyword. */
  | 'word'
  /** "identifier", `identifier` or [identifier], as written. */
  | 'quoted'
  /** String, number, dollar-quoted text: its text is always `?`. */
  | 'literal'
  /** $1, ?, :name. */
  | 'placeholder'
  /** ( ) , ; . */
  | 'punct'
  /** Any other character (operators), one per token. */
  | 'operator';

export interface SqlTokenSink {
  /** `spaced`: whitespace or a comment came before it. Returns false to stop the scan. */
  token(kind: SqlTokenKind, text: string, spaced: boolean): boolean;
}

export interface ScanResult {
  /** The text ended inside a '...' string. */
  unterminatedString: boolean;
  /** Literals touching a word or another literal with no space between: signs of a misread. */
  oddAdjacencies: number;
}

const QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const BACKTICK = 0x60;
const BACKSLASH = 0x5c;
const DOLLAR = 0x24;
const DOT = 0x2e;
const MINUS = 0x2d;
const SLASH = 0x2f;
const STAR = 0x2a;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MAX_BRACKET_IDENTIFIER = 128;

/** After these, `-5` is a negative number, not a subtraction. */
const SIGN_CONTEXT = new Set([
  'SELECT', 'WHERE', 'AND', 'OR', 'NOT', 'THEN', 'ELSE', 'WHEN', 'RETURN', 'VALUES', 'SET', 'BY', 'IN', 'IS',
  'LIKE', 'BETWEEN', 'LIMIT', 'OFFSET', 'CASE', 'ON', 'HAVING', 'DEFAULT', 'INTERVAL',
]);
/** After these, `[x]` is a SQL Server quoted identifier, not a subscript. */
const BRACKET_CONTEXT = new Set([
  'FROM', 'JOIN', 'INTO', 'UPDATE', 'TABLE', 'SELECT', 'ON', 'BY', 'WHERE', 'AND', 'OR', 'EXISTS', 'EXEC',
  'EXECUTE', 'AS', 'DELETE', 'INSERT', 'SET', 'MERGE', 'USING',
]);
/** Introducers of a literal: E'..' (escapes), N'..', B'..', X'..'; MySQL _charset'..' too. */
const STRING_PREFIXES = new Set(['E', 'N', 'B', 'X']);

export function scanSql(text: string, backslashEscapes: boolean, sink: SqlTokenSink): ScanResult {
  const n = text.length;
  let i = 0;
  let spaced = false;
  let prevKind: SqlTokenKind | null = null;
  let prevText = '';
  /** Inside MySQL /*! ... *\/ (code MySQL runs): its closing marker is only whitespace. */
  let executableComments = 0;
  let unterminatedString = false;
  let oddAdjacencies = 0;

  const emit = (kind: SqlTokenKind, tokenText: string): boolean => {
    if (!spaced && (kind === 'literal' ? isOperand(prevKind) : prevKind === 'literal' && isOperand(kind))) oddAdjacencies++;
    const more = sink.token(kind, tokenText, spaced);
    spaced = false;
    prevKind = kind;
    prevText = tokenText;
    return more;
  };
  const prevIsKeywordIn = (set: Set<string>): boolean =>
    prevKind === 'word' && prevText.length <= 9 && set.has(prevText.toUpperCase());
  const valueEnded = (): boolean =>
    prevKind === 'word' || prevKind === 'quoted' || prevKind === 'literal' || prevKind === 'placeholder' ||
    (prevKind === 'punct' && prevText === ')') || (prevKind === 'operator' && prevText === ']');

  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      spaced = true;
      i++;
      continue;
    }
    const next = i + 1 < n ? text.charCodeAt(i + 1) : -1;
    if (c === MINUS && next === MINUS) {
      const end = text.indexOf('\n', i + 2);
      i = end < 0 ? n : end + 1;
      spaced = true;
      continue;
    }
    if (c === SLASH && next === STAR) {
      if (i + 2 < n && text.charCodeAt(i + 2) === 0x21) {
        // MySQL executable comment: skip the marker and its version number, keep the code.
        i += 3;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
        executableComments++;
      } else {
        const end = text.indexOf('*/', i + 2);
        i = end < 0 ? n : end + 2;
      }
      spaced = true;
      continue;
    }
    if (c === STAR && next === SLASH && executableComments > 0) {
      executableComments--;
      i += 2;
      spaced = true;
      continue;
    }

    let more: boolean;
    if (c === QUOTE) {
      const end = stringEnd(text, i + 1, backslashEscapes);
      if (end < 0) unterminatedString = true;
      i = end < 0 ? n : end;
      more = emit('literal', '?');
    } else if (c === DOUBLE_QUOTE || c === BACKTICK) {
      const end = quotedEnd(text, i + 1, c);
      more = emit('quoted', text.slice(i, end));
      i = end;
    } else if (c === OPEN_BRACKET && (!valueEnded() || prevIsKeywordIn(BRACKET_CONTEXT)) && bracketEnd(text, i) > 0) {
      const end = bracketEnd(text, i);
      more = emit('quoted', text.slice(i, end));
      i = end;
    } else if (c === DOLLAR && isDigit(next)) {
      let end = i + 1;
      while (end < n && isDigit(text.charCodeAt(end))) end++;
      more = emit('placeholder', text.slice(i, end));
      i = end;
    } else if (c === DOLLAR && dollarTagEnd(text, i) > 0) {
      const tagEnd = dollarTagEnd(text, i);
      const close = text.indexOf(text.slice(i, tagEnd), tagEnd);
      i = close < 0 ? n : close + (tagEnd - i);
      more = emit('literal', '?');
    } else if (isDigit(c) || (c === DOT && isDigit(next) && !valueEnded())) {
      i = numberEnd(text, i);
      more = emit('literal', '?');
    } else if (
      c === MINUS && (isDigit(next) || (next === DOT && i + 2 < n && isDigit(text.charCodeAt(i + 2)))) &&
      (!valueEnded() || prevIsKeywordIn(SIGN_CONTEXT))
    ) {
      i = numberEnd(text, i + 1);
      more = emit('literal', '?');
    } else if (isIdentifierStart(c)) {
      let end = i + 1;
      while (end < n && isIdentifierPart(text.charCodeAt(end))) end++;
      const word = text.slice(i, end);
      if (end < n && text.charCodeAt(end) === QUOTE && isStringPrefix(word)) {
        const escapes = backslashEscapes || word === 'E' || word === 'e';
        const close = stringEnd(text, end + 1, escapes);
        if (close < 0) unterminatedString = true;
        i = close < 0 ? n : close;
        more = emit('literal', '?');
      } else {
        more = emit('word', word);
        i = end;
      }
    } else if (c === COLON && isIdentifierStart(next) && (i === 0 || text.charCodeAt(i - 1) !== COLON)) {
      let end = i + 2;
      while (end < n && isIdentifierPart(text.charCodeAt(end))) end++;
      more = emit('placeholder', text.slice(i, end));
      i = end;
    } else if (c === 0x3f) {
      more = emit('placeholder', '?');
      i++;
    } else if (c === 0x28 || c === 0x29 || c === 0x2c || c === 0x3b || c === DOT) {
      more = emit('punct', text[i]!);
      i++;
    } else {
      // One UTF-16 unit at a time would split a surrogate pair in the output.
      const width = c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
      more = emit('operator', text.slice(i, i + width));
      i += width;
    }
    if (!more) break;
  }
  return { unterminatedString, oddAdjacencies };
}

function isOperand(kind: SqlTokenKind | null): boolean {
  return kind === 'word' || kind === 'quoted' || kind === 'literal';
}

/** Offset past the closing quote of a '...' string whose body starts at `from`; -1 if none. */
function stringEnd(text: string, from: number, backslashEscapes: boolean): number {
  const n = text.length;
  let j = from;
  while (j < n) {
    const ch = text.charCodeAt(j);
    if (ch === BACKSLASH && backslashEscapes) {
      j += 2;
    } else if (ch === QUOTE) {
      if (j + 1 < n && text.charCodeAt(j + 1) === QUOTE) j += 2;
      else return j + 1;
    } else {
      j++;
    }
  }
  return -1;
}

/** Past the closing quote ("" or `` doubled inside); the end of the text if it never closes. */
function quotedEnd(text: string, from: number, quote: number): number {
  const n = text.length;
  let j = from;
  while (j < n) {
    if (text.charCodeAt(j) === quote) {
      if (j + 1 < n && text.charCodeAt(j + 1) === quote) j += 2;
      else return j + 1;
    } else {
      j++;
    }
  }
  return n;
}

/**
 * Past the `]` of a [bracketed identifier] at `at`, or -1 when it is not one: a short name on
 * one line that starts like an identifier (so `[1, 2]` arrays stay literals).
 */
function bracketEnd(text: string, at: number): number {
  const limit = Math.min(text.length, at + 2 + MAX_BRACKET_IDENTIFIER);
  if (at + 1 >= limit) return -1;
  const first = text.charCodeAt(at + 1);
  if (!isIdentifierStart(first) && first !== 0x20 && first !== 0x23 && first !== 0x40) return -1;
  for (let j = at + 1; j < limit; j++) {
    const ch = text.charCodeAt(j);
    if (ch === CLOSE_BRACKET) return j + 1;
    if (ch === OPEN_BRACKET || ch === QUOTE || ch === DOUBLE_QUOTE || ch === 0x0a || ch === 0x0d) return -1;
  }
  return -1;
}

/** Past the opening $tag$ (or $$) at `at`, or -1 when `$` does not open dollar quoting. */
function dollarTagEnd(text: string, at: number): number {
  const n = text.length;
  let j = at + 1;
  if (j < n && text.charCodeAt(j) === DOLLAR) return j + 1;
  if (j >= n || !isIdentifierStart(text.charCodeAt(j))) return -1;
  j++;
  while (j < n && isIdentifierPart(text.charCodeAt(j)) && text.charCodeAt(j) !== DOLLAR) j++;
  return j < n && text.charCodeAt(j) === DOLLAR ? j + 1 : -1;
}

/** Past a number starting at `at`: 42, 4.2, .42, 4e-2, 0x2A, 0b101, 0o17, 1_000. */
function numberEnd(text: string, at: number): number {
  const n = text.length;
  let j = at;
  const c0 = text.charCodeAt(j);
  const c1 = j + 1 < n ? text.charCodeAt(j + 1) | 0x20 : -1;
  if (c0 === 0x30 && (c1 === 0x78 || c1 === 0x62 || c1 === 0x6f) && j + 2 < n && isHexDigit(text.charCodeAt(j + 2))) {
    j += 2;
    while (j < n && (isHexDigit(text.charCodeAt(j)) || text.charCodeAt(j) === 0x5f)) j++;
    return j;
  }
  while (j < n && (isDigit(text.charCodeAt(j)) || text.charCodeAt(j) === 0x5f)) j++;
  if (j < n && text.charCodeAt(j) === DOT) {
    j++;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
  }
  if (j < n && (text.charCodeAt(j) | 0x20) === 0x65) {
    let k = j + 1;
    const sign = k < n ? text.charCodeAt(k) : -1;
    if (sign === 0x2b || sign === MINUS) k++;
    if (k < n && isDigit(text.charCodeAt(k))) {
      while (k < n && isDigit(text.charCodeAt(k))) k++;
      j = k;
    }
  }
  return j;
}

function isStringPrefix(word: string): boolean {
  return (word.length === 1 && STRING_PREFIXES.has(word.toUpperCase())) || (word.length > 1 && word.charCodeAt(0) === 0x5f);
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0xfeff;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

function isIdentifierStart(c: number): boolean {
  return ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x5f || (c >= 0x80 && c !== 0xa0 && c !== 0xfeff);
}

function isIdentifierPart(c: number): boolean {
  return isIdentifierStart(c) || isDigit(c) || c === DOLLAR;
}
