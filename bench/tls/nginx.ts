/**
 * The server under load: Debian's nginx with one worker answering `return 200` over TLS (HTTP/1.1
 * by ALPN for wrk), keep-alive, pinned to CPU 0 — bench/http's nginx with `ssl` on the listener.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../flows/conditions.js';
import { sleep, track, waitExit } from '../flows/processes.js';
import { NGINX } from '../http/nginx.js';
import { nginxArgs, nginxConfig } from '../../test/support/nginx-config.js';

export const BODY = 'hello from nginx over tls\n';

export interface TlsNginx {
  port: number;
  masterPid: number;
  workerPid: number;
  stop(): Promise<void>;
}

const accepting = (port: number): Promise<boolean> => new Promise((resolve) => {
  const c = connect(port, '127.0.0.1');
  c.once('connect', () => { c.destroy(); resolve(true); });
  c.once('error', () => resolve(false));
});

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

export async function startTlsNginx(cpu: number | null, tls: { cert: string; key: string }): Promise<TlsNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-bench-tls-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, BODY, 1024, { tls }));
  const args = nginxArgs(dir);
  const child = track(cpu === null ? spawn(NGINX, args, { stdio: 'ignore' }) : spawn('taskset', ['-c', String(cpu), NGINX, ...args], { stdio: 'ignore' }));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT');
      if ((await waitExit(child, 3000)) === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  let workers: number[] = [];
  for (let i = 0; i < 100; i++) {
    workers = childrenOf(child.pid!);
    if (workers.length === 1 && (await accepting(port))) break;
    await sleep(50);
  }
  if (workers.length !== 1) {
    await stop();
    throw new Error(`nginx (TLS) did not start with one worker on 127.0.0.1:${port}`);
  }
  return { port, masterPid: child.pid!, workerPid: workers[0]!, stop };
}
