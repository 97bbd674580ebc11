import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError, InvalidValueError, didYouMean, type ConfigSource } from './config-error.js';
import { formatDuration, parseDuration } from './duration.js';
import { parseListenAddress } from './listen-address.js';
import {
  COMM_MAX_LENGTH,
  DURATION_MAX_MS,
  FLOW_TABLE_SIZE_MAX,
  FLOW_TABLE_SIZE_MIN,
  L7_CAPTURE_BYTES_MAX,
  LOG_LEVELS,
  L7_PARSE_PRIORITIES,
  type L7ParsePriority,
  defaultConfig,
  type LogLevel,
  type ServiceRule,
  type SondeConfig,
} from './schema.js';

export type ConfigFlags = Readonly<Record<string, string | boolean | undefined>>;
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** Parsed command-line flags keyed by flag name (`health-listen`); flags unrelated to config are ignored. */
  flags: ConfigFlags;
  /** Usually `process.env`; required so tests never pick up the developer's environment by accident. */
  env: ConfigEnv;
  readFile?: (path: string) => string;
}

/**
 * Builds the effective config: flags > environment (SONDE_*) > YAML file > defaults.
 * Every layer is validated even when a higher one overrides it, so a broken file is
 * reported now rather than the day someone drops the flag that was masking it.
 */
export function loadConfig(options: LoadConfigOptions): SondeConfig {
  const { flags, env } = options;
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const config = defaultConfig();

  const configFile = resolveConfigFile(flags, env);
  if (configFile !== null) {
    config.configFile = configFile.path;
    applyFile(config, readConfigFile(configFile.path, configFile.namedBy, readFile), configFile.path);
  }

  for (const field of FIELDS) {
    const text = envValue(env, field.env);
    if (text !== undefined) applyText(config, field, text, 'env', field.env);
  }
  for (const field of FIELDS) {
    if (field.flag === undefined) continue;
    const text = flagValue(flags, field.flag);
    if (text !== undefined) applyText(config, field, text, 'flag', `--${field.flag}`);
  }
  return config;
}

// ---- fields -----------------------------------------------------------------

interface Field<T> {
  /** Dotted YAML key. */
  key: string;
  env: string;
  flag?: string;
  /** For flags and env vars, where everything arrives as a string. */
  fromText(text: string): T;
  /** For YAML, where the type is already decided and must be checked, not coerced. */
  fromYaml(value: unknown): T;
  set(config: SondeConfig, value: T): void;
}

const listenField = (key: string, env: string, flag: string, set: Field<SondeConfig['listen']>['set']): Field<SondeConfig['listen']> => ({
  key,
  env,
  flag,
  fromText: parseListenAddress,
  fromYaml: (v) => parseListenAddress(expectString(v, 'a listen address string such as "127.0.0.1:8080"')),
  set,
});

const positiveIntField = (key: string, env: string, set: Field<number>['set'], check?: (n: number) => void): Field<number> => ({
  key,
  env,
  fromText: (text) => {
    const t = text.trim();
    if (!/^\d+$/.test(t)) throw new InvalidValueError(`must be a positive integer, got "${text}"`);
    return checkPositiveInt(Number(t), `"${text}"`, check);
  },
  fromYaml: (v) => {
    if (typeof v !== 'number') throw new InvalidValueError(`must be a positive integer, got ${describe(v)}`);
    return checkPositiveInt(v, String(v), check);
  },
  set,
});

const booleanField = (key: string, env: string, set: Field<boolean>['set']): Field<boolean> => ({
  key,
  env,
  fromText: (text) => {
    const t = text.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(t)) return true;
    if (['false', '0', 'no', 'off'].includes(t)) return false;
    throw new InvalidValueError(`must be true or false, got "${text}"`);
  },
  fromYaml: (v) => {
    if (typeof v !== 'boolean') throw new InvalidValueError(`must be true or false, got ${describe(v)}`);
    return v;
  },
  set,
});

const routePattern = (p: string): string => {
  if (!p.startsWith('/')) throw new InvalidValueError(`route patterns start with "/", got "${p}"`);
  return p;
};

