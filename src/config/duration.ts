import { InvalidValueError } from './config-error.js';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['h', 'm', 's', 'ms'];

// `ms` must be tried before `m`, hence the alternation order.
const PART = /(\d+(?:\.\d*)?|\.\d+)(ms|h|m|s)/y;
const EXAMPLES = 'e.g. "30s", "250ms", "1h30m"';

/**
 * Parses a Go-style duration ("30s", "1h30m", "1.5s") into whole milliseconds.
 *
 * Bare numbers are rejected because "10" is ambiguous between seconds and
 * milliseconds, and a silent factor of 1000 is a miserable bug to chase. Units must
 * appear largest first and at most once, which catches typos like "1m30m".
 */
export function parseDuration(text: string): number {
  const input = text.trim();
  if (input === '') throw new InvalidValueError(`must be a duration (${EXAMPLES}), got an empty string`);
  if (input.startsWith('-')) throw new InvalidValueError(`must not be negative, got "${text}"`);
  if (/^\d+(\.\d*)?$/.test(input)) {
    throw new InvalidValueError(`must have a unit (ms, s, m or h), got "${text}"; ${EXAMPLES}`);
  }

  let total = 0;
  let lastUnitIndex = -1;
  let pos = 0;
  while (pos < input.length) {
    PART.lastIndex = pos;
    const match = PART.exec(input);
    const number = match?.[1];
    const unit = match?.[2] as Unit | undefined;
    if (match === null || number === undefined || unit === undefined) {
      throw new InvalidValueError(`must be a duration (${EXAMPLES}), got "${text}"`);
    }
    const unitIndex = UNIT_ORDER.indexOf(unit);
    if (unitIndex <= lastUnitIndex) {
      throw new InvalidValueError(`units must go from largest to smallest, each at most once (${EXAMPLES}), got "${text}"`);
    }
    lastUnitIndex = unitIndex;
    total += partMs(number, UNIT_MS[unit], text);
    pos = PART.lastIndex;
  }

  if (!Number.isSafeInteger(total)) throw new InvalidValueError(`too large, got "${text}"`);
  return total;
}

// Integer arithmetic on the digits: 1.1 * 1000 in floating point is 1100.0000000000002.
function partMs(number: string, unitMs: number, text: string): number {
  const [whole = '', fraction = ''] = number.split('.');
  const digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '') || '0';
  if (digits.length > 15) throw new InvalidValueError(`too large or too precise, got "${text}"`);
  const scale = 10 ** fraction.length;
  const ms = (Number(digits) * unitMs) / scale;
  if (!Number.isInteger(ms)) {
    throw new InvalidValueError(`must be a whole number of milliseconds, got "${text}"`);
  }
  return ms;
}

/**
 * Formats milliseconds the way parseDuration reads them, so values can round-trip
 * through help text, logs and config dumps: 5400000 -> "1h30m", 1500 -> "1.5s".
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot format duration ${ms}`);
  if (ms < 1000) return ms === 0 ? '0s' : `${ms}ms`;
  // Sub-millisecond remainders only arise from computed values; they are noise here.
  ms = Math.round(ms);
  const hours = Math.floor(ms / UNIT_MS.h);
  const minutes = Math.floor((ms % UNIT_MS.h) / UNIT_MS.m);
  const secondsMs = ms % UNIT_MS.m;
  let out = '';
  if (hours > 0) out += `${hours}h`;
  if (minutes > 0) out += `${minutes}m`;
  if (secondsMs > 0) {
    // toFixed(3) then trimming avoids binary noise such as 23.647000000000002.
    const seconds = (secondsMs / 1000).toFixed(3).replace(/\.?0+$/, '');
    out += `${seconds}s`;
  }
  return out;
}
