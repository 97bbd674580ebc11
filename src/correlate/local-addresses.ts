import { networkInterfaces } from 'node:os';

/** Whether an address belongs to this host: loopback, or one of its interfaces' addresses. */
export class LocalAddresses {
  #addresses = new Set<string>();
  #refreshedAt = 0;
  readonly #refreshMs: number;

  constructor(refreshMs = 30_000) {
    this.#refreshMs = refreshMs;
  }

  has(addr: string): boolean {
    const plain = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
    if (plain.startsWith('127.') || plain === '::1') return true;
    const now = Date.now();
    if (now - this.#refreshedAt > this.#refreshMs) this.#refresh(now);
    return this.#addresses.has(plain);
  }

  #refresh(now: number): void {
    const next = new Set<string>();
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) next.add(a.address.replace(/%.*$/, ''));
    }
    this.#addresses = next;
    this.#refreshedAt = now;
  }
}
