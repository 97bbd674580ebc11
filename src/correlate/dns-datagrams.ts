import type { L7Segment } from '../decode/l7-events.js';
import { AF_INET, AF_INET6, formatAddress } from '../decode/ip-address.js';
import { DnsParser } from '../protocols/dns/parser.js';
import type { ProtocolExchange } from '../protocols/exchange.js';
import type { MonotonicClock } from './clock.js';
import type { FlowCorrelator } from './flow-correlator.js';
import type { L7Exchange } from './l7-exchange.js';
import { protocolL7Exchange, type ExchangeIdentity } from './protocol-record.js';

export interface DnsDatagramsOptions {
  dnsPort: number;
  flows: FlowCorrelator;
  clock: MonotonicClock;
  onExchange: (exchange: L7Exchange) => void;
  /** A query unanswered this long is reported as `no-response`. */
  answerTimeoutMs?: number;
  /** How long an answered query may wait for its sender's name (exec events come on another ring buffer). */
  identityWaitMs?: number;
  /** A conversation with nothing pending and no datagram for this long is forgotten. */
  idleMs?: number;
  /** Most conversations tracked; past it the least recently active is dropped. */
  maxConversations?: number;
}

/** One socket talking DNS with one peer (an unconnected UDP socket talks with many). */
interface Conversation {
  side: 'client' | 'server';
  parser: DnsParser;
  family: 4 | 6;
  cookie: number;
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
  /** Who sent this socket's datagrams (egress runs in the sender's context). */
  senderPid: number;
  lastSeenNs: number;
  /** Exchanges of this conversation in #waiting (order is kept by making later ones wait too). */
  waiting: number;
}

interface Waiting {
  c: Conversation;
  ex: ProtocolExchange;
  deadlineNs: number;
}

const endpoint = (addr: string, port: number): string => `${addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr}|${port}`;

/**
 * DNS over UDP: every datagram is a whole message, and queries pair with answers by id within a
 * conversation (socket + peer). No connection events exist for UDP, so the process behind a
 * socket is the one that sent its datagrams, and unanswered queries expire on a timer.
 */
export class DnsDatagrams {
  readonly #options: DnsDatagramsOptions;
  readonly #answerTimeoutNs: number;
  readonly #idleNs: number;
  readonly #max: number;
  readonly #conversations = new Map<string, Conversation>();
  /** Client endpoint (addr|port) -> the pid that sent from it, to name a server's peer. */
  readonly #clientPids = new Map<string, number>();
  readonly #identityWaitNs: number;
  /**
   * Exchanges whose sender's name is not known yet: a short-lived client (dig) has often exited
   * before its answer is parsed, and its exec event may still be queued on the flow ring buffer.
   */
  #waiting: Waiting[] = [];

  constructor(options: DnsDatagramsOptions) {
    this.#options = options;
    this.#answerTimeoutNs = (options.answerTimeoutMs ?? 5_000) * 1e6;
    this.#idleNs = (options.idleMs ?? 30_000) * 1e6;
    this.#max = options.maxConversations ?? 4096;
    this.#identityWaitNs = (options.identityWaitMs ?? 200) * 1e6;
  }

  get size(): number {
    return this.#conversations.size;
  }

