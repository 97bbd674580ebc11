// HTTP/2 detection from the first bytes of a stream.
//
// Kernel-checkable signatures (bpf/lib/l7_detect.bpf.h works on a fixed-size head):
// - start of connection: the client's first 4 bytes are "PRI " (little-endian u32 0x20495250)
//   and byte 4 is '*' — the preface, which no other protocol sends;
// - mid-connection: a segment that begins with a frame header — byte 0 zero and byte 1 < 0x40
//   (length ≤ 16 KiB, the default SETTINGS_MAX_FRAME_SIZE), byte 3 ≤ 9 (a defined type), the
//   reserved bit (byte 5 & 0x80) clear — and whose length is exactly 9 + that frame length, so a
//   single header is checked against the segment size instead of walking a chain of frames.
// Here, in user space, the mid-connection check walks every frame header the head holds.

import { CONNECTION_PREFACE, FRAME_HEADER_SIZE, FrameType } from './constants.js';
import { plausibleFrameHeader } from './frame-header.js';

const MIN_PREFACE_PREFIX = 4;
/** 2^24 - 1: the largest length the 24-bit field can carry (SETTINGS_MAX_FRAME_SIZE's ceiling). */
const MAX_FRAME_LENGTH = 0xffffff;

/** Whether `head` is the client connection preface, or a prefix of it of at least "PRI ". */
export function looksLikeHttp2Preface(head: Uint8Array): boolean {
  if (head.length < MIN_PREFACE_PREFIX) return false;
  const n = Math.min(head.length, CONNECTION_PREFACE.length);
  for (let i = 0; i < n; i++) if (head[i] !== CONNECTION_PREFACE[i]) return false;
  return true;
}

/**
 * Whether `head` starts with HTTP/2 frames (a connection already open when capture began):
 * every complete frame header in it is plausible (defined type and flags, reserved bit clear,
 * stream 0 exactly for connection frames, type-specific lengths, length ≤ 16 MB), and when the
 * sender is known, stream parity fits: a client opens odd streams and never sends PUSH_PROMISE.
 * Fewer than 9 bytes → false.
 */
export function looksLikeHttp2Frames(head: Uint8Array, sender?: 'client' | 'server'): boolean {
  if (head.length < FRAME_HEADER_SIZE) return false;
  let at = 0;
  while (at + FRAME_HEADER_SIZE <= head.length) {
    if (!plausibleFrameHeader(head, at, MAX_FRAME_LENGTH)) return false;
    const type = head[at + 3]!;
    const oddStream = (head[at + 8]! & 1) === 1;
    if (sender === 'client' && (type === FrameType.PUSH_PROMISE || (type === FrameType.HEADERS && !oddStream))) return false;
    if (sender === 'server' && type === FrameType.PUSH_PROMISE && !oddStream) return false;
    at += FRAME_HEADER_SIZE + ((head[at]! << 16) | (head[at + 1]! << 8) | head[at + 2]!);
  }
  return true;
}
