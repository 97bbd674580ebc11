// Decoders for the few packet payloads whose fields the parser reports or relies on. Each takes one
// logical payload (possibly only its captured prefix) and returns null when it does not fit.

import { ByteReader, utf8 } from './byte-reader.js';
import {
  CLIENT_CONNECT_WITH_DB, CLIENT_LONG_PASSWORD, CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA, CLIENT_PROTOCOL_41,
  CLIENT_SECURE_CONNECTION, CLIENT_SSL, SERVER_SESSION_STATE_CHANGED, SESSION_TRACK_SCHEMA,
} from './constants.js';

/** Longest name (user, schema) kept; the server's own limits are far below. */
const MAX_NAME_BYTES = 256;

export interface Greeting {
  serverVersion: string;
  capabilities: number;
  /** MariaDB's extra capability word, when the server is MariaDB (CLIENT_MYSQL clear). */
  mariadbCapabilities: number | null;
  mariadb: boolean;
}

/** HandshakeV10; null unless protocol version 10 with a NUL-terminated version. */
export function parseGreeting(payload: Uint8Array): Greeting | null {
  if (payload.length < 2 || payload[0] !== 0x0a) return null;
  const r = new ByteReader(payload, 1);
  const versionEnd = payload.indexOf(0, 1);
  if (versionEnd < 0 || versionEnd - 1 > MAX_NAME_BYTES) return null;
  const rawVersion = utf8(r.nulTerminated());
  r.skip(4 + 8 + 1); // connection id, auth data part 1, filler
  let capabilities = r.u16();
  if (r.failed) return null;
  let mariadbCapabilities: number | null = null;
  if (r.remaining >= 5) {
    r.skip(1 + 2); // character set, status flags
    capabilities = (capabilities | (r.u16() << 16)) >>> 0;
    r.skip(1 + 6); // auth data length, reserved
    const extended = r.u32();
    if (!r.failed && (capabilities & CLIENT_LONG_PASSWORD) === 0) mariadbCapabilities = extended;
  }
  const mariadb = /mariadb/i.test(rawVersion);
  // MariaDB prefixes "5.5.5-" so that old replication code accepts it as MySQL 5.5.
  const serverVersion = mariadb && rawVersion.startsWith('5.5.5-') ? rawVersion.slice(6) : rawVersion;
  return { serverVersion, capabilities, mariadbCapabilities, mariadb };
}

export interface HandshakeResponse {
  capabilities: number;
  mariadbCapabilities: number | null;
  /** The short SSLRequest: TLS starts right after it. */
  sslRequest: boolean;
  user: string | null;
  schema: string | null;
}

/** Length of an SSLRequest payload: capabilities, max packet, charset, 23 reserved bytes. */
export const SSL_REQUEST_LENGTH = 32;

/** HandshakeResponse41 or SSLRequest; null when too short or without CLIENT_PROTOCOL_41. */
export function parseHandshakeResponse(payload: Uint8Array): HandshakeResponse | null {
  if (payload.length < SSL_REQUEST_LENGTH) return null;
  const r = new ByteReader(payload);
  const capabilities = r.u32();
  if ((capabilities & CLIENT_PROTOCOL_41) === 0) return null;
  r.skip(4 + 1 + 19); // max packet size, character set, filler
  const extended = r.u32();
  const mariadbCapabilities = (capabilities & CLIENT_LONG_PASSWORD) === 0 ? extended : null;
  if (payload.length === SSL_REQUEST_LENGTH) {
    const sslRequest = (capabilities & CLIENT_SSL) !== 0;
    return { capabilities, mariadbCapabilities, sslRequest, user: null, schema: null };
  }
  const user = r.nulTerminated();
  if ((capabilities & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA) !== 0) r.lenencBytes();
  else if ((capabilities & CLIENT_SECURE_CONNECTION) !== 0) r.bytesOf(r.u8());
  else r.nulTerminated();
  let schema: string | null = null;
  if (!r.failed && (capabilities & CLIENT_CONNECT_WITH_DB) !== 0 && r.remaining > 0) {
    const raw = r.nulTerminated();
    if (raw.length > 0 && raw.length <= MAX_NAME_BYTES) schema = utf8(raw);
  }
  return {
    capabilities, mariadbCapabilities, sslRequest: false,
    user: user.length <= MAX_NAME_BYTES ? utf8(user) : null,
    schema,
  };
}

