import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, didYouMean, type ConfigErrorInit } from './config-error.js';

describe('ConfigError', () => {
  const cases: { name: string; init: ConfigErrorInit; message: string; origin: string }[] = [
    {
      name: 'file value',
      init: { source: 'file', key: 'flows.recent_limit', origin: '/etc/sonde.yaml', detail: 'must be a positive integer, got "abc"' },
      message: 'config file /etc/sonde.yaml: flows.recent_limit: must be a positive integer, got "abc"',
      origin: '/etc/sonde.yaml',
    },
    {
      name: 'whole file',
      init: { source: 'file', key: '', origin: '/etc/sonde.yaml', detail: 'cannot read: file not found' },
      message: 'config file /etc/sonde.yaml: cannot read: file not found',
      origin: '/etc/sonde.yaml',
    },
    {
      name: 'flag with derived origin',
      init: { source: 'flag', key: 'health_listen', detail: 'missing port' },
      message: 'flag --health-listen: missing port',
      origin: '--health-listen',
    },
    {
      name: 'env with derived origin',
      init: { source: 'env', key: 'flows.table_size', detail: 'must be a power of two' },
      message: 'environment SONDE_FLOWS_TABLE_SIZE: must be a power of two',
      origin: 'SONDE_FLOWS_TABLE_SIZE',
    },
    {
      name: 'env with explicit origin',
      init: { source: 'env', key: 'listen', origin: 'SONDE_LISTEN', detail: 'missing port' },
      message: 'environment SONDE_LISTEN: missing port',
      origin: 'SONDE_LISTEN',
    },
    {
      name: 'default',
      init: { source: 'default', key: 'listen', detail: 'broken' },
      message: 'built-in default for listen: broken',
      origin: 'built-in default',
    },
  ];
  for (const c of cases) {
    it(`formats ${c.name}`, () => {
      const err = new ConfigError(c.init);
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'ConfigError');
      assert.equal(err.message, c.message);
      assert.equal(err.key, c.init.key);
      assert.equal(err.source, c.init.source);
      assert.equal(err.origin, c.origin);
      assert.equal(err.detail, c.init.detail);
    });
  }
});

describe('didYouMean', () => {
  const candidates = ['warn', 'listen', 'health_listen', 'duration', 'log_level', 'recent_limit', 'pid', 'port'];
  const cases: { name: string; input: string; want: string | undefined }[] = [
    { name: 'missing letter', input: 'listn', want: 'listen' },
    { name: 'transposed letters', input: 'lsiten', want: 'listen' },
    { name: 'camelCase for snake_case', input: 'recentLimit', want: 'recent_limit' },
    { name: 'kebab for snake', input: 'log-level', want: 'log_level' },
    { name: 'case only', input: 'DURATION', want: 'duration' },
    { name: 'longer form of a candidate', input: 'warning', want: 'warn' },
    { name: 'abbreviation of a candidate', input: 'dur', want: 'duration' },
    { name: 'near-miss beats prefix relation', input: 'listens', want: 'listen' },
    { name: 'nothing close', input: 'banana', want: undefined },
    { name: 'short words need to be very close', input: 'pad', want: 'pid' },
    { name: 'short words not too loose', input: 'pt', want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(didYouMean(c.input, candidates), c.want);
    });
  }
});
