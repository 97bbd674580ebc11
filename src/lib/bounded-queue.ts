/**
 * A named, bounded, one-way queue between two pipeline stages. When the consumer falls behind,
 * new items are dropped (never the producer blocked, never memory unbounded) and counted, so
 * the loss shows up as sonde_pipeline_dropped_total{stage=<name>}.
 */
export class BoundedQueue<T> {
  readonly name: string;
  readonly capacity: number;
  #items: T[] = [];
  #head = 0;
  #dropped = 0;
  #enqueued = 0;
  #scheduled = false;
  readonly #consume: (item: T) => void;
  readonly #onError: (err: unknown) => void;

  constructor(name: string, capacity: number, consume: (item: T) => void, onError: (err: unknown) => void = () => {}) {
    this.name = name;
    this.capacity = capacity;
    this.#consume = consume;
    this.#onError = onError;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  get dropped(): number {
    return this.#dropped;
  }

  get enqueued(): number {
    return this.#enqueued;
  }

  push(item: T): boolean {
    if (this.length >= this.capacity) {
      this.#dropped++;
      return false;
    }
    this.#items.push(item);
    this.#enqueued++;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.drain());
    }
    return true;
  }

  /** Consumes everything queued now. A consumer that throws loses that item only. */
  drain(): void {
    this.#scheduled = false;
    while (this.#head < this.#items.length) {
      const item = this.#items[this.#head] as T;
      this.#head++;
      try {
        this.#consume(item);
      } catch (err) {
        this.#onError(err);
      }
    }
    this.#items = [];
    this.#head = 0;
  }
}
