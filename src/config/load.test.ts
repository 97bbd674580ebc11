import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, type ConfigSource } from './config-error.js';
import { loadConfig, type ConfigEnv, type ConfigFlags } from './load.js';
import { defaultConfig, type SondeConfig } from './schema.js';

const PATH = '/etc/sonde.yaml';

/** A readFile that serves one in-memory file and fails like fs for anything else. */
function fakeFs(files: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    return text;
  };
}

interface Input {
  flags?: ConfigFlags;
  env?: ConfigEnv;
  /** Contents of PATH; when set, --config points at it unless flags/env say otherwise. */
  yaml?: string;
}

function load(input: Input): SondeConfig {
  const flags = input.yaml !== undefined && input.flags?.['config'] === undefined && input.env?.['SONDE_CONFIG'] === undefined
    ? { ...input.flags, config: PATH }
    : (input.flags ?? {});
  return loadConfig({ flags, env: input.env ?? {}, readFile: fakeFs(input.yaml === undefined ? {} : { [PATH]: input.yaml }) });
}

describe('loadConfig: values and precedence', () => {
  const cases: { name: string; input: Input; want: (c: SondeConfig) => void }[] = [
    { name: 'defaults with nothing set', input: {}, want: (c) => assert.deepEqual(c, defaultConfig()) },
    {
      name: 'file sets every scalar',
      input: {
        yaml: [
          'listen: "[::1]:9000"',
          'health_listen: :9001',
          'duration: 1h30m',
          'log_level: debug',
          'flows:',
          '  recent_limit: 500',
          '  table_size: 1024',
          'metrics:',
          '  max_series_per_metric: 100',
          '  max_peers_per_service: 20',
        ].join('\n'),
      },
      want: (c) =>
        assert.deepEqual(c, {
          ...defaultConfig(),
          listen: { host: '::1', port: 9000 },
          healthListen: { host: '127.0.0.1', port: 9001 },
          durationMs: 5_400_000,
          logLevel: 'debug',
          flows: { recentLimit: 500, tableSize: 1024 },
          metrics: { maxSeriesPerMetric: 100, maxPeersPerService: 20 },
          configFile: PATH,
        }),
    },
    {
      name: 'env overrides file',
      input: { yaml: 'listen: :1000\nlog_level: warn\n', env: { SONDE_LISTEN: ':2000' } },
      want: (c) => {
        assert.deepEqual(c.listen, { host: '127.0.0.1', port: 2000 });
        assert.equal(c.logLevel, 'warn');
      },
    },
    {
      name: 'flag overrides env and file',
      input: { yaml: 'listen: :1000\n', env: { SONDE_LISTEN: ':2000' }, flags: { listen: ':3000' } },
      want: (c) => assert.deepEqual(c.listen, { host: '127.0.0.1', port: 3000 }),
    },
    {
      name: 'env for nested keys',
      input: { env: { SONDE_FLOWS_RECENT_LIMIT: '42', SONDE_FLOWS_TABLE_SIZE: '2048', SONDE_METRICS_MAX_SERIES_PER_METRIC: '7', SONDE_METRICS_MAX_PEERS_PER_SERVICE: '3' } },
      want: (c) => {
        assert.deepEqual(c.flows, { recentLimit: 42, tableSize: 2048 });
        assert.equal(c.metrics.maxSeriesPerMetric, 7);
        assert.equal(c.metrics.maxPeersPerService, 3);
      },
    },
    {
      name: 'flags by their kebab-case names',
      input: { flags: { 'health-listen': '0.0.0.0:0', duration: '30s', 'log-level': 'error' } },
      want: (c) => {
        assert.deepEqual(c.healthListen, { host: '0.0.0.0', port: 0 });
        assert.equal(c.durationMs, 30_000);
        assert.equal(c.logLevel, 'error');
      },
    },
    {
      name: 'upper-case log level from env',
      input: { env: { SONDE_LOG_LEVEL: 'WARN' } },
      want: (c) => assert.equal(c.logLevel, 'warn'),
    },
    {
      name: 'empty env var counts as unset',
      input: { env: { SONDE_LISTEN: '', SONDE_CONFIG: '' } },
      want: (c) => assert.deepEqual(c, defaultConfig()),
    },
    {
      name: 'flags unrelated to config are ignored',
      input: { flags: { json: true, pid: '42', help: false } },
      want: (c) => assert.deepEqual(c, defaultConfig()),
    },
    {
      name: 'config file named by env',
      input: { yaml: 'log_level: debug\n', env: { SONDE_CONFIG: PATH } },
      want: (c) => {
        assert.equal(c.configFile, PATH);
        assert.equal(c.logLevel, 'debug');
      },
    },
    { name: 'empty file', input: { yaml: '' }, want: (c) => assert.deepEqual(c, { ...defaultConfig(), configFile: PATH }) },
    { name: 'comments only', input: { yaml: '# nothing yet\n' }, want: (c) => assert.deepEqual(c.services, []) },
    {
      name: 'null values and sections fall back to defaults',
      input: { yaml: 'listen:\nflows:\nservices:\n' },
      want: (c) => assert.deepEqual(c, { ...defaultConfig(), configFile: PATH }),
    },
    {
      name: 'services with each matcher',
      input: {
        yaml: [
          'services:',
          '  - name: api',
          '    exe: /usr/bin/node',
          '    port: 3000',
          '  - name: db',
          '    comm: "postgres*"',
          '  - name: web',
          '    container: nginx',
          '  - name: api',
          '    exe: "*/python3*"',
        ].join('\n'),
      },
      want: (c) =>
        assert.deepEqual(c.services, [
          { name: 'api', exe: '/usr/bin/node', port: 3000 },
          { name: 'db', comm: 'postgres*' },
          { name: 'web', container: 'nginx' },
          { name: 'api', exe: '*/python3*' },
        ]),
    },
  ];
  for (const c of cases) {
    it(c.name, () => c.want(load(c.input)));
  }

  it('returns fresh objects each call', () => {
    const a = load({});
    a.flows.recentLimit = 1;
    assert.equal(load({}).flows.recentLimit, defaultConfig().flows.recentLimit);
  });

  it('reads the file through the default fs when readFile is omitted', () => {
    assert.throws(
      () => loadConfig({ flags: { config: '/nonexistent/sonde-test.yaml' }, env: {} }),
      /config file \/nonexistent\/sonde-test\.yaml: cannot read \(named by --config\): file not found/,
    );
  });
});

