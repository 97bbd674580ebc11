// The operation and main table of the first statement, read from its tokens as they go by: a
// small state machine per statement kind, never a parse tree. Parentheses are counted so that
// `FROM` inside a subquery or `EXTRACT(YEAR FROM d)` is not taken for the statement's own.

import type { SqlTokenKind } from './lexer.js';

/** First words that make a statement; anything else leaves the operation unknown. */
const OPERATIONS = new Set([
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'UPSERT', 'REPLACE', 'VALUES', 'TABLE',
  'BEGIN', 'START', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'ABORT', 'END', 'PREPARE', 'XA',
  'CREATE', 'DROP', 'ALTER', 'TRUNCATE', 'RENAME', 'COMMENT', 'GRANT', 'REVOKE',
  'SET', 'SHOW', 'USE', 'RESET', 'DISCARD', 'DESCRIBE', 'DESC', 'EXPLAIN', 'ANALYZE', 'ANALYSE',
  'CALL', 'EXEC', 'EXECUTE', 'DO', 'DEALLOCATE', 'DECLARE', 'FETCH', 'MOVE', 'CLOSE',
  'COPY', 'LOAD', 'VACUUM', 'REINDEX', 'CLUSTER', 'CHECKPOINT', 'REFRESH', 'OPTIMIZE', 'REPAIR', 'CHECKSUM',
  'LOCK', 'UNLOCK', 'LISTEN', 'NOTIFY', 'UNLISTEN', 'KILL', 'FLUSH', 'HANDLER', 'PRAGMA', 'ATTACH', 'DETACH',
  'IMPORT', 'SECURITY',
]);

/** What may follow the CTEs of a WITH as the statement proper. */
const AFTER_WITH = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'VALUES', 'TABLE']);

interface TableRule {
  /** The name comes after this word at the statement's own depth (anything before is passed over). */
  after?: string;
  /** Words that may stand between the operation (or `after`, or `requires`) and the name. */
  skip: ReadonlySet<string>;
  /** The name needs this word first (CREATE TABLE t, not CREATE INDEX i). */
  requires?: string;
  /** Words that may stand between `requires` and the name. */
  skipAfterRequired?: ReadonlySet<string>;
  /** `name(` is a function call (a table function in FROM), not a table. */
  parenIsFunction: boolean;
}

