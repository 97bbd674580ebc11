// A stand-in for a Kafka broker, because Kafka cannot be installed on the test machines. One
// broker (node 0, itself at 127.0.0.1:<port>) with one topic, `orders`, of one partition, speaking
// just enough of the protocol for the `kafkajs` client: ApiVersions, Metadata, Produce, and the
// consumer-group calls a kafkajs consumer makes (FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
// OffsetFetch, OffsetCommit, ListOffsets, Fetch, LeaveGroup). Each API is answered at exactly the
// (non-flexible) version it advertises, which is the highest kafkajs knows, so kafkajs picks it.
// Produced record batches are kept as sent and served back by Fetch; unknown topics get
// UNKNOWN_TOPIC_OR_PARTITION (3) like a broker with auto-creation off.

import { createServer, type Server, type Socket } from 'node:net';

export interface KafkaResponder {
  port: number;
  /** Requests received so far, as `ApiName vN`, for assertions. */
  requests: string[];
  close(): Promise<void>;
}

export const RESPONDER_TOPIC = 'orders';
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const UNSUPPORTED_VERSION = 35;
const NODE_ID = 0;

/** api key → [name, the one version answered]. ApiVersions is answered at v0–v2. */
const SUPPORTED: ReadonlyMap<number, readonly [string, number]> = new Map([
  [0, ['Produce', 7]],
  [1, ['Fetch', 11]],
  [2, ['ListOffsets', 3]],
  [3, ['Metadata', 6]],
  [8, ['OffsetCommit', 5]],
  [9, ['OffsetFetch', 4]],
  [10, ['FindCoordinator', 2]],
  [11, ['JoinGroup', 5]],
  [12, ['Heartbeat', 3]],
  [13, ['LeaveGroup', 3]],
  [14, ['SyncGroup', 3]],
  [18, ['ApiVersions', 2]],
]);

interface StoredBatch { baseOffset: bigint; count: number; bytes: Buffer }

interface Broker {
  port: number;
  log: StoredBatch[];
  nextOffset: bigint;
  committed: Map<string, bigint>;
  members: number;
  /** Assignment the group leader handed out, per member id. */
  assignments: Map<string, Buffer>;
  protocolMetadata: Buffer;
  protocolName: string;
}

export interface KafkaResponderOptions {
  /** Port Metadata names for the broker, when clients must reach it through a proxy; default its own. */
  advertisedPort?: number;
}

