import type { L7Segment, L7TlsBind, L7TlsData, L7TlsFree } from '../decode/l7-events.js';

export interface TlsPlaintextOptions {
  /** Plaintext as stream segments of its socket (cookie, addresses), in call order. */
  emit: (segment: L7Segment) => void;
  /** TLS objects holding plaintext at once, at most; past it the longest-held object's plaintext is dropped. */
  maxObjects?: number;
  /** Calls held per object, at most (the oldest are dropped past it: the stream then has a gap). */
  maxPerObject?: number;
  /** Payload bytes held in all, at most. */
  maxHeldBytes?: number;
}

export interface TlsPlaintextStats {
  /** Plaintext slices handed on. */
  segments: number;
  /** Slices that arrived before their TLS object was tied to a socket and were held. */
  held: number;
  /** Held slices handed on once the bind arrived. */
  released: number;
  /** Held slices dropped: their object was freed unbound, or a cap was reached. */
  dropped: number;
}

interface Held {
  events: L7TlsData[];
  bytes: number;
}

const keyOf = (pid: number, tlsId: number): string => `${pid}:${tlsId}`;

/**
 * Turns TLS plaintext events into the stream segments of the socket each TLS object talks over.
 * The kernel ties an object to its socket while the object's first call does socket I/O; a
 * library that does its socket I/O outside its calls (memory BIOs: Node.js) may first call before
 * that, so those calls are held here, by object, until the object's bind event names the socket.
 * Order is kept: held calls go out before any later call of the same object.
 */
export class TlsPlaintext {
  readonly #emit: (segment: L7Segment) => void;
  readonly #maxObjects: number;
  readonly #maxPerObject: number;
  readonly #maxHeldBytes: number;
  /** Insertion order is hold order: the first entry has waited longest. */
  readonly #held = new Map<string, Held>();
  #heldBytes = 0;
  readonly stats: TlsPlaintextStats = { segments: 0, held: 0, released: 0, dropped: 0 };

  constructor(options: TlsPlaintextOptions) {
    this.#emit = options.emit;
    this.#maxObjects = options.maxObjects ?? 1024;
    this.#maxPerObject = options.maxPerObject ?? 32;
    this.#maxHeldBytes = options.maxHeldBytes ?? 8 * 1024 * 1024;
  }

  /** Objects with plaintext waiting for their socket. */
  get waitingObjects(): number {
    return this.#held.size;
  }

  get heldBytes(): number {
    return this.#heldBytes;
  }

  data(e: L7TlsData): void {
    const key = keyOf(e.pid, e.tlsId);
    if (e.socketCookie !== 0) {
      // A bind event lost (ring buffer full) still leaves this call's identity for the held ones.
      if (this.#held.size > 0 && this.#held.has(key)) this.#release(key, e);
      this.#out(e, e);
      return;
    }
    let held = this.#held.get(key);
    if (held === undefined) {
      if (this.#held.size >= this.#maxObjects) this.#dropOldest();
      held = { events: [], bytes: 0 };
      this.#held.set(key, held);
    }
    if (held.events.length >= this.#maxPerObject) {
      const first = held.events.shift();
      if (first) this.#forget(held, first);
    }
    // The batch buffer the payload points into is not kept alive for this.
    const copy: L7TlsData = { ...e, payload: e.payload.slice() };
    held.events.push(copy);
    held.bytes += copy.payload.length;
    this.#heldBytes += copy.payload.length;
    this.stats.held++;
    while (this.#heldBytes > this.#maxHeldBytes && this.#held.size > 0) this.#dropOldest();
  }

  bind(e: L7TlsBind): void {
    if (this.#held.size > 0) this.#release(keyOf(e.pid, e.tlsId), e);
  }

  /** The object is gone: plaintext still waiting for its socket never will have one. */
  free(e: L7TlsFree): void {
    const key = keyOf(e.pid, e.tlsId);
    const held = this.#held.get(key);
    if (held === undefined) return;
    this.#held.delete(key);
    this.#heldBytes -= held.bytes;
    this.stats.dropped += held.events.length;
  }

  #release(key: string, identity: Identity): void {
    const held = this.#held.get(key);
    if (held === undefined) return;
    this.#held.delete(key);
    this.#heldBytes -= held.bytes;
    for (const e of held.events) {
      this.stats.released++;
      this.#out(e, identity);
    }
  }

  #out(e: L7TlsData, at: Identity): void {
    this.stats.segments++;
    this.#emit({
      kind: 'segment',
      egress: e.egress,
      messageStart: e.messageStart,
      datagram: false,
      protocol: e.protocol,
      family: at.family,
      localPort: at.localPort,
      remotePort: at.remotePort,
      seq: e.seq,
      payloadLength: e.payloadLength,
      senderPid: e.pid,
      socketCookie: at.socketCookie,
      tsNs: e.tsNs,
      localAddrBytes: at.localAddrBytes,
      remoteAddrBytes: at.remoteAddrBytes,
      payload: e.payload,
      tls: true,
    });
  }

  #forget(held: Held, e: L7TlsData): void {
    held.bytes -= e.payload.length;
    this.#heldBytes -= e.payload.length;
    this.stats.dropped++;
  }

  #dropOldest(): void {
    const oldest = this.#held.entries().next();
    if (oldest.done === true) return;
    const [key, held] = oldest.value;
    this.#held.delete(key);
    this.#heldBytes -= held.bytes;
    this.stats.dropped += held.events.length;
  }
}

type Identity = Pick<L7TlsBind, 'socketCookie' | 'family' | 'localPort' | 'remotePort' | 'localAddrBytes' | 'remoteAddrBytes'>;
