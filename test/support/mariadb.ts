import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './nginx.js';
import { run, startDaemon, type Daemon } from './daemon.js';

/** A throwaway real MariaDB server (Debian's mariadbd) on 127.0.0.1, root without a password. */
export async function startMariadb(): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-mariadb-'));
  const data = join(dir, 'data');
  run('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db']);
  const port = await freePort();
  const daemon = await startDaemon({
    command: 'mariadbd',
    args: ['--no-defaults', `--datadir=${data}`, '--user=root', `--port=${port}`, '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'mysqld.sock')}`, `--pid-file=${join(dir, 'mysqld.pid')}`, '--skip-log-bin', '--innodb-flush-log-at-trx-commit=0'],
    port,
    timeoutMs: 60_000,
  });
  return {
    ...daemon,
    stop: async () => {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
