/**
 * A user rule naming a service. Every matcher given must match; a rule with none matches all.
 * `exe` and `comm` accept `*` globs; an `exe` pattern without `/` is matched against the
 * executable's basename. `container` matches a container id by glob or by prefix (short ids).
 */
export interface ServiceRule {
  name: string;
  exe?: string;
  comm?: string;
  port?: number;
  container?: string;
}

export interface ServiceIdentity {
  comm: string;
  exe: string | null;
  cmdline: readonly string[];
  containerId: string | null;
  systemdUnit: string | null;
}

/** Pure: the service name for a process (and, for port rules, the local port). Never empty. */
export function deriveServiceName(
  proc: ServiceIdentity,
  localPort: number | null,
  rules: readonly ServiceRule[],
): string {
  for (const rule of rules) {
    if (rule.name !== '' && ruleMatches(rule, proc, localPort)) return rule.name;
  }
  return (
    unitServiceName(proc.systemdUnit) ??
    interpreterServiceName(proc) ??
    invokedName(proc) ??
    nonEmpty(proc.exe === null ? null : basename(proc.exe)) ??
    nonEmpty(proc.comm) ??
    nonEmpty(proc.cmdline[0] === undefined ? null : basename(proc.cmdline[0])) ??
    'unknown'
  );
}

function ruleMatches(rule: ServiceRule, proc: ServiceIdentity, localPort: number | null): boolean {
  if (rule.port !== undefined && rule.port !== localPort) return false;
  if (rule.comm !== undefined && !globMatch(rule.comm, proc.comm)) return false;
  if (rule.exe !== undefined) {
    if (proc.exe === null) return false;
    const subject = rule.exe.includes('/') ? proc.exe : basename(proc.exe);
    if (!globMatch(rule.exe, subject)) return false;
  }
  if (rule.container !== undefined) {
    const id = proc.containerId;
    if (id === null || rule.container === '') return false;
    const ok = rule.container.includes('*') ? globMatch(rule.container, id) : id.startsWith(rule.container);
    if (!ok) return false;
  }
  return true;
}

/** `*` matches any run of characters (including `/`); everything else is literal. */
export function globMatch(pattern: string, subject: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(subject);
}

function unitServiceName(unit: string | null): string | null {
  if (unit === null) return null;
  // These are systemd's own containers for logins and user managers, not services.
  if (/^user@.*\.service$/.test(unit) || /^session-.*\.scope$/.test(unit) || unit === 'init.scope') {
    return null;
  }
  // Transient scopes from `systemd-run` without --unit get random names.
  if (/^run-.*\.scope$/.test(unit)) return null;
  return nonEmpty(unit.replace(/\.(?:service|scope)$/, ''));
}

type Interpreter = 'python' | 'node' | 'ruby' | 'perl' | 'php' | 'java' | 'bun' | 'deno';

function interpreterOf(name: string): Interpreter | null {
  if (/^(?:python|pypy)[\d.]*$/.test(name)) return 'python';
  if (name === 'node' || name === 'nodejs') return 'node';
  if (/^ruby[\d.]*$/.test(name)) return 'ruby';
  if (/^perl[\d.]*$/.test(name)) return 'perl';
  if (/^php[\d.]*$/.test(name)) return 'php';
  if (name === 'java') return 'java';
  if (name === 'bun') return 'bun';
  if (name === 'deno') return 'deno';
  return null;
}

// Options whose value is the next argument (when not joined with `=` or, for short ones, glued).
const VALUE_FLAGS: Record<Interpreter, ReadonlySet<string>> = {
  python: new Set(['--check-hash-based-pycs']),
  node: new Set([
    '-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions',
    '--env-file', '--input-type', '--title', '--inspect-port', '--debug-port',
    '--openssl-config', '--redirect-warnings', '--icu-data-dir', '--diagnostic-dir',
    '--watch-path', '--stack-trace-limit',
  ]),
  ruby: new Set(['-r', '-I', '-C', '-E', '-x', '--encoding']),
  perl: new Set(['-I', '-M', '-m', '-x']),
  php: new Set(['-c', '-d', '-z', '-t']),
  java: new Set([
    '-cp', '-classpath', '--class-path', '-p', '--module-path', '--upgrade-module-path',
    '--add-modules', '--add-opens', '--add-exports', '--add-reads', '--patch-module',
    '--limit-modules', '--enable-native-access', '-splash',
  ]),
  bun: new Set(['-r', '--preload', '--cwd', '--env-file', '--config', '-c', '--tsconfig-override']),
  deno: new Set(['--config', '-c', '--import-map', '--lock', '--cert', '--env-file', '--location']),
};

// Options that make the interpreter run code from the command line: there is no script to name.
const INLINE_CODE: Record<Interpreter, ReadonlySet<string>> = {
  python: new Set([]),
  node: new Set(['-e', '--eval', '-p', '--print']),
  ruby: new Set(['-e']),
  perl: new Set(['-e', '-E']),
  php: new Set(['-r', '-S', '-a']),
  java: new Set([]),
  bun: new Set(['-e', '--eval', '-p', '--print']),
  deno: new Set(['eval', 'repl']),
};

