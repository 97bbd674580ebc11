import { rfc3339 } from '../../lib/rfc3339.js';
import type {
  StoreAlert, StoreAttributeValue, StoredFlow, StoredSpan, StoreFlow, StoreProcessEvent, StoreProtocol, StoreSpan,
} from './records.js';

// Column lists and the conversions between records and rows, in one place so inserts and
// selects cannot drift apart.

export const SPAN_COLUMNS = [
  'start_ms', 'duration_ms', 'duration_class', 'protocol', 'side', 'pid', 'comm', 'exe', 'service_name', 'peer_service',
  'local_addr', 'local_port', 'remote_addr', 'remote_port', 'operation', 'resource', 'status', 'error',
  'request_bytes', 'response_bytes', 'sample_weight', 'problem', 'search', 'attributes', 'tls',
] as const;

export const FLOW_COLUMNS = [
  'start_ms', 'end_ms', 'duration_ms', 'pid', 'comm', 'exe', 'service_name', 'peer_service', 'container_id',
  'direction', 'family', 'local_addr', 'local_port', 'remote_addr', 'remote_port', 'bytes_sent', 'bytes_received',
  'segments_sent', 'segments_received', 'retransmits', 'srtt_us', 'status', 'partial', 'owner_source', 'socket_cookie',
] as const;

export const PROCESS_EVENT_COLUMNS = ['time_ms', 'kind', 'pid', 'comm', 'exe', 'service_name'] as const;

export function insertSql(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

/** The last text parseUtcFast read, and its result: consecutive records often share a time (rfc3339). */
let lastText: unknown = null;
let lastMs = Number.NaN;

/** Epoch ms of an RFC 3339 time, or null when it does not parse. */
export function parseTime(text: string): number | null {
  if (text === lastText) return lastMs;
  const fast = parseUtcFast(text);
  if (!Number.isNaN(fast)) {
    lastText = text;
    lastMs = fast;
    return fast;
  }
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

// parseTime runs for every span, flow and tally, and Date.parse was a visible share of the
// agent's CPU. Records carry times as sonde writes them (`2026-01-02T03:04:05.678Z`, see
// rfc3339), so that shape is read digit by digit; anything else goes to Date.parse.

/** Day last seen by parseUtcFast (year * 10000 + month * 100 + day) and its epoch ms. */
let cachedDay = -1;
let cachedDayMs = 0;

const CHAR_0 = 48;
const CHAR_DASH = 45;
const CHAR_COLON = 58;
const CHAR_DOT = 46;
const CHAR_T = 84;
const CHAR_Z = 90;
/** Longest fraction read here; Date.parse takes longer ones too, but they are not sonde's. */
const MAX_FRACTION_DIGITS = 9;

/** The number written by `count` decimal digits at `at`, or -1 when one is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - CHAR_0;
    if (!(d >= 0 && d <= 9)) return -1; // NaN past the end, too
    n = n * 10 + d;
  }
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Epoch ms of `YYYY-MM-DDTHH:MM:SS[.F…]Z` (0 to 9 fraction digits, fields in their plain ranges),
 * exactly as Date.parse reads it: milliseconds are the first three fraction digits, the rest is
 * cut off, not rounded. NaN for any other text, which the caller hands to Date.parse (it also
 * takes offsets, lower case, hour 24, day 31 of any month and more, not worth copying here).
 */
function parseUtcFast(text: string): number {
  if (typeof text !== 'string') return Number.NaN; // Date.parse coerces; leave that to it
  const length = text.length;
  if (length < 20 || length > 21 + MAX_FRACTION_DIGITS || text.charCodeAt(length - 1) !== CHAR_Z) return Number.NaN;
  if (text.charCodeAt(4) !== CHAR_DASH || text.charCodeAt(7) !== CHAR_DASH || text.charCodeAt(10) !== CHAR_T
    || text.charCodeAt(13) !== CHAR_COLON || text.charCodeAt(16) !== CHAR_COLON) return Number.NaN;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  // -1 (not digits) fails these too.
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return Number.NaN;
  }
  let milli = 0;
  if (length > 20) {
    const digits = length - 21;
    if (text.charCodeAt(19) !== CHAR_DOT || digits === 0) return Number.NaN;
    const read = Math.min(digits, 3);
    milli = digitsAt(text, 20, read) * 10 ** (3 - read);
    if (milli < 0 || digitsAt(text, 20 + read, digits - read) < 0) return Number.NaN;
  } else if (text.charCodeAt(19) !== CHAR_Z) {
    return Number.NaN;
  }
  // The day changes rarely between records (a flow's start and end included), so its epoch ms
  // is worked out once per day seen.
  const dayKey = year * 10_000 + month * 100 + day;
  if (dayKey !== cachedDay) {
    if (day > daysInMonth(year, month)) return Number.NaN;
    // setUTCFullYear, unlike Date.UTC, does not take years 0..99 for 1900..1999.
    cachedDayMs = new Date(0).setUTCFullYear(year, month - 1, day);
    cachedDay = dayKey;
  }
  return cachedDayMs + ((hour * 60 + minute) * 60 + second) * 1000 + milli;
}

const QUERY_TEXT = 'db.query.text';
/** Characters of resource, operation and query text `q` can find (the search index grows with it). */
export const SEARCH_CHARS = 256;

/** What `q` searches: resource, operation and `db.query.text`, lower case, one per line. */
export function searchText(s: Pick<StoreSpan, 'resource' | 'operation' | 'attributes'>): string {
  const query = s.attributes[QUERY_TEXT];
  return `${s.resource ?? ''}\n${s.operation ?? ''}\n${typeof query === 'string' ? query : ''}`.slice(0, SEARCH_CHARS).toLowerCase();
}

/** floor(log2(µs)), 0 up to 2 µs: the indexed stand-in for a duration (about 30 values in all). */
export function durationClass(durationMs: number): number {
  const us = durationMs * 1000;
  return us >= 2 ? Math.floor(Math.log2(us)) : 0;
}

export function spanParams(s: StoreSpan, startMs: number): unknown[] {
  return [
    startMs, s.duration_ms, durationClass(s.duration_ms), s.protocol, s.side, s.pid, s.comm, s.exe, s.service_name, s.peer_service,
    s.local_addr, s.local_port, s.remote_addr, s.remote_port, s.operation, s.resource, s.status, s.error ? 1 : 0,
    s.request_bytes, s.response_bytes, s.sample_weight, s.problem, searchText(s), JSON.stringify(s.attributes), s.tls === true ? 1 : 0,
  ];
}

export function flowParams(f: StoreFlow, startMs: number, endMs: number): unknown[] {
  return [
    startMs, endMs, f.duration_ms, f.pid, f.comm, f.exe, f.service_name, f.peer_service, f.container_id,
    f.direction, f.family, f.local_addr, f.local_port, f.remote_addr, f.remote_port, f.bytes_sent, f.bytes_received,
    f.segments_sent, f.segments_received, f.retransmits, f.srtt_us, f.status, f.partial ? 1 : 0, f.owner_source,
    f.socket_cookie,
  ];
}

export function processEventParams(e: StoreProcessEvent, timeMs: number): unknown[] {
  return [timeMs, e.kind, e.pid, e.comm, e.exe, e.service_name];
}

/** Columns to select for a span, `id` first. */
export const SPAN_SELECT = `id, ${SPAN_COLUMNS.join(', ')}`;
export const FLOW_SELECT = `id, ${FLOW_COLUMNS.join(', ')}`;

type Row = Record<string, unknown>;

function attributesOf(text: unknown): Record<string, StoreAttributeValue> {
  if (typeof text !== 'string') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, StoreAttributeValue> : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));

