import type { SocketOwner } from './flow-correlator.js';

/**
 * The map's key: the client port and the server port's low 14 bits, below 2^30 so that V8 keeps
 * it a small integer (a larger number is boxed, and hashed, on every call: that cost ~2 µs per
 * connection under bench/flows). The whole server port and both addresses are checked on the
 * entry it finds.
 */
const portKey = (clientPort: number, serverPort: number): number => clientPort * 16384 + (serverPort & 16383);

/**
 * Connections of local clients to local addresses: who connected from each client address and
 * port to each server address and port, the latest per pair of ports. Lets the server's end of
 * such a connection (an inbound flow) name its client.
 *
 * Entries are not removed when a connection closes (either end may close first): one stays
 * until its ports are used again, which replaces it, or until `capacity` newer ones pushed it
 * out. This runs once per connection on a host that may make tens of thousands a second, so the
 * entries live in a ring of parallel arrays and the map holds only slot numbers: nothing is
 * allocated per connection. The arrays take memory as slots are first used (typed arrays' pages
 * when first written, the others as they grow): a host with few local connections pays little.
 */
export class LocalClients {
  readonly #slotByPorts = new Map<number, number>();
  /** Each slot's key plus one (0: never used), so that the array needs no filling. */
  readonly #keys: Int32Array;
  readonly #serverPorts: Uint16Array;
  readonly #owners: SocketOwner[] = [];
  readonly #clientAddrs: string[] = [];
  readonly #serverAddrs: string[] = [];
  #next = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.#keys = new Int32Array(capacity);
    this.#serverPorts = new Uint16Array(capacity);
  }

  remember(clientAddr: string, clientPort: number, serverAddr: string, serverPort: number, owner: SocketOwner): void {
    const key = portKey(clientPort, serverPort);
    let slot = this.#slotByPorts.get(key);
    if (slot === undefined) {
      slot = this.#next;
      this.#next = (slot + 1) % this.#keys.length;
      const evicted = this.#keys[slot]! - 1;
      if (evicted >= 0 && this.#slotByPorts.get(evicted) === slot) this.#slotByPorts.delete(evicted);
      this.#keys[slot] = key + 1;
      this.#slotByPorts.set(key, slot);
    }
    this.#serverPorts[slot] = serverPort;
    this.#owners[slot] = owner;
    this.#clientAddrs[slot] = clientAddr;
    this.#serverAddrs[slot] = serverAddr;
  }

  /** Who connected from clientAddr:clientPort to serverAddr:serverPort last, if that was seen. */
  ownerOf(clientAddr: string, clientPort: number, serverAddr: string, serverPort: number): SocketOwner | undefined {
    const slot = this.#slotByPorts.get(portKey(clientPort, serverPort));
    if (slot === undefined || this.#serverPorts[slot] !== serverPort || this.#clientAddrs[slot] !== clientAddr || this.#serverAddrs[slot] !== serverAddr) {
      return undefined;
    }
    return this.#owners[slot];
  }
}
