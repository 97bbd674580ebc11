// HTTP routes with bounded cardinality: the `http.route` of a span and the `http_route` label of
// every HTTP metric. Runs once per exchange, so the common case (a path seen before) is a cache
// hit, and a miss walks the path once with char codes, no regular expressions.

/** Where every route past a service's limit goes. */
export const OTHER_ROUTE = '/{other}';
/** The route of a CONNECT request (authority-form target: `host:port`). */
export const AUTHORITY_ROUTE = '{authority}';
export const DEFAULT_MAX_ROUTES_PER_SERVICE = 100;
/** Normalized paths remembered per service (raw path -> route). */
export const DEFAULT_ROUTE_CACHE_SIZE = 1024;
/** Services whose routes are tracked at once; the least recently created is forgotten first. */
export const DEFAULT_MAX_ROUTE_SERVICES = 1000;
/** A segment longer than this is a placeholder whatever it contains (slugs, encoded blobs). */
export const MAX_LITERAL_SEGMENT = 64;

/**
 * Route patterns from config: a list for every service, or lists by service name where the key
 * `*` applies to every service (after the service's own patterns).
 */
export type RoutePatterns = readonly string[] | Readonly<Record<string, readonly string[]>>;

export interface RouteNormalizerOptions {
  readonly patterns?: RoutePatterns;
  /** Distinct derived routes per service before new ones fold into `/{other}`. Patterns do not count. */
  readonly maxRoutesPerService?: number;
  readonly cacheSize?: number;
  readonly maxServices?: number;
  /** Called once per exchange whose route was folded into `/{other}`. */
  readonly onOverflow?: (service: string) => void;
}

const SLASH = 47;
const QUESTION = 63;
const HASH = 35;

/**
 * The path of a request target: origin-form without its query and fragment, the path of an
 * absolute-form URL (`http://h/p?q` -> `/p`, `/` when it has none); `*` and authority-form
 * (CONNECT) targets come back unchanged. Allocates only when something is cut off.
 */
export function targetPath(target: string): string {
  let start = 0;
  if (target.charCodeAt(0) !== SLASH) {
    const scheme = target.indexOf('://');
    if (scheme <= 0) return target;
    start = -1;
    for (let i = scheme + 3; i < target.length; i++) {
      const c = target.charCodeAt(i);
      if (c === SLASH) { start = i; break; }
      if (c === QUESTION || c === HASH) break;
    }
    if (start === -1) return '/';
  }
  let end = target.length;
  for (let i = start; i < end; i++) {
    const c = target.charCodeAt(i);
    if (c === QUESTION || c === HASH) { end = i; break; }
  }
  return start === 0 && end === target.length ? target : target.slice(start, end);
}

/** The query of a request target without its `?` (no fragment), or null when it has none. */
export function targetQuery(target: string): string | null {
  const q = target.indexOf('?');
  if (q === -1) return null;
  const h = target.indexOf('#', q);
  return target.slice(q + 1, h === -1 ? target.length : h);
}

// Character classes for one segment, by char code.
const Cls = { Digit: 1, HexLetter: 2, Letter: 4, TokenPunct: 8, Other: 16 } as const;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c >= 48 && c <= 57) CLASS[c] = Cls.Digit;
  else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) CLASS[c] = Cls.HexLetter;
  else if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) CLASS[c] = Cls.Letter;
  // base64url, base64 padding, JWT dots, percent-encoding, and `~`/`+` from other encodings.
  else if ('-_=.~+%'.includes(String.fromCharCode(c))) CLASS[c] = Cls.TokenPunct;
  else CLASS[c] = Cls.Other;
}

function isHexAt(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || ((CLASS[c] as number) & (Cls.Digit | Cls.HexLetter)) === 0) return false;
  }
  return true;
}

function isUuid(s: string): boolean {
  return s.length === 36
    && s.charCodeAt(8) === 45 && s.charCodeAt(13) === 45 && s.charCodeAt(18) === 45 && s.charCodeAt(23) === 45
    && isHexAt(s, 0, 8) && isHexAt(s, 9, 13) && isHexAt(s, 14, 18) && isHexAt(s, 19, 23) && isHexAt(s, 24, 36);
}

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/** `2024-01-31`: four, two and two digits joined by dashes. */
function isDate(s: string): boolean {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9]) if (!isDigitAt(s, i)) return false;
  return true;
}

