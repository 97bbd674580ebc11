// A stand-in for mongod, because a MongoDB server cannot be installed on the test machines. It
// speaks just enough of the wire protocol (OP_MSG, and OP_QUERY/OP_REPLY for legacy hello) with
// replies shaped like a standalone MongoDB 7.0's, so the official `mongodb` driver can connect,
// run commands and end its sessions. Not a database: inserts are counted, finds return two fixed
// documents, and `drop` of a collection named `missing` fails like mongod does (code 26).

import { createServer, type Server, type Socket } from 'node:net';
import {
  decodeBsonDocument, readInt32LE, type BsonDocument, type BsonValue,
} from '../../src/protocols/mongodb/bson.js';

export interface MongoResponder {
  port: number;
  /** Commands received so far, by name as sent (`hello`, `insert`, ...), for assertions. */
  commands: string[];
  close(): Promise<void>;
}

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const MORE_TO_COME = 1 << 1;
const MAX_MESSAGE = 48_000_000;

/** What the encoder accepts: decoded BSON values, plus plain objects for documents. */
export type EncodableValue = BsonValue | { [key: string]: EncodableValue } | EncodableValue[];
export type EncodableDocument = BsonDocument | { [key: string]: EncodableValue };

export interface MongoResponderOptions {
  /**
   * Put a topologyVersion in hello replies, as mongod 4.4+ does. The driver's monitor then asks
   * for streamed (exhaust) hello replies, and gets one every `STREAM_INTERVAL_MS` marked
   * moreToCome until it disconnects.
   */
  streamingHello?: boolean;
}

const STREAM_INTERVAL_MS = 40;
const EXHAUST_ALLOWED = 1 << 16;

export async function startMongoResponder(options: MongoResponderOptions = {}): Promise<MongoResponder> {
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  let nextRequestId = 1;
  let nextConnectionId = 1;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const connectionId = nextConnectionId++;
    let pending = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 4) {
        const length = pending.readInt32LE(0);
        if (length < 16 || length > MAX_MESSAGE) { socket.destroy(); return; }
        if (pending.length < length) break;
        const message = new Uint8Array(pending.subarray(0, length));
        pending = pending.subarray(length);
        const newId = (): number => nextRequestId++;
        const reply = answer(message, connectionId, commands, newId, options);
        if (reply === 'close') { socket.destroy(); return; }
        if (reply === null) continue;
        socket.write(reply.bytes);
        if (reply.stream !== null) {
          const doc = reply.stream;
          let previous = reply.requestId;
          if (streamTimer !== null) clearInterval(streamTimer);
          streamTimer = setInterval(() => {
            const id = newId();
            socket.write(opMsg(doc, id, previous, MORE_TO_COME));
            previous = id;
          }, STREAM_INTERVAL_MS);
        }
      }
    });
    let streamTimer: NodeJS.Timeout | null = null;
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (streamTimer !== null) clearInterval(streamTimer);
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    commands,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

interface Answer {
  bytes: Uint8Array;
  requestId: number;
  /** A streamed hello: keep sending this document, moreToCome, each answering the previous. */
  stream: EncodableDocument | null;
}