export interface OkPacket {
  affectedRows: number;
  status: number;
  /** New default schema announced through session state tracking. */
  schema: string | null;
}

/**
 * OK packet (0x00 or, ending a result set under CLIENT_DEPRECATE_EOF, 0xfe). The session state
 * block is read only when the status says it changed, which servers set only for clients that
 * asked for CLIENT_SESSION_TRACK, so it can be read even when the capabilities were not seen.
 */
export function parseOk(payload: Uint8Array): OkPacket | null {
  const r = new ByteReader(payload, 1);
  const affectedRows = r.lenenc();
  r.lenenc(); // last insert id
  const status = r.u16();
  if (r.failed) return null;
  r.skip(2); // warnings
  let schema: string | null = null;
  if ((status & SERVER_SESSION_STATE_CHANGED) !== 0 && r.remaining > 0) {
    r.lenencBytes(); // info
    const state = new ByteReader(r.lenencBytes());
    while (!r.failed && !state.failed && state.remaining > 0) {
      const type = state.u8();
      const data = state.lenencBytes();
      if (type === SESSION_TRACK_SCHEMA && !state.failed) {
        const name = new ByteReader(data).lenencBytes();
        if (name.length > 0 && name.length <= MAX_NAME_BYTES) schema = utf8(name);
      }
    }
  }
  return { affectedRows, status, schema };
}

/** Status flags of an EOF packet (0xfe, warnings, status); 0 when the packet is the old 1-byte form. */
export function eofStatus(payload: Uint8Array): number {
  return payload.length >= 5 ? payload[3]! | (payload[4]! << 8) : 0;
}

export interface ErrPacket {
  code: number;
  sqlState: string | null;
}

/** ERR packet; the message is deliberately not kept (it can quote user data). */
export function parseErr(payload: Uint8Array): ErrPacket | null {
  if (payload.length < 3 || payload[0] !== 0xff) return null;
  const code = payload[1]! | (payload[2]! << 8);
  let sqlState: string | null = null;
  if (payload.length >= 9 && payload[3] === 0x23) {
    let ok = true;
    for (let i = 4; i < 9; i++) {
      const b = payload[i]!;
      if (!((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a))) ok = false;
    }
    if (ok) sqlState = String.fromCharCode(...payload.subarray(4, 9));
  }
  return { code, sqlState };
}

/** MariaDB progress reports travel as ERR packets with this code; they do not end anything. */
export const PROGRESS_REPORT_CODE = 0xffff;

export interface PrepareOk {
  statementId: number;
  columns: number;
  params: number;
}

/** STMT_PREPARE_OK: 0x00, statement id, column count, parameter count, ... */
export function parsePrepareOk(payload: Uint8Array): PrepareOk | null {
  if (payload.length < 9 || payload[0] !== 0x00) return null;
  const r = new ByteReader(payload, 1);
  const statementId = r.u32();
  const columns = r.u16();
  const params = r.u16();
  return r.failed ? null : { statementId, columns, params };
}

/** Most columns a result set can have (MySQL and MariaDB both cap tables at 4096). */
export const MAX_COLUMNS = 4096;

export interface ColumnCount {
  count: number;
  /** MariaDB metadata caching: false when the column definitions are left out. */
  metadataFollows: boolean;
}

/**
 * The packet opening a result set. MariaDB with MARIADB_CLIENT_CACHE_METADATA appends one byte
 * saying whether column definitions follow; recognised by the packet length so it works without
 * having seen the capabilities.
 */
export function parseColumnCount(payload: Uint8Array): ColumnCount | null {
  const r = new ByteReader(payload);
  const count = r.lenenc();
  if (r.failed || count === 0 || count > MAX_COLUMNS) return null;
  if (r.remaining === 0) return { count, metadataFollows: true };
  if (r.remaining === 1) {
    const flag = r.u8();
    if (flag <= 1) return { count, metadataFollows: flag === 1 };
  }
  return null;
}

/** A column definition starts with the catalog, always the lenenc string "def". */
export function isColumnDefinition(payload: Uint8Array): boolean {
  return payload.length >= 4 && payload[0] === 3 && payload[1] === 0x64 && payload[2] === 0x65 && payload[3] === 0x66;
}
