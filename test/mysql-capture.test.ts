// Kernel test: MySQL-protocol calls captured from a real MariaDB server driven by the `mariadb`
// client and the `mysql2` npm client — queries, errors with their codes, and prepared
// statements whose executions carry no SQL on the wire but are named by it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { packageRoot } from '../src/kernel/package-root.js';
import { run, type Daemon } from './support/daemon.js';
import { requireKernel } from './support/kernel.js';
import { startL7Capture, type L7Capture } from './support/l7-capture.js';
import { startMariadb } from './support/mariadb.js';

describe('MySQL capture: real MariaDB, the mariadb client and mysql2', () => {
  let capture: L7Capture | null = null;
  let db: Daemon | null = null;
  before(async () => {
    capture = await startL7Capture();
    if (capture !== null) db = await startMariadb();
  });
  after(async () => {
    capture?.stop();
    await db?.stop();
  });

  const client = (sql: string, allowFailure = false) =>
    run('mariadb', ['--no-defaults', '-h', '127.0.0.1', '-P', String(db!.port), '-u', 'root', '-e', sql], { allowFailure });

  it('mariadb client: statements with their tables, rows and the error codes of failures', async (t) => {
    if (!requireKernel(t) || capture === null || db === null) return;
    const cap = capture;
    const mirroredBefore = cap.pipeline.probes.kernelStats().connectionsMirrored;
    client('CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, total INT); INSERT INTO shop.orders VALUES (1, 10), (2, 20), (3, 30)');
    client('USE shop; SELECT id, total FROM orders WHERE total > 15');
    const bad = client('SELECT * FROM shop.no_such_table', true);
    assert.notEqual(bad.status, 0);
    const syntax = client('SELEC 1', true);
    assert.notEqual(syntax.status, 0);
    const mine = (): L7Exchange[] => cap.clientSide(db!.port).filter((e) => e.comm === 'mariadb');
    await cap.atLeast('the failing statements', () => mine().filter((e) => e.failed === true).length, 2);
    await cap.settle(db.port);
    const select = mine().find((e) => e.operation === 'SELECT' && e.resource === 'orders');
    assert.ok(select, `a SELECT on orders: ${mine().map((e) => `${e.operation} ${e.resource}`).join(', ')}`);
    assert.equal(select.failed, false);
    assert.equal(select.attributes['db.response.returned_rows'], 2);
    assert.equal(select.attributes['db.namespace'], 'shop');
    assert.equal(select.attributes['db.query.text'], 'SELECT id, total FROM orders WHERE total > ?');
    const insert = mine().find((e) => e.operation === 'INSERT');
    assert.equal(insert?.resource, 'shop.orders');
    assert.doesNotMatch(String(insert?.attributes['db.query.text']), /20/);
    const failures = mine().filter((e) => e.failed === true).map((e) => e.statusText).sort();
    assert.deepEqual(failures, ['1064', '1146']);
    for (const e of mine()) {
      assert.equal(e.protocol, 'mysql');
      assert.equal(e.attributes['db.system.name'], 'mysql');
    }
    // The server side saw them too, named by the server process.
    const server = cap.serverSide(db.port).filter((e) => e.failed === true);
    assert.equal(server.length, 2);
    assert.equal(server[0]?.comm, 'mariadbd');
    // The server speaks first, so each client socket was linked at its first command: captured
    // once, on the server socket, for both ends (docs/l7-capture.md, step 4a).
    assert.ok(cap.pipeline.probes.kernelStats().connectionsMirrored - mirroredBefore >= 4,
      `the mariadb client connections were mirrored: ${cap.pipeline.probes.kernelStats().connectionsMirrored - mirroredBefore}`);
  });

  it('mariadb client: a result set longer than the capture is never given a wrong row count, and the next statement pairs', async (t) => {
    if (!requireKernel(t) || capture === null || db === null) return;
    const cap = capture;
    // 2,000 rows of ~40 bytes: ~90 KB of result packets after the capture's first 4 KiB.
    client('CREATE DATABASE IF NOT EXISTS bulk; CREATE TABLE bulk.seq (n INT PRIMARY KEY, label VARCHAR(40)); ' +
      'USE bulk; INSERT INTO bulk.seq SELECT seq, REPEAT(\'x\', 30) FROM seq_1_to_2000');
    client('USE bulk; SELECT n, label FROM seq; SELECT COUNT(*) FROM seq WHERE n > 10');
    const mine = (): L7Exchange[] => cap.clientSide(db!.port).filter((e) => e.comm === 'mariadb' && e.resource === 'seq');
    await cap.atLeast('both SELECTs on bulk.seq', () => mine().filter((e) => e.operation === 'SELECT').length, 2);
    await cap.settle(db.port);
    const selects = mine().filter((e) => e.operation === 'SELECT');
    const detail = JSON.stringify(selects.map((e) => [e.attributes['db.query.text'], e.attributes['db.response.returned_rows'], e.failed, e.statusText]));
    assert.equal(selects.length, 2, detail);
    const [bulkRows, count] = selects;
    // Rows past a segment's capture are not seen, so not counted: no count rather than a wrong one.
    assert.ok([2000, undefined].includes(bulkRows?.attributes['db.response.returned_rows'] as number | undefined), detail);
    assert.equal(count?.attributes['db.response.returned_rows'], 1, detail);
    for (const e of selects) assert.equal(e.failed, false, detail);
  });

  it('mysql2: a prepared statement executed twice is two records carrying its SQL', async (t) => {
    if (!requireKernel(t) || capture === null || db === null) return;
    const cap = capture;
    run(process.execPath, [join(packageRoot(), 'test', 'support', 'mysql2-prepared.mjs'), String(db.port)]);
    const executes = (): L7Exchange[] => cap.clientSide(db!.port).filter((e) => e.attributes['db.mysql.prepared'] === true);
    await cap.atLeast('two executions', () => executes().length, 2);
    await cap.settle(db.port);
    assert.equal(executes().length, 2);
    for (const e of executes()) {
      assert.equal(e.operation, 'SELECT');
      assert.equal(e.attributes['db.query.text'], 'SELECT ? + ? AS x');
      assert.equal(e.failed, false);
    }
  });
});
