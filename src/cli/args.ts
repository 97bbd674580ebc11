import { parseArgs } from 'node:util';
import { didYouMean } from '../config/config-error.js';

export interface FlagSpec {
  /** Long name without dashes, e.g. `health-listen`; also the key in the parsed flags. */
  name: string;
  type: 'string' | 'boolean';
  description: string;
  /** Placeholder shown in help for string flags, e.g. `addr`. */
  valueName?: string;
}

export interface CommandSpec {
  name: string;
  /** One line, shown in the command list and atop the command's help. */
  summary: string;
  flags: readonly FlagSpec[];
  /** Usage label for positional arguments, e.g. `[pid...]`. Without it positionals are rejected. */
  positionals?: string;
}

export interface CliSpec {
  program: string;
  commands: readonly CommandSpec[];
}

export interface CommandLine {
  /** '' when the user asked for general help (`sonde --help`, `sonde help`). */
  command: string;
  flags: Record<string, string | boolean>;
  positionals: string[];
}

/** A mistake on the command line; the message is written to be printed verbatim. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The command being parsed, so the caller can print that command's help; undefined before one is known. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

const HELP_FLAGS = new Set(['-h', '--help']);

/**
 * Parses `argv` (without the node and script paths) as `<command> [flags] [args]`.
 *
 * Runs node:util parseArgs in non-strict mode and validates the tokens itself, because
 * the strict-mode errors cannot name the subcommand or suggest the flag that was meant.
 * A help flag anywhere before `--` wins over every other problem: someone asking for
 * help with a broken command line should get help, not an error.
 */
export function parseCommandLine(argv: readonly string[], spec: CliSpec): CommandLine {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError(`missing command; expected one of: ${commandNames(spec).join(', ')}`);
  if (HELP_FLAGS.has(first)) return helpFor('');
  if (first === 'help') return helpFor(rest[0] === undefined ? '' : findCommand(spec, rest[0]).name);
  if (first.startsWith('-')) {
    throw new UsageError(`expected a command before flags, got "${first}"; expected one of: ${commandNames(spec).join(', ')}`);
  }

  const command = findCommand(spec, first);
  const terminator = rest.indexOf('--');
  if ((terminator < 0 ? rest : rest.slice(0, terminator)).some((a) => HELP_FLAGS.has(a))) return helpFor(command.name);

  const where = `for "${spec.program} ${command.name}"`;
  const known = new Map(command.flags.map((f) => [f.name, f]));
  const { tokens } = parseArgs({
    args: [...rest],
    options: Object.fromEntries(command.flags.map((f) => [f.name, { type: f.type }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });

  const flags: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (command.positionals === undefined) {
        throw new UsageError(`unexpected argument "${token.value}" ${where}`, command.name);
      }
      positionals.push(token.value);
      continue;
    }

    const flag = token.rawName.startsWith('--') ? known.get(token.name) : undefined;
    if (flag === undefined) {
      const near = token.rawName.startsWith('--') ? didYouMean(token.name, known.keys()) : undefined;
      const hint =
        near !== undefined
          ? ` (did you mean --${near}?)`
          : command.flags.length === 0
            ? ' (it takes no flags)'
            : `; see "${spec.program} ${command.name} --help"`;
      // For short groups like -abc, rawName is only "-a"; show what was typed too.
      const typed = rest[token.index];
      const shown = typed !== undefined && typed !== token.rawName && !typed.startsWith('--') ? `${token.rawName} (in "${typed}")` : token.rawName;
      throw new UsageError(`unknown flag ${shown} ${where}${hint}`, command.name);
    }

    if (flag.type === 'boolean') {
      if (token.inlineValue) {
        throw new UsageError(`flag --${flag.name} takes no value, got "${rest[token.index] ?? ''}" ${where}`, command.name);
      }
      flags[flag.name] = true;
      continue;
    }

    const placeholder = `<${flag.valueName ?? 'value'}>`;
    if (token.value === undefined) {
      throw new UsageError(`flag --${flag.name} needs a value ${where} (--${flag.name} ${placeholder})`, command.name);
    }
    // parseArgs happily takes the next flag as the value ("--listen --json"); that is
    // nearly always a forgotten value, so require the explicit = form for dash values.
    if (!token.inlineValue && token.value.startsWith('-')) {
      throw new UsageError(
        `flag --${flag.name} needs a value ${where}, got "${token.value}"; write --${flag.name}=${token.value} if that is the value`,
        command.name,
      );
    }
    // Repeats: the last one wins, as with most CLIs, so wrappers can append overrides.
    flags[flag.name] = token.value;
  }
  return { command: command.name, flags, positionals };
}

function helpFor(command: string): CommandLine {
  return { command, flags: { help: true }, positionals: [] };
}

function commandNames(spec: CliSpec): string[] {
  return spec.commands.map((c) => c.name);
}

function findCommand(spec: CliSpec, name: string): CommandSpec {
  const command = spec.commands.find((c) => c.name === name);
  if (command !== undefined) return command;
  const near = didYouMean(name, commandNames(spec));
  const hint = near !== undefined ? ` (did you mean "${near}"?)` : `; expected one of: ${commandNames(spec).join(', ')}`;
  throw new UsageError(`unknown command "${name}"${hint}`);
}

/** Help text: the command list when `command` is omitted or unknown, else that command's flags. */
export function formatUsage(spec: CliSpec, command?: string): string {
  const cmd = spec.commands.find((c) => c.name === command);
  if (cmd === undefined) {
    const width = Math.max(...spec.commands.map((c) => c.name.length));
    return [
      `Usage: ${spec.program} <command> [flags]`,
      '',
      'Commands:',
      ...spec.commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
      '',
      `Run "${spec.program} <command> --help" for the flags of a command.`,
      '',
    ].join('\n');
  }

  const rows: [string, string][] = cmd.flags.map((f) => [
    f.type === 'string' ? `--${f.name} <${f.valueName ?? 'value'}>` : `--${f.name}`,
    f.description,
  ]);
  rows.push(['-h, --help', 'Show this help.']);
  const width = Math.max(...rows.map(([left]) => left.length));
  const usage = [`Usage: ${spec.program} ${cmd.name}`, cmd.flags.length > 0 ? '[flags]' : '', cmd.positionals ?? '']
    .filter((part) => part !== '')
    .join(' ');
  return [usage, '', cmd.summary, '', 'Flags:', ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`), ''].join('\n');
}
