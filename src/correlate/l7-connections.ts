import type { L7Segment } from '../decode/l7-events.js';
import { formatAddress, AF_INET, AF_INET6 } from '../decode/ip-address.js';
import type { MonotonicClock } from './clock.js';
import type { FlowCorrelator } from './flow-correlator.js';
import { NO_HEADERS, type L7Exchange, type L7ProtocolName } from './l7-exchange.js';
import { TcpStream, type StreamSink } from './tcp-stream.js';
import { ExpiringMap } from '../lib/expiring-map.js';
import { http1SenderRole, isHttp1, streamProtocol } from './l7-protocols.js';
import { Http1StreamParser, ProtocolStreamParser, type ParsedExchange, type StreamParser } from './stream-parser.js';
import { protocolL7Exchange, withIdentity, type ExchangeIdentity } from './protocol-record.js';
import { DnsDatagrams } from './dns-datagrams.js';
import type { L7Tally, L7TallyKey } from '../decode/generated/l7.js';
import { talliedExchanges, talliedProtocol, type TalliedExchange } from './tallied-exchange.js';

export interface L7ConnectionsOptions {
  flows: FlowCorrelator;
  clock: MonotonicClock;
  onExchange: (exchange: L7Exchange) => void;
  redactSecrets?: boolean;
  /** Keep SQL literals in `db.query.text` (normalised with `?` by default). */
  keepSqlLiterals?: boolean;
  /** The DNS port (as the kernel was told): which end of a DNS conversation is the client. */
  dnsPort?: number;
  /** Connections parsed at once; past it the least recently active is dropped (counted). */
  maxConnections?: number;
  /** A connection with no segment for this long is flushed and forgotten. */
  idleTimeoutMs?: number;
  /** After TCP reports a close, wait this long for segments still in flight before flushing. */
  closeGraceMs?: number;
  /** How long a finished exchange may wait for its connection's owner to be reported. */
  ownerWaitMs?: number;
}

export interface L7ConnectionStats {
  connections: number;
  /** Connections the kernel stopped capturing (over its segment budget). */
  shed: number;
  evicted: number;
  undetermined: number;
  exchanges: number;
  /** Segments (or parts) seen twice, of connections already finished: retransmissions. */
  duplicateSegments: number;
  /** Segments that arrived ahead of a gap and waited for it. */
  reorderedSegments: number;
  /** Holes that never filled and became gaps. */
  holes: number;
  /** Segments of a protocol id this build does not parse (a newer kernel object?). */
  unsupported: number;
  /** DNS datagrams handled. */
  datagrams: number;
  /** Kernel tallies (exchanges of paused connections) turned into metric observations. */
  exchangesTallied: number;
  /** Tallies of a protocol id this build does not tally. */
  talliesUnsupported: number;
  /** Connections parsed from their socket segments until TLS plaintext of the same socket took over. */
  tlsTakeovers: number;
  /** Socket segments of a connection parsed from its TLS plaintext (ciphertext in flight when it was tied): skipped. */
  ciphertextSkipped: number;
  /** Exchanges delivered a second time as their local client's (its socket was not captured; see #deliver). */
  exchangesMirrored: number;
}

interface Connection {
  cookie: number;
  protocol: L7ProtocolName;
  /** Parsed from TLS plaintext (uprobes) rather than socket segments. */
  tls: boolean;
  side: 'server' | 'client';
  family: 4 | 6;
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
  parser: StreamParser;
  egress: TcpStream;
  ingress: TcpStream;
  lastSeenNs: number;
  closeAtNs: number | null;
  /** Kept once known: the flow probes forget a connection's owner when it closes. */
  owner: { pid: number; comm: string } | undefined;
  /** Who wrote this connection's egress payload: the owner when connect/accept was not seen. */
  senderPid: number;
  /** Exchanges of this connection in #waiting (so order is kept without scanning it). */
  waiting: number;
  /** The identity its last exchange got, for which owner, and when (see #connectionIdentity). */
  identity: ExchangeIdentity | null;
  identityOwner: { pid: number; comm: string } | undefined;
  identityAtNs: number;
  /**
   * A server socket that the kernel captures for its local client too (l7.mirror_local_peers):
   * the client socket's cookie (0: none) and its writer; each exchange is delivered twice, once
   * as the client's. `peerIdentity` is that client's identity, cached as `identity` is.
   */
  peerCookie: number;
  peerPid: number;
  peerIdentity: ExchangeIdentity | null;
  peerIdentityOwner: { pid: number; comm: string } | undefined;
  peerIdentityAtNs: number;
}

