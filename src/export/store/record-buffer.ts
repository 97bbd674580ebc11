import type { Batch } from './batch-writer.js';
import type { StoreFlow, StoreProcessEvent, StoreSpan } from './records.js';

/** A FIFO of one record type that takes from its head without moving the rest (Array#shift is O(n)). */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  take(max: number): T[] {
    const end = Math.min(this.#items.length, this.#head + max);
    const out = this.#items.slice(this.#head, end);
    this.#head = end;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }
}

/**
 * Records waiting to be written, all types sharing one capacity so a burst cannot grow memory
 * without bound: past `capacity` records, new ones are refused and counted.
 */
export class RecordBuffer {
  readonly capacity: number;
  readonly #spans = new Fifo<StoreSpan>();
  readonly #flows = new Fifo<StoreFlow>();
  readonly #events = new Fifo<StoreProcessEvent>();
  #dropped = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get length(): number {
    return this.#spans.length + this.#flows.length + this.#events.length;
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** Counts records lost elsewhere (a batch the database refused) with those refused here. */
  countDropped(n: number): void {
    this.#dropped += n;
  }

  #room(): boolean {
    if (this.length < this.capacity) return true;
    this.#dropped++;
    return false;
  }

  pushSpan(s: StoreSpan): void {
    if (this.#room()) this.#spans.push(s);
  }

  pushFlow(f: StoreFlow): void {
    if (this.#room()) this.#flows.push(f);
  }

  pushEvent(e: StoreProcessEvent): void {
    if (this.#room()) this.#events.push(e);
  }

  /** Up to `max` records, spans first, then flows, then process events. */
  take(max: number): Batch {
    const spans = this.#spans.take(max);
    const flows = this.#flows.take(max - spans.length);
    const events = this.#events.take(max - spans.length - flows.length);
    return { spans, flows, events };
  }
}
