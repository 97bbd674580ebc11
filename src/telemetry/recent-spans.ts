import type { SpanRecord } from './http/span-record.js';

/**
 * Records kept for /api/v1/requests. The UI's request explorer reads the store, so this ring only
 * backs the API. At the record budget (10k/s) it turns over every 0.2 s; 10,000 records held
 * ~4 MB more of live heap and ~10 MiB more resident memory under load (bench/RESULTS.md,
 * thirteenth session).
 */
export const DEFAULT_RECENT_SPANS = 2_000;

export interface SpanFilter {
  /** At most this many records (newest first). */
  limit: number;
  /** Exact service name, or a `*` glob. */
  service?: string;
  protocol?: string;
  pid?: number;
  /** Records at least this long. */
  minDurationMs?: number;
  /** HTTP status code, or another protocol's outcome as recorded (`42P01`, `WRONGTYPE`, `NXDOMAIN`). */
  status?: number | string;
  error?: boolean;
}

/** A `*` glob compiled once per query (never per record); exact comparison when there is no `*`. */
export function nameMatcher(pattern: string): (name: string) => boolean {
  if (!pattern.includes('*')) return (name) => name === pattern;
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  const re = new RegExp(`^${source}$`, 's');
  return (name) => re.test(name);
}

/** The most recent L7 records, in a fixed-size ring: memory stays bounded however busy the host. */
export class RecentSpans {
  readonly capacity: number;
  readonly #ring: Array<SpanRecord | undefined>;
  #next = 0;
  #size = 0;

  constructor(capacity = DEFAULT_RECENT_SPANS) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('RecentSpans capacity must be a positive integer');
    this.capacity = capacity;
    this.#ring = new Array<SpanRecord | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  add(record: SpanRecord): void {
    this.#ring[this.#next] = record;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }

  /** Newest first (by arrival), at most `limit`, matching every filter given. */
  query(filter: SpanFilter): SpanRecord[] {
    const service = filter.service === undefined ? undefined : nameMatcher(filter.service);
    const out: SpanRecord[] = [];
    for (let i = 1; i <= this.#size && out.length < filter.limit; i++) {
      const r = this.#ring[(this.#next - i + this.capacity) % this.capacity];
      if (r === undefined) continue;
      if (service !== undefined && !service(r.service_name)) continue;
      if (filter.protocol !== undefined && r.protocol !== filter.protocol) continue;
      if (filter.pid !== undefined && r.pid !== filter.pid) continue;
      if (filter.minDurationMs !== undefined && r.duration_ms < filter.minDurationMs) continue;
      if (filter.status !== undefined && r.status !== filter.status && String(r.status) !== String(filter.status)) continue;
      if (filter.error !== undefined && r.error !== filter.error) continue;
      out.push(r);
    }
    return out;
  }
}
