// Protocol detection from the first bytes of each direction of a connection.
//
// Cheap signature for a kernel program (MySQL and MariaDB: the server speaks first):
//   server's first segment, bytes 0..5:  LL LL 00 00 0A D
//     LL LL 00  payload length, little-endian, < 64 KiB (greetings are ~70-120 bytes)
//     00        sequence id 0
//     0A        protocol version 10
//     D         first character of the version string, an ASCII digit '0'..'9'
// That is: b[2] == 0 && b[3] == 0 && b[4] == 0x0a && b[5] - '0' <= 9 && (b[0] | b[1] << 8) >= 20.
// The checks below confirm it in user space (printable, NUL-terminated version) and also
// recognise connections whose start was missed.

import { ACCEPT } from './framer.js';
import { commandVerdict, greetingVerdict, handshakeResponseVerdict, responseStartVerdict } from './signatures.js';

/**
 * Whether `head` starts like the server side of a MySQL connection: the initial handshake
 * (HandshakeV10), or, mid-stream, the first packet of a response (sequence id 1: OK, ERR with
 * its '#' SQL state marker, EOF, LOCAL INFILE request or result-set column count). Too few bytes
 * to tell → false.
 */
export function looksLikeMysqlServer(head: Uint8Array): boolean {
  return greetingVerdict(head, 0) === ACCEPT || responseStartVerdict(head, 0) === ACCEPT;
}

/**
 * Whether `head` starts like the client side: a command packet (sequence id 0, a known command
 * byte, a length that command can have, SQL-looking text for COM_QUERY / COM_STMT_PREPARE), or a
 * HandshakeResponse41 / SSLRequest (sequence id 1, CLIENT_PROTOCOL_41, zero filler). Too few bytes
 * to tell → false.
 */
export function looksLikeMysqlClient(head: Uint8Array): boolean {
  return commandVerdict(head, 0) === ACCEPT || handshakeResponseVerdict(head, 0) === ACCEPT;
}
