// Protocol detection from the first bytes of a stream. Runs on every new connection, often on a
// capture prefix of a few bytes to a few KiB: no allocation, no decoding, bail out at the first
// byte that rules HTTP/1 out.

import { CR, HTTP1_PREFIX, LF, SP, TCHAR, isKnownMethod, isTargetByte, startsWithHttp1 } from './bytes.js';

const MAX_METHOD_LENGTH = 24;

/**
 * Whether `bytes` start like an HTTP/1.x request line: `METHOD SP target SP HTTP/1.x CRLF`.
 * When the line is complete it must end in the version; when the bytes stop inside it, the method
 * must be a well-known one (so "SET key" from another protocol is not taken for HTTP). Too few
 * bytes to tell (less than "GET /") → false.
 */
export function looksLikeHttp1Request(bytes: Uint8Array): boolean {
  const n = bytes.length;
  let i = 0;
  while (i < n && i <= MAX_METHOD_LENGTH && TCHAR[bytes[i]!] === 1) i++;
  if (i === 0 || i > MAX_METHOD_LENGTH || i >= n || bytes[i] !== SP) return false;
  const methodEnd = i;
  i++;
  if (i >= n) return false;
  const first = bytes[i]!;
  // origin-form "/", asterisk-form "*", absolute-form "http://", authority-form "host:port"
  if (first !== 0x2f && first !== 0x2a && TCHAR[first] !== 1) return false;
  while (i < n && isTargetByte(bytes[i]!)) i++;
  if (i === n) return isKnownMethod(bytes, 0, methodEnd);
  if (bytes[i] !== SP) return false;
  i++;
  // The version: whatever part of "HTTP/1.x" the bytes hold must match.
  const have = Math.min(n - i, 8);
  for (let k = 0; k < have; k++) {
    const b = bytes[i + k]!;
    if (k < 7 ? b !== HTTP1_PREFIX[k] : b < 0x30 || b > 0x39) return false;
  }
  if (have < 8) return isKnownMethod(bytes, 0, methodEnd);
  i += 8;
  if (i === n) return true;
  const end = bytes[i]!;
  return end === CR || end === LF;
}

/**
 * Whether `bytes` start like an HTTP/1.x status line: `HTTP/1.x SP 3DIGIT`. Needs those 12
 * bytes; fewer → false.
 */
export function looksLikeHttp1Response(bytes: Uint8Array): boolean {
  if (bytes.length < 12 || !startsWithHttp1(bytes, 0, bytes.length)) return false;
  const minor = bytes[7]!;
  if (minor < 0x30 || minor > 0x39 || bytes[8] !== SP) return false;
  const d0 = bytes[9]!;
  const d1 = bytes[10]!;
  const d2 = bytes[11]!;
  if (d0 < 0x31 || d0 > 0x35 || d1 < 0x30 || d1 > 0x39 || d2 < 0x30 || d2 > 0x39) return false;
  if (bytes.length === 12) return true;
  const next = bytes[12]!;
  return next === SP || next === CR || next === LF;
}
