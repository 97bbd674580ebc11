import type { Database, Statement } from 'better-sqlite3';
import type { KeyValue, RollupKind } from './rollup-kinds.js';

interface Entry {
  kindId: number;
  key: KeyValue[];
  /** Newest bucket written with this key (ms): keys no rollup row can still use are forgotten. */
  lastUsedMs: number;
}

/**
 * Rollup rows name their key by a small integer: a row then holds two integers and its sums
 * instead of five strings, which makes the tables smaller and reading a day of them several
 * times faster. The dictionary is loaded whole at open (its size is bounded by the per-bucket
 * key caps and the forgetting below) and grows inside the write transactions.
 */
export class KeyDictionary {
  readonly #db: Database;
  readonly #insert: Statement;
  readonly #delete: Statement;
  #ids = new Map<string, number>();
  #entries = new Map<number, Entry>();

  constructor(db: Database, nowMs: number) {
    this.#db = db;
    this.#insert = db.prepare('INSERT INTO rollup_keys (kind, key) VALUES (?, ?)');
    this.#delete = db.prepare('DELETE FROM rollup_keys WHERE id = ?');
    this.reload(nowMs);
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Rereads the table: after open, and after a failed transaction (ids handed out inside it
   * were rolled back). Keys loaded are taken as used now, so they outlive any row using them.
   */
  reload(nowMs: number): void {
    this.#ids = new Map();
    this.#entries = new Map();
    for (const row of this.#db.prepare('SELECT id, kind, key FROM rollup_keys').raw(true).iterate() as Iterable<[number, number, string]>) {
      const [id, kindId, text] = row;
      let key: KeyValue[];
      try {
        key = JSON.parse(text) as KeyValue[];
      } catch {
        continue; // not written by us; never matched, forgotten with the rest
      }
      this.#ids.set(`${kindId}:${text}`, id);
      this.#entries.set(id, { kindId, key, lastUsedMs: nowMs });
    }
  }

  /** The id of a key, inserting it when new: call inside the write transaction. */
  idFor(kind: RollupKind, key: KeyValue[], bucketMs: number): number {
    const text = JSON.stringify(key);
    const lookup = `${kind.id}:${text}`;
    let id = this.#ids.get(lookup);
    if (id === undefined) {
      id = Number(this.#insert.run(kind.id, text).lastInsertRowid);
      this.#ids.set(lookup, id);
      this.#entries.set(id, { kindId: kind.id, key, lastUsedMs: bucketMs });
    } else {
      const e = this.#entries.get(id)!;
      if (bucketMs > e.lastUsedMs) e.lastUsedMs = bucketMs;
    }
    return id;
  }

  idOf(kind: RollupKind, key: readonly KeyValue[]): number | undefined {
    return this.#ids.get(`${kind.id}:${JSON.stringify(key)}`);
  }

  keyOf(id: number): KeyValue[] | undefined {
    return this.#entries.get(id)?.key;
  }

  /** Ids of a kind's keys that match, for `key_id IN (...)` filters. */
  idsWhere(kind: RollupKind, match: (key: readonly KeyValue[]) => boolean): number[] {
    const out: number[] = [];
    for (const [id, e] of this.#entries) if (e.kindId === kind.id && match(e.key)) out.push(id);
    return out;
  }

  /** Deletes keys last used before `cutoffMs` (no rollup row that old is kept); returns how many. */
  forget(cutoffMs: number): number {
    const old = [...this.#entries].filter(([, e]) => e.lastUsedMs < cutoffMs);
    if (old.length === 0) return 0;
    this.#db.transaction(() => {
      for (const [id] of old) this.#delete.run(id);
    })();
    for (const [id, e] of old) {
      this.#entries.delete(id);
      this.#ids.delete(`${e.kindId}:${JSON.stringify(e.key)}`);
    }
    return old.length;
  }
}
