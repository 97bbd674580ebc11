// One DNS message (RFC 1035 §4.1): the header, the first question, and the answer records' types.
// The rest of each record is skipped by its rdlength; authority and additional records are only
// scanned for an EDNS OPT record, whose TTL field carries the upper bits of the response code
// (RFC 6891 §6.1.3). Work and memory are bounded by the message length and a few small caps.

import { readName, skipName, type NameProblem } from './name.js';

export const DNS_HEADER_BYTES = 12;
/** Answer types kept per message; the count stays exact beyond it. */
export const MAX_ANSWER_TYPES = 64;
const OPT_TYPE = 41;

export interface DnsFlags {
  /** AA: the answer comes from an authoritative server. */
  authoritative: boolean;
  /** TC: the sender cut the message to fit (the client retries over TCP). */
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  authenticData: boolean;
  checkingDisabled: boolean;
}

export interface DnsHeader {
  id: number;
  /** The QR bit: a response, not a query. */
  isResponse: boolean;
  /** 0 QUERY, 1 IQUERY, 2 STATUS, 4 NOTIFY, 5 UPDATE, 6 DSO. */
  opcode: number;
  flags: DnsFlags;
  /** The header's 4-bit RCODE. */
  rcode: number;
  questionCount: number;
  answerCount: number;
  authorityCount: number;
  additionalCount: number;
}

export interface DnsQuestion {
  /** Lower-case, no trailing dot (`.` for the root), at most 255 characters. */
  name: string;
  type: number;
  class: number;
}

export interface DnsMessage {
  header: DnsHeader;
  /** The first question; null when the message has none. */
  question: DnsQuestion | null;
  /** Types of the first MAX_ANSWER_TYPES answer records, in order. */
  answerTypes: number[];
  /** RCODE with the EDNS extension bits when an OPT record carries them (12 bits). */
  responseCode: number;
}

export type DnsProblemKind =
  /** Fewer than 12 bytes: not even a header. */
  | 'too-short'
  /** A question or answer record runs past the end of the bytes. */
  | 'truncated'
  | Exclude<NameProblem, 'truncated'>;

/** A message that could not be read to the end of its answers; what was read before is kept. */
export interface DnsProblem {
  problem: DnsProblemKind;
  /** Where reading stopped. */
  offset: number;
  header: DnsHeader | null;
  question: DnsQuestion | null;
}

export function isDnsProblem(parsed: DnsMessage | DnsProblem): parsed is DnsProblem {
  return 'problem' in parsed;
}

export function readDnsHeader(bytes: Uint8Array): DnsHeader | null {
  if (bytes.length < DNS_HEADER_BYTES) return null;
  const b2 = bytes[2]!;
  const b3 = bytes[3]!;
  return {
    id: u16(bytes, 0),
    isResponse: (b2 & 0x80) !== 0,
    opcode: (b2 >> 3) & 0x0f,
    flags: {
      authoritative: (b2 & 0x04) !== 0,
      truncated: (b2 & 0x02) !== 0,
      recursionDesired: (b2 & 0x01) !== 0,
      recursionAvailable: (b3 & 0x80) !== 0,
      authenticData: (b3 & 0x20) !== 0,
      checkingDisabled: (b3 & 0x10) !== 0,
    },
    rcode: b3 & 0x0f,
    questionCount: u16(bytes, 4),
    answerCount: u16(bytes, 6),
    authorityCount: u16(bytes, 8),
    additionalCount: u16(bytes, 10),
  };
}

/** Never throws; bad bytes give a DnsProblem saying where and why. */
export function parseDnsMessage(bytes: Uint8Array): DnsMessage | DnsProblem {
  const header = readDnsHeader(bytes);
  if (header === null) return { problem: 'too-short', offset: 0, header: null, question: null };
  let question: DnsQuestion | null = null;
  let pos = DNS_HEADER_BYTES;
  const fail = (problem: DnsProblemKind): DnsProblem => ({ problem, offset: pos, header, question });

  for (let i = 0; i < header.questionCount; i++) {
    if (i === 0) {
      const read = readName(bytes, pos);
      if (typeof read === 'string') return fail(read);
      if (read.end + 4 > bytes.length) return fail('truncated');
      question = { name: read.name, type: u16(bytes, read.end), class: u16(bytes, read.end + 2) };
      pos = read.end + 4;
    } else {
      const end = skipName(bytes, pos);
      if (typeof end === 'string') return fail(end);
      if (end + 4 > bytes.length) return fail('truncated');
      pos = end + 4;
    }
  }

  const answerTypes: number[] = [];
  for (let i = 0; i < header.answerCount; i++) {
    const next = skipRecord(bytes, pos);
    if (typeof next === 'string') return fail(next);
    if (answerTypes.length < MAX_ANSWER_TYPES) answerTypes.push(next.type);
    pos = next.end;
  }

  return { header, question, answerTypes, responseCode: withExtendedRcode(bytes, pos, header) };
}

interface SkippedRecord {
  type: number;
  /** Offset of the TTL field (the OPT record keeps the extended RCODE there). */
  ttlAt: number;
  end: number;
}

function skipRecord(bytes: Uint8Array, start: number): SkippedRecord | DnsProblemKind {
  const nameEnd = skipName(bytes, start);
  if (typeof nameEnd === 'string') return nameEnd;
  if (nameEnd + 10 > bytes.length) return 'truncated';
  const end = nameEnd + 10 + u16(bytes, nameEnd + 8);
  if (end > bytes.length) return 'truncated';
  return { type: u16(bytes, nameEnd), ttlAt: nameEnd + 4, end };
}

/**
 * The answers were readable; the sections after them only matter for an OPT record, so a problem
 * there leaves the 4-bit RCODE as it is rather than failing the message.
 */
function withExtendedRcode(bytes: Uint8Array, answersEnd: number, header: DnsHeader): number {
  if (header.additionalCount === 0) return header.rcode;
  let pos = answersEnd;
  const records = header.authorityCount + header.additionalCount;
  for (let i = 0; i < records; i++) {
    const next = skipRecord(bytes, pos);
    if (typeof next === 'string') return header.rcode;
    if (i >= header.authorityCount && next.type === OPT_TYPE) return (bytes[next.ttlAt]! << 4) | header.rcode;
    pos = next.end;
  }
  return header.rcode;
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}
