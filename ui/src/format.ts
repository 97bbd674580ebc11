/** Number formatting with units; `—` for values the API could not compute (null). */

const DASH = '—';

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  if (value >= 1000) return `${trim(value / 1000, value >= 10_000 ? 1 : 2)} s`;
  if (value >= 100) return `${Math.round(value)} ms`;
  if (value >= 10) return `${trim(value, 1)} ms`;
  if (value >= 1) return `${trim(value, 2)} ms`;
  if (value === 0) return '0 ms';
  if (value < 0.001) return '<1 µs';
  return `${Math.round(value * 1000)} µs`;
}

export function rate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)) return DASH;
  return `${compact(perSecond)} req/s`;
}

/** `error_rate` is a fraction (0–1) in the API. */
export function percent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return DASH;
  const p = fraction * 100;
  if (p === 0) return '0%';
  if (p < 0.01) return '<0.01%';
  if (p < 10) return `${trim(p, 2)}%`;
  return `${trim(p, 1)}%`;
}

export function count(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  return Math.round(n).toLocaleString('en-US');
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  let v = n;
  let unit = 0;
  while (v >= 1024 && unit < BYTE_UNITS.length - 1) {
    v /= 1024;
    unit++;
  }
  return unit === 0 ? `${v} B` : `${trim(v, v >= 100 ? 0 : 1)} ${BYTE_UNITS[unit]}`;
}

/** 0.05, 1.2, 12, 1.2k: enough digits to compare rows at a glance. */
export function compact(n: number): string {
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 1_000_000) return `${trim(n / 1_000_000, 1)}M`;
  if (abs >= 10_000) return `${trim(n / 1000, 0)}k`;
  if (abs >= 1000) return `${trim(n / 1000, 1)}k`;
  if (abs >= 100) return String(Math.round(n));
  if (abs >= 10) return trim(n, 1);
  if (abs >= 0.01) return trim(n, 2);
  return '<0.01';
}

function trim(n: number, digits: number): string {
  return n.toFixed(digits).replace(/\.?0+$/, '');
}

/** HH:MM:SS.mmm in local time: spans within a range of at most a day. */
export function clock(iso: string | number): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const pad = (v: number, w = 2): string => String(v).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function dateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toLocaleDateString('en-CA')} ${clock(iso)}`;
}

export function status(value: number | string | null | undefined): string {
  return value === null || value === undefined || value === '' ? DASH : String(value);
}

export function hostPort(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}