/** What names a socket's exchanges: a parsed connection, or a kernel tally's record of its socket. */
type SocketFacts = Pick<Connection, 'cookie' | 'side' | 'family' | 'localAddr' | 'localPort' | 'remoteAddr' | 'remotePort' | 'tls' | 'senderPid'>;

interface Waiting {
  conn: Connection;
  ex: ParsedExchange;
  deadlineNs: number;
}

// A dual-stack server sees an IPv4 client as ::ffff:a.b.c.d; the client's own socket says a.b.c.d.
const unmapped = (addr: string): string => (addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr);
const tupleKey = (la: string, lp: number, ra: string, rp: number): string => `${unmapped(la)}|${lp}|${unmapped(ra)}|${rp}`;

/**
 * The local client of a server socket that captures for it: the server's other end, in the
 * client's own address family (a dual-stack server sees an IPv4 client as ::ffff:a.b.c.d).
 */
function mirroredClient(server: SocketFacts, cookie: number, pid: number): SocketFacts {
  const localAddr = unmapped(server.remoteAddr);
  const mapped = localAddr !== server.remoteAddr;
  return {
    cookie, side: 'client', family: mapped ? 4 : server.family, localAddr, localPort: server.remotePort,
    remoteAddr: mapped ? unmapped(server.localAddr) : server.localAddr, remotePort: server.localPort, tls: server.tls, senderPid: pid,
  };
}

/** Closes of connections not (yet) parsed are remembered this long, and at most this many. */
const EARLY_CLOSE_TTL_NS = 5_000 * 1e6;
/** How long a connection's resolved identity serves its next exchanges (names, exe, peer service). */
const IDENTITY_TTL_NS = 1_000 * 1e6;
const MAX_EARLY_CLOSES = 65536;

/**
 * Per connection (socket cookie): two TCP streams feeding one HTTP/1 parser, then exchanges with
 * their owner attached. Which end is the client comes from connect()/accept() when the flow
 * probes saw it, else from the first message: the side that sends a request line is the client.
 */
export class L7Connections {
  readonly #redactSecrets: boolean;
  readonly #maxConnections: number;
  /** Connections with a close pending (closeAtNs set): a sweep walks these, not every connection. */
  readonly #closing = new Set<Connection>();
  readonly #idleTimeoutNs: number;
  readonly #closeGraceNs: number;
  readonly #flows: FlowCorrelator;
  readonly #clock: MonotonicClock;
  readonly #onExchange: (exchange: L7Exchange) => void;
  readonly #connections = new Map<number, Connection>();
  /** Local tuple -> cookie, to name the client process behind a server-side connection. */
  readonly #byTuple = new Map<string, number>();
  readonly stats: L7ConnectionStats = { connections: 0, shed: 0, evicted: 0, undetermined: 0, exchanges: 0, exchangesTallied: 0, talliesUnsupported: 0, duplicateSegments: 0, reorderedSegments: 0, holes: 0, unsupported: 0, datagrams: 0, tlsTakeovers: 0, ciphertextSkipped: 0, exchangesMirrored: 0 };
  readonly #keepSqlLiterals: boolean;
  readonly #dnsPort: number;
  readonly #datagrams: DnsDatagrams;
  /**
   * Exchanges whose owner is not known yet. Flow events (connect/accept) arrive on another ring
   * buffer, drained on its own schedule, so a fast exchange can complete before its connection's
   * open event is read: it waits here, at most #ownerWaitNs. Not once the connection's close
   * was read: open and close come in order on one ring, so its open event, if there was one,
   * has been read too. Parsing that lags seconds behind capture (a saturated host) finds most
   * connections closed, and their exchanges no longer wait for an owner that cannot come.
   */
  readonly #waiting: Waiting[] = [];
  readonly #ownerWaitNs: number;
  /**
   * Cookie -> when TCP reported it closed, for connections not parsed at that moment. Close events
   * come on the flow ring buffer and segments on the L7 one, each drained on its own schedule, so
   * a short connection's close is often handled before its first segment (a third of short
   * connections while the event loop was blocked, measured). Without this the connection would only
   * be flushed at the idle timeout: a close-delimited response or an unanswered request reported
   * 10 minutes late, and the connection held in memory until then.
   */
  readonly #earlyCloses = new ExpiringMap<true>(EARLY_CLOSE_TTL_NS, MAX_EARLY_CLOSES);
  #newestSegmentNs = 0;

