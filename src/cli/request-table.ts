import type { SpanRecord } from '../telemetry/http/span-record.js';

const COLUMNS: ReadonlyArray<[string, number, (r: SpanRecord) => string, 'left' | 'right']> = [
  ['TIME', 12, (r) => r.start.slice(11, 23), 'left'],
  ['PROTO', 10, (r) => r.protocol, 'left'],
  ['SIDE', 6, (r) => r.side, 'left'],
  ['SERVICE', 18, (r) => r.service_name, 'left'],
  ['PEER', 18, (r) => r.peer_service ?? `${r.remote_addr}:${r.remote_port}`, 'left'],
  ['OPERATION', 10, (r) => r.operation ?? '-', 'left'],
  ['RESOURCE', 28, (r) => r.resource ?? '-', 'left'],
  ['STATUS', 9, (r) => (r.status === null ? '-' : String(r.status)), 'right'],
  ['MS', 9, (r) => r.duration_ms.toFixed(2), 'right'],
  ['REQ_B', 8, (r) => String(r.request_bytes), 'right'],
  ['RESP_B', 9, (r) => String(r.response_bytes), 'right'],
];

// Names and routes may be cut (with …); numbers never are.
function cell(text: string, width: number, align: 'left' | 'right', last: boolean): string {
  if (align === 'right') return text.padStart(width);
  const t = text.length > width ? text.slice(0, width - 1) + '…' : text;
  return last ? t : t.padEnd(width);
}

export function requestTableHeader(): string {
  return COLUMNS.map(([name, width, , align], i) => cell(name, width, align, i === COLUMNS.length - 1)).join(' ');
}

export function requestTableRow(r: SpanRecord): string {
  const row = COLUMNS.map(([, width, get, align], i) => cell(get(r), width, align, i === COLUMNS.length - 1)).join(' ');
  return r.error ? `${row}  error${r.problem ? ` (${r.problem})` : ''}` : r.problem ? `${row}  ${r.problem}` : row;
}
