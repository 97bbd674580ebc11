import { formatListenAddress } from '../config/listen-address.js';
import { defaultConfig } from '../config/schema.js';
import type { CliSpec, FlagSpec } from './args.js';

const defaults = defaultConfig();

// Shared by several commands; one definition keeps their help text identical.
const configFlag: FlagSpec = {
  name: 'config',
  type: 'string',
  valueName: 'file',
  description: 'YAML config file (env SONDE_CONFIG).',
};
const durationFlag: FlagSpec = {
  name: 'duration',
  type: 'string',
  valueName: 'duration',
  description: 'Stop after this long, e.g. 30s or 1h30m (env SONDE_DURATION; default: until interrupted).',
};
const jsonFlag: FlagSpec = {
  name: 'json',
  type: 'boolean',
  description: 'Print JSON, one object per line.',
};

export const CLI_SPEC: CliSpec = {
  program: 'sonde',
  commands: [
    {
      name: 'up',
      summary: 'Run the agent: capture traffic and serve the UI, /metrics and /api/v1.',
      flags: [
        {
          name: 'listen',
          type: 'string',
          valueName: 'addr',
          description: `HTTP address for the UI, metrics and API (env SONDE_LISTEN; default ${formatListenAddress(defaults.listen)}).`,
        },
        {
          name: 'health-listen',
          type: 'string',
          valueName: 'addr',
          description: `Address for /healthz and /readyz (env SONDE_HEALTH_LISTEN; default ${formatListenAddress(defaults.healthListen)}).`,
        },
        {
          name: 'store',
          type: 'string',
          valueName: 'path',
          description: `SQLite file for history, or :memory: for none on disk (env SONDE_STORE; default ${defaults.store.path}).`,
        },
        {
          name: 'auth-token',
          type: 'string',
          valueName: 'token',
          description: 'Token the API and UI require (Bearer header or ?token=); needed when --listen is not loopback (env SONDE_AUTH_TOKEN).',
        },
        durationFlag,
        configFlag,
        {
          name: 'log-level',
          type: 'string',
          valueName: 'level',
          description: `debug, info, warn or error (env SONDE_LOG_LEVEL; default ${defaults.logLevel}).`,
        },
      ],
    },
    {
      name: 'flows',
      summary: 'Stream network flows as they are observed.',
      flags: [
        jsonFlag,
        { name: 'pid', type: 'string', valueName: 'pid', description: 'Only flows of this process id.' },
        { name: 'port', type: 'string', valueName: 'port', description: 'Only flows with this local or remote port.' },
        { name: 'comm', type: 'string', valueName: 'name', description: 'Only flows of processes with this name (* globs allowed).' },
        durationFlag,
        configFlag,
      ],
    },
    {
      name: 'requests',
      summary: 'Stream L7 requests (HTTP, SQL, Redis, DNS, ...) as they complete, server and client side.',
      flags: [
        jsonFlag,
        { name: 'protocol', type: 'string', valueName: 'name', description: 'Only this protocol: http, http2, grpc, postgresql, mysql, redis, mongodb, kafka, memcached or dns.' },
        { name: 'pid', type: 'string', valueName: 'pid', description: 'Only requests of this process id.' },
        { name: 'service', type: 'string', valueName: 'name', description: 'Only requests of this service (* globs allowed).' },
        { name: 'min-duration', type: 'string', valueName: 'duration', description: 'Only requests at least this slow, e.g. 100ms.' },
        durationFlag,
        configFlag,
      ],
    },
    {
      name: 'doctor',
      summary: 'Check that this host can run sonde (kernel, BTF, privileges).',
      flags: [{ ...jsonFlag, description: 'Print the report as JSON.' }],
    },
    {
      name: 'version',
      summary: 'Print the version.',
      flags: [],
    },
  ],
};