/** The reply to one message, null when none is due (moreToCome), 'close' for what we cannot read. */
function answer(
  message: Uint8Array, connectionId: number, commands: string[], newId: () => number, options: MongoResponderOptions,
): Answer | null | 'close' {
  const requestId = readInt32LE(message, 4);
  const opCode = readInt32LE(message, 12);
  if (opCode === OP_QUERY) {
    let at = 20;
    const nsEnd = message.indexOf(0, at);
    if (nsEnd < 0) return 'close';
    const ns = new TextDecoder().decode(message.subarray(at, nsEnd));
    at = nsEnd + 1 + 8;
    let query = decodeBsonDocument(message, at);
    if (query === null || !ns.endsWith('.$cmd')) return 'close';
    const wrapped = query.get('$query');
    if (wrapped instanceof Map) query = wrapped;
    const reply = runCommand(query, ns.slice(0, -'.$cmd'.length), connectionId, commands, options);
    const id = newId();
    return { bytes: opReply(reply, id, requestId), requestId: id, stream: null };
  }
  if (opCode !== OP_MSG) return 'close';
  const flags = readInt32LE(message, 16);
  let body: BsonDocument | null = null;
  const sequences = new Map<string, BsonValue[]>();
  let at = 20;
  const end = message.length - ((flags & 1) !== 0 ? 4 : 0);
  while (at < end) {
    const kind = message[at++];
    if (kind === 0) {
      body = decodeBsonDocument(message, at);
      if (body === null) return 'close';
      at += readInt32LE(message, at);
    } else if (kind === 1) {
      const size = readInt32LE(message, at);
      const idEnd = message.indexOf(0, at + 4);
      const id = new TextDecoder().decode(message.subarray(at + 4, idEnd));
      const docs: BsonValue[] = [];
      for (let d = idEnd + 1; d < at + size;) {
        const doc = decodeBsonDocument(message, d);
        if (doc === null) return 'close';
        docs.push(doc);
        d += readInt32LE(message, d);
      }
      sequences.set(id, docs);
      at += size;
    } else {
      return 'close';
    }
  }
  if (body === null) return 'close';
  for (const [id, docs] of sequences) body.set(id, docs);
  const db = body.get('$db');
  const reply = runCommand(body, typeof db === 'string' ? db : 'admin', connectionId, commands, options);
  if ((flags & MORE_TO_COME) !== 0) return null;
  const id = newId();
  const streams = (flags & EXHAUST_ALLOWED) !== 0 && body.has('maxAwaitTimeMS') && body.has('topologyVersion');
  return { bytes: opMsg(reply, id, requestId, streams ? MORE_TO_COME : 0), requestId: id, stream: streams ? reply : null };
}

const TOPOLOGY_VERSION: EncodableValue = { processId: { bsonType: 'objectId', hex: '65a1b2c3d4e5f60718290000' }, counter: 0n };

const SAMPLE_DOCUMENTS: EncodableValue[] = [
  { _id: { bsonType: 'objectId', hex: '65a1b2c3d4e5f60718293a4b' }, item: 'pen', qty: 3, price: 1.5 },
  { _id: { bsonType: 'objectId', hex: '65a1b2c3d4e5f60718293a4c' }, item: 'ink', qty: 12, price: 7.25 },
];

function runCommand(
  command: BsonDocument, db: string, connectionId: number, commands: string[], options: MongoResponderOptions,
): EncodableDocument {
  const first = command.entries().next();
  if (first.done === true) return commandNotFound('');
  const [name, value] = first.value;
  commands.push(name);
  switch (name) {
    case 'hello': case 'isMaster': case 'ismaster':
      return {
        ...(name === 'hello' ? { isWritablePrimary: true } : { ismaster: true }),
        ...(options.streamingHello === true ? { topologyVersion: TOPOLOGY_VERSION } : {}),
        helloOk: true,
        maxBsonObjectSize: 16 * 1024 * 1024,
        maxMessageSizeBytes: MAX_MESSAGE,
        maxWriteBatchSize: 100_000,
        localTime: { bsonType: 'date', ms: 1_700_000_000_000n },
        logicalSessionTimeoutMinutes: 30,
        connectionId,
        minWireVersion: 0,
        maxWireVersion: 21,
        readOnly: false,
        ok: 1.0,
      };
    case 'ping': case 'endSessions':
      return { ok: 1.0 };
    case 'insert': {
      const docs = command.get('documents');
      return { n: Array.isArray(docs) ? docs.length : 0, ok: 1.0 };
    }
    case 'find':
      return {
        cursor: { firstBatch: SAMPLE_DOCUMENTS, id: 0n, ns: `${db}.${String(value)}` },
        ok: 1.0,
      };
    case 'drop':
      // mongod puts `ok` first in error replies; the parser relies on that shape being real.
      if (value === 'missing') return { ok: 0.0, errmsg: 'ns not found', code: 26, codeName: 'NamespaceNotFound' };
      return { nIndexesWas: 1, ns: `${db}.${String(value)}`, ok: 1.0 };
    default:
      return commandNotFound(name);
  }
}