const FIELDS: readonly Field<unknown>[] = [
  listenField('listen', 'SONDE_LISTEN', 'listen', (c, v) => (c.listen = v)),
  listenField('health_listen', 'SONDE_HEALTH_LISTEN', 'health-listen', (c, v) => (c.healthListen = v)),
  {
    key: 'duration',
    env: 'SONDE_DURATION',
    flag: 'duration',
    fromText: durationValue,
    fromYaml: (v) => durationValue(expectString(v, 'a duration string such as "30s" (bare numbers are ambiguous)')),
    set: (c, v: number) => (c.durationMs = v),
  } satisfies Field<number>,
  {
    key: 'log_level',
    env: 'SONDE_LOG_LEVEL',
    flag: 'log-level',
    fromText: logLevelValue,
    fromYaml: (v) => logLevelValue(expectString(v, `one of ${LOG_LEVELS.join(', ')}`)),
    set: (c, v: LogLevel) => (c.logLevel = v),
  } satisfies Field<LogLevel>,
  {
    key: 'auth_token',
    env: 'SONDE_AUTH_TOKEN',
    flag: 'auth-token',
    fromText: tokenValue,
    fromYaml: (v) => tokenValue(expectString(v, 'a token string')),
    set: (c, v: string) => (c.authToken = v),
  } satisfies Field<string>,
  {
    key: 'store.path',
    env: 'SONDE_STORE',
    flag: 'store',
    fromText: storePathValue,
    fromYaml: (v) => storePathValue(expectString(v, 'a file path or ":memory:"')),
    set: (c, v: string) => (c.store.path = v),
  } satisfies Field<string>,
  {
    key: 'store.retention',
    env: 'SONDE_STORE_RETENTION',
    fromText: retentionValue,
    fromYaml: (v) => retentionValue(expectString(v, 'a duration string such as "24h"')),
    set: (c, v: number) => (c.store.retentionMs = v),
  } satisfies Field<number>,
  positiveIntField('store.max_bytes', 'SONDE_STORE_MAX_BYTES', (c, v) => (c.store.maxBytes = v), (n) => {
    if (n < 1024 * 1024) throw new InvalidValueError(`must be at least 1048576 (1 MiB), got ${n}`);
  }),
  positiveIntField('store.max_span_rows_per_second', 'SONDE_STORE_MAX_SPAN_ROWS_PER_SECOND', (c, v) => (c.store.maxSpanRowsPerSecond = v)),
  positiveIntField('store.max_flow_rows_per_second', 'SONDE_STORE_MAX_FLOW_ROWS_PER_SECOND', (c, v) => (c.store.maxFlowRowsPerSecond = v)),
  positiveIntField('flows.recent_limit', 'SONDE_FLOWS_RECENT_LIMIT', (c, v) => (c.flows.recentLimit = v)),
  positiveIntField('flows.table_size', 'SONDE_FLOWS_TABLE_SIZE', (c, v) => (c.flows.tableSize = v), (n) => {
    if (n < FLOW_TABLE_SIZE_MIN || n > FLOW_TABLE_SIZE_MAX || (n & (n - 1)) !== 0) {
      throw new InvalidValueError(
        `must be a power of two between ${FLOW_TABLE_SIZE_MIN} and ${FLOW_TABLE_SIZE_MAX}, got ${n}`,
      );
    }
  }),
  positiveIntField('metrics.max_series_per_metric', 'SONDE_METRICS_MAX_SERIES_PER_METRIC', (c, v) => (c.metrics.maxSeriesPerMetric = v)),
  positiveIntField('metrics.max_peers_per_service', 'SONDE_METRICS_MAX_PEERS_PER_SERVICE', (c, v) => (c.metrics.maxPeersPerService = v)),
  booleanField('l7.enabled', 'SONDE_L7_ENABLED', (c, v) => (c.l7.enabled = v)),
  positiveIntField('l7.capture_bytes', 'SONDE_L7_CAPTURE_BYTES', (c, v) => (c.l7.captureBytes = v), (n) => {
    if (n > L7_CAPTURE_BYTES_MAX) throw new InvalidValueError(`must be at most ${L7_CAPTURE_BYTES_MAX} (the kernel probe's buffer), got ${n}`);
  }),
  positiveIntField('l7.max_segments_per_second', 'SONDE_L7_MAX_SEGMENTS_PER_SECOND', (c, v) => (c.l7.maxSegmentsPerSecond = v)),
  {
    key: 'l7.parse_priority',
    env: 'SONDE_L7_PARSE_PRIORITY',
    fromText: (text) => oneOf(text, L7_PARSE_PRIORITIES),
    fromYaml: (v) => oneOf(expectString(v, `one of ${L7_PARSE_PRIORITIES.join(', ')}`), L7_PARSE_PRIORITIES),
    set: (c, v: L7ParsePriority) => (c.l7.parsePriority = v),
  } satisfies Field<L7ParsePriority>,
  booleanField('l7.redact_secrets', 'SONDE_L7_REDACT_SECRETS', (c, v) => (c.l7.redactSecrets = v)),
  booleanField('l7.keep_query', 'SONDE_L7_KEEP_QUERY', (c, v) => (c.l7.keepQuery = v)),
  booleanField('l7.tls', 'SONDE_L7_TLS', (c, v) => (c.l7.tls = v)),
  booleanField('l7.mirror_local_peers', 'SONDE_L7_MIRROR_LOCAL_PEERS', (c, v) => (c.l7.mirrorLocalPeers = v)),
  booleanField('l7.keep_sql_literals', 'SONDE_L7_KEEP_SQL_LITERALS', (c, v) => (c.l7.keepSqlLiterals = v)),
  positiveIntField('l7.dns_port', 'SONDE_L7_DNS_PORT', (c, v) => (c.l7.dnsPort = v), (n) => {
    if (n > 65535) throw new InvalidValueError(`must be a port (1..65535), got ${n}`);
  }),
  positiveIntField('l7.recent_limit', 'SONDE_L7_RECENT_LIMIT', (c, v) => (c.l7.recentLimit = v)),
  positiveIntField('l7.record_budget_per_second', 'SONDE_L7_RECORD_BUDGET_PER_SECOND', (c, v) => (c.l7.recordBudgetPerSecond = v)),
  positiveIntField('l7.max_routes_per_service', 'SONDE_L7_MAX_ROUTES_PER_SERVICE', (c, v) => (c.l7.maxRoutesPerService = v)),
  {
    key: 'l7.routes',
    env: 'SONDE_L7_ROUTES',
    fromText: (text) => text.split(',').map((p) => p.trim()).filter((p) => p !== '').map(routePattern),
    fromYaml: (v) => {
      if (!Array.isArray(v) || v.some((p) => typeof p !== 'string')) throw new InvalidValueError(`must be a list of route patterns such as "/users/:id", got ${describe(v)}`);
      return (v as string[]).map(routePattern);
    },
    set: (c, v: string[]) => (c.l7.routes = v),
  } satisfies Field<string[]>,
];

