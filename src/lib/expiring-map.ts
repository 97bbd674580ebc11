/**
 * A map from integer keys (socket cookies) whose entries expire `ttl` after they were set, and
 * which holds at most `capacity` settings (oldest dropped first).
 *
 * Settings live in a ring of parallel arrays, in the order they were made; expiry walks the ring
 * from its oldest end. Keys are found through an open-addressing index of ring slots in a typed
 * array. A JS Map was the index before: at ten thousand closes a second its churn of inserts and
 * deletes made V8 rebuild a table of ~2 MB every few thousand settings, a seventh of what the
 * agent allocated under a connection storm, and each setting touched several scattered cache
 * lines. Now a setting allocates nothing and touches the index's one or two.
 *
 * Keys are compared with `===` after hashing their integer value: fractions are cut off by the
 * hash but not by the comparison, so any number works; NaN is never found.
 */
export class ExpiringMap<V> {
  readonly #ttl: number;
  readonly #capacity: number;
  /** Ring slots allocated so far: doubles as settings arrive, up to `capacity`. */
  #ringSize: number;
  #keys: Float64Array;
  #times: Float64Array;
  #values: (V | undefined)[];
  /** Sequence numbers of the oldest setting still in the ring, and of the next one (slot: seq % ringSize). */
  #head = 0;
  #tail = 0;
  /** Key -> its latest setting's ring slot + 1 (0: empty), linear probing, at most half full. */
  #index: Int32Array;
  #mask: number;
  #size = 0;

  constructor(ttl: number, capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${String(capacity)}`);
    this.#ttl = ttl;
    this.#capacity = Math.floor(capacity);
    this.#ringSize = Math.min(this.#capacity, 64);
    this.#keys = new Float64Array(this.#ringSize);
    this.#times = new Float64Array(this.#ringSize);
    this.#values = new Array<V | undefined>(this.#ringSize).fill(undefined);
    this.#index = new Int32Array(indexSize(this.#ringSize));
    this.#mask = this.#index.length - 1;
  }

  /** Keys present. */
  get size(): number {
    return this.#size;
  }

  set(key: number, value: V, now: number): void {
    const used = this.#tail - this.#head;
    if (used >= this.#capacity) this.#dropOldest();
    else if (used >= this.#ringSize) this.#grow();
    const slot = this.#tail++ % this.#ringSize;
    this.#keys[slot] = key;
    this.#times[slot] = now;
    this.#values[slot] = value;
    const at = this.#find(key);
    if (at >= 0) {
      this.#index[at] = slot + 1;
    } else {
      this.#insert(key, slot);
      this.#size++;
    }
    this.prune(now);
  }

  get(key: number): V | undefined {
    const at = this.#find(key);
    return at < 0 ? undefined : this.#values[this.#index[at]! - 1];
  }

  has(key: number): boolean {
    return this.#find(key) >= 0;
  }

  delete(key: number): boolean {
    const at = this.#find(key);
    if (at < 0) return false;
    // The slot stays in the ring until its turn comes; its value need not.
    this.#values[this.#index[at]! - 1] = undefined;
    this.#removeAt(at);
    return true;
  }

  /** Drops what expired. Cost: what it drops. */
  prune(now: number): void {
    while (this.#head < this.#tail && now - this.#times[this.#head % this.#ringSize]! >= this.#ttl) this.#dropOldest();
  }

  #dropOldest(): void {
    const slot = this.#head++ % this.#ringSize;
    const at = this.#find(this.#keys[slot]!);
    // Only if this slot is still the key's latest setting.
    if (at >= 0 && this.#index[at] === slot + 1) this.#removeAt(at);
    this.#values[slot] = undefined;
  }

  /** Index position of `key`, or -1. */
  #find(key: number): number {
    const index = this.#index;
    const mask = this.#mask;
    for (let at = hash(key) & mask; ; at = (at + 1) & mask) {
      const entry = index[at]!;
      if (entry === 0) return -1;
      if (this.#keys[entry - 1] === key) return at;
    }
  }

  /** Puts `slot` for a key not in the index. */
  #insert(key: number, slot: number): void {
    const index = this.#index;
    const mask = this.#mask;
    let at = hash(key) & mask;
    while (index[at] !== 0) at = (at + 1) & mask;
    index[at] = slot + 1;
  }

  /** Empties index position `at`, moving later entries of its probe run back so every key stays reachable. */
  #removeAt(at: number): void {
    const index = this.#index;
    const mask = this.#mask;
    let hole = at;
    index[hole] = 0;
    this.#size--;
    for (let next = (hole + 1) & mask; index[next] !== 0; next = (next + 1) & mask) {
      const home = hash(this.#keys[index[next]! - 1]!) & mask;
      // The entry may fill the hole unless its home lies cyclically after the hole, up to it.
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (stays) continue;
      index[hole] = index[next]!;
      index[next] = 0;
      hole = next;
    }
  }

  /** Doubles the ring (up to capacity), moving each setting to its slot in the new size and re-indexing. */
  #grow(): void {
    const oldSize = this.#ringSize;
    const newSize = Math.min(this.#capacity, oldSize * 2);
    const keys = new Float64Array(newSize);
    const times = new Float64Array(newSize);
    const values = new Array<V | undefined>(newSize).fill(undefined);
    const index = new Int32Array(indexSize(newSize));
    const latest = this.#index;
    for (let seq = this.#head; seq < this.#tail; seq++) {
      const from = seq % oldSize;
      const to = seq % newSize;
      keys[to] = this.#keys[from]!;
      times[to] = this.#times[from]!;
      values[to] = this.#values[from];
    }
    // Re-index the latest setting of each key at its new slot.
    const headSlot = this.#head % oldSize;
    this.#keys = keys;
    this.#times = times;
    this.#values = values;
    this.#index = index;
    this.#mask = index.length - 1;
    this.#ringSize = newSize;
    for (const entry of latest) {
      if (entry === 0) continue;
      const seq = this.#head + ((entry - 1 - headSlot + oldSize) % oldSize);
      const slot = seq % newSize;
      this.#insert(keys[slot]!, slot);
    }
  }
}

/** Index length for `slots` ring slots: a power of two at least twice as large. */
function indexSize(slots: number): number {
  let n = 2;
  while (n < slots * 2) n *= 2;
  return n;
}

/** Mixes an integer's low and high 32 bits (cookies count up, so their low bits alone cluster). */
function hash(key: number): number {
  const low = key >>> 0;
  const high = Math.floor(key / 4294967296) >>> 0;
  let h = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
