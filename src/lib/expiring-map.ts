/**
 * A map whose entries expire `ttl` after they were set, and which holds at most `capacity`
 * settings (oldest dropped first). Settings live in a ring of parallel arrays, in the order they
 * were made; expiry walks the ring from its oldest end, never the Map itself (iterating a Map
 * from the front after many deletes from the front rescans the deleted slots each time, which
 * made per-connection bookkeeping quadratic under load). A setting allocates nothing: the flow
 * correlator sets one per closed socket, and two small objects per setting were a sixth of the
 * agent's main thread under a connection storm.
 */
export class ExpiringMap<K, V> {
  readonly #ttl: number;
  readonly #capacity: number;
  /** Key -> sequence number of its latest setting (its ring slot is `seq % capacity`). */
  readonly #latest = new Map<K, number>();
  /** The ring, grown up to `capacity` slots as settings arrive. */
  readonly #keys: (K | undefined)[] = [];
  readonly #values: (V | undefined)[] = [];
  readonly #times: number[] = [];
  /** Sequence numbers of the oldest setting still in the ring, and of the next one. */
  #head = 0;
  #tail = 0;

  constructor(ttl: number, capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${String(capacity)}`);
    this.#ttl = ttl;
    this.#capacity = Math.floor(capacity);
  }

  get size(): number {
    return this.#latest.size;
  }

  set(key: K, value: V, now: number): void {
    if (this.#tail - this.#head >= this.#capacity) this.#dropOldest();
    const seq = this.#tail++;
    const slot = seq % this.#capacity;
    this.#keys[slot] = key;
    this.#values[slot] = value;
    this.#times[slot] = now;
    this.#latest.set(key, seq);
    this.prune(now);
  }

  get(key: K): V | undefined {
    const seq = this.#latest.get(key);
    return seq === undefined ? undefined : this.#values[seq % this.#capacity];
  }

  has(key: K): boolean {
    return this.#latest.has(key);
  }

  delete(key: K): boolean {
    const seq = this.#latest.get(key);
    if (seq === undefined) return false;
    this.#latest.delete(key);
    // The slot stays until its turn comes; its value need not.
    this.#values[seq % this.#capacity] = undefined;
    return true;
  }

  /** Drops what expired. Cost: what it drops. */
  prune(now: number): void {
    while (this.#head < this.#tail && now - this.#times[this.#head % this.#capacity]! >= this.#ttl) this.#dropOldest();
  }

  #dropOldest(): void {
    const seq = this.#head++;
    const slot = seq % this.#capacity;
    const key = this.#keys[slot] as K;
    // Only if this slot is still the key's latest setting.
    if (this.#latest.get(key) === seq) this.#latest.delete(key);
    this.#keys[slot] = undefined;
    this.#values[slot] = undefined;
  }
}
