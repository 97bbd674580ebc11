// Protocol detection from the first bytes of a stream (often a capture prefix): no allocation,
// bail out at the first field that rules PostgreSQL out.
//
// Cheap signature for a kernel program, first client packet of a connection (8 bytes suffice):
//   bytes 0..3  int32 big-endian length L, 8 < L <= 10000
//   bytes 4..7  00 03 00 00          StartupMessage (protocol 3.0; 00 03 00 xx for 3.x)
//            or 04 d2 16 2f, L = 8   SSLRequest (80877103)
//            or 04 d2 16 30, L = 8   GSSENCRequest (80877104)
//            or 04 d2 16 2e, L = 16  CancelRequest (80877102)
// i.e. `b[0] == 0 && b[1] == 0 && (b[4..7] == 00 03 00 00 || b[4..6] == 04 d2 16)`. Connections
// already open when capture starts carry typed messages instead: a type byte and an int32 length,
// checked here in user space.

import { isMessageType, plausibleHeader, plausibleStartup, readInt32, readUint32, validBody, type Side } from './wire.js';

const set = (s: string): Uint8Array => {
  const t = new Uint8Array(256);
  for (let i = 0; i < s.length; i++) t[s.charCodeAt(i)] = 1;
  return t;
};

/** Frontend messages a stream can plausibly start with (not COPY data, which is opaque). */
const CLIENT_FIRST = set('QPBESDCXHFp');
/** Backend messages a stream can plausibly start with. */
const SERVER_FIRST = set('RSKZTDCEN123nstI');
/** Detection wants sane lengths, not the protocol's 1 GiB limit. */
const MAX_DETECT_LENGTH = 16 * 1024 * 1024;

function looksLikeTyped(side: Side, head: Uint8Array, first: Uint8Array): boolean {
  if (head.length < 5 || first[head[0]!] !== 1) return false;
  const type = head[0]!;
  const length = readInt32(head, 1);
  if (length > MAX_DETECT_LENGTH || !plausibleHeader(side, type, length)) return false;
  const end = 1 + length;
  if (head.length < end) {
    // The prefix stops inside the message: a Query's SQL holds no NUL before its end.
    if (type === 0x51) {
      for (let i = 5; i < head.length; i++) if (head[i] === 0) return false;
    }
    return true;
  }
  if (!validBody(side, type, head.subarray(5, end))) return false;
  if (head.length === end) return true;
  // What follows must start like another message of the same side.
  const next = head[end]!;
  if (!isMessageType(side, next)) return false;
  return head.length < end + 5 || plausibleHeader(side, next, readInt32(head, end + 1));
}

/** Startup parameters: (key NUL value NUL)* NUL, keys starting with a lower-case letter or `_`. */
function plausibleParameters(head: Uint8Array, length: number): boolean {
  const end = Math.min(head.length, length);
  let i = 8;
  let inKey = true;
  let keyStart = true;
  while (i < end) {
    const b = head[i]!;
    if (inKey && keyStart) {
      if (b === 0) return i === length - 1;
      if (!((b >= 0x61 && b <= 0x7a) || b === 0x5f)) return false;
    }
    keyStart = false;
    if (b === 0) {
      if (!inKey) keyStart = true;
      inKey = !inKey;
    }
    i++;
  }
  return true;
}

/**
 * Whether `head` starts like the client side of a PostgreSQL connection: a StartupMessage,
 * SSLRequest, GSSENCRequest or CancelRequest, or (capture started mid-connection) a frontend
 * message with a plausible length. Too few bytes to tell (under 5) → false.
 */
export function looksLikePostgresClient(head: Uint8Array): boolean {
  if (head.length >= 8) {
    const length = readInt32(head, 0);
    const code = readUint32(head, 4);
    if (plausibleStartup(length, code)) return code >>> 16 !== 3 || plausibleParameters(head, length);
  }
  return looksLikeTyped('client', head, CLIENT_FIRST);
}

/**
 * Whether `head` starts like the server side: the single byte `S` / `N` answering SSLRequest, or
 * a backend message with a plausible length (authentication, ready, results, errors...).
 */
export function looksLikePostgresServer(head: Uint8Array): boolean {
  if (head.length === 1) return head[0] === 0x53 || head[0] === 0x4e;
  return looksLikeTyped('server', head, SERVER_FIRST);
}