/**
 * The placeholder for one path segment that looks like an identifier, or null to keep it:
 * digits -> `{id}`; a UUID -> `{uuid}`; a date (YYYY-MM-DD) -> `{date}`; 8+ hex characters
 * with both digits and letters -> `{hex}`; 20+ characters of letters and digits (with
 * base64url/JWT/percent punctuation) -> `{token}`; anything longer than 64 -> `{token}`.
 * Requiring both digits and letters keeps words (`deadbeef`, `configuration-settings`) literal.
 */
export function segmentPlaceholder(segment: string): string | null {
  const n = segment.length;
  if (n === 0) return null;
  if (n > MAX_LITERAL_SEGMENT) return '{token}';
  let seen: number = 0;
  let digits = 0;
  for (let i = 0; i < n; i++) {
    const c = segment.charCodeAt(i);
    const cls = c < 128 ? (CLASS[c] as number) : Cls.Other;
    seen |= cls;
    if (cls === Cls.Digit) digits++;
  }
  if (digits === n) return '{id}';
  if ((seen & Cls.Other) !== 0 || digits === 0) return null;
  if (n === 36 && isUuid(segment)) return '{uuid}';
  if (n === 10 && isDate(segment)) return '{date}';
  if (n >= 8 && (seen & ~(Cls.Digit | Cls.HexLetter)) === 0) return '{hex}';
  if (n >= 20 && (seen & (Cls.HexLetter | Cls.Letter)) !== 0) return '{token}';
  return null;
}

/** Replaces id-like segments of a path (no query) with placeholders; `/` for an empty path. */
export function normalizePath(path: string): string {
  if (path === '' || path === '/') return '/';
  let out = '';
  let changed = false;
  let from = 0;
  for (;;) {
    const slash = path.indexOf('/', from);
    const end = slash === -1 ? path.length : slash;
    if (end > from) {
      const segment = path.slice(from, end);
      const placeholder = segmentPlaceholder(segment);
      if (placeholder !== null) changed = true;
      out += placeholder ?? segment;
    }
    if (slash === -1) break;
    out += '/';
    from = slash + 1;
  }
  return changed ? out : path;
}

// One compiled pattern segment: a literal, one segment of anything (`:name`, `{name}`, `*`), or
// the rest of the path (a final `*`).
type PatternPart = { kind: 'literal'; text: string } | { kind: 'one' } | { kind: 'rest' };

interface CompiledPattern {
  readonly route: string;
  readonly parts: readonly PatternPart[];
}