  constructor(options: L7ConnectionsOptions) {
    this.#flows = options.flows;
    this.#clock = options.clock;
    this.#onExchange = options.onExchange;
    this.#redactSecrets = options.redactSecrets ?? true;
    this.#maxConnections = options.maxConnections ?? 65536;
    this.#idleTimeoutNs = (options.idleTimeoutMs ?? 10 * 60_000) * 1e6;
    this.#closeGraceNs = (options.closeGraceMs ?? 500) * 1e6;
    this.#ownerWaitNs = (options.ownerWaitMs ?? 200) * 1e6;
    this.#keepSqlLiterals = options.keepSqlLiterals ?? false;
    this.#dnsPort = options.dnsPort ?? 53;
    this.#datagrams = new DnsDatagrams({ dnsPort: this.#dnsPort, flows: this.#flows, clock: this.#clock, onExchange: this.#onExchange });
  }

  get size(): number {
    return this.#connections.size;
  }

  segment(s: L7Segment): void {
    if (s.datagram) {
      this.stats.datagrams++;
      this.#datagrams.datagram(s);
      return;
    }
    let conn = this.#connections.get(s.socketCookie);
    if (conn !== undefined && conn.tls !== s.tls) {
      if (!s.tls) {
        this.stats.ciphertextSkipped++;
        return;
      }
      // The socket turned out to carry TLS (PostgreSQL's SSLRequest, then a handshake): what its
      // segments fed the parser was the protocol's prelude and ciphertext. Dropped unflushed.
      this.stats.tlsTakeovers++;
      this.#forget(conn);
      conn = undefined;
    }
    if (conn === undefined) {
      const created = this.#open(s);
      if (created === null) return;
      conn = created;
    } else {
      // Keep the map in activity order so eviction drops the least recently active connection.
      this.#connections.delete(s.socketCookie);
      this.#connections.set(s.socketCookie, conn);
    }
    conn.lastSeenNs = s.tsNs;
    if (s.tsNs > this.#newestSegmentNs) this.#newestSegmentNs = s.tsNs;
    if (s.senderPid !== 0) conn.senderPid = s.senderPid;
    if (s.peerCookie !== undefined && s.peerCookie !== 0 && s.peerCookie !== conn.peerCookie) {
      conn.peerCookie = s.peerCookie;
      conn.peerPid = s.peerPid ?? 0;
      // The server's own identity names its caller: resolve both again.
      conn.identity = null;
      conn.peerIdentity = null;
    }
    (s.egress ? conn.egress : conn.ingress).segment(s.seq, s.payloadLength, s.payload, s.tsNs);
  }

  /**
   * The kernel paused capture of this connection at a request boundary: its parser state is
   * dropped without flushing (flushing would report the unseen next exchange as a failure).
   */
  shed(socketCookie: number): void {
    const conn = this.#connections.get(socketCookie);
    if (conn === undefined) return;
    this.stats.shed++;
    this.#forget(conn);
  }

  #forget(conn: Connection): void {
    this.#closing.delete(conn);
    this.#connections.delete(conn.cookie);
    this.#byTuple.delete(tupleKey(conn.localAddr, conn.localPort, conn.remoteAddr, conn.remotePort));
  }

