// The HPACK dynamic table (RFC 7541 §2.3.2, §4): newest entry first, evicted oldest first once
// the sum of entry sizes (name + value octets + 32) exceeds the maximum.
//
// Entries may hold less than the wire did: a value withheld on purpose (credentials) is null but
// still counts its real size; an entry whose name came from an entry we never saw is `unknown`.

export interface TableEntry {
  /** null when the entry was built from table state we never saw. */
  readonly name: string | null;
  /** null when unknown (see `unknown`) or withheld (credentials). */
  readonly value: string | null;
  /** Size as RFC 7541 §4.1 counts it; a lower bound when `unknown`. */
  readonly size: number;
  readonly unknown: boolean;
}

/** RFC 7541 §4.1: each entry costs 32 octets on top of its name and value. */
export const ENTRY_OVERHEAD = 32;

export class DynamicTable {
  /** Oldest first: index 0 is evicted next. */
  private readonly entries: TableEntry[] = [];
  private bytes = 0;
  private max: number;

  constructor(maxSize: number) {
    this.max = maxSize;
  }

  get size(): number {
    return this.bytes;
  }

  get maxSize(): number {
    return this.max;
  }

  get length(): number {
    return this.entries.length;
  }

  /** Entry `i`, 0 being the newest (HPACK index 62). */
  get(i: number): TableEntry | undefined {
    return this.entries[this.entries.length - 1 - i];
  }

  /** Newest first, as the RFC lists them. */
  list(): TableEntry[] {
    return this.entries.slice().reverse();
  }

  add(entry: TableEntry): void {
    // An entry larger than the table empties it and is not added (RFC 7541 §4.4).
    if (entry.size > this.max) {
      this.clear();
      return;
    }
    this.entries.push(entry);
    this.bytes += entry.size;
    this.evict();
  }

  resize(maxSize: number): void {
    this.max = maxSize;
    this.evict();
  }

  clear(): void {
    this.entries.length = 0;
    this.bytes = 0;
  }

  private evict(): void {
    let drop = 0;
    while (this.bytes > this.max && drop < this.entries.length) {
      this.bytes -= this.entries[drop]!.size;
      drop++;
    }
    if (drop > 0) this.entries.splice(0, drop);
  }
}
