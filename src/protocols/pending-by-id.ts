// Requests waiting for their answer, filed under the id the answer will carry (Kafka correlation
// id, MongoDB requestID). Bounded: at most `capacity` entries (the parser's maxPending); past that
// the oldest is dropped, as is an entry whose id is reused, since neither can be matched any more.
// Dropped entries go to `drop` so the parser can report them (as no-response, usually).

export class PendingById<T> {
  /** Insertion order = age. */
  private readonly entries = new Map<number, T>();

  constructor(private readonly capacity: number, private readonly drop: (entry: T, nowNs: number) => void) {}

  get size(): number {
    return this.entries.size;
  }

  has(id: number): boolean {
    return this.entries.has(id);
  }

  /** Removes and returns what waits under `id`. */
  take(id: number): T | undefined {
    const entry = this.entries.get(id);
    if (entry !== undefined) this.entries.delete(id);
    return entry;
  }

  /** Files `entry` under `id`, dropping an older entry with that id and the oldest past capacity. */
  add(id: number, entry: T, nowNs: number): void {
    const previous = this.take(id);
    if (previous !== undefined) this.drop(previous, nowNs);
    this.entries.set(id, entry);
    while (this.entries.size > this.capacity) {
      const [oldestId, oldest] = this.entries.entries().next().value as [number, T];
      this.entries.delete(oldestId);
      this.drop(oldest, nowNs);
    }
  }

  /**
   * Files `entry` (just taken out) under a new id, keeping nothing else in step: used when a
   * MongoDB exhaust reply makes the next reply answer it. Replaces whatever waited under `id`.
   */
  refile(id: number, entry: T): void {
    this.entries.set(id, entry);
  }

  /** Drops every entry (the connection closed: nothing more will be answered). */
  dropAll(nowNs: number): void {
    for (const entry of this.entries.values()) this.drop(entry, nowNs);
    this.entries.clear();
  }
}
