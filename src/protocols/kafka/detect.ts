// Kafka detection from the first bytes a client sends: a request, which starts with its size
// and request header v1/v2 (big-endian): size int32, api_key int16, api_version int16,
// correlation_id int32, client_id nullable string (int16 length, -1 for null).
//
// Kernel-checkable signature (14 bytes, fixed offsets, no loops):
//   bytes 0..3    size in [10, 100 MiB]: byte 0 <= 0x06, and size >= 10
//   bytes 4..5    api_key: 00, then <= 0x5c (92, the highest key named in api.ts)
//   bytes 6..7    api_version: 00, then <= 0x14 (20)
//   byte 8        correlation_id's high byte < 0x80 (clients count up from 0 or 1)
//   bytes 12..13  client_id length: 1 .. min(1024, size - 10)
// Beyond 14 bytes, the client id must be printable ASCII as far as it is held.
// A response (size, correlation id, body) fits the same layout when its correlation id is small
// and zeros follow; those zeros are why a null or empty client id is not accepted here, although
// the protocol allows one (clients set one: kafkajs, librdkafka, Java and Go clients all do).

import { MAX_API_KEY, MAX_API_VERSION } from './api.js';
import { KAFKA_REQUEST_HEADER_BYTES } from './requests.js';

/** socket.request.max.bytes, the broker's default limit on a request. */
export const MAX_KAFKA_REQUEST_BYTES = 100 * 1024 * 1024;
/** Fields of request header v1 after the size: api_key, api_version, correlation_id, client_id length. */
const HEADER_AFTER_SIZE = 10;
/** Longest client id believed at detection (clients use short names; the wire allows 32 KiB). */
const MAX_DETECTED_CLIENT_ID = 1024;

function int16At(b: Uint8Array, at: number): number {
  const v = (b[at]! << 8) | b[at + 1]!;
  return v > 0x7fff ? v - 0x10000 : v;
}

function int32At(b: Uint8Array, at: number): number {
  return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
}

/** Whether `head` starts like a Kafka request (the strict form: for detection and resynchronising). */
export function looksLikeKafkaRequest(head: Uint8Array): boolean {
  if (head.length < KAFKA_REQUEST_HEADER_BYTES) return false;
  const size = int32At(head, 0);
  if (size < HEADER_AFTER_SIZE || size > MAX_KAFKA_REQUEST_BYTES) return false;
  const apiKey = int16At(head, 4);
  const apiVersion = int16At(head, 6);
  if (apiKey < 0 || apiKey > MAX_API_KEY || apiVersion < 0 || apiVersion > MAX_API_VERSION) return false;
  if (int32At(head, 8) < 0) return false;
  const clientIdLength = int16At(head, 12);
  if (clientIdLength < 1 || clientIdLength > size - HEADER_AFTER_SIZE || clientIdLength > MAX_DETECTED_CLIENT_ID) return false;
  const held = Math.min(head.length, KAFKA_REQUEST_HEADER_BYTES + clientIdLength);
  for (let i = KAFKA_REQUEST_HEADER_BYTES; i < held; i++) {
    const c = head[i]!;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
