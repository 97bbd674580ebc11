import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, formatUsage, parseCommandLine, type CliSpec, type CommandLine } from './args.js';

// A spec local to the tests so they do not break when real commands change.
const SPEC: CliSpec = {
  program: 'sonde',
  commands: [
    {
      name: 'up',
      summary: 'Run the agent.',
      flags: [
        { name: 'listen', type: 'string', valueName: 'addr', description: 'HTTP address.' },
        { name: 'health-listen', type: 'string', valueName: 'addr', description: 'Health address.' },
        { name: 'verbose', type: 'boolean', description: 'More output.' },
      ],
    },
    {
      name: 'flows',
      summary: 'Stream flows.',
      flags: [
        { name: 'json', type: 'boolean', description: 'JSON lines.' },
        { name: 'pid', type: 'string', description: 'Filter by pid.' },
      ],
      positionals: '[filter...]',
    },
    { name: 'version', summary: 'Print the version.', flags: [] },
  ],
};

describe('parseCommandLine: accepted', () => {
  const cases: { name: string; argv: string[]; want: CommandLine }[] = [
    { name: 'command alone', argv: ['up'], want: { command: 'up', flags: {}, positionals: [] } },
    {
      name: 'flag with separate value',
      argv: ['up', '--listen', ':9000'],
      want: { command: 'up', flags: { listen: ':9000' }, positionals: [] },
    },
    {
      name: 'flag with = value',
      argv: ['up', '--health-listen=[::1]:9001'],
      want: { command: 'up', flags: { 'health-listen': '[::1]:9001' }, positionals: [] },
    },
    {
      name: 'empty = value is passed through for the config layer to judge',
      argv: ['up', '--listen='],
      want: { command: 'up', flags: { listen: '' }, positionals: [] },
    },
    {
      name: 'dash value via =',
      argv: ['flows', '--pid=-1'],
      want: { command: 'flows', flags: { pid: '-1' }, positionals: [] },
    },
    { name: 'boolean flag', argv: ['flows', '--json'], want: { command: 'flows', flags: { json: true }, positionals: [] } },
    {
      name: 'last repeat wins',
      argv: ['up', '--listen', ':1', '--listen', ':2'],
      want: { command: 'up', flags: { listen: ':2' }, positionals: [] },
    },
    {
      name: 'positionals where the command takes them',
      argv: ['flows', 'a', '--json', 'b'],
      want: { command: 'flows', flags: { json: true }, positionals: ['a', 'b'] },
    },
    {
      name: 'everything after -- is positional',
      argv: ['flows', '--', '--json', '-h'],
      want: { command: 'flows', flags: {}, positionals: ['--json', '-h'] },
    },
    { name: 'top-level --help', argv: ['--help'], want: { command: '', flags: { help: true }, positionals: [] } },
    { name: 'top-level -h', argv: ['-h'], want: { command: '', flags: { help: true }, positionals: [] } },
    { name: 'help command', argv: ['help'], want: { command: '', flags: { help: true }, positionals: [] } },
    { name: 'help for a command', argv: ['help', 'up'], want: { command: 'up', flags: { help: true }, positionals: [] } },
    { name: 'command --help', argv: ['up', '--help'], want: { command: 'up', flags: { help: true }, positionals: [] } },
    {
      name: 'help wins over other mistakes',
      argv: ['up', '--lisen', 'x', '-h'],
      want: { command: 'up', flags: { help: true }, positionals: [] },
    },
    { name: 'command without flags', argv: ['version'], want: { command: 'version', flags: {}, positionals: [] } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(parseCommandLine(c.argv, SPEC), c.want);
    });
  }
});

