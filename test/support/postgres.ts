import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './nginx.js';
import { run, startDaemon, userIds, type Daemon } from './daemon.js';

export interface Postgres extends Daemon {
  /** Environment for psql/pgbench/node-pg clients: host, port, user, database. */
  clientEnv: NodeJS.ProcessEnv;
}

/** The newest PostgreSQL server binaries Debian installed (/usr/lib/postgresql/<major>/bin). */
export function postgresBin(): string {
  const majors = readdirSync('/usr/lib/postgresql').filter((d) => /^\d+$/.test(d)).map(Number).sort((a, b) => b - a);
  if (majors.length === 0) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  return `/usr/lib/postgresql/${majors[0]}/bin`;
}

/** A throwaway real PostgreSQL cluster (trust auth, TCP on 127.0.0.1), run as the postgres user. */
export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'sonde-pg-'));
  const { uid, gid } = userIds('postgres');
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], { user: 'postgres' });
  const port = await freePort();
  const daemon = await startDaemon({
    command: join(bin, 'postgres'),
    args: ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    port,
    user: 'postgres',
    stopSignal: 'SIGINT',
  });
  return {
    ...daemon,
    clientEnv: { ...process.env, PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres', PGDATABASE: 'postgres' },
    stop: async () => {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
