import { matchesFlow, type FlowFilter, type FlowRecord } from './flow-record.js';

/** The most recent closed flows, in a fixed-size ring: memory stays bounded however busy the host. */
export class RecentFlows {
  readonly capacity: number;
  readonly #ring: Array<FlowRecord | undefined>;
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('RecentFlows capacity must be a positive integer');
    this.capacity = capacity;
    this.#ring = new Array<FlowRecord | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  add(record: FlowRecord): void {
    this.#ring[this.#next] = record;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }

  /** Newest first, at most `limit`, matching `filter`. */
  query(limit: number, filter: FlowFilter = {}): FlowRecord[] {
    const out: FlowRecord[] = [];
    for (let i = 1; i <= this.#size && out.length < limit; i++) {
      const r = this.#ring[(this.#next - i + this.capacity) % this.capacity];
      if (r && matchesFlow(r, filter)) out.push(r);
    }
    return out;
  }
}
