import type { FlowRecord } from '../telemetry/flow-record.js';

const COLUMNS: ReadonlyArray<[string, number, (r: FlowRecord) => string, 'left' | 'right']> = [
  ['TIME', 12, (r) => r.end.slice(11, 23), 'left'],
  ['PID', 7, (r) => String(r.pid), 'right'],
  ['COMM', 15, (r) => r.comm, 'left'],
  ['DIR', 3, (r) => (r.direction === 'inbound' ? 'in' : 'out'), 'left'],
  ['LOCAL', 22, (r) => endpoint(r.local_addr, r.local_port), 'left'],
  ['REMOTE', 22, (r) => endpoint(r.remote_addr, r.remote_port), 'left'],
  ['SENT', 10, (r) => String(r.bytes_sent), 'right'],
  ['RECV', 10, (r) => String(r.bytes_received), 'right'],
  ['RETX', 4, (r) => String(r.retransmits), 'right'],
  ['RTT_US', 7, (r) => String(r.srtt_us), 'right'],
  ['MS', 9, (r) => r.duration_ms.toFixed(2), 'right'],
  ['STATUS', 6, (r) => r.status, 'left'],
];

function endpoint(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

// Only comm may be cut: a cut number ("8640000…") or endpoint (a lost port) would read as a
// different value. An oversized one widens its row instead.
const CUTTABLE = new Set(['COMM']);

function cell(text: string, width: number, align: 'left' | 'right', cut = false): string {
  if (align === 'right') return text.padStart(width);
  const t = cut && text.length > width ? text.slice(0, width - 1) + '…' : text;
  return t.padEnd(width);
}

/** The readable form of `sonde flows`: fixed columns, one flow per line. */
export function flowTableHeader(): string {
  return COLUMNS.map(([name, width, , align]) => cell(name, width, align)).join(' ');
}

export function flowTableRow(r: FlowRecord): string {
  return COLUMNS.map(([name, width, get, align]) => cell(get(r), width, align, CUTTABLE.has(name))).join(' ');
}
