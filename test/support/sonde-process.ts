import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/kernel/package-root.js';

const READY = /ready in \d+ ms: UI and API on http:\/\/(\S+?)\/ .*health on http:\/\/(\S+?)\/readyz/;

export interface SondeProcess {
  child: ChildProcess;
  /** host:port of the UI/API. */
  api: string;
  stderr(): string;
  stop(): Promise<number | null>;
}

/** The environment without SONDE_* settings of whoever runs the tests, plus `env`. */
export function sondeEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SONDE_')) out[k] = v;
  return { ...out, ...env };
}

/** Runs `bin/sonde up` on ephemeral ports and waits for its ready line. */
export async function startSondeUp(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<SondeProcess> {
  const child = spawn(join(packageRoot(), 'bin', 'sonde'), ['up', '--listen', '127.0.0.1:0', '--health-listen', '127.0.0.1:0', '--duration', '600s', ...args],
    { stdio: ['ignore', 'ignore', 'pipe'], env: sondeEnv(env) });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  let api: string | null = null;
  while (api === null) {
    const m = READY.exec(err);
    if (m) api = m[1]!;
    else if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sonde up did not get ready: ${err}`);
    } else await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    api,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}
