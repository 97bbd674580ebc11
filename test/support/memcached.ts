import { freePort } from './nginx.js';
import { startDaemon, type Daemon } from './daemon.js';

/** A real memcached (Debian's) on a free loopback port, TCP only; it refuses root without -u. */
export async function startMemcached(): Promise<Daemon> {
  const port = await freePort();
  return startDaemon({
    command: 'memcached',
    args: ['-p', String(port), '-l', '127.0.0.1', '-U', '0', '-u', 'memcache', '-m', '16'],
    port,
  });
}
