import { freePort } from './nginx.js';
import { startDaemon, type Daemon } from './daemon.js';

/** A real redis-server (Debian's) on a free port, nothing persisted. */
export async function startRedis(): Promise<Daemon> {
  const port = await freePort();
  return startDaemon({
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'no'],
    port,
  });
}
