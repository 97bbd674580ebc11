export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

export interface ConfigErrorInit {
  source: ConfigSource;
  /** Dotted config key, e.g. `flows.recent_limit`; empty when the whole file is at fault. */
  key: string;
  /** What is wrong, without the location prefix: `must be a positive integer, got "abc"`. */
  detail: string;
  /**
   * Where the value came from as the user wrote it: the file path, `--listen` or
   * `SONDE_LISTEN`. Derived from `key` when omitted for flags and env vars.
   */
  origin?: string;
}

/**
 * A user-facing configuration problem. The message is meant to be printed as-is, so
 * it always says where the bad value came from: people with a flag, an env var and a
 * file in play need to know which one to fix.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly key: string;
  readonly source: ConfigSource;
  readonly origin: string;
  readonly detail: string;

  constructor(init: ConfigErrorInit) {
    const origin = init.origin ?? defaultOrigin(init.source, init.key);
    super(formatMessage(init.source, origin, init.key, init.detail));
    this.key = init.key;
    this.source = init.source;
    this.origin = origin;
    this.detail = init.detail;
  }
}

/**
 * Thrown by value parsers (durations, addresses, ...) that do not know which key they
 * are parsing; the loader catches it and re-throws a ConfigError with the location.
 * A separate class keeps genuine bugs (TypeError etc.) from being dressed up as
 * user errors.
 */
export class InvalidValueError extends Error {
  override readonly name = 'InvalidValueError';
}

function defaultOrigin(source: ConfigSource, key: string): string {
  switch (source) {
    case 'flag':
      return `--${key.replace(/[._]/g, '-')}`;
    case 'env':
      return `SONDE_${key.replace(/\./g, '_').toUpperCase()}`;
    case 'file':
      return '(unknown file)';
    case 'default':
      return 'built-in default';
  }
}

function formatMessage(source: ConfigSource, origin: string, key: string, detail: string): string {
  switch (source) {
    // For flags and env vars the origin already is the key, repeating it would be noise.
    case 'flag':
      return `flag ${origin}: ${detail}`;
    case 'env':
      return `environment ${origin}: ${detail}`;
    case 'file':
      return key === '' ? `config file ${origin}: ${detail}` : `config file ${origin}: ${key}: ${detail}`;
    case 'default':
      return `${origin} for ${key}: ${detail}`;
  }
}

/**
 * The candidate closest to `input`, if it is close enough to plausibly be a typo.
 * Uses optimal-string-alignment distance so swapped letters (`lsiten`) count as one
 * edit, and ignores case and `-`/`_` differences so `recentLimit` finds `recent_limit`.
 * Among equally close candidates the first wins, so list them in order of preference.
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');
  const needle = norm(input);
  // Short inputs get a tight budget; otherwise `pid` would "match" `port`.
  const budget = Math.min(3, Math.max(1, Math.floor(needle.length / 3)));
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    const c = norm(candidate);
    const d = editDistance(needle, c);
    // Truncations and extensions (`warning` for `warn`, `dur` for `duration`) are far in
    // edits but obvious to a reader; rank them just behind any real near-miss.
    const related = Math.min(needle.length, c.length) >= 3 && (c.startsWith(needle) || needle.startsWith(c));
    const score = d <= budget ? d : related ? budget + 1 : Infinity;
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, at(i - 2, j - 2) + 1);
      }
      d[i * cols + j] = v;
    }
  }
  return at(a.length, b.length);
}
