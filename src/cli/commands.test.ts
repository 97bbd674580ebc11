import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../config/load.js';
import { formatUsage, parseCommandLine } from './args.js';
import { CLI_SPEC } from './commands.js';

const FLAGS: Record<string, string[]> = {
  up: ['listen', 'health-listen', 'store', 'auth-token', 'duration', 'config', 'log-level'],
  flows: ['json', 'pid', 'port', 'comm', 'duration', 'config'],
  requests: ['json', 'protocol', 'pid', 'service', 'min-duration', 'duration', 'config'],
  doctor: ['json'],
  version: [],
};

describe('CLI_SPEC', () => {
  it('has exactly the documented commands', () => {
    assert.deepEqual(CLI_SPEC.commands.map((c) => c.name).sort(), Object.keys(FLAGS).sort());
  });

  for (const command of CLI_SPEC.commands) {
    it(`"${command.name}" has the documented flags`, () => {
      assert.deepEqual(command.flags.map((f) => f.name).sort(), [...(FLAGS[command.name] ?? [])].sort());
    });
    it(`"${command.name}" does not redefine help and has help text`, () => {
      assert.ok(!command.flags.some((f) => f.name === 'help'));
      assert.ok(command.summary.length > 0);
      for (const flag of command.flags) assert.ok(flag.description.length > 0, `--${flag.name} lacks a description`);
      assert.match(formatUsage(CLI_SPEC, command.name), new RegExp(`Usage: sonde ${command.name}`));
    });
  }

  const lines: { name: string; argv: string[]; flags: Record<string, string | boolean> }[] = [
    { name: 'up with every flag', argv: ['up', '--listen', ':1', '--health-listen=:2', '--duration', '5s', '--config', '/c.yaml', '--log-level', 'debug'], flags: { listen: ':1', 'health-listen': ':2', duration: '5s', config: '/c.yaml', 'log-level': 'debug' } },
    { name: 'flows with filters', argv: ['flows', '--json', '--pid', '42', '--port=443', '--comm', 'nginx*'], flags: { json: true, pid: '42', port: '443', comm: 'nginx*' } },
    { name: 'doctor --json', argv: ['doctor', '--json'], flags: { json: true } },
  ];
  for (const c of lines) {
    it(`parses ${c.name}`, () => {
      assert.deepEqual(parseCommandLine(c.argv, CLI_SPEC).flags, c.flags);
    });
  }

  it('flags of "up" feed loadConfig', () => {
    const { flags } = parseCommandLine(['up', '--listen', ':9000', '--duration', '30s', '--log-level', 'warn'], CLI_SPEC);
    const config = loadConfig({ flags, env: {} });
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 9000 });
    assert.equal(config.durationMs, 30_000);
    assert.equal(config.logLevel, 'warn');
  });

  it('help text shows the real defaults', () => {
    const text = formatUsage(CLI_SPEC, 'up');
    assert.match(text, /default 127\.0\.0\.1:8080/);
    assert.match(text, /default 127\.0\.0\.1:8081/);
  });
});