export function rowToSpan(r: Row): StoredSpan {
  const status = r['status'];
  return {
    id: num(r['id']),
    start: rfc3339(num(r['start_ms'])),
    duration_ms: num(r['duration_ms']),
    protocol: str(r['protocol']) as StoreProtocol,
    side: r['side'] === 'client' ? 'client' : 'server',
    pid: num(r['pid']),
    comm: str(r['comm']),
    exe: strOrNull(r['exe']),
    service_name: str(r['service_name']),
    peer_service: strOrNull(r['peer_service']),
    local_addr: str(r['local_addr']),
    local_port: num(r['local_port']),
    remote_addr: str(r['remote_addr']),
    remote_port: num(r['remote_port']),
    operation: strOrNull(r['operation']),
    resource: strOrNull(r['resource']),
    status: typeof status === 'number' || typeof status === 'string' ? status : null,
    error: num(r['error']) !== 0,
    request_bytes: num(r['request_bytes']),
    response_bytes: num(r['response_bytes']),
    sample_weight: num(r['sample_weight']),
    problem: strOrNull(r['problem']),
    tls: num(r['tls']) !== 0,
    attributes: attributesOf(r['attributes']),
  };
}

export function rowToFlow(r: Row): StoredFlow {
  return {
    id: num(r['id']),
    start: rfc3339(num(r['start_ms'])),
    end: rfc3339(num(r['end_ms'])),
    duration_ms: num(r['duration_ms']),
    pid: num(r['pid']),
    comm: str(r['comm']),
    exe: strOrNull(r['exe']),
    service_name: str(r['service_name']),
    peer_service: strOrNull(r['peer_service']),
    container_id: strOrNull(r['container_id']),
    direction: r['direction'] === 'inbound' ? 'inbound' : 'outbound',
    family: r['family'] === 'ipv6' ? 'ipv6' : 'ipv4',
    local_addr: str(r['local_addr']),
    local_port: num(r['local_port']),
    remote_addr: str(r['remote_addr']),
    remote_port: num(r['remote_port']),
    bytes_sent: num(r['bytes_sent']),
    bytes_received: num(r['bytes_received']),
    segments_sent: num(r['segments_sent']),
    segments_received: num(r['segments_received']),
    retransmits: num(r['retransmits']),
    srtt_us: num(r['srtt_us']),
    status: str(r['status']) as StoredFlow['status'],
    partial: num(r['partial']) !== 0,
    owner_source: str(r['owner_source']) as StoredFlow['owner_source'],
    socket_cookie: num(r['socket_cookie']),
  };
}

export function rowToAlert(r: Row): StoreAlert {
  return {
    id: str(r['id']),
    name: str(r['name']),
    severity: str(r['severity']),
    state: str(r['state']),
    started: str(r['started']),
    ended: strOrNull(r['ended']),
    summary: str(r['summary']),
  };
}