const TABLE_RULES = new Map<string, TableRule>([
  ['SELECT', { after: 'FROM', skip: new Set(['ONLY', 'LATERAL']), parenIsFunction: true }],
  ['DELETE', { after: 'FROM', skip: new Set(['ONLY']), parenIsFunction: true }],
  ['INSERT', {
    skip: new Set(['INTO', 'IGNORE', 'LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'OR', 'REPLACE', 'ROLLBACK', 'ABORT', 'FAIL']),
    parenIsFunction: false,
  }],
  ['REPLACE', { skip: new Set(['INTO', 'LOW_PRIORITY', 'DELAYED']), parenIsFunction: false }],
  ['UPSERT', { skip: new Set(['INTO']), parenIsFunction: false }],
  ['UPDATE', {
    skip: new Set(['ONLY', 'LOW_PRIORITY', 'IGNORE', 'OR', 'ROLLBACK', 'ABORT', 'REPLACE', 'FAIL']),
    parenIsFunction: false,
  }],
  ['MERGE', { skip: new Set(['INTO']), parenIsFunction: false }],
  ['CREATE', {
    skip: new Set(['OR', 'REPLACE', 'TEMP', 'TEMPORARY', 'UNLOGGED', 'GLOBAL', 'LOCAL']),
    requires: 'TABLE',
    skipAfterRequired: new Set(['IF', 'NOT', 'EXISTS']),
    parenIsFunction: false,
  }],
  ['DROP', { skip: new Set(['TEMPORARY']), requires: 'TABLE', skipAfterRequired: new Set(['IF', 'EXISTS']), parenIsFunction: false }],
  ['ALTER', { skip: new Set(), requires: 'TABLE', skipAfterRequired: new Set(['IF', 'EXISTS', 'ONLY']), parenIsFunction: false }],
  ['TRUNCATE', { skip: new Set(['TABLE', 'ONLY']), parenIsFunction: false }],
  ['COPY', { skip: new Set(['BINARY']), parenIsFunction: false }],
  ['LOCK', { skip: new Set(['TABLE', 'TABLES', 'ONLY']), parenIsFunction: false }],
]);

const MAX_TABLE_LENGTH = 255;

type Phase =
  | 'start' | 'with' | 'find-after' | 'skip' | 'skip-after-required' | 'name' | 'name-dot' | 'done';

export class StatementSummary {
  private phase: Phase = 'start';
  private depth = 0;
  private opDepth = 0;
  private rule: TableRule | null = null;
  private readonly parts: string[] = [];
  operation: string | null = null;
  table: string | null = null;

  /** The first statement has ended: later tokens change nothing. */
  get isDone(): boolean {
    return this.phase === 'done';
  }

  add(kind: SqlTokenKind, text: string): void {
    if (this.phase === 'done') return;
    if (kind === 'punct' && text === ';') {
      // Empty statements before the first real one are skipped.
      if (this.phase !== 'start') this.end();
      return;
    }
    const word = kind === 'word' && text.length <= 16 ? text.toUpperCase() : null;
    const atOwnDepth = this.depth === this.opDepth;
    switch (this.phase) {
      case 'start':
        if (kind === 'punct' && text === '(') break;
        if (word === 'WITH') {
          this.opDepth = this.depth;
          this.phase = 'with';
          return;
        }
        if (word !== null && OPERATIONS.has(word)) {
          this.opDepth = this.depth;
          this.begin(word);
        } else {
          this.phase = 'done';
        }
        return;
      case 'with':
        if (atOwnDepth && word !== null && AFTER_WITH.has(word)) {
          this.begin(word);
          return;
        }
        break;
      case 'find-after':
        if (atOwnDepth && word !== null && word === this.rule?.after) {
          this.phase = 'skip';
          return;
        }
        break;
      case 'skip':
        if (word !== null && this.rule?.skip.has(word)) return;
        if (this.rule?.requires !== undefined) {
          this.phase = word === this.rule.requires ? 'skip-after-required' : 'done';
          return;
        }
        this.phase = 'name';
        this.name(kind, text);
        return;
      case 'skip-after-required':
        if (word !== null && this.rule?.skipAfterRequired?.has(word)) return;
        this.phase = 'name';
        this.name(kind, text);
        return;
      case 'name':
        this.name(kind, text);
        return;
      case 'name-dot':
        if (kind === 'punct' && text === '.') {
          this.phase = 'name';
          return;
        }
        if (kind === 'punct' && text === '(' && this.rule?.parenIsFunction === true) this.parts.length = 0;
        this.settleTable();
        return;
    }
    if (kind === 'punct' && text === '(') this.depth++;
    else if (kind === 'punct' && text === ')' && this.depth > 0) this.depth--;
  }

  /** End of the text: the first statement ends here if it has not already. */
  end(): void {
    if (this.phase === 'name-dot') this.settleTable();
    this.phase = 'done';
  }

  private begin(operation: string): void {
    this.operation = operation;
    this.rule = TABLE_RULES.get(operation) ?? null;
    if (this.rule === null) this.phase = 'done';
    else this.phase = this.rule.after !== undefined ? 'find-after' : 'skip';
  }

  private name(kind: SqlTokenKind, text: string): void {
    if (kind === 'word' || kind === 'quoted') {
      this.parts.push(kind === 'quoted' ? unquote(text) : text);
      this.phase = 'name-dot';
    } else {
      // A subquery, a literal, a lone dot: no table to name.
      this.phase = 'done';
    }
  }

  private settleTable(): void {
    const table = this.parts.join('.');
    if (table.length > 0) this.table = table.length > MAX_TABLE_LENGTH ? table.slice(0, MAX_TABLE_LENGTH) : table;
    this.phase = 'done';
  }
}

/** "a""b" → a"b, `a``b` → a`b, [a]]b] → a]b; an unclosed quote keeps the rest. */
function unquote(quoted: string): string {
  const open = quoted[0]!;
  const close = open === '[' ? ']' : open;
  const closed = quoted.length >= 2 && quoted.endsWith(close);
  const body = quoted.slice(1, closed ? -1 : undefined);
  return body.split(close + close).join(close);
}
