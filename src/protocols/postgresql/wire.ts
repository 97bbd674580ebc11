// The framing rules of the PostgreSQL frontend/backend protocol v3, shared by detection and the
// framer: which type bytes each side sends, what lengths are plausible, and full structural checks
// of a message body. The structural checks are what lets the framer find its way back into a
// stream after lost bytes without taking a random byte for a message start.

/** Protocol 3.0 in a StartupMessage; the minor version is the low 16 bits. */
export const PROTOCOL_3 = 0x0003_0000;
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;
/** The server's limit on a startup packet (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_LENGTH = 10_000;
/** The server's limit on any message (MaxAllocSize). */
export const MAX_MESSAGE_LENGTH = 0x3fff_ffff;

export type Side = 'client' | 'server';

const ch = (s: string): number => s.charCodeAt(0);

/** Message type bytes by side; the value is the largest plausible length field (0: not a type). */
function lengthTable(entries: Record<string, number>): Uint32Array {
  const t = new Uint32Array(256);
  for (const [k, v] of Object.entries(entries)) t[ch(k)] = v;
  return t;
}

const KIB = 1024;
const MIB = 1024 * KIB;

const CLIENT_MAX = lengthTable({
  B: MAX_MESSAGE_LENGTH, C: 4 * KIB, D: 4 * KIB, E: 4 * KIB, F: MAX_MESSAGE_LENGTH, H: 4, P: MAX_MESSAGE_LENGTH,
  Q: MAX_MESSAGE_LENGTH, S: 4, X: 4, c: 4, d: MAX_MESSAGE_LENGTH, f: MIB, p: MIB,
});

const SERVER_MAX = lengthTable({
  R: 64 * KIB, K: 4 + 4 + 256, S: 64 * KIB, Z: 5, T: 16 * MIB, D: MAX_MESSAGE_LENGTH, C: KIB, E: 16 * MIB, N: 16 * MIB,
  A: MIB, 1: 4, 2: 4, 3: 4, n: 4, s: 4, t: MIB, I: 4, G: 4 + 3 + 2 * 1664, H: 4 + 3 + 2 * 1664, W: 4 + 3 + 2 * 1664,
  d: MAX_MESSAGE_LENGTH, c: 4, V: MAX_MESSAGE_LENGTH, v: 64 * KIB,
});

/** Length fields that have one value only. */
const CLIENT_FIXED = lengthTable({ H: 4, S: 4, X: 4, c: 4 });
const SERVER_FIXED = lengthTable({ Z: 5, 1: 4, 2: 4, 3: 4, n: 4, s: 4, I: 4, c: 4 });

/** Types whose body has no structure to check: resynchronising on them needs a second message. */
const WEAK = new Set([ch('d'), ch('p')]);

export function isMessageType(side: Side, type: number): boolean {
  return (side === 'client' ? CLIENT_MAX : SERVER_MAX)[type]! !== 0;
}

export function isWeakType(type: number): boolean {
  return WEAK.has(type);
}

/** Whether a typed header (type byte + int32 length including itself) can be real. */
export function plausibleHeader(side: Side, type: number, length: number): boolean {
  const max = (side === 'client' ? CLIENT_MAX : SERVER_MAX)[type]!;
  if (max === 0 || length < 4 || length > max) return false;
  const fixed = (side === 'client' ? CLIENT_FIXED : SERVER_FIXED)[type]!;
  return fixed === 0 || length === fixed;
}

/** Whether an untyped first packet (int32 length, int32 code) can be real. */
export function plausibleStartup(length: number, code: number): boolean {
  if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) return length === 8;
  if (code === CANCEL_REQUEST_CODE) return length >= 16 && length <= 16 + 256;
  // Protocol 3.x: at least the terminating NUL after the code.
  return code >>> 16 === 3 && (code & 0xffff) < 0x100 && length > 8 && length <= MAX_STARTUP_LENGTH;
}

export function readInt32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) | 0;
}

export function readUint32(b: Uint8Array, at: number): number {
  return readInt32(b, at) >>> 0;
}

export function readInt16(b: Uint8Array, at: number): number {
  return ((b[at]! << 8) | b[at + 1]!) << 16 >> 16;
}

/** Offset just past the NUL ending the string at `at`, or -1 when there is none before `end`. */
export function cstringEnd(b: Uint8Array, at: number, end: number): number {
  for (let i = at; i < end; i++) if (b[i] === 0) return i + 1;
  return -1;
}

/** `n` int16 format codes (0 text, 1 binary) at `at`; returns the offset after them or -1. */
function formatCodes(b: Uint8Array, at: number, n: number, end: number): number {
  if (n < 0 || at + 2 * n > end) return -1;
  for (let i = 0; i < n; i++) {
    const f = readInt16(b, at + 2 * i);
    if (f !== 0 && f !== 1) return -1;
  }
  return at + 2 * n;
}

/** `n` values each an int32 length (-1 = NULL) and that many bytes; offset after them or -1. */
function lengthPrefixedValues(b: Uint8Array, at: number, n: number, end: number): number {
  if (n < 0) return -1;
  let o = at;
  for (let i = 0; i < n; i++) {
    if (o + 4 > end) return -1;
    const len = readInt32(b, o);
    o += 4;
    if (len === -1) continue;
    if (len < 0 || len > end - o) return -1;
    o += len;
  }
  return o;
}