  datagram(s: L7Segment): void {
    const { dnsPort } = this.#options;
    const side = s.remotePort === dnsPort ? 'client' : s.localPort === dnsPort ? 'server' : null;
    if (side === null) return;
    const af = s.family === 4 ? AF_INET : AF_INET6;
    const localAddr = formatAddress(af, s.localAddrBytes);
    const remoteAddr = formatAddress(af, s.remoteAddrBytes);
    const key = `${s.socketCookie}|${remoteAddr}|${s.remotePort}`;
    let c = this.#conversations.get(key);
    if (c === undefined) {
      if (this.#conversations.size >= this.#max) this.#evictOldest(s.tsNs);
      c = {
        side, parser: DnsParser.datagrams(), family: s.family, cookie: s.socketCookie,
        localAddr, localPort: s.localPort, remoteAddr, remotePort: s.remotePort, senderPid: 0, lastSeenNs: s.tsNs, waiting: 0,
      };
      this.#conversations.set(key, c);
    }
    c.lastSeenNs = s.tsNs;
    if (s.senderPid !== 0) {
      c.senderPid = s.senderPid;
      if (side === 'client') this.#clientPids.set(endpoint(localAddr, s.localPort), s.senderPid);
    }
    // Queries flow from the client: egress on a client socket, ingress on a server socket.
    const query = (side === 'client') === s.egress;
    const done = query ? c.parser.client(s.payload, s.tsNs) : c.parser.server(s.payload, s.tsNs);
    this.#emit(c, done);
  }

  /** Expires unanswered queries and forgets idle conversations. */
  sweep(nowNs: number): void {
    this.#release(nowNs, false);
    for (const [key, c] of this.#conversations) {
      this.#emit(c, c.parser.expire(nowNs, this.#answerTimeoutNs));
      if (nowNs - c.lastSeenNs > this.#idleNs && c.parser.pendingQueries === 0) this.#forget(key, c);
    }
  }

  flushAll(nowNs: number): void {
    for (const [key, c] of this.#conversations) {
      this.#emit(c, c.parser.close(nowNs));
      this.#forget(key, c);
    }
    this.#release(nowNs, true);
  }

  #release(nowNs: number, all: boolean): void {
    if (this.#waiting.length === 0) return;
    const still: Waiting[] = [];
    for (const w of this.#waiting) {
      if (all || nowNs >= w.deadlineNs || this.#named(w.c)) {
        w.c.waiting--;
        this.#options.onExchange(protocolL7Exchange(this.#identity(w.c), 'dns', w.ex, this.#options.clock, false));
      } else {
        still.push(w);
      }
    }
    this.#waiting = still;
  }

  /** Whether the processes a record names (the sender, and a local client of a server) have names yet. */
  #named(c: Conversation): boolean {
    const { flows } = this.#options;
    if (c.senderPid !== 0 && flows.commOf(c.senderPid) === '') return false;
    if (c.side === 'client') return true;
    const peerPid = this.#clientPids.get(endpoint(c.remoteAddr, c.remotePort));
    return peerPid === undefined || flows.commOf(peerPid) !== '';
  }

  #forget(key: string, c: Conversation): void {
    this.#conversations.delete(key);
    if (c.side === 'client') this.#clientPids.delete(endpoint(c.localAddr, c.localPort));
  }

  #evictOldest(nowNs: number): void {
    const oldest = this.#conversations.entries().next();
    if (oldest.done === true) return;
    const [key, c] = oldest.value;
    this.#emit(c, c.parser.close(nowNs));
    this.#forget(key, c);
  }

  #emit(c: Conversation, done: ProtocolExchange[]): void {
    if (done.length === 0) return;
    if (c.waiting > 0 || !this.#named(c)) {
      const deadlineNs = this.#options.clock.nowMonotonicNs() + this.#identityWaitNs;
      for (const ex of done) this.#waiting.push({ c, ex, deadlineNs });
      c.waiting += done.length;
      return;
    }
    const identity = this.#identity(c);
    for (const ex of done) this.#options.onExchange(protocolL7Exchange(identity, 'dns', ex, this.#options.clock, false));
  }

  #identity(c: Conversation): ExchangeIdentity {
    const { flows } = this.#options;
    const listener = c.side === 'server' ? flows.listenerOf(c.localPort) : undefined;
    const pid = c.senderPid !== 0 ? c.senderPid : listener?.pid ?? 0;
    // The process's name first, as for every other record (see FlowCorrelator.resolve).
    const comm = pid === 0 ? '' : flows.commOf(pid) || (listener?.pid === pid ? listener.comm : '');
    let peerService: string | null;
    if (c.side === 'client') {
      peerService = flows.localServiceAt(c.remoteAddr, c.remotePort);
    } else {
      const peerPid = this.#clientPids.get(endpoint(c.remoteAddr, c.remotePort));
      peerService = peerPid === undefined ? null : flows.serviceOf(peerPid, flows.commOf(peerPid), null);
    }
    return {
      side: c.side,
      pid,
      comm,
      exe: pid > 0 ? flows.exeOf(pid) : null,
      serviceName: flows.serviceOf(pid, comm, c.side === 'server' ? c.localPort : null),
      peerService,
      family: c.family,
      localAddr: c.localAddr,
      localPort: c.localPort,
      remoteAddr: c.remoteAddr,
      remotePort: c.remotePort,
      socketCookie: c.cookie,
    };
  }
}