describe('loadConfig: errors', () => {
  const cases: { name: string; input: Input; source: ConfigSource; key: string; message: string | RegExp }[] = [
    {
      name: 'bad integer in file',
      input: { yaml: 'flows:\n  recent_limit: abc\n' },
      source: 'file',
      key: 'flows.recent_limit',
      message: 'config file /etc/sonde.yaml: flows.recent_limit: must be a positive integer, got string "abc"',
    },
    {
      name: 'quoted number in file is a type error',
      input: { yaml: 'flows:\n  recent_limit: "100"\n' },
      source: 'file',
      key: 'flows.recent_limit',
      message: /flows\.recent_limit: must be a positive integer, got string "100"/,
    },
    {
      name: 'zero limit',
      input: { yaml: 'metrics:\n  max_series_per_metric: 0\n' },
      source: 'file',
      key: 'metrics.max_series_per_metric',
      message: /metrics\.max_series_per_metric: must be a positive integer, got 0/,
    },
    {
      name: 'fractional limit',
      input: { yaml: 'flows:\n  recent_limit: 1.5\n' },
      source: 'file',
      key: 'flows.recent_limit',
      message: /must be a positive integer, got 1.5/,
    },
    {
      name: 'table size not a power of two',
      input: { yaml: 'flows:\n  table_size: 5000\n' },
      source: 'file',
      key: 'flows.table_size',
      message: /flows\.table_size: must be a power of two between 1024 and 1048576, got 5000/,
    },
    {
      name: 'table size too large',
      input: { env: { SONDE_FLOWS_TABLE_SIZE: '2097152' } },
      source: 'env',
      key: 'flows.table_size',
      message: /^environment SONDE_FLOWS_TABLE_SIZE: must be a power of two/,
    },
    {
      name: 'bad integer in env',
      input: { env: { SONDE_FLOWS_RECENT_LIMIT: '10k' } },
      source: 'env',
      key: 'flows.recent_limit',
      message: 'environment SONDE_FLOWS_RECENT_LIMIT: must be a positive integer, got "10k"',
    },
    {
      name: 'bad listen flag',
      input: { flags: { listen: 'localhost' } },
      source: 'flag',
      key: 'listen',
      message: /^flag --listen: missing port in "localhost"/,
    },
    {
      name: 'bad listen env',
      input: { env: { SONDE_HEALTH_LISTEN: ':99999' } },
      source: 'env',
      key: 'health_listen',
      message: /^environment SONDE_HEALTH_LISTEN: port 99999 out of range/,
    },
    {
      name: 'listen as a number in file',
      input: { yaml: 'listen: 8080\n' },
      source: 'file',
      key: 'listen',
      message: /config file \/etc\/sonde\.yaml: listen: must be a listen address string .* got number 8080/,
    },
    {
      name: 'string flag given as boolean',
      input: { flags: { listen: true } },
      source: 'flag',
      key: 'listen',
      message: 'flag --listen: requires a value',
    },
    {
      name: 'bare number duration in file',
      input: { yaml: 'duration: 30\n' },
      source: 'file',
      key: 'duration',
      message: /duration: must be a duration string .* got number 30/,
    },
    {
      name: 'duration without unit in flag',
      input: { flags: { duration: '10' } },
      source: 'flag',
      key: 'duration',
      message: /^flag --duration: must have a unit/,
    },
    {
      name: 'zero duration',
      input: { env: { SONDE_DURATION: '0s' } },
      source: 'env',
      key: 'duration',
      message: /^environment SONDE_DURATION: must be greater than zero/,
    },
    {
      name: 'duration beyond the timer limit',
      input: { flags: { duration: '600h' } },
      source: 'flag',
      key: 'duration',
      message: /^flag --duration: must be at most 596h31m23.647s/,
    },
    {
      name: 'unknown log level with suggestion',
      input: { flags: { 'log-level': 'warning' } },
      source: 'flag',
      key: 'log_level',
      message: 'flag --log-level: must be one of debug, info, warn, error, got "warning" (did you mean warn?)',
    },
    {
      name: 'unknown top-level key with suggestion',
      input: { yaml: 'listn: :8080\n' },
      source: 'file',
      key: 'listn',
      message: 'config file /etc/sonde.yaml: listn: unknown key (did you mean listen?)',
    },
    {
      name: 'unknown nested key with suggestion',
      input: { yaml: 'flows:\n  recent_limt: 5\n' },
      source: 'file',
      key: 'flows.recent_limt',
      message: /flows\.recent_limt: unknown key \(did you mean flows\.recent_limit\?\)/,
    },
    {
      name: 'camelCase key',
      input: { yaml: 'healthListen: :9000\n' },
      source: 'file',
      key: 'healthListen',
      message: /healthListen: unknown key \(did you mean health_listen\?\)/,
    },
    {
      name: 'key at the wrong level',
      input: { yaml: 'table_size: 1024\n' },
      source: 'file',
      key: 'table_size',
      message: /table_size: unknown key \(did you mean flows\.table_size\?\)/,
    },
    {
      name: 'unknown key with nothing close lists the options',
      input: { yaml: 'metrics:\n  banana: 1\n' },
      source: 'file',
      key: 'metrics.banana',
      message: /metrics\.banana: unknown key \(expected one of: max_series_per_metric, max_peers_per_service\)/,
    },
    {
      name: 'unknown key even with a null value',
      input: { yaml: 'colour:\n' },
      source: 'file',
      key: 'colour',
      message: /colour: unknown key/,
    },
    {
      name: 'section that is not a mapping',
      input: { yaml: 'flows: 5\n' },
      source: 'file',
      key: 'flows',
      message: /flows: must be a mapping, got number 5/,
    },
    {
      name: 'top level that is not a mapping',
      input: { yaml: '- listen\n' },
      source: 'file',
      key: '',
      message: 'config file /etc/sonde.yaml: must be a mapping of settings at the top level, got a list',
    },
    {
      name: 'YAML syntax error names file and line',
      input: { yaml: 'listen: :8080\nflows:\n  recent_limit: [1, 2\n' },
      source: 'file',
      key: '',
      message: /^config file \/etc\/sonde\.yaml: invalid YAML at line \d+, column \d+: /,
    },
    {
      name: 'duplicate YAML key',
      input: { yaml: 'listen: :1\nlisten: :2\n' },
      source: 'file',
      key: '',
      message: /^config file \/etc\/sonde\.yaml: invalid YAML at line 2, column 1: Map keys must be unique/,
    },
    {
      name: 'missing config file from flag',
      input: { flags: { config: '/missing.yaml' } },
      source: 'file',
      key: '',
      message: 'config file /missing.yaml: cannot read (named by --config): file not found',
    },
    {
      name: 'missing config file from env',
      input: { env: { SONDE_CONFIG: '/missing.yaml' } },
      source: 'file',
      key: '',
      message: 'config file /missing.yaml: cannot read (named by SONDE_CONFIG): file not found',
    },
    {
      name: 'empty --config',
      input: { flags: { config: '' } },
      source: 'flag',
      key: 'config',
      message: 'flag --config: must be a file path, got an empty string',
    },
    {
      name: 'bad file value is reported even when a flag overrides it',
      input: { yaml: 'listen: nope\n', flags: { listen: ':8080' } },
      source: 'file',
      key: 'listen',
      message: /config file \/etc\/sonde\.yaml: listen: missing port/,
    },
    {
      name: 'services not a list',
      input: { yaml: 'services:\n  api: {}\n' },
      source: 'file',
      key: 'services',
      message: /services: must be a list of service rules, got a mapping/,
    },
    {
      name: 'service entry not a mapping',
      input: { yaml: 'services:\n  - api\n' },
      source: 'file',
      key: 'services[0]',
      message: /services\[0\]: must be a mapping .* got string "api"/,
    },
    {
      name: 'service without a name',
      input: { yaml: 'services:\n  - exe: /bin/x\n' },
      source: 'file',
      key: 'services[0].name',
      message: /services\[0\]\.name: required/,
    },
    {
      name: 'service without a matcher',
      input: { yaml: 'services:\n  - name: api\n    exe: /bin/x\n  - name: lonely\n' },
      source: 'file',
      key: 'services[1]',
      message: /services\[1\]: service "lonely" needs at least one matcher: exe, comm, port, container/,
    },
    {
      name: 'unknown service key with suggestion',
      input: { yaml: 'services:\n  - name: api\n    exec: /bin/x\n' },
      source: 'file',
      key: 'services[0].exec',
      message: /services\[0\]\.exec: unknown key \(did you mean services\[0\]\.exe\?\)/,
    },
    {
      name: 'service port out of range',
      input: { yaml: 'services:\n  - name: api\n    port: 70000\n' },
      source: 'file',
      key: 'services[0].port',
      message: /services\[0\]\.port: must be an integer port between 1 and 65535, got number 70000/,
    },
    {
      name: 'service port as string',
      input: { yaml: 'services:\n  - name: api\n    port: "80"\n' },
      source: 'file',
      key: 'services[0].port',
      message: /got string "80"/,
    },
    {
      name: 'service matcher left empty',
      input: { yaml: 'services:\n  - name: api\n    exe:\n' },
      source: 'file',
      key: 'services[0].exe',
      message: /services\[0\]\.exe: must be a non-empty string, got null/,
    },
    {
      name: 'comm longer than the kernel keeps',
      input: { yaml: 'services:\n  - name: api\n    comm: a-very-long-process-name\n' },
      source: 'file',
      key: 'services[0].comm',
      message: /services\[0\]\.comm: must be at most 15 characters/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(() => load(c.input), (err: unknown) => {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
        if (typeof c.message === 'string') assert.equal(err.message, c.message);
        else assert.match(err.message, c.message);
        assert.equal(err.source, c.source);
        assert.equal(err.key, c.key);
        return true;
      });
    });
  }

  it('does not dress up unexpected readFile failures as missing files', () => {
    const readFile = (): string => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    assert.throws(
      () => loadConfig({ flags: { config: PATH }, env: {}, readFile }),
      { message: 'config file /etc/sonde.yaml: cannot read (named by --config): permission denied' },
    );
  });
});

