// Prepared statement id → SQL, per connection, so COM_STMT_EXECUTE (which carries only the id)
// can report the statement's text. Bounded by count and by total text length; the oldest
// statement goes first (a Map iterates in insertion order).

export const MAX_STATEMENTS = 1024;
/** Characters of SQL kept over all statements of a connection. */
export const MAX_STATEMENT_TEXT = 256 * 1024;

export class StatementCache {
  private readonly byId = new Map<number, string>();
  private textLength = 0;

  constructor(private readonly maxStatements = MAX_STATEMENTS, private readonly maxText = MAX_STATEMENT_TEXT) {}

  get size(): number {
    return this.byId.size;
  }

  get(id: number): string | undefined {
    return this.byId.get(id);
  }

  set(id: number, sql: string): void {
    this.delete(id);
    if (sql.length > this.maxText) return;
    this.byId.set(id, sql);
    this.textLength += sql.length;
    for (const [oldId, oldSql] of this.byId) {
      if (this.byId.size <= this.maxStatements && this.textLength <= this.maxText) break;
      this.byId.delete(oldId);
      this.textLength -= oldSql.length;
    }
  }

  delete(id: number): void {
    const sql = this.byId.get(id);
    if (sql === undefined) return;
    this.byId.delete(id);
    this.textLength -= sql.length;
  }

  clear(): void {
    this.byId.clear();
    this.textLength = 0;
  }
}
