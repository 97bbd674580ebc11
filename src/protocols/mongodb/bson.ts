// Read-only BSON (bsonspec.org, version 1.1). The parser needs little of it: the names and a few
// scalar values of a command's top-level fields, in wire order, from a prefix of the message that
// may stop anywhere. So the core is a walker that visits elements without decoding them; the full
// decoder (maps, arrays, tagged values) exists for tests and the in-test responder. Nothing here
// throws: a cut document says so, a malformed one says so.

export const BSON_DOUBLE = 0x01;
export const BSON_STRING = 0x02;
export const BSON_DOCUMENT = 0x03;
export const BSON_ARRAY = 0x04;
export const BSON_BINARY = 0x05;
export const BSON_UNDEFINED = 0x06;
export const BSON_OBJECT_ID = 0x07;
export const BSON_BOOLEAN = 0x08;
export const BSON_DATE = 0x09;
export const BSON_NULL = 0x0a;
export const BSON_REGEX = 0x0b;
export const BSON_DB_POINTER = 0x0c;
export const BSON_JAVASCRIPT = 0x0d;
export const BSON_SYMBOL = 0x0e;
export const BSON_CODE_WITH_SCOPE = 0x0f;
export const BSON_INT32 = 0x10;
export const BSON_TIMESTAMP = 0x11;
export const BSON_INT64 = 0x12;
export const BSON_DECIMAL128 = 0x13;
export const BSON_MIN_KEY = 0xff;
export const BSON_MAX_KEY = 0x7f;

/** Smallest document: int32 length + terminating 0x00. */
export const BSON_MIN_DOCUMENT = 5;

/**
 * One element as positions into the walked bytes. `valueEnd` may lie past the bytes held when the
 * document is cut: the element's extent is known from its length prefix even if its bytes are not.
 */
export interface BsonElementRef {
  type: number;
  nameStart: number;
  nameEnd: number;
  valueStart: number;
  valueEnd: number;
}

/**
 * How a walk ended: `complete` (the terminating byte was reached), `stopped` (the visitor said so),
 * `cut` (the bytes ran out first: a captured prefix), `invalid` (not BSON).
 */
export type BsonWalkEnd = 'complete' | 'stopped' | 'cut' | 'invalid';

/** Called per element; return false to stop the walk. The element object is reused between calls. */
export type BsonVisitor = (element: Readonly<BsonElementRef>) => boolean;

export function readInt32LE(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24));
}

/** Declared size of the document at `start`, or -1 when those 4 bytes are not held or are impossible. */
export function bsonDocumentSize(bytes: Uint8Array, start: number): number {
  if (start < 0 || start + 4 > bytes.length) return -1;
  const size = readInt32LE(bytes, start);
  return size >= BSON_MIN_DOCUMENT ? size : -1;
}

/**
 * Where the value of an element of `type` starting at `at` ends, reading nothing past `held`.
 * -1: the type is unknown or the value malformed; -2: the value's extent depends on bytes not held.
 */
function valueEnd(bytes: Uint8Array, type: number, at: number, held: number): number {
  switch (type) {
    case BSON_DOUBLE: case BSON_DATE: case BSON_TIMESTAMP: case BSON_INT64:
      return at + 8;
    case BSON_INT32:
      return at + 4;
    case BSON_DECIMAL128:
      return at + 16;
    case BSON_OBJECT_ID:
      return at + 12;
    case BSON_BOOLEAN:
      return at + 1;
    case BSON_UNDEFINED: case BSON_NULL: case BSON_MIN_KEY: case BSON_MAX_KEY:
      return at;
    case BSON_STRING: case BSON_JAVASCRIPT: case BSON_SYMBOL: {
      if (at + 4 > held) return -2;
      const n = readInt32LE(bytes, at);
      return n >= 1 ? at + 4 + n : -1;
    }
    case BSON_DB_POINTER: {
      if (at + 4 > held) return -2;
      const n = readInt32LE(bytes, at);
      return n >= 1 ? at + 4 + n + 12 : -1;
    }
    case BSON_DOCUMENT: case BSON_ARRAY: {
      if (at + 4 > held) return -2;
      const n = readInt32LE(bytes, at);
      return n >= BSON_MIN_DOCUMENT ? at + n : -1;
    }
    case BSON_CODE_WITH_SCOPE: {
      if (at + 4 > held) return -2;
      const n = readInt32LE(bytes, at);
      return n >= 14 ? at + n : -1;
    }
    case BSON_BINARY: {
      if (at + 4 > held) return -2;
      const n = readInt32LE(bytes, at);
      return n >= 0 ? at + 5 + n : -1;
    }
    case BSON_REGEX: {
      let i = at;
      for (let k = 0; k < 2; k++) {
        while (i < held && bytes[i] !== 0) i++;
        if (i >= held) return -2;
        i++;
      }
      return i;
    }
    default:
      return -1;
  }
}

