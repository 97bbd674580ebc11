// Domain names in DNS messages (RFC 1035 §3.1, §4.1.4): length-prefixed labels ending in a zero
// byte, or in a 2-byte pointer to an earlier occurrence of the rest of the name. Pointers come
// from the wire, so they are followed only backwards: each must land before the run of labels
// that contained it. That makes every walk end, and a cap on the name's length keeps it short.

/** Why a name could not be read. */
export type NameProblem =
  /** The message ends inside the name. */
  | 'truncated'
  /** A pointer lands at or after the labels that led to it: following it could go round forever. */
  | 'pointer-loop'
  /** A pointer lands past the end of the message. */
  | 'pointer-out-of-range'
  /** A length byte of 64..191: not a label length (63 at most) nor a pointer. */
  | 'label-too-long'
  /** More than 255 octets on the wire (RFC 1035 §2.3.4). */
  | 'name-too-long';

export interface NameRead {
  /** Lower-case presentation form without the trailing dot; `.` for the root. */
  name: string;
  /** Offset just past the name where it sits (past its first pointer, if any). */
  end: number;
}

const MAX_WIRE_OCTETS = 255;
/** A 255-octet name has at most 127 labels, so a real name never needs more pointers than that. */
const MAX_POINTER_JUMPS = 127;
/** Longest name text kept: escapes (`\DDD`) can make the text longer than the wire form. */
export const MAX_NAME_TEXT = 255;

const BACKSLASH = 0x5c;
const DOT = 0x2e;

/** Reads the name at `start`, following compression pointers. Never throws. */
export function readName(bytes: Uint8Array, start: number): NameRead | NameProblem {
  let pos = start;
  let runStart = start;
  let end = -1;
  let octets = 1; // the root label's zero byte
  let jumps = 0;
  let text = '';
  for (;;) {
    if (pos >= bytes.length) return 'truncated';
    const len = bytes[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= bytes.length) return 'truncated';
      const target = ((len & 0x3f) << 8) | bytes[pos + 1]!;
      if (end < 0) end = pos + 2;
      if (target >= bytes.length) return 'pointer-out-of-range';
      if (target >= runStart || ++jumps > MAX_POINTER_JUMPS) return 'pointer-loop';
      pos = runStart = target;
      continue;
    }
    if (kind !== 0) return 'label-too-long';
    octets += len + 1;
    if (octets > MAX_WIRE_OCTETS) return 'name-too-long';
    if (pos + 1 + len > bytes.length) return 'truncated';
    if (text.length <= MAX_NAME_TEXT) text = appendLabel(text, bytes, pos + 1, len);
    pos += 1 + len;
  }
  if (text.length === 0) return { name: '.', end };
  return { name: text.length > MAX_NAME_TEXT ? text.slice(0, MAX_NAME_TEXT) : text, end };
}

/**
 * Offset just past the name at `start`, without following pointers (owner names of records that
 * are skipped, not read).
 */
export function skipName(bytes: Uint8Array, start: number): number | NameProblem {
  let pos = start;
  let octets = 1;
  for (;;) {
    if (pos >= bytes.length) return 'truncated';
    const len = bytes[pos]!;
    if (len === 0) return pos + 1;
    const kind = len & 0xc0;
    if (kind === 0xc0) return pos + 2 <= bytes.length ? pos + 2 : 'truncated';
    if (kind !== 0) return 'label-too-long';
    octets += len + 1;
    if (octets > MAX_WIRE_OCTETS) return 'name-too-long';
    pos += 1 + len;
  }
}

/** Presentation form (RFC 4343 §2.1): `\.` and `\\` for those bytes, `\DDD` for non-printable ones. */
function appendLabel(text: string, bytes: Uint8Array, from: number, len: number): string {
  let out = text.length === 0 ? '' : text + '.';
  for (let i = from; i < from + len; i++) {
    let b = bytes[i]!;
    if (b >= 0x41 && b <= 0x5a) b += 0x20;
    if (b === DOT || b === BACKSLASH) out += '\\' + String.fromCharCode(b);
    else if (b > 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += '\\' + String(b).padStart(3, '0');
  }
  return out;
}
