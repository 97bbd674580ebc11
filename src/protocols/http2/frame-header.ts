// The 9-byte frame header (RFC 9113 §4.1) and what makes one plausible when frame boundaries are
// unknown: at the start of a capture that began mid-connection, or after lost bytes.

import { FRAME_HEADER_SIZE, Flag, FrameType } from './constants.js';

export interface FrameHeader {
  /** Payload length (24 bits). */
  length: number;
  type: number;
  flags: number;
  /** 31 bits; the reserved bit is dropped. */
  streamId: number;
  /** Monotonic ns of the chunk that carried the header's first byte. */
  startNs: number;
}

export function readFrameHeader(b: Uint8Array, at: number, startNs: number): FrameHeader {
  return {
    length: (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!,
    type: b[at + 3]!,
    flags: b[at + 4]!,
    streamId: ((b[at + 5]! & 0x7f) * 0x1000000) + ((b[at + 6]! << 16) | (b[at + 7]! << 8) | b[at + 8]!),
    startNs,
  };
}

/** Flags each type defines (RFC 9113 §6); senders set no others in practice. */
const DEFINED_FLAGS: readonly number[] = [
  Flag.END_STREAM | Flag.PADDED, // DATA
  Flag.END_STREAM | Flag.END_HEADERS | Flag.PADDED | Flag.PRIORITY, // HEADERS
  0, // PRIORITY
  0, // RST_STREAM
  Flag.ACK, // SETTINGS
  Flag.END_HEADERS | Flag.PADDED, // PUSH_PROMISE
  Flag.ACK, // PING
  0, // GOAWAY
  0, // WINDOW_UPDATE
  Flag.END_HEADERS, // CONTINUATION
];

/**
 * Whether the 9 bytes at `at` could be a frame header from a real peer: a type RFC 9113 defines,
 * only that type's flags, the reserved bit clear, stream 0 exactly for connection frames, and
 * a length the type allows, at most `maxLength`. Strict on purpose: it picks frame boundaries
 * out of arbitrary bytes, where a lenient check would lock onto payload.
 */
export function plausibleFrameHeader(b: Uint8Array, at: number, maxLength: number): boolean {
  if (at + FRAME_HEADER_SIZE > b.length) return false;
  const length = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
  const type = b[at + 3]!;
  const flags = b[at + 4]!;
  if (length > maxLength || type >= DEFINED_FLAGS.length || (flags & ~DEFINED_FLAGS[type]!) !== 0) return false;
  if ((b[at + 5]! & 0x80) !== 0) return false;
  const onConnection = (b[at + 5]! | b[at + 6]! | b[at + 7]! | b[at + 8]!) === 0;
  switch (type) {
    case FrameType.SETTINGS:
      return onConnection && ((flags & Flag.ACK) !== 0 ? length === 0 : length % 6 === 0);
    case FrameType.PING:
      return onConnection && length === 8;
    case FrameType.GOAWAY:
      return onConnection && length >= 8;
    case FrameType.WINDOW_UPDATE:
      return length === 4;
    case FrameType.PRIORITY:
      return !onConnection && length === 5;
    case FrameType.RST_STREAM:
      return !onConnection && length === 4;
    case FrameType.HEADERS:
      return !onConnection && length >= ((flags & Flag.PADDED) !== 0 ? 1 : 0) + ((flags & Flag.PRIORITY) !== 0 ? 5 : 0);
    case FrameType.PUSH_PROMISE:
      return !onConnection && length >= ((flags & Flag.PADDED) !== 0 ? 5 : 4);
    case FrameType.DATA:
      return !onConnection && length >= ((flags & Flag.PADDED) !== 0 ? 1 : 0);
    default: // CONTINUATION
      return !onConnection;
  }
}

/**
 * Whether a peer could send this header while frames are in step: unknown types and flags are
 * legal (RFC 9113 §4.1, §5.5) and pass; connection frames on a stream, stream frames on the
 * connection, wrong fixed lengths and a set reserved bit do not. Lenient where
 * `plausibleFrameHeader` is strict: it judges frames we expect, not candidates we hunt for.
 */
export function possibleFrameHeader(b: Uint8Array, at: number, maxLength: number): boolean {
  if (at + FRAME_HEADER_SIZE > b.length) return false;
  const length = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
  if (length > maxLength || (b[at + 5]! & 0x80) !== 0) return false;
  const type = b[at + 3]!;
  if (type > FrameType.CONTINUATION) return true;
  const onConnection = (b[at + 5]! | b[at + 6]! | b[at + 7]! | b[at + 8]!) === 0;
  switch (type) {
    case FrameType.SETTINGS: return onConnection && length % 6 === 0;
    case FrameType.PING: return onConnection && length === 8;
    case FrameType.GOAWAY: return onConnection && length >= 8;
    case FrameType.WINDOW_UPDATE: return length === 4;
    case FrameType.PRIORITY: return !onConnection && length === 5;
    case FrameType.RST_STREAM: return !onConnection && length === 4;
    default: return !onConnection;
  }
}
