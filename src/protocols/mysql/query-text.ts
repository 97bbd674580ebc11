// Where the SQL starts in a COM_QUERY payload. With CLIENT_QUERY_ATTRIBUTES (MySQL 8.0.23+;
// MariaDB never negotiates it) the statement is preceded by named parameters in the binary
// protocol encoding, which must be walked value by value to find the text.

import { ByteReader } from './byte-reader.js';

/** Whether the query-attributes prefix is there: negotiated, not, or unknown (capabilities unseen). */
export type AttributesMode = 'yes' | 'no' | 'unknown';

/** Fixed sizes of binary-protocol values by type byte; -1 = length-prefixed. Absent = unknown type. */
const FIXED_SIZE: ReadonlyMap<number, number> = new Map([
  [0x01, 1], // TINY
  [0x02, 2], [0x0d, 2], // SHORT, YEAR
  [0x03, 4], [0x09, 4], [0x04, 4], // LONG, INT24, FLOAT
  [0x05, 8], [0x08, 8], // DOUBLE, LONGLONG
  [0x06, 0], // NULL
]);
/** Temporal types: one length byte, then that many bytes. */
const TEMPORAL = new Set([0x07, 0x0a, 0x0b, 0x0c]);
/** Length-encoded strings. */
const LENENC = new Set([0x00, 0x0f, 0x10, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff]);

/** Attribute counts beyond this are not a real prefix (and would make the walk long). */
const MAX_ATTRIBUTES = 1024;

/**
 * Offset of the SQL in `payload` (which starts with the command byte), or -1 when the attribute
 * prefix cannot be walked (cut by the capture, or an unknown type). Unknown mode guesses from the
 * bytes: SQL never starts with a control byte followed by 0x01, while the prefix always does
 * (parameter count, then parameter set count 1).
 */
export function sqlOffset(payload: Uint8Array, mode: AttributesMode): number {
  if (mode === 'no') return 1;
  if (mode === 'unknown') {
    const b0 = payload[1];
    const b1 = payload[2];
    const looksPrefixed = b0 !== undefined && b1 === 0x01 && b0 < 0x20;
    if (!looksPrefixed) return 1;
  }
  const r = new ByteReader(payload, 1);
  const count = r.lenenc();
  r.lenenc(); // parameter set count, always 1
  if (r.failed || count > MAX_ATTRIBUTES) return -1;
  if (count === 0) return r.pos;
  const bitmap = r.bytesOf((count + 7) >> 3);
  const newParamsBound = r.u8();
  if (r.failed || newParamsBound !== 1) return -1;
  const types: number[] = [];
  for (let i = 0; i < count; i++) {
    types.push(r.u8());
    r.u8(); // unsigned flag
    r.lenencBytes(); // name
  }
  for (let i = 0; i < count && !r.failed; i++) {
    if ((bitmap[i >> 3]! & (1 << (i & 7))) !== 0) continue;
    const type = types[i]!;
    const fixed = FIXED_SIZE.get(type);
    if (fixed !== undefined) r.skip(fixed);
    else if (TEMPORAL.has(type)) r.skip(r.u8());
    else if (LENENC.has(type)) r.lenencBytes();
    else return -1;
  }
  return r.failed ? -1 : r.pos;
}