function commandNotFound(name: string): EncodableDocument {
  return { ok: 0.0, errmsg: `no such command: '${name}'`, code: 59, codeName: 'CommandNotFound' };
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

function opMsg(reply: EncodableDocument, requestId: number, responseTo: number, flags = 0): Uint8Array {
  const doc = encodeBsonDocument(reply);
  const length = 16 + 4 + 1 + doc.length;
  const flagBits = Buffer.alloc(4);
  flagBits.writeUInt32LE(flags);
  return Buffer.concat([header(length, requestId, responseTo, OP_MSG), flagBits, Buffer.from([0]), doc]);
}

function opReply(reply: EncodableDocument, requestId: number, responseTo: number): Uint8Array {
  const doc = encodeBsonDocument(reply);
  const fields = Buffer.alloc(20);
  fields.writeInt32LE(1, 16); // numberReturned; flags, cursorID and startingFrom stay 0
  return Buffer.concat([header(16 + 20 + doc.length, requestId, responseTo, OP_REPLY), fields, doc]);
}

// ---- A small BSON encoder (the parser only decodes, so it lives here) ----------------------

/** Encodes a document: integers that fit become int32, other numbers doubles, bigints int64. */
export function encodeBsonDocument(doc: EncodableDocument): Buffer {
  const parts: Buffer[] = [];
  const entries = doc instanceof Map ? [...doc.entries()] : Object.entries(doc);
  for (const [key, value] of entries) parts.push(encodeElement(key, value));
  const body = Buffer.concat(parts);
  const out = Buffer.alloc(4 + body.length + 1);
  out.writeInt32LE(out.length, 0);
  body.copy(out, 4);
  return out;
}

function cstring(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

function element(type: number, key: string, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), cstring(key), value]);
}

function encodeElement(key: string, value: EncodableValue): Buffer {
  if (value === null) return element(0x0a, key, Buffer.alloc(0));
  switch (typeof value) {
    case 'boolean': return element(0x08, key, Buffer.from([value ? 1 : 0]));
    case 'bigint': {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(value);
      return element(0x12, key, b);
    }
    case 'number': {
      if (Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 && !Object.is(value, -0) && !isDoubleHint(key, value)) {
        const b = Buffer.alloc(4);
        b.writeInt32LE(value);
        return element(0x10, key, b);
      }
      const b = Buffer.alloc(8);
      b.writeDoubleLE(value);
      return element(0x01, key, b);
    }
    case 'string': {
      const s = Buffer.from(value, 'utf8');
      const b = Buffer.alloc(4 + s.length + 1);
      b.writeInt32LE(s.length + 1, 0);
      s.copy(b, 4);
      return element(0x02, key, b);
    }
    default: break;
  }
  if (Array.isArray(value)) {
    const doc: { [key: string]: EncodableValue } = {};
    value.forEach((v, i) => { doc[String(i)] = v; });
    return element(0x04, key, encodeBsonDocument(doc));
  }
  if (value instanceof Map) return element(0x03, key, encodeBsonDocument(value));
  if ('bsonType' in value && typeof value.bsonType === 'string') {
    switch (value.bsonType) {
      case 'objectId': return element(0x07, key, Buffer.from(String(value.hex), 'hex'));
      case 'date': {
        const b = Buffer.alloc(8);
        b.writeBigInt64LE(BigInt(value.ms as bigint));
        return element(0x09, key, b);
      }
      case 'binary': {
        const bytes = value.bytes as Uint8Array;
        const b = Buffer.alloc(5 + bytes.length);
        b.writeInt32LE(bytes.length, 0);
        b[4] = Number(value.subtype);
        b.set(bytes, 5);
        return element(0x05, key, b);
      }
      default: break;
    }
  }
  return element(0x03, key, encodeBsonDocument(value as { [key: string]: EncodableValue }));
}

/** mongod sends `ok` and prices as doubles; drivers accept either, but real bytes are better. */
function isDoubleHint(key: string, value: number): boolean {
  return key === 'ok' && (value === 0 || value === 1);
}
