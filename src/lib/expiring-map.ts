/**
 * A map whose entries expire `ttl` after they were set, and which holds at most `capacity`
 * entries (oldest dropped first). Expiry walks a FIFO of insertions, never the Map itself:
 * iterating a Map from the front after many deletes from the front rescans the deleted slots
 * each time, which made per-connection bookkeeping quadratic under load.
 */
export class ExpiringMap<K, V> {
  readonly #ttl: number;
  readonly #capacity: number;
  readonly #entries = new Map<K, { value: V; at: number; seq: number }>();
  #queue: Array<{ key: K; seq: number; at: number }> = [];
  #head = 0;
  #seq = 0;

  constructor(ttl: number, capacity: number) {
    this.#ttl = ttl;
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  set(key: K, value: V, now: number): void {
    const seq = ++this.#seq;
    this.#entries.set(key, { value, at: now, seq });
    this.#queue.push({ key, seq, at: now });
    this.prune(now);
  }

  get(key: K): V | undefined {
    return this.#entries.get(key)?.value;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  /** Drops what expired, and the oldest entries past capacity. Cost: what it drops. */
  prune(now: number): void {
    while (this.#head < this.#queue.length) {
      const first = this.#queue[this.#head] as { key: K; seq: number; at: number };
      const live = this.#queue.length - this.#head;
      if (now - first.at < this.#ttl && live <= this.#capacity) break;
      this.#head++;
      // Only if this queue slot is still the entry's latest setting.
      if (this.#entries.get(first.key)?.seq === first.seq) this.#entries.delete(first.key);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
