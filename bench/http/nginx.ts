/**
 * The server under load: Debian's nginx with one worker answering `return 200` on loopback, in its
 * own temp prefix and on its own free port (as test/support/nginx.ts runs it), master and worker
 * pinned to CPU 0 with taskset. Access logging is off, so the worker does nothing but HTTP.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../flows/conditions.js';
import { nginxArgs, nginxConfig } from '../../test/support/nginx-config.js';
import { sleep, track, waitExit } from '../flows/processes.js';

export const NGINX = process.env.NGINX ?? 'nginx';
export const BODY = 'hello from nginx\n';

export interface Nginx {
  port: number;
  masterPid: number;
  workerPid: number;
  /** nginx -v, for the record. */
  version: string;
  stop(): Promise<void>;
}

/** Why nginx cannot run here, or null. */
export function nginxUnavailable(): string | null {
  const v = spawnSync(NGINX, ['-v'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return `${NGINX} not found or not runnable (Debian package nginx; NGINX=path for another)`;
  return null;
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

function childrenOf(ppid: number): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid;
    } catch {
      return false;
    }
  });
}

/** Starts nginx on `cpu` (null: unpinned). Throws, with its error log, if it does not come up. */
export async function startNginx(cpu: number | null): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-bench-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, BODY, 1024));
  const args = nginxArgs(dir);
  // taskset execs nginx, so the child's pid is the master's; the worker inherits the affinity.
  const child = track(cpu === null ? spawn(NGINX, args, { stdio: 'ignore' }) : spawn('taskset', ['-c', String(cpu), NGINX, ...args], { stdio: 'ignore' }));
  const cleanUp = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT');
      if ((await waitExit(child, 3000)) === null) {
        child.kill('SIGKILL');
        await waitExit(child, 3000);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const log = (): string => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8').trim();
    } catch {
      return '';
    }
  };
  let workers: number[] = [];
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    workers = childrenOf(child.pid!);
    if (workers.length === 1 && (await accepting(port))) break;
    await sleep(50);
  }
  if (workers.length !== 1 || !(await accepting(port))) {
    const why = `nginx did not start with one worker on 127.0.0.1:${port} (workers: ${workers.length}): ${log()}`;
    await cleanUp();
    throw new Error(why);
  }
  const version = spawnSync(NGINX, ['-v'], { encoding: 'utf8' }).stderr.trim();
  return { port, masterPid: child.pid!, workerPid: workers[0]!, version, stop: cleanUp };
}
