// What the parser reads from one MongoDB wire message (the MongoDB Wire Protocol reference:
// standard header, OP_MSG, legacy OP_QUERY/OP_REPLY, OP_COMPRESSED). It reads from a captured
// prefix of the message: fields past the prefix are unknown, and `truncated` says when one of
// those was needed. Nothing is kept that a user's data could contain: command names, collection
// and database names, counts and server error codes only (never errmsg, filters or documents).

import {
  BSON_ARRAY, BSON_DOCUMENT, bsonName, bsonNameIs, bsonNumberValue, bsonStringValue, readInt32LE, walkBsonDocument,
  type BsonElementRef, type BsonWalkEnd,
} from './bson.js';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const MONGO_HEADER_BYTES = 16;
/** mongod's maxMessageSizeBytes default; nothing larger is accepted on the wire. */
export const MONGO_MAX_MESSAGE_BYTES = 48_000_000;

const CHECKSUM_PRESENT = 1 << 0;
const MORE_TO_COME = 1 << 1;
const QUERY_FAILURE = 1 << 1;
const CURSOR_NOT_FOUND = 1 << 0;

/** Longest command, collection or database name kept (MongoDB namespaces are at most 255 bytes). */
const MAX_NAME_CHARS = 255;

export function isMongoOpCode(opCode: number): boolean {
  return opCode === OP_MSG || opCode === OP_QUERY || opCode === OP_REPLY || opCode === OP_COMPRESSED;
}

