import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface IntegrityResult {
  ok: boolean;
  detail: string;
}

// CommonJS, run by the worker: a second, read-only connection to the file (WAL lets it read
// while the agent writes) runs quick_check. Only damage is reported as not ok: failing to open
// or read the file at all is the writer's business (it sees the same error and moves to memory).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
let result;
try {
  const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
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
parentPort.postMessage(result);
`;

/**
 * `PRAGMA quick_check` of a database file, in a worker thread: it reads every page (about a
 * second per 500 MiB), which the agent's start should not wait for. Never rejects.
 */
export function checkIntegrityInBackground(path: string): Promise<IntegrityResult> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      const module = createRequire(import.meta.url).resolve('better-sqlite3');
      worker = new Worker(WORKER, { eval: true, workerData: { path, module } });
    } catch (err) {
      resolve({ ok: true, detail: `not checked: ${(err as Error).message}` });
      return;
    }
    // A check still running must not keep the agent from exiting.
    worker.unref();
    worker.once('message', (r: IntegrityResult) => resolve(r));
    worker.once('error', (err) => resolve({ ok: true, detail: `not checked: ${err.message}` }));
    worker.once('exit', () => resolve({ ok: true, detail: 'not checked: the worker exited' }));
  });
}