/**
 * Visits the elements of the document starting at `start`, in wire order, reading only
 * `bytes[start .. min(bytes.length, limit))`. `limit` bounds the document from outside (the
 * enclosing message or section); a document claiming to run past it is invalid.
 */
export function walkBsonDocument(bytes: Uint8Array, start: number, visit: BsonVisitor, limit = Number.MAX_SAFE_INTEGER): BsonWalkEnd {
  if (start < 0 || start >= bytes.length) return 'cut';
  if (start + 4 > bytes.length) return 'cut';
  const size = readInt32LE(bytes, start);
  if (size < BSON_MIN_DOCUMENT || start + size > limit) return 'invalid';
  const end = start + size;
  const held = Math.min(bytes.length, end);
  // One element object per walk, so a visitor may walk a sub-document without disturbing this one.
  const scratch: BsonElementRef = { type: 0, nameStart: 0, nameEnd: 0, valueStart: 0, valueEnd: 0 };
  let i = start + 4;
  for (;;) {
    // Elements end before the terminator, so running out of bytes here means they were not held.
    if (i >= held) return 'cut';
    const type = bytes[i]!;
    if (type === 0) return i === end - 1 ? 'complete' : 'invalid';
    const nameStart = i + 1;
    let j = nameStart;
    while (j < held && bytes[j] !== 0) j++;
    if (j >= held) return j >= end ? 'invalid' : 'cut';
    const at = j + 1;
    const stop = valueEnd(bytes, type, at, held);
    if (stop === -1) return 'invalid';
    if (stop === -2) return 'cut';
    if (stop > end - 1) return 'invalid';
    scratch.type = type;
    scratch.nameStart = nameStart;
    scratch.nameEnd = j;
    scratch.valueStart = at;
    scratch.valueEnd = stop;
    if (!visit(scratch)) return 'stopped';
    i = stop;
  }
}

const utf8 = new TextDecoder('utf-8');

/** Element name; no allocation-free variant is needed outside the hot compare below. */
export function bsonName(bytes: Uint8Array, element: Readonly<BsonElementRef>): string {
  return utf8.decode(bytes.subarray(element.nameStart, element.nameEnd));
}

/** Whether the element's name is exactly `ascii`, without decoding it. */
export function bsonNameIs(bytes: Uint8Array, element: Readonly<BsonElementRef>, ascii: string): boolean {
  const n = element.nameEnd - element.nameStart;
  if (n !== ascii.length) return false;
  for (let k = 0; k < n; k++) if (bytes[element.nameStart + k] !== ascii.charCodeAt(k)) return false;
  return true;
}

/** A string element's value, at most `maxChars` code units; null when not a string or not all held. */
export function bsonStringValue(bytes: Uint8Array, element: Readonly<BsonElementRef>, maxChars = 1024): string | null {
  if (element.type !== BSON_STRING && element.type !== BSON_SYMBOL) return null;
  if (element.valueEnd > bytes.length) return null;
  const s = utf8.decode(bytes.subarray(element.valueStart + 4, element.valueEnd - 1));
  return s.length > maxChars ? s.slice(0, maxChars) : s;
}

/** A numeric element (double, int32, int64, as a JS number) or a boolean as 0/1; null otherwise. */
export function bsonNumberValue(bytes: Uint8Array, element: Readonly<BsonElementRef>): number | null {
  if (element.valueEnd > bytes.length) return null;
  const at = element.valueStart;
  switch (element.type) {
    case BSON_INT32: return readInt32LE(bytes, at);
    case BSON_INT64: return Number(readInt64LE(bytes, at));
    case BSON_DOUBLE: return readDoubleLE(bytes, at);
    case BSON_BOOLEAN: return bytes[at] === 0 ? 0 : 1;
    default: return null;
  }
}

function readInt64LE(bytes: Uint8Array, at: number): bigint {
  const lo = BigInt(readInt32LE(bytes, at) >>> 0);
  const hi = BigInt(readInt32LE(bytes, at + 4));
  return (hi << 32n) | lo;
}

function readDoubleLE(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset + at, 8).getFloat64(0, true);
}

// ---- Full decoding (tests, responder) -------------------------------------------------------

export type BsonDocument = Map<string, BsonValue>;

