import { ConfigError } from '../config/config-error.js';
import { loadConfig } from '../config/load.js';
import { CLI_SPEC } from './commands.js';
import { formatUsage, parseCommandLine, UsageError } from './args.js';
import { runDoctor } from './doctor.js';
import { runFlows } from './flows.js';
import { runRequests } from './requests.js';
import { runUp } from './up.js';
import { SONDE_VERSION } from './version.js';

const EXIT_USAGE = 2;

function needsRoot(): string | null {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'not running as root: loading BPF programs needs root (or CAP_BPF + CAP_PERFMON + CAP_NET_ADMIN). Try `sudo bin/sonde ...`; `sonde doctor` shows what this machine allows.';
  }
  return null;
}

async function main(argv: readonly string[]): Promise<number> {
  // `sonde flows --json | head` closes our stdout: that is the reader being done, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  let line;
  try {
    line = parseCommandLine(argv, CLI_SPEC);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`sonde: ${err.message}\n\n${formatUsage(CLI_SPEC, err.command)}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  if (line.flags.help === true || line.command === '') {
    process.stdout.write(formatUsage(CLI_SPEC, line.command || undefined) + '\n');
    return 0;
  }
  if (line.command === 'version') {
    process.stdout.write(`sonde ${SONDE_VERSION}\n`);
    return 0;
  }
  if (line.command === 'doctor') return runDoctor({ json: line.flags.json === true });

  let config;
  try {
    config = loadConfig({ flags: line.flags, env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sonde: bad configuration: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  const rootProblem = needsRoot();
  if (rootProblem) {
    process.stderr.write(`sonde: ${rootProblem}\n`);
    return 1;
  }
  try {
    if (line.command === 'up') return await runUp(config);
    if (line.command === 'flows') return await runFlows(config, line.flags);
    if (line.command === 'requests') return await runRequests(config, line.flags);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`sonde: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  process.stderr.write(`sonde: unknown command ${line.command}\n`);
  return EXIT_USAGE;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`sonde: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