  /**
   * Exchanges the kernel counted on paused connections (bpf/lib/l7_tally.bpf.h), with the
   * identity of their socket resolved as for parsed ones. The kernel's own record of the socket
   * (its tuple and last writer) stands in where the connection is no longer known here.
   */
  tallied(entries: ReadonlyArray<{ key: L7TallyKey; tally: L7Tally }>, wallMs: number): TalliedExchange[] {
    const out: TalliedExchange[] = [];
    // A local client's own tally in the same batch names the caller of a server-side tally.
    const clients = new Map<string, number>();
    const rows = entries.map(({ key, tally }) => {
      const af = tally.family === 2 ? AF_INET : AF_INET6;
      const localAddr = formatAddress(af, tally.localAddr);
      const remoteAddr = formatAddress(af, tally.remoteAddr);
      if (tally.server === 0 && tally.pid > 0) clients.set(tupleKey(localAddr, tally.localPort, remoteAddr, tally.remotePort), tally.pid);
      return { key, tally, localAddr, remoteAddr, family: (tally.family === 2 ? 4 : 6) as 4 | 6 };
    });
    for (const r of rows) {
      const protocol = talliedProtocol(r.tally.protocol);
      if (protocol === null) {
        this.stats.talliesUnsupported++;
        continue;
      }
      const side = r.tally.server === 1 ? 'server' : 'client';
      const sock: SocketFacts = {
        cookie: r.key.cookie, side, family: r.family, localAddr: r.localAddr, localPort: r.tally.localPort,
        remoteAddr: r.remoteAddr, remotePort: r.tally.remotePort, tls: r.tally.tls === 1, senderPid: r.tally.pid,
      };
      // The kernel named this server socket's local client (it tallies for both), or the client's own tally did.
      const peerPid = side === 'server' && r.tally.peerPid > 0 ? r.tally.peerPid : undefined;
      const mirrored = peerPid ?? (side === 'server' ? clients.get(tupleKey(r.remoteAddr, r.tally.remotePort, r.localAddr, r.tally.localPort)) : undefined);
      const identity = this.#identity(sock, this.#flows.ownerOf(r.key.cookie), mirrored);
      for (const t of talliedExchanges(identity, r.key, r.tally, protocol, wallMs)) {
        this.stats.exchangesTallied += t.count;
        out.push(t);
      }
      if (peerPid === undefined) continue;
      // The tally names no client socket: its cookie stays unknown (0).
      const client = this.#identity(mirroredClient(sock, 0, peerPid), undefined);
      for (const t of talliedExchanges(client, r.key, r.tally, protocol, wallMs)) {
        this.stats.exchangesTallied += t.count;
        out.push(t);
      }
    }
    return out;
  }

  /** TCP reported the connection closed; flush it once in-flight segments had time to arrive. */
  closed(socketCookie: number, nowNs: number): void {
    const conn = this.#connections.get(socketCookie);
    if (conn) {
      if (conn.closeAtNs === null) {
        conn.closeAtNs = nowNs + this.#closeGraceNs;
        this.#closing.add(conn);
      }
      return;
    }
    // Its segments may still be queued behind this close (see #earlyCloses).
    this.#earlyCloses.set(socketCookie, true, nowNs);
  }