export interface BsonObjectId { readonly bsonType: 'objectId'; readonly hex: string }
export interface BsonBinary { readonly bsonType: 'binary'; readonly subtype: number; readonly bytes: Uint8Array }
/** Milliseconds since the Unix epoch. */
export interface BsonDate { readonly bsonType: 'date'; readonly ms: bigint }
export interface BsonTimestamp { readonly bsonType: 'timestamp'; readonly seconds: number; readonly increment: number }
export interface BsonRegex { readonly bsonType: 'regex'; readonly pattern: string; readonly flags: string }
/** Values kept as their raw bytes: decimal128, DBPointer, code with scope. */
export interface BsonRaw { readonly bsonType: 'decimal128' | 'dbPointer' | 'codeWithScope'; readonly bytes: Uint8Array }
export interface BsonCode { readonly bsonType: 'javascript' | 'symbol'; readonly code: string }
export interface BsonMarker { readonly bsonType: 'undefined' | 'minKey' | 'maxKey' }

/** int32 and double both become numbers, int64 a bigint; documents keep their field order. */
export type BsonValue =
  | number | bigint | string | boolean | null
  | BsonDocument | BsonValue[]
  | BsonObjectId | BsonBinary | BsonDate | BsonTimestamp | BsonRegex | BsonRaw | BsonCode | BsonMarker;

/** Deeper nesting than this is treated as malformed, so hostile input cannot exhaust the stack. */
export const BSON_MAX_DEPTH = 100;

/**
 * Decodes the whole document at `start` (which must be fully held). null when it is cut,
 * malformed or nested deeper than BSON_MAX_DEPTH.
 */
export function decodeBsonDocument(bytes: Uint8Array, start = 0): BsonDocument | null {
  return decodeDocument(bytes, start, 0);
}

function decodeDocument(bytes: Uint8Array, start: number, depth: number): BsonDocument | null {
  if (depth > BSON_MAX_DEPTH) return null;
  const out: BsonDocument = new Map();
  const elements: BsonElementRef[] = [];
  const end = walkBsonDocument(bytes, start, (e) => { elements.push({ ...e }); return true; });
  if (end !== 'complete') return null;
  for (const e of elements) {
    const value = decodeValue(bytes, e, depth);
    if (value === undefined) return null;
    out.set(bsonName(bytes, e), value);
  }
  return out;
}

function decodeArray(bytes: Uint8Array, start: number, depth: number): BsonValue[] | null {
  const doc = decodeDocument(bytes, start, depth);
  return doc === null ? null : [...doc.values()];
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** undefined: malformed. */
function decodeValue(bytes: Uint8Array, e: BsonElementRef, depth: number): BsonValue | undefined {
  const at = e.valueStart;
  switch (e.type) {
    case BSON_DOUBLE: case BSON_INT32: case BSON_BOOLEAN: {
      const n = bsonNumberValue(bytes, e);
      if (n === null) return undefined;
      return e.type === BSON_BOOLEAN ? n === 1 : n;
    }
    case BSON_INT64: return readInt64LE(bytes, at);
    case BSON_STRING: return bsonStringValue(bytes, e, Number.MAX_SAFE_INTEGER) ?? undefined;
    case BSON_SYMBOL: case BSON_JAVASCRIPT: {
      const code = utf8.decode(bytes.subarray(at + 4, e.valueEnd - 1));
      return { bsonType: e.type === BSON_SYMBOL ? 'symbol' : 'javascript', code };
    }
    case BSON_DOCUMENT: return decodeDocument(bytes, at, depth + 1) ?? undefined;
    case BSON_ARRAY: return decodeArray(bytes, at, depth + 1) ?? undefined;
    case BSON_BINARY: return { bsonType: 'binary', subtype: bytes[at + 4]!, bytes: bytes.slice(at + 5, e.valueEnd) };
    case BSON_OBJECT_ID: return { bsonType: 'objectId', hex: hex(bytes.subarray(at, at + 12)) };
    case BSON_DATE: return { bsonType: 'date', ms: readInt64LE(bytes, at) };
    case BSON_NULL: return null;
    case BSON_UNDEFINED: return { bsonType: 'undefined' };
    case BSON_MIN_KEY: return { bsonType: 'minKey' };
    case BSON_MAX_KEY: return { bsonType: 'maxKey' };
    case BSON_TIMESTAMP:
      return { bsonType: 'timestamp', increment: readInt32LE(bytes, at) >>> 0, seconds: readInt32LE(bytes, at + 4) >>> 0 };
    case BSON_REGEX: {
      const mid = bytes.indexOf(0, at);
      return {
        bsonType: 'regex',
        pattern: utf8.decode(bytes.subarray(at, mid)),
        flags: utf8.decode(bytes.subarray(mid + 1, e.valueEnd - 1)),
      };
    }
    case BSON_DECIMAL128: return { bsonType: 'decimal128', bytes: bytes.slice(at, at + 16) };
    case BSON_DB_POINTER: return { bsonType: 'dbPointer', bytes: bytes.slice(at, e.valueEnd) };
    case BSON_CODE_WITH_SCOPE: return { bsonType: 'codeWithScope', bytes: bytes.slice(at, e.valueEnd) };
    default: return undefined;
  }
}