/** Error and notice fields: (code letter, string)* then a NUL. */
function errorFieldsEnd(b: Uint8Array, end: number): number {
  let o = 0;
  while (o < end) {
    const code = b[o]!;
    if (code === 0) return o + 1;
    if (!((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a))) return -1;
    o = cstringEnd(b, o + 1, end);
    if (o < 0) return -1;
  }
  return -1;
}

function clientBodyEnd(type: string, b: Uint8Array, end: number): number {
  switch (type) {
    case 'Q': {
      const o = cstringEnd(b, 0, end);
      return o;
    }
    case 'P': {
      let o = cstringEnd(b, 0, end);
      if (o < 0) return -1;
      o = cstringEnd(b, o, end);
      if (o < 0 || o + 2 > end) return -1;
      const n = readInt16(b, o);
      return n < 0 || o + 2 + 4 * n > end ? -1 : o + 2 + 4 * n;
    }
    case 'B': {
      let o = cstringEnd(b, 0, end);
      if (o >= 0) o = cstringEnd(b, o, end);
      if (o < 0 || o + 2 > end) return -1;
      o = formatCodes(b, o + 2, readInt16(b, o), end);
      if (o < 0 || o + 2 > end) return -1;
      o = lengthPrefixedValues(b, o + 2, readInt16(b, o), end);
      if (o < 0 || o + 2 > end) return -1;
      return formatCodes(b, o + 2, readInt16(b, o), end);
    }
    case 'E': {
      const o = cstringEnd(b, 0, end);
      return o < 0 || o + 4 > end || readInt32(b, o) < 0 ? -1 : o + 4;
    }
    case 'D':
    case 'C':
      return end >= 1 && (b[0] === ch('S') || b[0] === ch('P')) ? cstringEnd(b, 1, end) : -1;
    case 'F': {
      if (end < 6) return -1;
      let o = formatCodes(b, 6, readInt16(b, 4), end);
      if (o < 0 || o + 2 > end) return -1;
      o = lengthPrefixedValues(b, o + 2, readInt16(b, o), end);
      if (o < 0 || o + 2 > end) return -1;
      const f = readInt16(b, o);
      return f === 0 || f === 1 ? o + 2 : -1;
    }
    case 'f':
      return cstringEnd(b, 0, end);
    default: // H S X c: empty; d p: opaque
      return end;
  }
}

function serverBodyEnd(type: string, b: Uint8Array, end: number): number {
  switch (type) {
    case 'R': {
      if (end < 4) return -1;
      const code = readInt32(b, 0);
      if (code === 0 || code === 2 || code === 3 || code === 7 || code === 9) return 4;
      if (code === 5) return end >= 8 ? 8 : -1;
      return code === 8 || code === 10 || code === 11 || code === 12 ? end : -1;
    }
    case 'K':
      return end >= 8 ? end : -1;
    case 'S': {
      const o = cstringEnd(b, 0, end);
      return o < 0 ? -1 : cstringEnd(b, o, end);
    }
    case 'Z':
      return b[0] === ch('I') || b[0] === ch('T') || b[0] === ch('E') ? 1 : -1;
    case 'T': {
      if (end < 2) return -1;
      const n = readInt16(b, 0);
      if (n < 0) return -1;
      let o = 2;
      for (let i = 0; i < n; i++) {
        o = cstringEnd(b, o, end);
        if (o < 0 || o + 18 > end) return -1;
        o += 18;
      }
      return o;
    }
    case 'D':
      return end < 2 ? -1 : lengthPrefixedValues(b, 2, readInt16(b, 0), end);
    case 'C': {
      // A command tag: upper-case words and counts.
      if (end < 2) return -1;
      for (let i = 0; i < end - 1; i++) {
        const c = b[i]!;
        if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x20)) return -1;
      }
      return b[end - 1] === 0 ? end : -1;
    }
    case 'E':
    case 'N':
      return errorFieldsEnd(b, end);
    case 'A': {
      if (end < 4) return -1;
      const o = cstringEnd(b, 4, end);
      return o < 0 ? -1 : cstringEnd(b, o, end);
    }
    case 't': {
      if (end < 2) return -1;
      const n = readInt16(b, 0);
      return n < 0 ? -1 : 2 + 4 * n;
    }
    case 'G':
    case 'H':
    case 'W':
      return end >= 3 && (b[0] === 0 || b[0] === 1) ? formatCodes(b, 3, readInt16(b, 1), end) : -1;
    case 'V': {
      if (end < 4) return -1;
      const len = readInt32(b, 0);
      return len === -1 ? 4 : len < 0 ? -1 : 4 + len;
    }
    case 'v': {
      if (end < 8) return -1;
      const n = readInt32(b, 4);
      let o = 8;
      for (let i = 0; i < n && o >= 0; i++) o = cstringEnd(b, o, end);
      return n < 0 ? -1 : o;
    }
    default: // 1 2 3 n s I c: empty; d: opaque
      return end;
  }
}

/**
 * Whether `body` (the whole payload after the length) is well formed for `type`: every count,
 * length and terminator agrees with the length field, to the last byte.
 */
export function validBody(side: Side, type: number, body: Uint8Array): boolean {
  const t = String.fromCharCode(type);
  const end = body.length;
  return (side === 'client' ? clientBodyEnd(t, body, end) : serverBodyEnd(t, body, end)) === end;
}
