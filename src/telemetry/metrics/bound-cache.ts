/** Bound handles are dropped wholesale past this many label sets (the registry bounds series anyway). */
const MAX_CACHED = 8192;

/**
 * Bound metric handles by a key of their labels. Callers build the label objects only on a miss:
 * the lookups run per record (every flow, every exchange), the binds once per label set.
 */
export class BoundCache<H> {
  #map = new Map<string, H>();

  get(key: string): H | undefined {
    return this.#map.get(key);
  }

  set(key: string, h: H): H {
    if (this.#map.size >= MAX_CACHED) this.#map = new Map();
    this.#map.set(key, h);
    return h;
  }
}
