// DNS detection from one datagram (UDP) or the first bytes of a stream (TCP, 2-byte length
// prefix). A 12-byte header has few fixed bits, so besides the QR bit and the opcode this checks
// that the counts fit in the message and that the question starts like a name: enough to turn down
// other protocols' first bytes without decoding anything.

import { DNS_HEADER_BYTES } from './message.js';

/** Opcodes 0-6 (QUERY, IQUERY, STATUS, -, NOTIFY, UPDATE, DSO); 3 is unassigned. */
const MAX_OPCODE = 6;
const UNASSIGNED_OPCODE = 3;
/** Servers accept one question (RFC 9619); a few leaves room for odd clients. */
const MAX_QUESTIONS = 4;
/** Smallest question: root name (1 byte), type and class. */
const MIN_QUESTION_BYTES = 5;
/** Smallest record: root name, type, class, TTL, rdlength. */
const MIN_RECORD_BYTES = 11;
const TCP_PREFIX_BYTES = 2;

/** Whether `datagram` looks like a DNS query (QR = 0). */
export function looksLikeDnsQuery(datagram: Uint8Array): boolean {
  return looksLikeMessage(datagram, 0, datagram.length, false);
}

/** Whether `datagram` looks like a DNS response (QR = 1). */
export function looksLikeDnsResponse(datagram: Uint8Array): boolean {
  return looksLikeMessage(datagram, 0, datagram.length, true);
}

/** Whether a TCP stream starts with a length-prefixed DNS query; `bytes` may stop inside it. */
export function looksLikeDnsTcpQuery(bytes: Uint8Array): boolean {
  return looksLikeTcpMessage(bytes, false);
}

/** Whether a TCP stream starts with a length-prefixed DNS response; `bytes` may stop inside it. */
export function looksLikeDnsTcpResponse(bytes: Uint8Array): boolean {
  return looksLikeTcpMessage(bytes, true);
}

function looksLikeTcpMessage(bytes: Uint8Array, response: boolean): boolean {
  if (bytes.length < TCP_PREFIX_BYTES) return false;
  const length = (bytes[0]! << 8) | bytes[1]!;
  return looksLikeMessage(bytes, TCP_PREFIX_BYTES, length, response);
}

/**
 * The message starts at `at` and is `length` bytes long; `bytes` may hold only part of it, but
 * at least its header.
 */
function looksLikeMessage(bytes: Uint8Array, at: number, length: number, response: boolean): boolean {
  if (length < DNS_HEADER_BYTES + MIN_QUESTION_BYTES || bytes.length - at < DNS_HEADER_BYTES) return false;
  const b2 = bytes[at + 2]!;
  const b3 = bytes[at + 3]!;
  if (((b2 & 0x80) !== 0) !== response) return false;
  const opcode = (b2 >> 3) & 0x0f;
  if (opcode > MAX_OPCODE || opcode === UNASSIGNED_OPCODE) return false;
  // The Z bit is zero in both directions; a query carries no response code.
  if ((b3 & 0x40) !== 0 || (!response && (b3 & 0x0f) !== 0)) return false;
  const questions = u16(bytes, at + 4);
  if (questions < 1 || questions > MAX_QUESTIONS) return false;
  const records = u16(bytes, at + 6) + u16(bytes, at + 8) + u16(bytes, at + 10);
  if (DNS_HEADER_BYTES + questions * MIN_QUESTION_BYTES + records * MIN_RECORD_BYTES > length) return false;
  return questionNameFits(bytes, at + DNS_HEADER_BYTES, at + length);
}

/**
 * The first question's name, as far as the bytes go: plain labels (there is nothing earlier to
 * point to), ending in the root label with room left for the type and class.
 */
function questionNameFits(bytes: Uint8Array, start: number, messageEnd: number): boolean {
  const available = Math.min(bytes.length, messageEnd);
  let pos = start;
  while (pos < available) {
    const len = bytes[pos]!;
    if (len === 0) return pos + 1 + 4 <= messageEnd;
    if (len > 63) return false;
    pos += 1 + len;
  }
  // Ran out of bytes: fine for a prefix of the message, not for all of it.
  return pos < messageEnd && available < messageEnd;
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}
