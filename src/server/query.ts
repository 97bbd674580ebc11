/** Reads an integer query parameter; returns an error message naming the parameter on bad input. */
export function intParam(params: URLSearchParams, name: string, opts: { min: number; max: number; fallback?: number }): number | undefined | string {
  const raw = params.get(name);
  if (raw === null || raw === '') return opts.fallback;
  if (!/^\d+$/.test(raw)) return `${name} must be an integer, got "${raw}"`;
  const n = Number(raw);
  if (n < opts.min || n > opts.max) return `${name} must be between ${opts.min} and ${opts.max}, got ${n}`;
  return n;
}
