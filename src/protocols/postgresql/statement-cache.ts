// What the connection has prepared: statement name → SQL, portal name → SQL. The server keeps
// these until they are closed or the session ends; a client may prepare without end, so the copy
// here is bounded (entries and SQL bytes) and forgets the least recently used first. A forgotten
// statement only costs the SQL of its later executions.

export interface Prepared {
  /** null when the statement behind a portal was prepared before the capture started. */
  sql: string | null;
  /** The named prepared statement it came from; null for the unnamed statement. */
  statement: string | null;
  /** The SQL was cut (capture gap, size cap). */
  sqlCut: boolean;
}

export class StatementCache {
  private readonly entries = new Map<string, Prepared>();
  private chars = 0;

  constructor(private readonly maxEntries: number, private readonly maxChars: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** Total SQL characters held. */
  get heldChars(): number {
    return this.chars;
  }

  get(name: string): Prepared | undefined {
    const p = this.entries.get(name);
    if (p !== undefined && name !== '') {
      this.entries.delete(name);
      this.entries.set(name, p);
    }
    return p;
  }

  set(name: string, prepared: Prepared): void {
    this.delete(name);
    const chars = prepared.sql?.length ?? 0;
    if (chars > this.maxChars) return;
    this.entries.set(name, prepared);
    this.chars += chars;
    for (const [oldest, p] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.chars <= this.maxChars) break;
      this.entries.delete(oldest);
      this.chars -= p.sql?.length ?? 0;
    }
  }

  delete(name: string): void {
    const p = this.entries.get(name);
    if (p === undefined) return;
    this.entries.delete(name);
    this.chars -= p.sql?.length ?? 0;
  }
}
