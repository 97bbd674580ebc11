import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';

export interface IntegrityResult {
  ok: boolean;
  detail: string;
}

// CommonJS, run by a child node: a second, read-only connection to the file (WAL lets it read
// while the agent writes) runs quick_check. Only damage is reported as not ok: failing to open
// or read the file at all is the writer's business (it sees the same error and moves to memory).
const CHECK = `
const [path, module] = process.argv.slice(1);
const Database = require(module);
let result;
try {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const detail = String(db.pragma('quick_check(1)', { simple: true }));
    result = { ok: detail === 'ok', detail };
  } finally {
    db.close();
  }
} catch (err) {
  const code = String(err && err.code);
  result = { ok: !/^SQLITE_(CORRUPT|NOTADB)/.test(code), detail: code + ': ' + (err && err.message) };
}
process.stdout.write(JSON.stringify(result));
`;

/** Lowest CPU priority: the check reads every page of the file, and must not compete with the workload. */
const CHECK_NICENESS = 19;

/**
 * `PRAGMA quick_check` of a database file, in a child process: it reads every page (about a
 * second per 500 MiB), which the agent's start should not wait for. Not in a worker thread:
 * what a worker allocates (its V8 isolate, SQLite's cache) comes from the agent's own malloc
 * heap: RSS rose 4-12 MiB while a 77 MB file was checked, and 1-1.5 MiB stayed (docs/resources.md).
 * A child gives all of it back when it exits, and runs at the lowest priority. Never rejects.
 */
export function checkIntegrityInBackground(path: string): Promise<IntegrityResult> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      const module = createRequire(import.meta.url).resolve('better-sqlite3');
      child = spawn(process.execPath, ['-e', CHECK, path, module], { stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (err) {
      resolve({ ok: true, detail: `not checked: ${(err as Error).message}` });
      return;
    }
    // The agent ends with process.exit(): a check still running then goes with it.
    const stopAtExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', stopAtExit);
    try {
      if (child.pid !== undefined) setPriority(child.pid, CHECK_NICENESS);
    } catch {
      // the check still runs, at the agent's own priority
    }
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', (err) => {
      process.removeListener('exit', stopAtExit);
      resolve({ ok: true, detail: `not checked: ${err.message}` });
    });
    child.once('close', (code, signal) => {
      process.removeListener('exit', stopAtExit);
      try {
        const r = JSON.parse(out) as IntegrityResult;
        if (typeof r.ok === 'boolean' && typeof r.detail === 'string') {
          resolve({ ok: r.ok, detail: r.detail });
          return;
        }
      } catch {
        // no result: fall through
      }
      resolve({ ok: true, detail: `not checked: the check exited (${signal ?? code})` });
    });
  });
}
