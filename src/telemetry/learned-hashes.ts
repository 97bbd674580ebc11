/**
 * What parsed exchanges told about the kernel's request hashes (bpf/lib/l7_tally.bpf.h), per
 * service: the route, or the operation and table, that exchanges with that hash had. Kernel
 * tallies carry only the hash; this names them. Keyed by service then hash, so that a lookup,
 * which runs for every parsed exchange, builds no key string.
 */
export interface Learned {
  readonly route: string | null;
  readonly operation: string | null;
  readonly resource: string | null;
}

export class LearnedHashes {
  readonly #max: number;
  #byService = new Map<string, Map<number, Learned>>();
  #size = 0;

  /** Past `max` entries everything is forgotten at once (and relearned from the next exchanges). */
  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#size;
  }

  get(service: string, hash: number): Learned | undefined {
    return this.#byService.get(service)?.get(hash);
  }

  learn(service: string, hash: number, route: string | null, operation: string | null, resource: string | null): void {
    let hashes = this.#byService.get(service);
    const known = hashes?.get(hash);
    if (known !== undefined && known.route === route && known.operation === operation && known.resource === resource) return;
    if (known === undefined && this.#size >= this.#max) {
      this.#byService = new Map();
      this.#size = 0;
      hashes = undefined;
    }
    if (hashes === undefined) this.#byService.set(service, (hashes = new Map()));
    if (!hashes.has(hash)) this.#size++;
    hashes.set(hash, { route, operation, resource });
  }
}