describe('l7 settings', () => {
  const file = (text: string) => ({ flags: { config: '/etc/sonde.yaml' }, env: {}, readFile: () => text });
  it('defaults: enabled, 4 KiB capture, secrets redacted, queries dropped', () => {
    const c = loadConfig({ flags: {}, env: {} });
    assert.deepEqual(c.l7, { enabled: true, captureBytes: 4096, maxSegmentsPerSecond: 20000, parsePriority: 'idle', redactSecrets: true, keepQuery: false, keepSqlLiterals: false, dnsPort: 53, tls: true, mirrorLocalPeers: true, recentLimit: 2000, recordBudgetPerSecond: 10000, maxRoutesPerService: 100, routes: [] });
  });
  it('mirror_local_peers from the file and the environment', () => {
    assert.equal(loadConfig(file('l7:\n  mirror_local_peers: false\n')).l7.mirrorLocalPeers, false);
    assert.equal(loadConfig({ flags: {}, env: { SONDE_L7_MIRROR_LOCAL_PEERS: 'false' } }).l7.mirrorLocalPeers, false);
    assert.throws(() => loadConfig(file('l7:\n  mirror_local_peers: sometimes\n')), /l7\.mirror_local_peers/);
  });
  it('reads every key from the file', () => {
    const c = loadConfig(file('l7:\n  enabled: false\n  capture_bytes: 512\n  redact_secrets: false\n  keep_query: true\n  routes: ["/users/:id", "/static/*"]\n'));
    assert.equal(c.l7.enabled, false);
    assert.equal(c.l7.captureBytes, 512);
    assert.equal(c.l7.redactSecrets, false);
    assert.equal(c.l7.keepQuery, true);
    assert.deepEqual(c.l7.routes, ['/users/:id', '/static/*']);
  });
  it('SQL literals and the DNS port', () => {
    const c = loadConfig(file('l7:\n  keep_sql_literals: true\n  dns_port: 5353\n  tls: false\n'));
    assert.equal(c.l7.tls, false);
    assert.equal(c.l7.keepSqlLiterals, true);
    assert.equal(c.l7.dnsPort, 5353);
    assert.throws(() => loadConfig({ flags: {}, env: { SONDE_L7_DNS_PORT: '70000' } }), /l7\.dns_port|SONDE_L7_DNS_PORT/);
  });
  it('store and auth token: defaults, file, environment and flags, bad values named', () => {
    const d = loadConfig({ flags: {}, env: {} });
    assert.deepEqual(d.store, { path: '/var/lib/sonde/sonde.db', retentionMs: 86_400_000, maxBytes: 1024 ** 3, maxSpanRowsPerSecond: 1000, maxFlowRowsPerSecond: 1000 });
    assert.equal(d.authToken, null);
    const c = loadConfig(file('store:\n  path: /tmp/x.db\n  retention: 2h\n  max_bytes: 10485760\n'));
    assert.deepEqual(c.store, { path: '/tmp/x.db', retentionMs: 7_200_000, maxBytes: 10_485_760, maxSpanRowsPerSecond: 1000, maxFlowRowsPerSecond: 1000 });
    const f = loadConfig({ flags: { store: ':memory:', 'auth-token': 'abcdefghijklmnopqrst' }, env: {} });
    assert.equal(f.store.path, ':memory:');
    assert.equal(f.authToken, 'abcdefghijklmnopqrst');
    assert.throws(() => loadConfig({ flags: { 'auth-token': 'short' }, env: {} }), /auth-token/);
    assert.throws(() => loadConfig({ flags: {}, env: { SONDE_STORE_RETENTION: '10s' } }), /SONDE_STORE_RETENTION/);
    assert.throws(() => loadConfig(file('store:\n  max_bytes: 12\n')), /store\.max_bytes/);
    assert.equal(loadConfig(file('store:\n  max_span_rows_per_second: 500\n')).store.maxSpanRowsPerSecond, 500);
    assert.throws(() => loadConfig(file('store:\n  max_span_rows_per_second: 0\n')), /store\.max_span_rows_per_second/);
  });
  it('parse priority: idle by default, normal from file or environment (any case), anything else named', () => {
    assert.equal(loadConfig(file('l7:\n  parse_priority: normal\n')).l7.parsePriority, 'normal');
    assert.equal(loadConfig({ flags: {}, env: { SONDE_L7_PARSE_PRIORITY: 'NORMAL' } }).l7.parsePriority, 'normal');
    assert.throws(() => loadConfig(file('l7:\n  parse_priority: idel\n')), /l7\.parse_priority: must be one of idle, normal, got "idel" \(did you mean idle\?\)/);
    assert.throws(() => loadConfig({ flags: {}, env: { SONDE_L7_PARSE_PRIORITY: 'low' } }), /SONDE_L7_PARSE_PRIORITY/);
  });
  it('environment booleans and lists', () => {
    const c = loadConfig({ flags: {}, env: { SONDE_L7_ENABLED: 'off', SONDE_L7_ROUTES: '/a/:id, /b/*' } });
    assert.equal(c.l7.enabled, false);
    assert.deepEqual(c.l7.routes, ['/a/:id', '/b/*']);
  });
  const bad: Array<[string, string, RegExp]> = [
    ['capture above the kernel buffer', 'l7:\n  capture_bytes: 9000\n', /l7\.capture_bytes: must be at most 4096/],
    ['not a boolean', 'l7:\n  keep_query: "yes"\n', /l7\.keep_query: must be true or false/],
    ['route without a slash', 'l7:\n  routes: ["users/:id"]\n', /l7\.routes: route patterns start with "\/"/],
    ['unknown l7 key', 'l7:\n  captur_bytes: 10\n', /l7\.captur_bytes: unknown key \(did you mean l7\.capture_bytes\?\)/],
  ];
  for (const [name, text, want] of bad) it(name, () => assert.throws(() => loadConfig(file(text)), want));
});