export async function startKafkaResponder(options: KafkaResponderOptions = {}): Promise<KafkaResponder> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const broker: Broker = {
    port: 0, log: [], nextOffset: 0n, committed: new Map(), members: 0,
    assignments: new Map(), protocolMetadata: Buffer.alloc(0), protocolName: '',
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let pending = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 8 || size > 64 * 1024 * 1024) { socket.destroy(); return; }
        if (pending.length < 4 + size) break;
        const request = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        let keep: boolean;
        try {
          keep = handle(request, broker, requests, (reply, delayMs) => {
            const framed = Buffer.concat([int32(reply.length), reply]);
            if (delayMs > 0) setTimeout(() => { if (!socket.destroyed) socket.write(framed); }, delayMs);
            else socket.write(framed);
          });
        } catch {
          keep = false; // a request we cannot read
        }
        if (!keep) { socket.destroy(); return; }
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  broker.port = options.advertisedPort ?? port;
  return {
    port,
    requests,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

type Reply = (body: Buffer, delayMs: number) => void;

/** false: close the connection, as a broker does for a request it cannot answer. */
function handle(request: Buffer, broker: Broker, log: string[], reply: Reply): boolean {
  const r = new Reader(request);
  const apiKey = r.int16();
  const version = r.int16();
  const correlationId = r.int32();
  r.nullableString(); // client id
  const known = SUPPORTED.get(apiKey);
  log.push(`${known?.[0] ?? `ApiKey${apiKey}`} v${version}`);
  const header = int32(correlationId);
  const send = (body: Buffer, delayMs = 0): void => reply(Buffer.concat([header, body]), delayMs);
  if (apiKey === 18) {
    // Above v2 the client wants a flexible reply; v0 with UNSUPPORTED_VERSION makes it retry lower.
    send(version <= 2 ? apiVersions(version) : Buffer.concat([int16(UNSUPPORTED_VERSION), array([])]));
    return true;
  }
  if (known === undefined || known[1] !== version) return false;
  switch (apiKey) {
    case 0: produce(r, broker, send); break;
    case 1: fetch(r, broker, send); break;
    case 2: send(listOffsets(r, broker)); break;
    case 3: send(metadata(r, broker)); break;
    case 8: send(offsetCommit(r, broker)); break;
    case 9: send(offsetFetch(r, broker)); break;
    case 10: send(Buffer.concat([int32(0), int16(0), nullableString(null), int32(NODE_ID), string('127.0.0.1'), int32(broker.port)])); break;
    case 11: send(joinGroup(r, broker)); break;
    case 12: send(Buffer.concat([int32(0), int16(0)])); break;
    case 13: send(leaveGroup(r)); break;
    case 14: send(syncGroup(r, broker)); break;
    default: return false;
  }
  return true;
}

function apiVersions(version: number): Buffer {
  const entries = [...SUPPORTED].map(([key, [, v]]) => Buffer.concat([int16(key), int16(key === 18 ? 0 : v), int16(v)]));
  const parts = [int16(0), array(entries)];
  if (version >= 1) parts.push(int32(0));
  return Buffer.concat(parts);
}

function isKnownTopic(name: string): boolean {
  return name === RESPONDER_TOPIC;
}

function metadata(r: Reader, broker: Broker): Buffer {
  const asked = r.nullableArray(() => r.string());
  const names = asked ?? [RESPONDER_TOPIC];
  const brokers = array([Buffer.concat([int32(NODE_ID), string('127.0.0.1'), int32(broker.port), nullableString(null)])]);
  const topics = names.map((name) => {
    if (!isKnownTopic(name)) return Buffer.concat([int16(UNKNOWN_TOPIC_OR_PARTITION), string(name), int8(0), array([])]);
    const partition = Buffer.concat([
      int16(0), int32(0), int32(NODE_ID), array([int32(NODE_ID)]), array([int32(NODE_ID)]), array([]),
    ]);
    return Buffer.concat([int16(0), string(name), int8(0), array([partition])]);
  });
  return Buffer.concat([int32(0), brokers, nullableString('sonde-test-cluster'), int32(NODE_ID), array(topics)]);
}

function produce(r: Reader, broker: Broker, send: (body: Buffer) => void): void {
  r.nullableString(); // transactional id
  const acks = r.int16();
  r.int32(); // timeout
  const topics = r.array(() => {
    const name = r.string();
    const partitions = r.array(() => {
      const index = r.int32();
      const records = r.nullableBytes();
      if (!isKnownTopic(name) || index !== 0 || records === null) {
        return Buffer.concat([int32(index), int16(UNKNOWN_TOPIC_OR_PARTITION), int64(-1n), int64(-1n), int64(-1n)]);
      }
      const base = broker.nextOffset;
      for (let at = 0; at + 61 <= records.length;) {
        const length = records.readInt32BE(at + 8);
        const batch = Buffer.from(records.subarray(at, at + 12 + length));
        const count = batch.readInt32BE(57);
        batch.writeBigInt64BE(broker.nextOffset, 0);
        broker.log.push({ baseOffset: broker.nextOffset, count, bytes: batch });
        broker.nextOffset += BigInt(count);
        at += 12 + length;
      }
      return Buffer.concat([int32(index), int16(0), int64(base), int64(-1n), int64(0n)]);
    });
    return Buffer.concat([string(name), array(partitions)]);
  });
  if (acks === 0) return;
  send(Buffer.concat([array(topics), int32(0)]));
}

function fetch(r: Reader, broker: Broker, send: (body: Buffer, delayMs: number) => void): void {
  r.int32(); // replica id
  const maxWaitMs = r.int32();
  r.int32(); r.int32(); r.int8(); r.int32(); r.int32(); // min/max bytes, isolation, session id/epoch
  let found = 0;
  const topics = r.array(() => {
    const name = r.string();
    const partitions = r.array(() => {
      const index = r.int32();
      r.int32(); // current leader epoch
      const offset = r.int64();
      r.int64(); r.int32(); // log start offset, partition max bytes
      if (!isKnownTopic(name) || index !== 0) {
        return Buffer.concat([int32(index), int16(UNKNOWN_TOPIC_OR_PARTITION), int64(-1n), int64(-1n), int64(-1n), int32(-1), int32(-1), int32(-1)]);
      }
      const batches = broker.log.filter((b) => b.baseOffset + BigInt(b.count) > offset).map((b) => b.bytes);
      found += batches.length;
      const hw = broker.nextOffset;
      return Buffer.concat([int32(index), int16(0), int64(hw), int64(hw), int64(0n), int32(-1), int32(-1), bytes(Buffer.concat(batches))]);
    });
    return Buffer.concat([string(name), array(partitions)]);
  });
  // A broker holds an empty fetch for max_wait_ms; a shorter wait keeps tests quick.
  send(Buffer.concat([int32(0), int16(0), int32(0), array(topics)]), found === 0 ? Math.min(maxWaitMs, 100) : 0);
}

function listOffsets(r: Reader, broker: Broker): Buffer {
  r.int32(); r.int8(); // replica id, isolation level
  const topics = r.array(() => {
    const name = r.string();
    const partitions = r.array(() => {
      const index = r.int32();
      const timestamp = r.int64();
      if (!isKnownTopic(name) || index !== 0) return Buffer.concat([int32(index), int16(UNKNOWN_TOPIC_OR_PARTITION), int64(-1n), int64(-1n)]);
      // -2: earliest, -1 (or any time): latest.
      return Buffer.concat([int32(index), int16(0), int64(-1n), int64(timestamp === -2n ? 0n : broker.nextOffset)]);
    });
    return Buffer.concat([string(name), array(partitions)]);
  });
  return Buffer.concat([int32(0), array(topics)]);
}

function offsetFetch(r: Reader, broker: Broker): Buffer {
  const group = r.string();
  const asked = r.nullableArray(() => [r.string(), r.array(() => r.int32())] as const) ?? [];
  const topics = asked.map(([name, partitions]) => Buffer.concat([string(name), array(partitions.map((p) => {
    const offset = broker.committed.get(`${group}/${name}/${p}`) ?? -1n;
    return Buffer.concat([int32(p), int64(offset), nullableString(''), int16(isKnownTopic(name) ? 0 : UNKNOWN_TOPIC_OR_PARTITION)]);
  }))]));
  return Buffer.concat([int32(0), array(topics), int16(0)]);
}

function offsetCommit(r: Reader, broker: Broker): Buffer {
  const group = r.string();
  r.int32(); r.string(); // generation, member id
  const topics = r.array(() => {
    const name = r.string();
    const partitions = r.array(() => {
      const p = r.int32();
      const offset = r.int64();
      r.nullableString();
      broker.committed.set(`${group}/${name}/${p}`, offset);
      return Buffer.concat([int32(p), int16(isKnownTopic(name) ? 0 : UNKNOWN_TOPIC_OR_PARTITION)]);
    });
    return Buffer.concat([string(name), array(partitions)]);
  });
  return Buffer.concat([int32(0), array(topics)]);
}

function joinGroup(r: Reader, broker: Broker): Buffer {
  r.string(); r.int32(); r.int32(); // group, session and rebalance timeouts
  let memberId = r.string();
  const instanceId = r.nullableString();
  r.string(); // protocol type
  const protocols = r.array(() => [r.string(), r.bytes()] as const);
  if (memberId === '') memberId = `sonde-member-${++broker.members}`;
  const [name, meta] = protocols[0] ?? ['', Buffer.alloc(0)];
  broker.protocolName = name;
  broker.protocolMetadata = meta;
  // One member per group: it leads, and the group is stable at generation 1.
  const members = array([Buffer.concat([string(memberId), nullableString(instanceId), bytes(meta)])]);
  return Buffer.concat([int32(0), int16(0), int32(1), string(name), string(memberId), string(memberId), members]);
}

function syncGroup(r: Reader, broker: Broker): Buffer {
  r.string(); r.int32(); // group, generation
  const memberId = r.string();
  r.nullableString();
  for (const [member, assignment] of r.array(() => [r.string(), r.bytes()] as const)) broker.assignments.set(member, assignment);
  return Buffer.concat([int32(0), int16(0), bytes(broker.assignments.get(memberId) ?? Buffer.alloc(0))]);
}

function leaveGroup(r: Reader): Buffer {
  r.string();
  const members = r.array(() => Buffer.concat([string(r.string()), nullableString(r.nullableString()), int16(0)]));
  return Buffer.concat([int32(0), int16(0), array(members)]);
}

// ---- Encoding and decoding of the non-flexible primitives -----------------------------------

function int8(n: number): Buffer { const b = Buffer.alloc(1); b.writeInt8(n); return b; }
function int16(n: number): Buffer { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; }
function int32(n: number): Buffer { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; }
function int64(n: bigint): Buffer { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b; }
function string(s: string): Buffer { const v = Buffer.from(s, 'utf8'); return Buffer.concat([int16(v.length), v]); }
function nullableString(s: string | null): Buffer { return s === null ? int16(-1) : string(s); }
function bytes(v: Buffer): Buffer { return Buffer.concat([int32(v.length), v]); }
function array(items: Buffer[]): Buffer { return Buffer.concat([int32(items.length), ...items]); }

/** Reads a request body; a malformed request throws, which closes nothing but that handler. */
class Reader {
  private at = 0;
  constructor(private readonly b: Buffer) {}
  int8(): number { const v = this.b.readInt8(this.at); this.at += 1; return v; }
  int16(): number { const v = this.b.readInt16BE(this.at); this.at += 2; return v; }
  int32(): number { const v = this.b.readInt32BE(this.at); this.at += 4; return v; }
  int64(): bigint { const v = this.b.readBigInt64BE(this.at); this.at += 8; return v; }
  nullableString(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    const s = this.b.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }
  string(): string { return this.nullableString() ?? ''; }
  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  bytes(): Buffer { return this.nullableBytes() ?? Buffer.alloc(0); }
  nullableArray<T>(item: () => T): T[] | null {
    const n = this.int32();
    if (n < 0) return null;
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }
  array<T>(item: () => T): T[] { return this.nullableArray(item) ?? []; }
}