function interpreterServiceName(proc: ServiceIdentity): string | null {
  const argv0 = proc.cmdline[0];
  const interpreter =
    (proc.exe === null ? null : interpreterOf(basename(proc.exe))) ??
    (argv0 === undefined ? null : interpreterOf(basename(argv0))) ??
    interpreterOf(proc.comm);
  if (interpreter === null) return null;
  const args = proc.cmdline.slice(1);
  const valueFlags = VALUE_FLAGS[interpreter];
  const inline = INLINE_CODE[interpreter];

  let i = 0;
  // Bun and deno take a subcommand before the script.
  if ((interpreter === 'bun' || interpreter === 'deno') && (args[0] === 'run' || args[0] === 'serve')) i++;
  for (; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      i++;
      break;
    }
    if (inline.has(arg)) return null;
    if (!arg.startsWith('-') || arg === '-') break;

    if (interpreter === 'python' && !arg.startsWith('--')) {
      const short = pythonShortOptions(arg, args[i + 1]);
      if (short.kind === 'inline') return null;
      if (short.kind === 'module') {
        return short.module === undefined ? null : nonEmpty(short.module.replace(/\.__main__$/, ''));
      }
      if (short.kind === 'takesNext') i++;
      continue;
    }
    if (interpreter === 'php' && arg === '-f') {
      i++;
      break;
    }
    if (interpreter === 'java') {
      if (arg === '-jar') {
        const jar = args[i + 1];
        return jar === undefined ? null : scriptName(jar);
      }
      if (arg === '-m' || arg === '--module') {
        const mod = args[i + 1];
        return mod === undefined ? null : nonEmpty(mod.slice(mod.indexOf('/') + 1));
      }
    }
    if (valueFlags.has(arg)) i++;
  }
  const target = args[i];
  if (target === undefined || target === '') return null;
  if (interpreter === 'java') {
    // A main class, already a meaningful dotted name.
    return nonEmpty(target);
  }
  const name = scriptName(target);
  // `ruby bundle exec puma` / `bundle exec rails s`: the interesting program comes after exec.
  if (interpreter === 'ruby' && name === 'bundle' && args[i + 1] === 'exec' && args[i + 2] !== undefined) {
    return scriptName(args[i + 2] ?? '');
  }
  return name;
}

type PythonShort =
  | { kind: 'flags' }
  | { kind: 'takesNext' }
  | { kind: 'inline' }
  | { kind: 'module'; module: string | undefined };

// Python's short options cluster (`-uBm http.server`, `-OOc ...`); -c, -m, -W and -X end the
// cluster and take the rest of it, or the next argument, as their value.
function pythonShortOptions(arg: string, next: string | undefined): PythonShort {
  for (let k = 1; k < arg.length; k++) {
    const flag = arg[k];
    const rest = arg.slice(k + 1);
    if (flag === 'c') return { kind: 'inline' };
    if (flag === 'm') return { kind: 'module', module: rest !== '' ? rest : next };
    if (flag === 'W' || flag === 'X') return rest !== '' ? { kind: 'flags' } : { kind: 'takesNext' };
  }
  return { kind: 'flags' };
}

// File names that say nothing about the program: the folder they live in is the better name.
const GENERIC_STEMS = new Set([
  'index', 'main', 'server', 'app', 'start', 'run', 'cli', 'entry', 'entrypoint', 'bootstrap',
  'init', 'wsgi', 'asgi', '__main__', 'mod',
]);

// Folders that hold build output or sources inside a project rather than name it.
const LAYOUT_DIRS = new Set(['dist', 'build', 'out', 'lib', 'src', 'bin', 'target', 'cmd', 'public', '.next']);

const SCRIPT_EXTENSION = /\.(?:[cm]?[jt]sx?|py[cwz]?|rb|pl|pm|php|jar)$/;
const VERSION_SUFFIX = /[-_]v?\d+(?:\.\d+)*(?:[-.][0-9A-Za-z]+)*$/;

/**
 * Names a script or jar by its file: `api.py` → `api`, `foo-1.2.jar` → `foo`. A generic stem
 * (index, main, server...) is replaced by the nearest enclosing folder that is not a layout
 * folder (dist, build, src...): `/app/dist/index.js` → `app`, `/srv/shop/main.py` → `shop`. With
 * no such folder (`node server.js`, `dist/index.js`) the stem is kept.
 */
export function scriptName(path: string): string | null {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  const file = parts.pop();
  if (file === undefined) return null;
  let stem = file.replace(SCRIPT_EXTENSION, '');
  if (file.endsWith('.jar')) stem = stem.replace(VERSION_SUFFIX, '') || stem;
  if (!GENERIC_STEMS.has(stem)) return nonEmpty(stem);
  for (let i = parts.length - 1; i >= 0; i--) {
    const dir = parts[i] ?? '';
    if (dir === '..') break;
    if (!LAYOUT_DIRS.has(dir)) return dir;
  }
  return nonEmpty(stem);
}

/**
 * The name a multi-call binary was started by: Debian's redis-server is a symlink to
 * redis-check-rdb, busybox's wget to busybox, and the kernel's exe link names the target. The
 * invoked name is argv[0]'s basename (up to a space: redis rewrites its argv into one string)
 * when the kernel's comm agrees with it (comm is that basename, cut to 15 bytes). A process that
 * retitled itself (`nginx: worker process`, `postgres: checkpointer`) fails that test and keeps
 * its exe's name.
 */
function invokedName(proc: ServiceIdentity): string | null {
  const argv0 = proc.cmdline[0];
  if (proc.exe === null || argv0 === undefined || proc.comm === '') return null;
  const invoked = basename(argv0.split(' ')[0] ?? '');
  if (invoked === '' || invoked === basename(proc.exe)) return null;
  const agrees = invoked === proc.comm || (proc.comm.length === COMM_MAX && invoked.startsWith(proc.comm));
  return agrees ? invoked : null;
}

/** TASK_COMM_LEN less its NUL: the kernel cuts longer names to this. */
const COMM_MAX = 15;

function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

function nonEmpty(value: string | null): string | null {
  return value === null || value.trim() === '' ? null : value;
}
