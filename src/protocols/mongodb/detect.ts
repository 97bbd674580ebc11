// MongoDB detection from the first bytes of a stream. Every message starts with the standard
// header, four little-endian int32s: messageLength, requestID, responseTo, opCode.
//
// Kernel-checkable signature (16 bytes, fixed offsets, no loops):
//   bytes 12..15  opCode: dd 07 00 00 (OP_MSG 2013), d4 07 00 00 (OP_QUERY 2004),
//                 dc 07 00 00 (OP_COMPRESSED 2012) or 01 00 00 00 (OP_REPLY 1)
//   bytes 0..3    messageLength in [16, 48 000 000]: byte 3 <= 0x02, and not 0..15
//   requests only: bytes 8..11 (responseTo) are 00 00 00 00 and the opCode is not OP_REPLY.

import { MONGO_HEADER_BYTES, MONGO_MAX_MESSAGE_BYTES, OP_MSG, OP_REPLY, isMongoOpCode, readMongoHeader } from './messages.js';

/** OP_MSG flag bits a sender may set: checksumPresent, moreToCome, exhaustAllowed. */
const KNOWN_MSG_FLAGS = (1 << 0) | (1 << 1) | (1 << 16);

/** Whether `head` starts with a plausible MongoDB message header, in either direction. */
export function looksLikeMongoMessage(head: Uint8Array): boolean {
  if (head.length < MONGO_HEADER_BYTES) return false;
  const h = readMongoHeader(head);
  if (h.length < MONGO_HEADER_BYTES || h.length > MONGO_MAX_MESSAGE_BYTES || !isMongoOpCode(h.opCode)) return false;
  if (h.opCode === OP_MSG && head.length >= 21) {
    // The rest of an OP_MSG prefix is checkable too: flags, then a section kind (0 or 1).
    const flags = (head[16]! | (head[17]! << 8) | (head[18]! << 16) | (head[19]! << 24)) >>> 0;
    if ((flags & ~KNOWN_MSG_FLAGS) !== 0 || head[20]! > 1 || h.length < 21) return false;
  }
  return true;
}

/**
 * Whether `head` starts like a message a client sends: a MongoDB header that answers nothing
 * (responseTo 0) and is not OP_REPLY. Tells the sides apart when the first bytes seen are a reply.
 */
export function looksLikeMongoRequest(head: Uint8Array): boolean {
  if (!looksLikeMongoMessage(head)) return false;
  const h = readMongoHeader(head);
  return h.responseTo === 0 && h.opCode !== OP_REPLY;
}
