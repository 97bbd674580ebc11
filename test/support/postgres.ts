import { chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * Runs `use` with a pgbench script (in a temporary file, removed after) of `statements` SELECTs
 * from pgbench_branches behind one Sync (\\startpipeline ... \\endpipeline). Run with `-M
 * extended`, 60 statements make ~8 KiB segments each way, past the 4 KiB capture of a segment.
 */
export function withPipelineScript<T>(statements: number, use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-pgpipe-'));
  try {
    const lines = ['\\startpipeline'];
    for (let i = 0; i < statements; i++) {
      lines.push(`SELECT ${i} AS pipelined_column_${i}, repeat('x', 40) AS padding_for_statement_${i} FROM pgbench_branches WHERE bid > 0;`);
    }
    lines.push('\\endpipeline');
    const path = join(dir, 'pipeline.sql');
    writeFileSync(path, `${lines.join('\n')}\n`);
    return use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