/** Segments of a path, without the empty ones a leading or trailing slash makes. */
function segmentsOf(path: string): string[] {
  const parts = path.split('/');
  if (parts[0] === '') parts.shift();
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * Why `pattern` is not a usable route pattern, or null when it is. Patterns are paths starting
 * with `/` whose segments are literals, `:name` or `{name}` (exactly one segment), `*` (one
 * segment; as the last segment, any rest of the path, including none).
 */
export function validateRoutePattern(pattern: unknown): string | null {
  if (typeof pattern !== 'string') return `route pattern must be a string, got ${typeof pattern}`;
  if (!pattern.startsWith('/')) return `route pattern "${pattern}" must start with "/"`;
  if (/[?#]/.test(pattern)) return `route pattern "${pattern}" must be a path without "?" or "#"`;
  for (const segment of segmentsOf(pattern)) {
    if (segment === '') return `route pattern "${pattern}" has an empty segment ("//")`;
    if (segment.includes('*') && segment !== '*') return `route pattern "${pattern}": "*" must be a whole segment`;
    if (segment === ':' || segment === '{}') return `route pattern "${pattern}": a parameter needs a name`;
  }
  return null;
}

function compilePattern(pattern: string): CompiledPattern {
  const problem = validateRoutePattern(pattern);
  if (problem !== null) throw new Error(problem);
  const segments = segmentsOf(pattern);
  const parts = segments.map((s, i): PatternPart => {
    if (s === '*') return { kind: i === segments.length - 1 ? 'rest' : 'one' };
    if (s.startsWith(':') || (s.startsWith('{') && s.endsWith('}'))) return { kind: 'one' };
    return { kind: 'literal', text: s };
  });
  return { route: pattern, parts };
}

function matches(parts: readonly PatternPart[], segments: readonly string[]): boolean {
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as PatternPart;
    if (part.kind === 'rest') return true;
    const segment = segments[i];
    if (segment === undefined || segment === '') return false;
    if (part.kind === 'literal' && part.text !== segment) return false;
  }
  return parts.length === segments.length;
}

/** A bounded map that keeps recently used entries: two generations, the older dropped whole. */
class RecentCache {
  #young = new Map<string, string>();
  #old = new Map<string, string>();
  readonly #generation: number;

  constructor(capacity: number) {
    this.#generation = Math.max(1, Math.ceil(capacity / 2));
  }

  get(key: string): string | undefined {
    const hit = this.#young.get(key);
    if (hit !== undefined) return hit;
    const old = this.#old.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, value: string): void {
    if (this.#young.size >= this.#generation) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, value);
  }
}

interface ServiceRoutes {
  readonly patterns: readonly CompiledPattern[];
  /** Routes derived from paths (not from patterns) admitted under the limit. */
  readonly routes: Set<string>;
  readonly cache: RecentCache;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/**
 * Request target -> route, per service. Order: the service's own patterns, then the patterns
 * for every service, in config order, the first match winning and reported as written; else
 * the path with id-like segments replaced by placeholders, admitted while the service has fewer
 * than `maxRoutesPerService` such routes and `/{other}` after that.
 */
export class RouteNormalizer {
  readonly maxRoutesPerService: number;
  readonly #cacheSize: number;
  readonly #maxServices: number;
  readonly #onOverflow: ((service: string) => void) | undefined;
  readonly #global: readonly CompiledPattern[];
  readonly #byService = new Map<string, readonly CompiledPattern[]>();
  readonly #services = new Map<string, ServiceRoutes>();
  #overflows = 0;

  constructor(options: RouteNormalizerOptions = {}) {
    this.maxRoutesPerService = positiveInteger('maxRoutesPerService', options.maxRoutesPerService ?? DEFAULT_MAX_ROUTES_PER_SERVICE);
    this.#cacheSize = positiveInteger('cacheSize', options.cacheSize ?? DEFAULT_ROUTE_CACHE_SIZE);
    this.#maxServices = positiveInteger('maxServices', options.maxServices ?? DEFAULT_MAX_ROUTE_SERVICES);
    this.#onOverflow = options.onOverflow;
    const patterns = options.patterns ?? [];
    if (Array.isArray(patterns)) {
      this.#global = (patterns as readonly string[]).map(compilePattern);
    } else {
      const byService = patterns as Readonly<Record<string, readonly string[]>>;
      this.#global = (byService['*'] ?? []).map(compilePattern);
      for (const [service, list] of Object.entries(byService)) {
        if (service !== '*') this.#byService.set(service, [...list.map(compilePattern), ...this.#global]);
      }
    }
  }

  /** Exchanges whose route was folded into `/{other}`, over all services. */
  get overflows(): number {
    return this.#overflows;
  }

  /** Distinct path-derived routes admitted for `service` (pattern routes are not counted). */
  routeCount(service: string): number {
    return this.#services.get(service)?.routes.size ?? 0;
  }

  /** The route of `target` (as sent) for `service`; null when the request was not seen. */
  route(service: string, target: string | null): string | null {
    if (target === null) return null;
    const state = this.#services.get(service) ?? this.#addService(service);
    const path = targetPath(target);
    let route = state.cache.get(path);
    if (route === undefined) {
      route = this.#resolve(state, path);
      state.cache.set(path, route);
    }
    if (route === OTHER_ROUTE) {
      this.#overflows++;
      this.#onOverflow?.(service);
    }
    return route;
  }

  #resolve(state: ServiceRoutes, path: string): string {
    if (path.charCodeAt(0) !== SLASH && path !== '') return path === '*' ? '*' : AUTHORITY_ROUTE;
    if (state.patterns.length > 0) {
      const segments = segmentsOf(path);
      for (const p of state.patterns) if (matches(p.parts, segments)) return p.route;
    }
    const route = normalizePath(path);
    if (state.routes.has(route)) return route;
    if (state.routes.size >= this.maxRoutesPerService) return OTHER_ROUTE;
    state.routes.add(route);
    return route;
  }

  #addService(service: string): ServiceRoutes {
    if (this.#services.size >= this.#maxServices) {
      const oldest = this.#services.keys().next().value as string;
      this.#services.delete(oldest);
    }
    const state: ServiceRoutes = {
      patterns: this.#byService.get(service) ?? this.#global,
      routes: new Set(),
      cache: new RecentCache(this.#cacheSize),
    };
    this.#services.set(service, state);
    return state;
  }
}
