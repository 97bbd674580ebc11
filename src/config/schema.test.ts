import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAX_PEERS_PER_SERVICE } from '../telemetry/peer-budget.js';
import { DEFAULT_RECENT_SPANS } from '../telemetry/recent-spans.js';
import { FLOW_TABLE_SIZE_MAX, FLOW_TABLE_SIZE_MIN, LOG_LEVELS, defaultConfig } from './schema.js';

describe('defaultConfig', () => {
  const cases: { name: string; check: () => void }[] = [
    {
      name: 'binds loopback only',
      check: () => {
        assert.deepEqual(defaultConfig().listen, { host: '127.0.0.1', port: 8080 });
        assert.deepEqual(defaultConfig().healthListen, { host: '127.0.0.1', port: 8081 });
      },
    },
    { name: 'runs until signalled', check: () => assert.equal(defaultConfig().durationMs, null) },
    // Two places hold this default (config must not import telemetry): they must agree.
    { name: 'recent records: the ring\'s own default', check: () => assert.equal(defaultConfig().l7.recentLimit, DEFAULT_RECENT_SPANS) },
    { name: 'peers per service: the flow metrics\' own default', check: () => assert.equal(defaultConfig().metrics.maxPeersPerService, DEFAULT_MAX_PEERS_PER_SERVICE) },
    { name: 'log level is a known level', check: () => assert.ok(LOG_LEVELS.includes(defaultConfig().logLevel)) },
    {
      name: 'flow table size satisfies its own constraint',
      check: () => {
        const size = defaultConfig().flows.tableSize;
        assert.ok(size >= FLOW_TABLE_SIZE_MIN && size <= FLOW_TABLE_SIZE_MAX);
        assert.equal(size & (size - 1), 0);
      },
    },
    {
      name: 'returns independent copies',
      check: () => {
        const a = defaultConfig();
        a.listen.port = 1;
        a.services.push({ name: 'x', port: 1 });
        assert.equal(defaultConfig().listen.port, 8080);
        assert.deepEqual(defaultConfig().services, []);
      },
    },
  ];
  for (const c of cases) it(c.name, c.check);
});
