import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nginxArgs, nginxConfig, type NginxListen } from './nginx-config.js';
import { waitFor } from './wait.js';

export interface NginxServer {
  port: number;
  masterPid: number;
  workerPids(): number[];
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound and released: good enough for tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

/** A real nginx (Debian's) with one worker answering `return 200`, in its own temp prefix; TLS or h2c with `listen`. */
export async function startNginx(body = 'hello from nginx\n', listen: NginxListen = {}): Promise<NginxServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, body, 256, listen));
  const child: ChildProcess = spawn('nginx', nginxArgs(dir), { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let up = false;
  for (let i = 0; i < 100 && !up; i++) {
    up = await accepting(port);
    if (!up) await new Promise((r) => setTimeout(r, 50));
  }
  if (!up) {
    child.kill('SIGKILL');
    let log = '';
    try { log = readFileSync(join(dir, 'error.log'), 'utf8'); } catch { /* none */ }
    throw new Error(`nginx did not start on port ${port}: ${log}`);
  }
  const masterPid = child.pid ?? 0;
  const workerPids = (): number[] => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === masterPid;
    } catch {
      return false;
    }
  });
  await waitFor('an nginx worker', () => (workerPids().length > 0 ? true : undefined), 5000);
  return {
    port,
    masterPid,
    workerPids,
    stop: async () => {
      child.kill('SIGQUIT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