  /**
   * Flushes connections that closed or went idle, and exchanges done waiting for owners. Call
   * periodically. `caughtUpToNs`: how far the segments handed in so far reach (the kernel time
   * of the newest, when a backlog waits in the ring; else `nowNs`). A close is acted on only
   * once the segments have caught up past it and its grace, or the last exchanges of a
   * connection closed while its segments waited would be cut off.
   */
  sweep(nowNs: number, caughtUpToNs = nowNs): void {
    this.#datagrams.sweep(nowNs);
    this.#releaseWaiting(nowNs, false);
    this.#earlyCloses.prune(caughtUpToNs);
    const done: Connection[] = [];
    for (const conn of this.#closing) if (caughtUpToNs >= (conn.closeAtNs ?? Infinity)) done.push(conn);
    // The map is in activity order, least recent first: the idle ones are at its head.
    for (const conn of this.#connections.values()) {
      if (nowNs - conn.lastSeenNs <= this.#idleTimeoutNs) break;
      if (conn.closeAtNs === null || caughtUpToNs < conn.closeAtNs) done.push(conn);
    }
    for (const conn of done) this.#finish(conn, nowNs);
  }

  /** Connections with parser state, exchanges waiting for their owner, DNS conversations: what a sweep walks. */
  get pending(): number {
    return this.#connections.size + this.#waiting.length + this.#datagrams.size;
  }

  /** Kernel time of the newest segment handed in. */
  get newestSegmentNs(): number {
    return this.#newestSegmentNs;
  }

  /** Flushes everything (agent stopping). */
  flushAll(nowNs: number): void {
    this.#datagrams.flushAll(nowNs);
    for (const conn of [...this.#connections.values()]) this.#finish(conn, nowNs);
    this.#releaseWaiting(nowNs, true);
  }

  #releaseWaiting(nowNs: number, all: boolean): void {
    const waiting = this.#waiting;
    if (waiting.length === 0) return;
    // A connection's entries are in order with rising deadlines and one owner, so if one stays,
    // every later one of the same connection stays too: order is kept without checking. Those
    // that stay move up in place (a new array per sweep was garbage proportional to the wait).
    let kept = 0;
    for (let i = 0; i < waiting.length; i++) {
      const w = waiting[i]!;
      if (all || nowNs >= w.deadlineNs || this.#ownerOf(w.conn) !== undefined) {
        w.conn.waiting--;
        this.#deliver(w.conn, w.ex);
      } else {
        waiting[kept++] = w;
      }
    }
    waiting.length = kept;
  }

  /** Owner not known, and its open event could still be on its way (see #waiting). */
  #awaitsOwner(conn: Connection): boolean {
    return conn.closeAtNs === null && this.#ownerOf(conn) === undefined;
  }

  /** The mirrored client's process: its connect() owner, else its writer as the kernel saw it. */
  #peerPidOf(conn: Connection): number | undefined {
    const pid = this.#flows.ownerOf(conn.peerCookie)?.pid ?? conn.peerPid;
    return pid > 0 ? pid : undefined;
  }

  #ownerOf(conn: Connection): { pid: number; comm: string } | undefined {
    conn.owner ??= this.#flows.ownerOf(conn.cookie);
    return conn.owner;
  }