const FIELD_BY_KEY: ReadonlyMap<string, Field<unknown>> = new Map(FIELDS.map((f) => [f.key, f]));
const SERVICES_KEY = 'services';
/** Every key the YAML file may set, for unknown-key detection and suggestions. */
const FILE_KEYS: readonly string[] = [...FIELDS.map((f) => f.key), SERVICES_KEY];

function tokenValue(text: string): string {
  const t = text.trim();
  if (t.length < 16) throw new InvalidValueError('must be at least 16 characters (it guards the API and UI on the network)');
  if (/\s/.test(t)) throw new InvalidValueError('must not contain whitespace');
  return t;
}

function storePathValue(text: string): string {
  const t = text.trim();
  if (t === '') throw new InvalidValueError('must be a file path or ":memory:"');
  return t;
}

function retentionValue(text: string): number {
  const ms = parseDuration(text);
  if (ms < 60_000) throw new InvalidValueError(`must be at least 1m, got "${text}"`);
  return ms;
}

function durationValue(text: string): number {
  const ms = parseDuration(text);
  if (ms === 0) throw new InvalidValueError(`must be greater than zero, got "${text}"; omit it to run until signalled`);
  if (ms > DURATION_MAX_MS) throw new InvalidValueError(`must be at most ${formatDuration(DURATION_MAX_MS)}, got "${text}"`);
  return ms;
}

function logLevelValue(text: string): LogLevel {
  return oneOf(text, LOG_LEVELS);
}

