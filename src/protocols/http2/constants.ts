// Wire constants of HTTP/2 (RFC 9113 §3.4, §4.1, §6, §7).

/** The client connection preface (RFC 9113 §3.4). */
export const CONNECTION_PREFACE: Uint8Array = Uint8Array.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', (c) => c.charCodeAt(0));

export const FRAME_HEADER_SIZE = 9;
/** SETTINGS_MAX_FRAME_SIZE's initial value: no peer sends larger frames until it is raised. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  MAX_FRAME_SIZE: 0x5,
} as const;

/** RFC 9113 §7, by code. */
const ERROR_NAMES: readonly string[] = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED',
  'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
];

/** The error code's name, or its hex value for codes RFC 9113 does not define. */
export function errorCodeName(code: number): string {
  return ERROR_NAMES[code] ?? `0x${code.toString(16)}`;
}