  /**
   * Who and where, for any exchange of a socket: `owner` (from connect/accept) else its listener
   * (server side) else whoever wrote its egress payload; its service, and the service on the
   * other end. `clientPid` names a local client a caller already knows (a kernel tally of the
   * mirrored socket).
   */
  /**
   * A connection's identity, resolved again when its owner changes or a second after the last
   * resolution: resolving (service rules, exe, peer service) per exchange was a seventh of the
   * agent's allocations on a keep-alive connection, and what it reads changes rarely (exec,
   * a listener or peer appearing). Exchanges copy its fields, so sharing it is safe.
   */
  #connectionIdentity(conn: Connection): ExchangeIdentity {
    const owner = this.#ownerOf(conn);
    if (conn.identity !== null && conn.identityOwner === owner && conn.lastSeenNs - conn.identityAtNs < IDENTITY_TTL_NS) return conn.identity;
    conn.identity = this.#identity(conn, owner, conn.peerCookie !== 0 ? this.#peerPidOf(conn) : undefined);
    conn.identityOwner = owner;
    conn.identityAtNs = conn.lastSeenNs;
    return conn.identity;
  }

  #identity(sock: SocketFacts, owner: { pid: number; comm: string } | undefined, clientPid?: number): ExchangeIdentity {
    const best = owner ?? (sock.side === 'server' ? this.#flows.listenerOf(sock.localPort) : undefined)
      ?? (sock.senderPid > 0 ? { pid: sock.senderPid, comm: '' } : undefined);
    const pid = best?.pid ?? 0;
    // The process's name, not the thread's that the kernel saw (see FlowCorrelator.resolve).
    const comm = (pid > 0 ? this.#flows.commOf(pid) : '') || (best?.comm ?? '');
    return {
      side: sock.side,
      pid,
      comm,
      exe: pid > 0 ? this.#flows.exeOf(pid) : null,
      serviceName: this.#flows.serviceOf(pid, comm, sock.side === 'server' ? sock.localPort : null),
      peerService: this.#peerService(sock, clientPid),
      family: sock.family,
      localAddr: sock.localAddr,
      localPort: sock.localPort,
      remoteAddr: sock.remoteAddr,
      remotePort: sock.remotePort,
      socketCookie: sock.cookie,
      tls: sock.tls,
    };
  }

  #parserFor(s: L7Segment): { protocol: L7ProtocolName; parser: StreamParser } | null {
    if (isHttp1(s.protocol)) return { protocol: 'http', parser: new Http1StreamParser({ redactSecrets: this.#redactSecrets }) };
    const family = streamProtocol(s.protocol);
    if (family === undefined) return null;
    return { protocol: family.name, parser: new ProtocolStreamParser(family.create()) };
  }

  #open(s: L7Segment): Connection | null {
    const chosen = this.#parserFor(s);
    if (chosen === null) {
      this.stats.unsupported++;
      return null;
    }
    const side = this.#sideOf(s);
    if (side === null) {
      this.stats.undetermined++;
      return null;
    }
    if (this.#connections.size >= this.#maxConnections) {
      const oldest = this.#connections.values().next();
      if (oldest.done !== true) {
        this.stats.evicted++;
        this.#finish(oldest.value, s.tsNs);
      }
    }
    const af = s.family === 4 ? AF_INET : AF_INET6;
    const parser = chosen.parser;
    // The sinks run only once `conn` is assigned: segments are fed after this returns.
    let conn!: Connection;
    const requests: StreamSink = {
      data: (b, t) => this.#emit(conn, parser.client(b, t)),
      gap: (n, t) => this.#emit(conn, parser.clientGap(n, t)),
    };
    const responses: StreamSink = {
      data: (b, t) => this.#emit(conn, parser.server(b, t)),
      gap: (n, t) => this.#emit(conn, parser.serverGap(n, t)),
    };
    // Requests flow from the client: egress on a client socket, ingress on a server socket.
    conn = {
      cookie: s.socketCookie,
      protocol: chosen.protocol,
      tls: s.tls,
      side,
      family: s.family,
      localAddr: formatAddress(af, s.localAddrBytes),
      localPort: s.localPort,
      remoteAddr: formatAddress(af, s.remoteAddrBytes),
      remotePort: s.remotePort,
      parser,
      egress: new TcpStream(side === 'client' ? requests : responses),
      ingress: new TcpStream(side === 'client' ? responses : requests),
      lastSeenNs: s.tsNs,
      closeAtNs: null,
      owner: this.#flows.ownerOf(s.socketCookie),
      senderPid: s.senderPid,
      waiting: 0,
      identity: null,
      identityOwner: undefined,
      identityAtNs: 0,
      peerCookie: s.peerCookie ?? 0,
      peerPid: s.peerPid ?? 0,
      peerIdentity: null,
      peerIdentityOwner: undefined,
      peerIdentityAtNs: 0,
    };
    // Closed before its first segment was handled: flush it once the segments still in flight
    // (counted from now, when they are evidently being read) had time to arrive.
    if (this.#earlyCloses.has(s.socketCookie)) {
      conn.closeAtNs = this.#clock.nowMonotonicNs() + this.#closeGraceNs;
      this.#closing.add(conn);
    }
    this.#connections.set(s.socketCookie, conn);
    this.#byTuple.set(tupleKey(conn.localAddr, conn.localPort, conn.remoteAddr, conn.remotePort), conn.cookie);
    this.stats.connections++;
    return conn;
  }

  #sideOf(s: L7Segment): 'server' | 'client' | null {
    const owner = this.#flows.ownerOf(s.socketCookie);
    if (owner) return owner.direction === 'inbound' ? 'server' : 'client';
    const family = isHttp1(s.protocol) ? undefined : streamProtocol(s.protocol);
    if (family?.name === 'dns') {
      if (s.remotePort === this.#dnsPort) return 'client';
      if (s.localPort === this.#dnsPort) return 'server';
    }
    const role = family === undefined ? http1SenderRole(s.payload) : family.senderRole(s.payload);
    // The sender of a request is the client: on egress that is this socket, on ingress the peer.
    if (role !== null) return (role === 'client') === s.egress ? 'client' : 'server';
    return this.#flows.listenerOf(s.localPort) ? 'server' : null;
  }

  #finish(conn: Connection, nowNs: number): void {
    conn.egress.flush();
    conn.ingress.flush();
    for (const stream of [conn.egress, conn.ingress]) {
      this.stats.duplicateSegments += stream.stats.duplicates;
      this.stats.reorderedSegments += stream.stats.reordered;
      this.stats.holes += stream.stats.holes;
    }
    this.#emit(conn, conn.parser.close(nowNs));
    this.#closing.delete(conn);
    this.#connections.delete(conn.cookie);
    this.#byTuple.delete(tupleKey(conn.localAddr, conn.localPort, conn.remoteAddr, conn.remotePort));
  }

  #emit(conn: Connection, exchanges: ParsedExchange[]): void {
    for (const ex of exchanges) {
      this.stats.exchanges++;
      // Keep per-connection order: once one waits, later ones of the same connection wait too.
      if (conn.waiting > 0 || this.#awaitsOwner(conn)) {
        conn.waiting++;
        this.#waiting.push({ conn, ex, deadlineNs: this.#clock.nowMonotonicNs() + this.#ownerWaitNs });
      } else {
        this.#deliver(conn, ex);
      }
    }
  }

  /** The exchange as its socket saw it, then, for a server socket capturing for its local client, as that client's. */
  #deliver(conn: Connection, parsed: ParsedExchange): void {
    const exchange = this.#toExchange(conn, parsed);
    this.#onExchange(exchange);
    if (conn.peerCookie !== 0 && conn.side === 'server') {
      this.stats.exchangesMirrored++;
      this.#onExchange(withIdentity(exchange, this.#peerIdentity(conn)));
    }
  }

  /**
   * The local client of a server socket that captures for it (see mirroredClient): its owner from
   * connect() when the flow probes reported it, else the process that wrote its first request.
   */
  #peerIdentity(conn: Connection): ExchangeIdentity {
    const owner = this.#flows.ownerOf(conn.peerCookie);
    if (conn.peerIdentity !== null && conn.peerIdentityOwner === owner && conn.lastSeenNs - conn.peerIdentityAtNs < IDENTITY_TTL_NS) return conn.peerIdentity;
    conn.peerIdentity = this.#identity(mirroredClient(conn, conn.peerCookie, conn.peerPid), owner);
    conn.peerIdentityOwner = owner;
    conn.peerIdentityAtNs = conn.lastSeenNs;
    return conn.peerIdentity;
  }

  #toExchange(conn: Connection, parsed: ParsedExchange): L7Exchange {
    const identity = this.#connectionIdentity(conn);
    if (parsed.kind === 'http1') {
      const ex = parsed.exchange;
      const req = ex.request;
      const res = ex.response;
      return {
        protocol: 'http',
        ...identity,
        startMs: this.#clock.toWallMs(ex.startNs),
        durationMs: Math.max(0, (ex.endNs - ex.startNs) / 1e6),
        method: req && req.method !== '' ? req.method : null,
        target: req && req.target !== '' ? req.target : null,
        httpVersion: (req?.version || res?.version) || null,
        status: res && res.status > 0 ? res.status : null,
        requestBytes: ex.requestBytes,
        responseBytes: ex.responseBytes,
        requestBodyBytes: req?.bodyBytes ?? 0,
        responseBodyBytes: res?.bodyBytes ?? 0,
        // The parser's records, as they are: a copy per message without the absent headers was
        // ~3% of the replayed pipeline (bench/l7-replay), and only Host and User-Agent are read.
        requestHeaders: req ? req.headers : NO_HEADERS,
        responseHeaders: res ? res.headers : NO_HEADERS,
        upgraded: ex.upgraded,
        problem: ex.problem,
        operation: null,
        resource: null,
        statusText: null,
        failed: null,
        attributes: {},
        tls: conn.tls,
      };
    }
    return protocolL7Exchange(identity, conn.protocol, parsed.exchange, this.#clock, this.#keepSqlLiterals);
  }

  #peerService(sock: SocketFacts, clientPid?: number): string | null {
    if (sock.side === 'client') return this.#flows.localServiceAt(sock.remoteAddr, sock.remotePort);
    if (clientPid !== undefined) return this.#flows.serviceOf(clientPid, this.#flows.commOf(clientPid), null);
    // Server side: the client is local when its socket (the mirrored tuple) is one we parse.
    const clientCookie = this.#byTuple.get(tupleKey(sock.remoteAddr, sock.remotePort, sock.localAddr, sock.localPort));
    const owner = clientCookie === undefined ? undefined : this.#flows.ownerOf(clientCookie);
    return owner ? this.#flows.serviceOf(owner.pid, owner.comm, null) : null;
  }
}
