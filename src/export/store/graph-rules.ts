import { endpointLabel } from '../../telemetry/service-graph.js';
import type { StoreSpan } from './records.js';
import type { KeyValue } from './rollup-kinds.js';

export type NodeKind = 'service' | 'database' | 'cache' | 'broker' | 'external';

const PROTOCOL_KINDS: Readonly<Record<string, NodeKind>> = {
  postgresql: 'database', mysql: 'database', mongodb: 'database',
  redis: 'cache', memcached: 'cache',
  kafka: 'broker',
};

/** The kind of a node that serves this protocol, or null when the protocol says nothing (HTTP, gRPC, DNS). */
export function protocolNodeKind(protocol: string): NodeKind | null {
  return PROTOCOL_KINDS[protocol] ?? null;
}

/** The node of clients outside any private network: one node, or every public address would be one. */
export const INTERNET = 'internet';

const PRIVATE_V4 = [
  [10, 0, 8], [172, 16, 12], [192, 168, 16], [127, 0, 8], [169, 254, 16], [100, 64, 10],
] as const;

/** RFC 1918, loopback, link-local and carrier-grade NAT (IPv4); loopback, unique-local and link-local (IPv6). */
export function isPrivateAddress(addr: string): boolean {
  const plain = addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(plain);
  if (v4 !== null) {
    const a = Number(v4[1]);
    const b = Number(v4[2]);
    return PRIVATE_V4.some(([net, second, bits]) => a === net && (bits === 8 || b >> (16 - bits) === second >> (16 - bits)));
  }
  const lower = plain.toLowerCase();
  return lower === '::1' || /^f[cd][0-9a-f]{2}:/.test(lower) || /^fe[89ab][0-9a-f]:/.test(lower);
}

/** One client -> server pair of the graph, as a span contributes it. */
export interface EdgeKey {
  client: string;
  server: string;
  protocol: string;
  /** The client is a process of this host (its name is a service name). */
  clientLocal: boolean;
  serverLocal: boolean;
}

/**
 * The edge a span is counted on, or null. Every exchange between two local services is seen
 * twice (the client's span and the server's), so it is counted once, on the client side:
 * - client side: client = this service, server = `peer_service`, or when the peer is not a
 *   known process, the remote `addr:port` (a database, cache or broker by protocol, else external);
 * - server side with an unknown client (`peer_service` null): an external client -> this
 *   service. The client is its address when that is private (another host of the same network:
 *   a bounded set worth seeing) and `internet` otherwise; its ephemeral port is left out;
 * - server side with a known client: none, that client's own span counts it.
 */
export function spanEdge(span: EdgeSpan): EdgeKey | null {
  const key: KeyValue[] = ['', '', '', 0, 0];
  if (!writeSpanEdge(span, key)) return null;
  return { client: key[0] as string, server: key[1] as string, protocol: key[2] as string, clientLocal: key[3] === 1, serverLocal: key[4] === 1 };
}

type EdgeSpan = Pick<StoreSpan, 'side' | 'service_name' | 'peer_service' | 'remote_addr' | 'remote_port' | 'protocol'>;

/**
 * spanEdge's answer written into `out` as a rollup key (client, server, protocol, clientLocal
 * and serverLocal as 1 or 0), for the store's rollups: no object per span. False, with `out`
 * untouched, when the span is counted on no edge.
 */
export function writeSpanEdge(span: EdgeSpan, out: KeyValue[]): boolean {
  if (span.side === 'client') {
    const known = span.peer_service !== null && span.peer_service !== '';
    out[0] = span.service_name;
    out[1] = known ? span.peer_service as string : endpointLabel(span.remote_addr, span.remote_port);
    out[2] = span.protocol;
    out[3] = 1;
    out[4] = known ? 1 : 0;
    return true;
  }
  if (span.peer_service !== null && span.peer_service !== '') return false;
  out[0] = isPrivateAddress(span.remote_addr) ? span.remote_addr : INTERNET;
  out[1] = span.service_name;
  out[2] = span.protocol;
  out[3] = 0;
  out[4] = 1;
  return true;
}

interface NodeFacts {
  protocolKind: NodeKind | null;
  protocol: string | null;
  local: boolean;
}

/**
 * Collects what is known of each node and decides its kind: serving a database, cache or
 * broker protocol decides first; then a node never seen as a local process is external; else
 * it is a service.
 */
export class NodeKinds {
  readonly #facts = new Map<string, NodeFacts>();

  #get(id: string): NodeFacts {
    let f = this.#facts.get(id);
    if (f === undefined) {
      f = { protocolKind: null, protocol: null, local: false };
      this.#facts.set(id, f);
    }
    return f;
  }

  /** A local process with this service name was seen (on either side). */
  local(id: string): void {
    this.#get(id).local = true;
  }

  /** Something was seen serving `protocol` as `id` (a server-side span, or the server end of an edge). */
  serves(id: string, protocol: string, local: boolean): void {
    const f = this.#get(id);
    if (local) f.local = true;
    const kind = protocolNodeKind(protocol);
    // The first data protocol seen wins, so a node's kind does not flip between queries.
    if (kind !== null && f.protocolKind === null) {
      f.protocolKind = kind;
      f.protocol = protocol;
    } else if (f.protocol === null) {
      f.protocol = protocol;
    }
  }

  /** Seen only as the far end of a connection (an external client). */
  seen(id: string): void {
    this.#get(id);
  }

  nodes(): { id: string; kind: NodeKind; protocol?: string }[] {
    const out: { id: string; kind: NodeKind; protocol?: string }[] = [];
    for (const [id, f] of this.#facts) {
      const kind: NodeKind = f.protocolKind ?? (f.local ? 'service' : 'external');
      if (kind !== 'service' && f.protocol !== null) out.push({ id, kind, protocol: f.protocol });
      else out.push({ id, kind });
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