describe('parseCommandLine: rejected', () => {
  const cases: { name: string; argv: string[]; message: string | RegExp; command: string | undefined }[] = [
    { name: 'no arguments', argv: [], message: 'missing command; expected one of: up, flows, version', command: undefined },
    {
      name: 'unknown command with suggestion',
      argv: ['flws'],
      message: 'unknown command "flws" (did you mean "flows"?)',
      command: undefined,
    },
    {
      name: 'unknown command without suggestion',
      argv: ['launch'],
      message: 'unknown command "launch"; expected one of: up, flows, version',
      command: undefined,
    },
    { name: 'flag before command', argv: ['--listen', ':1', 'up'], message: /expected a command before flags, got "--listen"/, command: undefined },
    {
      name: 'misspelt flag with suggestion',
      argv: ['up', '--lisen', ':8080'],
      message: 'unknown flag --lisen for "sonde up" (did you mean --listen?)',
      command: 'up',
    },
    {
      name: 'flag of another command',
      argv: ['up', '--json'],
      message: 'unknown flag --json for "sonde up"; see "sonde up --help"',
      command: 'up',
    },
    {
      name: 'misspelt flag in = form',
      argv: ['up', '--helth-listen=:1'],
      message: /unknown flag --helth-listen for "sonde up" \(did you mean --health-listen\?\)/,
      command: 'up',
    },
    { name: 'unknown short flag', argv: ['up', '-x'], message: /^unknown flag -x for "sonde up"/, command: 'up' },
    { name: 'unknown short group', argv: ['up', '-vx'], message: /^unknown flag -v \(in "-vx"\) for "sonde up"/, command: 'up' },
    {
      name: 'flag on a command without flags',
      argv: ['version', '--json'],
      message: 'unknown flag --json for "sonde version" (it takes no flags)',
      command: 'version',
    },
    {
      name: 'missing value at end',
      argv: ['up', '--listen'],
      message: 'flag --listen needs a value for "sonde up" (--listen <addr>)',
      command: 'up',
    },
    {
      name: 'next flag taken as value',
      argv: ['up', '--listen', '--verbose'],
      message: /flag --listen needs a value for "sonde up", got "--verbose"; write --listen=--verbose/,
      command: 'up',
    },
    {
      name: 'boolean flag with a value',
      argv: ['flows', '--json=false'],
      message: 'flag --json takes no value, got "--json=false" for "sonde flows"',
      command: 'flows',
    },
    {
      name: 'positional where none are taken',
      argv: ['up', '8080'],
      message: 'unexpected argument "8080" for "sonde up"',
      command: 'up',
    },
    { name: 'help for an unknown command', argv: ['help', 'dwon'], message: /unknown command "dwon"/, command: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(() => parseCommandLine(c.argv, SPEC), (err: unknown) => {
        assert.ok(err instanceof UsageError, `expected UsageError, got ${String(err)}`);
        if (typeof c.message === 'string') assert.equal(err.message, c.message);
        else assert.match(err.message, c.message);
        assert.equal(err.command, c.command);
        return true;
      });
    });
  }
});

describe('formatUsage', () => {
  const cases: { name: string; command: string | undefined; includes: string[]; excludes?: string[] }[] = [
    {
      name: 'command list',
      command: undefined,
      includes: ['Usage: sonde <command> [flags]', '  up       Run the agent.', '  version  Print the version.', 'sonde <command> --help'],
    },
    {
      name: 'unknown command falls back to the list',
      command: 'nope',
      includes: ['Commands:'],
    },
    {
      name: 'command flags, aligned',
      command: 'up',
      includes: [
        'Usage: sonde up [flags]\n\nRun the agent.',
        '  --listen <addr>         HTTP address.',
        '  --health-listen <addr>  Health address.',
        '  --verbose               More output.',
        '  -h, --help              Show this help.',
      ],
    },
    { name: 'positionals label', command: 'flows', includes: ['Usage: sonde flows [flags] [filter...]', '  --pid <value>'] },
    { name: 'command without flags', command: 'version', includes: ['Usage: sonde version\n'], excludes: ['[flags]'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const text = formatUsage(SPEC, c.command);
      for (const want of c.includes) assert.ok(text.includes(want), `missing ${JSON.stringify(want)} in:\n${text}`);
      for (const unwanted of c.excludes ?? []) assert.ok(!text.includes(unwanted), `unexpected ${JSON.stringify(unwanted)} in:\n${text}`);
    });
  }
});