export interface MongoHeader {
  length: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

/** The 16-byte standard header at the start of `bytes` (which must hold it). */
export function readMongoHeader(bytes: Uint8Array): MongoHeader {
  return {
    length: readInt32LE(bytes, 0),
    requestId: readInt32LE(bytes, 4),
    responseTo: readInt32LE(bytes, 8),
    opCode: readInt32LE(bytes, 12),
  };
}

interface ReadProblems {
  /** A field the parser needed lies past the bytes held. */
  truncated: boolean;
  /** The bytes held contradict the format. */
  malformed: boolean;
}

export interface MongoRequest extends MongoHeader, ReadProblems {
  /** OP_MSG moreToCome: the client expects no reply. */
  oneWay: boolean;
  /** First key of the command document, as sent (`find`, `insert`, `isMaster`). */
  command: string | null;
  collection: string | null;
  database: string | null;
  /** Documents in an insert/update/delete batch. */
  batchSize: number | null;
  /** OP_COMPRESSED: the opCode of the message inside. */
  compressedOpCode: number | null;
}

export interface MongoReply extends MongoHeader, ReadProblems {
  /** OP_MSG moreToCome on a reply: more replies to the same request follow (exhaust). */
  moreToCome: boolean;
  /** null: not known (compressed, cut before `ok`, or no document). */
  ok: boolean | null;
  /** Server error code (`code`, or of the first write error / the write concern error). */
  code: number | null;
  codeName: string | null;
  compressedOpCode: number | null;
}

/** Reads a client message from the held prefix `head` of a message `length` bytes long. */
export function readMongoRequest(head: Uint8Array, length: number): MongoRequest {
  const req: MongoRequest = {
    length, requestId: readInt32LE(head, 4), responseTo: readInt32LE(head, 8), opCode: readInt32LE(head, 12), oneWay: false, command: null, collection: null, database: null, batchSize: null,
    compressedOpCode: null, truncated: false, malformed: false,
  };
  switch (req.opCode) {
    case OP_MSG: readMsgRequest(head, length, req); break;
    case OP_QUERY: readQueryRequest(head, length, req); break;
    case OP_COMPRESSED: req.compressedOpCode = readCompressedOpCode(head, req); break;
    default: req.malformed = true; // OP_REPLY from a client
  }
  return req;
}

/** Reads a server message from the held prefix `head` of a message `length` bytes long. */
export function readMongoReply(head: Uint8Array, length: number): MongoReply {
  const reply: MongoReply = {
    length, requestId: readInt32LE(head, 4), responseTo: readInt32LE(head, 8), opCode: readInt32LE(head, 12), moreToCome: false, ok: null, code: null, codeName: null, compressedOpCode: null,
    truncated: false, malformed: false,
  };
  switch (reply.opCode) {
    case OP_MSG: readMsgReply(head, length, reply); break;
    case OP_REPLY: readLegacyReply(head, length, reply); break;
    case OP_COMPRESSED: reply.compressedOpCode = readCompressedOpCode(head, reply); break;
    default: reply.malformed = true;
  }
  return reply;
}

function readCompressedOpCode(head: Uint8Array, problems: ReadProblems): number | null {
  if (head.length < 20) {
    problems.truncated = true;
    return null;
  }
  return readInt32LE(head, 16);
}

/** Where OP_MSG sections end: before the CRC-32C when checksumPresent. */
function sectionsEnd(flags: number, length: number): number {
  return length - ((flags & CHECKSUM_PRESENT) !== 0 ? 4 : 0);
}

function readMsgRequest(head: Uint8Array, length: number, req: MongoRequest): void {
  if (head.length < 20) { req.truncated = true; return; }
  const flags = readInt32LE(head, 16);
  req.oneWay = (flags & MORE_TO_COME) !== 0;
  const end = sectionsEnd(flags, length);
  let at = 20;
  let sawBody = false;
  let sequenceDocs: number | null = null;
  let sequenceCut = false;
  while (at < end) {
    if (at >= head.length) { req.truncated = true; break; }
    const kind = head[at]!;
    at++;
    if (kind === 0) {
      if (sawBody) { req.malformed = true; break; }
      sawBody = true;
      const size = readBody(head, at, end, req);
      if (size < 0) break;
      at += size;
    } else if (kind === 1) {
      if (at + 4 > head.length) { req.truncated = true; break; }
      const size = readInt32LE(head, at);
      if (size < 5 || at + size > end) { req.malformed = true; break; }
      const counted = countSequence(head, at, at + size);
      if (counted === null) req.malformed = true;
      else if (counted.cut) sequenceCut = true;
      else sequenceDocs = (sequenceDocs ?? 0) + counted.documents;
      at += size;
    } else {
      req.malformed = true;
      break;
    }
  }
  if (sequenceCut) req.truncated = true;
  else if (sequenceDocs !== null) req.batchSize = sequenceDocs;
}

/**
 * Reads the command document of an OP_MSG request; returns its size, or -1 when the sections
 * after it cannot be reached (cut or malformed).
 */
function readBody(head: Uint8Array, at: number, end: number, req: MongoRequest): number {
  let first = true;
  let sawDb = false;
  let batchCut = false;
  const outcome = walkBsonDocument(head, at, (e) => {
    if (first) {
      first = false;
      takeCommand(head, e, req);
      return true;
    }
    if (bsonNameIs(head, e, '$db')) {
      sawDb = true;
      req.database = bsonStringValue(head, e, MAX_NAME_CHARS);
    } else if (req.collection === null && bsonNameIs(head, e, 'collection')) {
      // getMore names its collection in a field of its own.
      req.collection = bsonStringValue(head, e, MAX_NAME_CHARS);
    } else if (e.type === BSON_ARRAY && isBatchField(head, e)) {
      const n = countArray(head, e);
      if (n === null) batchCut = true;
      else req.batchSize = n;
    }
    return true;
  }, end);
  if (outcome === 'invalid') { req.malformed = true; return -1; }
  // Cut before the command name, $db (sent last) or the whole of an inline batch.
  if (outcome === 'cut' && (first || !sawDb || batchCut)) req.truncated = true;
  if (at + 4 > head.length) return -1;
  return readInt32LE(head, at);
}

/** The command name and, when its value is a string, the collection it names. */
function takeCommand(bytes: Uint8Array, e: Readonly<BsonElementRef>, target: { command: string | null; collection: string | null }): void {
  const name = bsonName(bytes, e);
  target.command = name.length > 0 ? name.slice(0, MAX_NAME_CHARS) : null;
  target.collection = bsonStringValue(bytes, e, MAX_NAME_CHARS);
}

function isBatchField(bytes: Uint8Array, e: Readonly<BsonElementRef>): boolean {
  return bsonNameIs(bytes, e, 'documents') || bsonNameIs(bytes, e, 'updates') || bsonNameIs(bytes, e, 'deletes');
}

/** Elements of an array value; null when the array is not all held. */
function countArray(bytes: Uint8Array, e: Readonly<BsonElementRef>): number | null {
  let n = 0;
  const outcome = walkBsonDocument(bytes, e.valueStart, () => { n++; return true; }, e.valueEnd);
  return outcome === 'complete' ? n : null;
}

/** Documents of a kind-1 section spanning [at, end) (`at` is its size field). */
function countSequence(head: Uint8Array, at: number, end: number): { documents: number; cut: boolean } | null {
  let i = at + 4;
  while (i < end && i < head.length && head[i] !== 0) i++;
  if (i >= end) return null;
  if (i >= head.length) return { documents: 0, cut: true };
  i++;
  let documents = 0;
  while (i < end) {
    if (i + 4 > head.length) return { documents, cut: true };
    const size = readInt32LE(head, i);
    if (size < 5 || i + size > end) return null;
    documents++;
    i += size;
  }
  return { documents, cut: false };
}

function readQueryRequest(head: Uint8Array, length: number, req: MongoRequest): void {
  let i = 20;
  const limit = Math.min(head.length, length);
  while (i < limit && head[i] !== 0) i++;
  if (i >= limit) {
    if (limit >= length) req.malformed = true;
    else req.truncated = true;
    return;
  }
  const ns = new TextDecoder().decode(head.subarray(20, i));
  const dot = ns.indexOf('.');
  const db = dot < 0 ? ns : ns.slice(0, dot);
  const coll = dot < 0 ? '' : ns.slice(dot + 1);
  req.database = db.length > 0 ? db.slice(0, MAX_NAME_CHARS) : null;
  const queryAt = i + 1 + 8;
  if (coll !== '$cmd') {
    // A legacy query on a collection: what OP_MSG calls `find`.
    req.command = 'find';
    req.collection = coll.length > 0 ? coll.slice(0, MAX_NAME_CHARS) : null;
    return;
  }
  readQueryCommand(head, queryAt, length, req, 0);
}

/** The command in an OP_QUERY on `db.$cmd`, unwrapping `{$query: {...}}` once. */
function readQueryCommand(head: Uint8Array, at: number, end: number, req: MongoRequest, depth: number): void {
  let wrapped = -1;
  let first = true;
  const outcome: BsonWalkEnd = walkBsonDocument(head, at, (e) => {
    if (first) {
      first = false;
      if (depth === 0 && e.type === BSON_DOCUMENT && bsonNameIs(head, e, '$query')) wrapped = e.valueStart;
      else takeCommand(head, e, req);
    }
    return false;
  }, end);
  if (outcome === 'invalid') { req.malformed = true; return; }
  if (wrapped >= 0) { readQueryCommand(head, wrapped, end, req, depth + 1); return; }
  if (first) {
    if (outcome === 'cut') req.truncated = true;
    else req.malformed = true; // an empty command document
  }
}

function readMsgReply(head: Uint8Array, length: number, reply: MongoReply): void {
  if (head.length < 20) { reply.truncated = true; return; }
  const flags = readInt32LE(head, 16);
  reply.moreToCome = (flags & MORE_TO_COME) !== 0;
  const end = sectionsEnd(flags, length);
  if (21 > end) { reply.malformed = true; return; }
  if (head.length < 21) { reply.truncated = true; return; }
  if (head[20] !== 0) {
    // Servers reply with a single body section.
    reply.malformed = true;
    return;
  }
  readReplyDocument(head, 21, end, reply);
}

function readLegacyReply(head: Uint8Array, length: number, reply: MongoReply): void {
  if (head.length < 36) {
    if (length < 36) reply.malformed = true;
    else reply.truncated = true;
    return;
  }
  const flags = readInt32LE(head, 16);
  const returned = readInt32LE(head, 32);
  if ((flags & CURSOR_NOT_FOUND) !== 0) {
    reply.ok = false;
    reply.codeName = 'CursorNotFound';
    return;
  }
  if (returned < 1) {
    // A query with no documents: a success with nothing to say.
    reply.ok = (flags & QUERY_FAILURE) === 0;
    return;
  }
  readReplyDocument(head, 36, length, reply);
  if ((flags & QUERY_FAILURE) !== 0) reply.ok = false;
}

/**
 * ok/code/codeName of a reply document, and the first write error's code. mongod puts `ok` first
 * in error replies and last in successes, after payloads such as a cursor's batch; so a reply
 * cut before any `ok` was seen, that did not start with an error's fields, is a success.
 */
function readReplyDocument(head: Uint8Array, at: number, end: number, reply: MongoReply): void {
  let firstName: 'ok' | 'error' | 'other' | null = null;
  let writeError = false;
  let writeErrorCode: number | null = null;
  const outcome = walkBsonDocument(head, at, (e) => {
    if (firstName === null) {
      firstName = bsonNameIs(head, e, 'ok') ? 'ok'
        : bsonNameIs(head, e, 'errmsg') || bsonNameIs(head, e, '$err') || bsonNameIs(head, e, 'code') ? 'error' : 'other';
    }
    if (bsonNameIs(head, e, 'ok')) {
      const ok = bsonNumberValue(head, e);
      if (ok !== null) reply.ok = ok !== 0;
    } else if (bsonNameIs(head, e, 'code')) {
      reply.code = integerValue(head, e);
    } else if (bsonNameIs(head, e, 'codeName')) {
      reply.codeName = bsonStringValue(head, e, MAX_NAME_CHARS);
    } else if (!writeError && e.type === BSON_ARRAY && bsonNameIs(head, e, 'writeErrors')) {
      writeError = true;
      writeErrorCode = firstErrorCode(head, e, true);
    } else if (!writeError && e.type === BSON_DOCUMENT && bsonNameIs(head, e, 'writeConcernError')) {
      writeError = true;
      writeErrorCode = firstErrorCode(head, e, false);
    }
    return true;
  }, end);
  if (outcome === 'invalid') { reply.malformed = true; return; }
  if (outcome === 'cut') {
    if (reply.ok === null && firstName === 'other') reply.ok = true;
    // An error whose code was not reached: the outcome is known, its code is not.
    else if (reply.ok !== true && reply.code === null) reply.truncated = true;
  }
  // ok: 1 with write errors: the command ran, the writes (some of them) failed.
  if (reply.ok === true && writeError) {
    reply.ok = false;
    reply.code = writeErrorCode;
  }
}

function integerValue(bytes: Uint8Array, e: Readonly<BsonElementRef>): number | null {
  const n = bsonNumberValue(bytes, e);
  return n !== null && Number.isInteger(n) ? n : null;
}

/** `code` of a write concern error document, or of the first document of a writeErrors array. */
function firstErrorCode(bytes: Uint8Array, e: Readonly<BsonElementRef>, isArray: boolean): number | null {
  let docAt = e.valueStart;
  if (isArray) {
    docAt = -1;
    walkBsonDocument(bytes, e.valueStart, (item) => {
      if (item.type === BSON_DOCUMENT) docAt = item.valueStart;
      return false;
    }, e.valueEnd);
    if (docAt < 0) return null;
  }
  let code: number | null = null;
  walkBsonDocument(bytes, docAt, (field) => {
    if (!bsonNameIs(bytes, field, 'code')) return true;
    code = integerValue(bytes, field);
    return false;
  }, e.valueEnd);
  return code;
}
