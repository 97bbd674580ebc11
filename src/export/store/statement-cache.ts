import type { Database, Statement } from 'better-sqlite3';

/** Prepared statements by SQL text, for one database connection (queries build a few shapes of SQL, each prepared once). */
export class StatementCache {
  readonly db: Database;
  readonly #statements = new Map<string, Statement>();

  constructor(db: Database) {
    this.db = db;
  }

  get(sql: string): Statement {
    let s = this.#statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }
}