function oneOf<T extends string>(text: string, allowed: readonly T[]): T {
  // Env vars are often written in upper case (LOG_LEVEL=INFO); accept that.
  const lower = text.trim().toLowerCase();
  const value = allowed.find((l) => l === lower);
  if (value !== undefined) return value;
  const hint = didYouMean(lower, allowed);
  throw new InvalidValueError(
    `must be one of ${allowed.join(', ')}, got "${text}"${hint === undefined ? '' : ` (did you mean ${hint}?)`}`,
  );
}

function checkPositiveInt(n: number, shown: string, check?: (n: number) => void): number {
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidValueError(`must be a positive integer, got ${shown}`);
  check?.(n);
  return n;
}

function expectString(value: unknown, expected: string): string {
  if (typeof value !== 'string') throw new InvalidValueError(`must be ${expected}, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `string "${value}"`;
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}

function applyText(config: SondeConfig, field: Field<unknown>, text: string, source: ConfigSource, origin: string): void {
  field.set(config, located(() => field.fromText(text), source, field.key, origin));
}

function located<T>(fn: () => T, source: ConfigSource, key: string, origin: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidValueError) throw new ConfigError({ source, key, detail: err.message, origin });
    throw err;
  }
}

// ---- flags and environment ---------------------------------------------------

function flagValue(flags: ConfigFlags, name: string): string | undefined {
  const value = flags[name];
  if (value === undefined || value === false) return undefined;
  if (value === true) throw new ConfigError({ source: 'flag', key: name, origin: `--${name}`, detail: 'requires a value' });
  return value;
}

function envValue(env: ConfigEnv, name: string): string | undefined {
  const value = env[name];
  // Empty means unset: compose files and CI templates routinely export VAR= for
  // "not configured", and failing on that would punish the common case.
  return value === undefined || value === '' ? undefined : value;
}

function resolveConfigFile(flags: ConfigFlags, env: ConfigEnv): { path: string; namedBy: string } | null {
  const fromFlag = flagValue(flags, 'config');
  if (fromFlag !== undefined) {
    if (fromFlag.trim() === '') {
      throw new ConfigError({ source: 'flag', key: 'config', origin: '--config', detail: 'must be a file path, got an empty string' });
    }
    return { path: fromFlag, namedBy: '--config' };
  }
  const fromEnv = envValue(env, 'SONDE_CONFIG');
  return fromEnv === undefined ? null : { path: fromEnv, namedBy: 'SONDE_CONFIG' };
}

// ---- file -------------------------------------------------------------------

function readConfigFile(path: string, namedBy: string, readFile: (path: string) => string): unknown {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new ConfigError({ source: 'file', key: '', origin: path, detail: `cannot read (named by ${namedBy}): ${readErrorReason(err)}` });
  }
  try {
    return parse(text, { logLevel: 'error' });
  } catch (err) {
    throw new ConfigError({ source: 'file', key: '', origin: path, detail: yamlErrorDetail(err) });
  }
}

function readErrorReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, expected a YAML file';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

function yamlErrorDetail(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // yaml's message repeats the position and appends a source excerpt; keep the first
  // line and rebuild the position so our format is stable across yaml versions.
  const summary = (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  const pos = (err as { linePos?: readonly { line: number; col: number }[] }).linePos?.[0];
  return pos === undefined
    ? `invalid YAML: ${summary}`
    : `invalid YAML at line ${pos.line}, column ${pos.col}: ${summary}`;
}

function applyFile(config: SondeConfig, doc: unknown, path: string): void {
  // An empty file or one holding only comments parses to null: nothing to apply.
  if (doc === null || doc === undefined) return;
  if (!isMapping(doc)) {
    throw new ConfigError({ source: 'file', key: '', origin: path, detail: `must be a mapping of settings at the top level, got ${describe(doc)}` });
  }
  applyMapping(config, doc, '', path);
}

function applyMapping(config: SondeConfig, mapping: Record<string, unknown>, prefix: string, path: string): void {
  for (const [name, value] of Object.entries(mapping)) {
    const key = prefix === '' ? name : `${prefix}.${name}`;
    const field = FIELD_BY_KEY.get(key);
    const isSection = FILE_KEYS.some((k) => k.startsWith(`${key}.`));
    if (field === undefined && key !== SERVICES_KEY && !isSection) {
      throw new ConfigError({ source: 'file', key, origin: path, detail: unknownKeyDetail(name, prefix) });
    }
    // `key:` with nothing after it is null in YAML; templated files produce that for
    // "not set", so fall through to the default instead of failing.
    if (value === null) continue;
    if (field !== undefined) {
      field.set(config, located(() => field.fromYaml(value), 'file', key, path));
    } else if (key === SERVICES_KEY) {
      config.services = parseServices(value, path);
    } else if (isMapping(value)) {
      applyMapping(config, value, key, path);
    } else {
      throw new ConfigError({ source: 'file', key, origin: path, detail: `must be a mapping, got ${describe(value)}` });
    }
  }
}

function unknownKeyDetail(name: string, prefix: string): string {
  const qualify = (n: string): string => (prefix === '' ? n : `${prefix}.${n}`);
  const below = prefix === '' ? FILE_KEYS : FILE_KEYS.filter((k) => k.startsWith(`${prefix}.`));
  const start = prefix === '' ? 0 : prefix.length + 1;
  const siblings = [...new Set(below.map((k) => k.slice(start).split('.')[0] ?? ''))];
  const near = didYouMean(name, siblings);
  if (near !== undefined) return `unknown key (did you mean ${qualify(near)}?)`;
  // The right name at the wrong nesting level, e.g. a top-level `recent_limit`.
  const norm = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');
  const elsewhere = FILE_KEYS.find((k) => norm(k.split('.').pop() ?? '') === norm(name));
  if (elsewhere !== undefined) return `unknown key (did you mean ${elsewhere}?)`;
  return `unknown key (expected one of: ${siblings.join(', ')})`;
}

// ---- services -----------------------------------------------------------------

const SERVICE_KEYS = ['name', 'exe', 'comm', 'port', 'container'] as const;
const MATCHER_KEYS = ['exe', 'comm', 'port', 'container'] as const;

function parseServices(value: unknown, path: string): ServiceRule[] {
  const fail = (key: string, detail: string): never => {
    throw new ConfigError({ source: 'file', key, origin: path, detail });
  };
  if (!Array.isArray(value)) return fail(SERVICES_KEY, `must be a list of service rules, got ${describe(value)}`);

  return value.map((item: unknown, index): ServiceRule => {
    const at = `${SERVICES_KEY}[${index}]`;
    if (!isMapping(item)) {
      return fail(at, `must be a mapping with a name and at least one of ${MATCHER_KEYS.join(', ')}, got ${describe(item)}`);
    }
    for (const key of Object.keys(item)) {
      if ((SERVICE_KEYS as readonly string[]).includes(key)) continue;
      const near = didYouMean(key, SERVICE_KEYS);
      fail(`${at}.${key}`, near === undefined ? `unknown key (expected one of: ${SERVICE_KEYS.join(', ')})` : `unknown key (did you mean ${at}.${near}?)`);
    }

    const text = (key: string): string | undefined => {
      if (!(key in item)) return undefined;
      const v = item[key];
      if (typeof v !== 'string' || v.trim() === '') return fail(`${at}.${key}`, `must be a non-empty string, got ${describe(v)}`);
      return v;
    };

    const name = text('name');
    if (name === undefined) return fail(`${at}.name`, 'required: every service rule needs a name');
    const rule: ServiceRule = { name };

    const exe = text('exe');
    if (exe !== undefined) rule.exe = exe;

    const comm = text('comm');
    if (comm !== undefined) {
      // The kernel truncates comm, so a longer literal could never match anything.
      if (comm.replace(/\*/g, '').length > COMM_MAX_LENGTH) {
        fail(`${at}.comm`, `must be at most ${COMM_MAX_LENGTH} characters (the kernel truncates process names), got "${comm}"`);
      }
      rule.comm = comm;
    }

    if ('port' in item) {
      const port = item['port'];
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        fail(`${at}.port`, `must be an integer port between 1 and 65535, got ${describe(port)}`);
      }
      rule.port = port as number;
    }

    const container = text('container');
    if (container !== undefined) rule.container = container;

    if (MATCHER_KEYS.every((k) => rule[k] === undefined)) {
      fail(at, `service "${name}" needs at least one matcher: ${MATCHER_KEYS.join(', ')}`);
    }
    return rule;
  });
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
