// Numbers of the MySQL / MariaDB client/server protocol that the parser and the detector share.

/** Capability flags (HandshakeV10 / HandshakeResponse41). */
export const CLIENT_LONG_PASSWORD = 0x00000001; // MariaDB reads it as CLIENT_MYSQL: no MariaDB extended capabilities
export const CLIENT_CONNECT_WITH_DB = 0x00000008;
export const CLIENT_COMPRESS = 0x00000020;
export const CLIENT_PROTOCOL_41 = 0x00000200;
export const CLIENT_SSL = 0x00000800;
export const CLIENT_SECURE_CONNECTION = 0x00008000;
export const CLIENT_PLUGIN_AUTH = 0x00080000;
export const CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 0x00200000;
export const CLIENT_SESSION_TRACK = 0x00800000;
export const CLIENT_DEPRECATE_EOF = 0x01000000;
export const CLIENT_ZSTD_COMPRESSION_ALGORITHM = 0x04000000;
export const CLIENT_QUERY_ATTRIBUTES = 0x08000000;

/** Server status flags (OK and EOF packets). */
export const SERVER_MORE_RESULTS_EXISTS = 0x0008;
export const SERVER_STATUS_CURSOR_EXISTS = 0x0040;
export const SERVER_SESSION_STATE_CHANGED = 0x4000;

/** Session state change type that carries the new default schema. */
export const SESSION_TRACK_SCHEMA = 0x01;

/** A physical packet of this payload length continues in the next one. */
export const MAX_PACKET_PAYLOAD = 0xffffff;

/** Command bytes (first payload byte of a sequence-0 client packet). */
export const COM_QUIT = 0x01;
export const COM_INIT_DB = 0x02;
export const COM_QUERY = 0x03;
export const COM_FIELD_LIST = 0x04;
export const COM_STATISTICS = 0x09;
export const COM_PROCESS_INFO = 0x0a;
export const COM_PING = 0x0e;
export const COM_CHANGE_USER = 0x11;
export const COM_BINLOG_DUMP = 0x12;
export const COM_STMT_PREPARE = 0x16;
export const COM_STMT_EXECUTE = 0x17;
export const COM_STMT_SEND_LONG_DATA = 0x18;
export const COM_STMT_CLOSE = 0x19;
export const COM_STMT_RESET = 0x1a;
export const COM_SET_OPTION = 0x1b;
export const COM_STMT_FETCH = 0x1c;
export const COM_BINLOG_DUMP_GTID = 0x1e;
export const COM_RESET_CONNECTION = 0x1f;
/** MariaDB only. */
export const COM_STMT_BULK_EXECUTE = 0xfa;

/** MariaDB statement id meaning "the statement prepared last" (pipelined prepare + execute). */
export const LAST_PREPARED_STATEMENT = 0xffffffff;

const COMMAND_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'COM_SLEEP'], [0x01, 'COM_QUIT'], [0x02, 'COM_INIT_DB'], [0x03, 'COM_QUERY'],
  [0x04, 'COM_FIELD_LIST'], [0x05, 'COM_CREATE_DB'], [0x06, 'COM_DROP_DB'], [0x07, 'COM_REFRESH'],
  [0x08, 'COM_SHUTDOWN'], [0x09, 'COM_STATISTICS'], [0x0a, 'COM_PROCESS_INFO'], [0x0b, 'COM_CONNECT'],
  [0x0c, 'COM_PROCESS_KILL'], [0x0d, 'COM_DEBUG'], [0x0e, 'COM_PING'], [0x0f, 'COM_TIME'],
  [0x10, 'COM_DELAYED_INSERT'], [0x11, 'COM_CHANGE_USER'], [0x12, 'COM_BINLOG_DUMP'], [0x13, 'COM_TABLE_DUMP'],
  [0x14, 'COM_CONNECT_OUT'], [0x15, 'COM_REGISTER_SLAVE'], [0x16, 'COM_STMT_PREPARE'], [0x17, 'COM_STMT_EXECUTE'],
  [0x18, 'COM_STMT_SEND_LONG_DATA'], [0x19, 'COM_STMT_CLOSE'], [0x1a, 'COM_STMT_RESET'], [0x1b, 'COM_SET_OPTION'],
  [0x1c, 'COM_STMT_FETCH'], [0x1d, 'COM_DAEMON'], [0x1e, 'COM_BINLOG_DUMP_GTID'], [0x1f, 'COM_RESET_CONNECTION'],
  [0x20, 'COM_CLONE'], [0x21, 'COM_SUBSCRIBE_GROUP_REPLICATION_STREAM'], [0xfa, 'COM_STMT_BULK_EXECUTE'],
]);

/** `COM_PING` for 0x0e; null for bytes no server version defines. */
export function commandName(command: number): string | null {
  return COMMAND_NAMES.get(command) ?? null;
}
