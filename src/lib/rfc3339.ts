// One Date#toISOString per second instead of per record: records are made per connection and
// per request, and the string build was a visible share of the agent's CPU under load.
let cachedSecond = Number.NaN;
let cachedPrefix = '';
// And the last string made: both sides of a local call, and records of the same millisecond,
// share one string (the store then reads its time back once: see parseTime).
let lastMs = Number.NaN;
let lastText = '';

/** RFC 3339 in UTC with milliseconds (`2026-01-02T03:04:05.678Z`), same as Date#toISOString. */
export function rfc3339(ms: number): string {
  const t = Math.floor(ms);
  if (t === lastMs) return lastText;
  const second = Math.floor(t / 1000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString();
    if (iso.length !== 24) return new Date(t).toISOString(); // years outside 0000..9999
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  const milli = t - second * 1000;
  lastMs = t;
  lastText = `${cachedPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
  return lastText;
}
