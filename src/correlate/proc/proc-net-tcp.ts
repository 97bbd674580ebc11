import { endianness } from 'node:os';

export type TcpState =
  | 'ESTABLISHED'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'LISTEN'
  | 'CLOSING'
  | 'NEW_SYN_RECV'
  | 'BOUND_INACTIVE';

export interface ProcSocket {
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
  state: TcpState;
  /** 0 for sockets no file refers to any more (TIME_WAIT, orphans). */
  inode: number;
  family: 4 | 6;
}

export interface ProcNetTcpResult {
  sockets: ProcSocket[];
  /** Lines that were neither the header nor a parsable socket row. */
  malformed: number;
}

export interface ProcNetTcpOptions {
  /** Byte order of the kernel that wrote the text; defaults to this host's. */
  littleEndian?: boolean;
  /**
   * Leave out rows with inode 0 (TIME_WAIT, orphans) before decoding them: no process owns them,
   * and a busy server holds tens of thousands (35k took ~80 ms to decode, on the start path).
   */
  ownedOnly?: boolean;
}

// Index = the kernel's enum value from include/net/tcp_states.h.
const TCP_STATES: readonly (TcpState | undefined)[] = [
  undefined,
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
  'BOUND_INACTIVE',
];

const HOST_LITTLE_ENDIAN = endianness() === 'LE';
/** A row whose tenth field, the inode, is 0. */
const UNOWNED_ROW = /^\s*(?:\S+\s+){9}0(?:\s|$)/;
const HEX = /^[0-9A-Fa-f]+$/;
const DECIMAL = /^\d+$/;

/**
 * Parses the text of /proc/net/tcp or /proc/net/tcp6 (the family of each row is taken from the
 * width of its address, so either file, or both concatenated, can be given). Never throws.
 */
export function parseProcNetTcp(text: string, options: ProcNetTcpOptions = {}): ProcNetTcpResult {
  const littleEndian = options.littleEndian ?? HOST_LITTLE_ENDIAN;
  const ownedOnly = options.ownedOnly ?? false;
  const sockets: ProcSocket[] = [];
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (ownedOnly && UNOWNED_ROW.test(line)) continue;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('sl ')) continue;
    const socket = parseRow(trimmed, littleEndian);
    if (socket === null) malformed++;
    else sockets.push(socket);
  }
  return { sockets, malformed };
}

function parseRow(row: string, littleEndian: boolean): ProcSocket | null {
  const fields = row.split(/\s+/);
  // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
  if (fields.length < 10) return null;
  const slot = fields[0];
  const local = fields[1] === undefined ? null : parseEndpoint(fields[1], littleEndian);
  const remote = fields[2] === undefined ? null : parseEndpoint(fields[2], littleEndian);
  const stateHex = fields[3];
  const inodeText = fields[9];
  if (slot === undefined || !/^\d+:$/.test(slot)) return null;
  if (local === null || remote === null || local.family !== remote.family) return null;
  if (stateHex === undefined || stateHex.length !== 2 || !HEX.test(stateHex)) return null;
  const state = TCP_STATES[parseInt(stateHex, 16)];
  if (state === undefined) return null;
  if (inodeText === undefined || !DECIMAL.test(inodeText)) return null;
  const inode = Number(inodeText);
  if (!Number.isSafeInteger(inode)) return null;
  return {
    localAddr: local.addr,
    localPort: local.port,
    remoteAddr: remote.addr,
    remotePort: remote.port,
    state,
    inode,
    family: local.family,
  };
}

function parseEndpoint(
  text: string,
  littleEndian: boolean,
): { addr: string; port: number; family: 4 | 6 } | null {
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  const addrHex = text.slice(0, colon);
  const portHex = text.slice(colon + 1);
  if (portHex.length !== 4 || !HEX.test(portHex)) return null;
  if ((addrHex.length !== 8 && addrHex.length !== 32) || !HEX.test(addrHex)) return null;
  const bytes = hexWordsToBytes(addrHex, littleEndian);
  return {
    addr: formatIpAddress(bytes),
    // The kernel applies ntohs before printing, so the port is already a plain number.
    port: parseInt(portHex, 16),
    family: bytes.length === 4 ? 4 : 6,
  };
}

// The kernel prints each 32-bit word of the network-order address with %08X, i.e. as the host
// reads it; on a little-endian host every word's bytes come out reversed.
function hexWordsToBytes(hex: string, littleEndian: boolean): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let word = 0; word < bytes.length / 4; word++) {
    for (let i = 0; i < 4; i++) {
      const source = littleEndian ? 3 - i : i;
      const offset = (word * 4 + source) * 2;
      bytes[word * 4 + i] = parseInt(hex.slice(offset, offset + 2), 16);
    }
  }
  return bytes;
}

/**
 * Canonical text for a 4- or 16-byte network-order address: dotted IPv4, RFC 5952 IPv6, and
 * IPv4-mapped IPv6 as `::ffff:a.b.c.d`. Shared with the kernel event decoders so keys built from
 * /proc and from probes agree.
 */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return formatIPv4(bytes, 0);
  if (bytes.length !== 16) return '';
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIPv4(bytes, 12)}`;
  }
  // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

function formatIPv4(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset] ?? 0}.${bytes[offset + 1] ?? 0}.${bytes[offset + 2] ?? 0}.${bytes[offset + 3] ?? 0}`;
}

/** `::ffff:a.b.c.d` → `a.b.c.d`; anything else unchanged. */
export function unmapIPv4(addr: string): string {
  const lower = addr.toLowerCase();
  if (lower.startsWith('::ffff:') && lower.indexOf('.') > 0) return addr.slice(7);
  return addr;
}
