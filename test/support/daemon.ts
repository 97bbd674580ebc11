import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { connect } from 'node:net';

export interface Daemon {
  port: number;
  pid: number;
  /** Output so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  command: string;
  args: readonly string[];
  /** The TCP port on 127.0.0.1 that accepts once the server is up. */
  port: number;
  /** Run as this user (servers that refuse root, such as PostgreSQL). */
  user?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Signal for a clean stop (SIGTERM by default). */
  stopSignal?: NodeJS.Signals;
}

export async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

/** uid and gid of a system user (`id`), for spawning servers that refuse to run as root. */
export function userIds(user: string): { uid: number; gid: number } {
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`no such user: ${user}`);
  return { uid, gid };
}

/** Starts a real server in the foreground and waits until its port accepts connections. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const spawnOptions: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env };
  if (options.user !== undefined) Object.assign(spawnOptions, userIds(options.user));
  const child: ChildProcess = spawn(options.command, options.args, spawnOptions);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { out = (out + d).slice(-20_000); });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { out = (out + d).slice(-20_000); });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await accepting(options.port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.command} did not accept on port ${options.port}${exited ? ' (it exited)' : ''}: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port: options.port,
    pid: child.pid ?? 0,
    output: () => out,
    stop: async () => {
      if (exited) return;
      child.kill(options.stopSignal ?? 'SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(killer);
    },
  };
}

/** Runs a client to completion; fails with its output when it does not exit 0. */
export function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string; allowFailure?: boolean; user?: string } = {}): { pid: number; stdout: string; stderr: string; status: number | null } {
  const ids = options.user === undefined ? {} : userIds(options.user);
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 120_000, env: options.env ?? process.env, input: options.input, ...ids });
  if (r.error) throw r.error;
  if (r.status !== 0 && options.allowFailure !== true) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return { pid: r.pid ?? 0, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Runs a client without blocking this process's event loop (for servers that run in the test itself). */
export function runAsync(command: string, args: readonly string[]): Promise<{ pid: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ pid: child.pid ?? 0, stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}: ${stderr}${stdout}`));
    });
  });
}
