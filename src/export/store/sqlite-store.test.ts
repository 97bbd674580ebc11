import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store.js';
import { BATCH_ROWS, DELETE_ROWS, type SqliteStoreOptions } from './store-settings.js';
import { captureLog, iso, scribble, T0, tempDir, testFlow, testSpan } from './test-records.js';
import { HOUR_MS, MINUTE_MS } from './window.js';

const dirs: string[] = [];
function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function open(path: string, extra: Partial<SqliteStoreOptions> = {}) {
  const log = captureLog();
  const store = SqliteStore.open({ path, logger: log, timers: false, now: () => T0, ...extra });
  return { store, log };
}

/** Rows of a table, read through a second connection (what is really in the file). */
function countInFile(path: string, table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('SqliteStore: writing', () => {
  it('writes 10k spans in batches on flush', () => {
    const path = join(dir(), 'sonde.db');
    const { store } = open(path);
    for (let i = 0; i < 10_000; i++) store.add(testSpan(T0 - i, { resource: `/r${i % 20}` }));
    assert.equal(store.stats.buffered, 10_000, 'nothing is written before the flush');
    store.flush();
    const s = store.stats;
    assert.equal(s.rows.spans, 10_000);
    assert.equal(s.buffered, 0);
    assert.equal(s.write_batches, Math.ceil(10_000 / BATCH_ROWS));
    assert.equal(s.dropped, 0);
    assert.equal(countInFile(path, 'spans'), 10_000);
    assert.equal(store.spans({}, 1, 0).total, 10_000);
    assert.equal(s.mode, 'disk');
    store.close();
  });

  it('keeps whether a span was TLS, and process starts', () => {
    const path = join(dir(), 'sonde.db');
    const { store } = open(path);
    store.add(testSpan(T0 - 2, { resource: '/plain' }));
    store.add({ ...testSpan(T0 - 1, { resource: '/secure' }), tls: true });
    store.addProcessEvent({ time: iso(T0 - 5), kind: 'exec', pid: 42, comm: 'curl', exe: '/usr/bin/curl', service_name: 'curl' });
    store.flush();
    const [secure, plain] = store.spans({}, 10, 0).items;
    assert.equal(secure?.resource, '/secure');
    assert.equal(secure?.tls, true);
    assert.equal(plain?.tls, false);
    assert.equal(store.stats.rows.process_events, 1);
    assert.equal(countInFile(path, 'process_events'), 1);
    store.close();
  });

  it('drops and counts records past the buffer capacity', () => {
    const { store } = open(':memory:', { bufferCapacity: 100 });
    for (let i = 0; i < 150; i++) store.add(testSpan(T0 - i));
    store.addFlow(testFlow(T0));
    assert.equal(store.stats.dropped, 51);
    store.flush();
    assert.equal(store.stats.rows.spans, 100);
    assert.equal(store.stats.rows.flows, 0);
    store.close();
  });

  it('writes on its own timer', async () => {
    const { store } = open(':memory:', { timers: true, flushIntervalMs: 10 });
    for (let i = 0; i < 10; i++) store.add(testSpan(T0 - i));
    store.addFlow(testFlow(T0));
    store.addProcessEvent({ time: iso(T0), kind: 'exec', pid: 7, comm: 'api', exe: '/usr/bin/api', service_name: 'api' });
    for (let waited = 0; store.stats.rows.spans < 10 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(store.stats.rows, { spans: 10, flows: 1, process_events: 1, alerts: 0 });
    store.close();
  });

  it('sleeps while it has nothing to write, and the first record wakes it', async () => {
    let slices = 0;
    const { store } = open(':memory:', {
      timers: true,
      flushIntervalMs: 10,
      quietIntervalMs: 3_600_000,
      runSlice: (work) => {
        slices++;
        work();
      },
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(slices, 0, 'an empty store ran no timer slice');
    store.add(testSpan(T0));
    // Written by the flush timer, not the hour-long quiet one.
    for (let waited = 0; store.stats.rows.spans < 1 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    assert.equal(store.stats.rows.spans, 1);
    assert.ok(slices > 0);
    store.close();
  });

  it('runs its timer-driven writes through runSlice', async () => {
    let allowed = false;
    let slices = 0;
    const { store } = open(':memory:', {
      timers: true,
      flushIntervalMs: 10,
      runSlice: (work) => {
        slices++;
        if (allowed) work();
      },
    });
    for (let i = 0; i < 10; i++) store.add(testSpan(T0 - i));
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(slices > 0, 'the timer asked for slices');
    assert.equal(store.stats.rows.spans, 0, 'nothing was written outside a slice');
    allowed = true;
    for (let waited = 0; store.stats.rows.spans < 10 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    assert.equal(store.stats.rows.spans, 10);
    store.close();
  });

  it('writes rollups at their own interval, all of them on flush', async () => {
    const { store } = open(':memory:', { timers: true, flushIntervalMs: 10, rollupIntervalMs: 60_000 });
    store.add(testSpan(T0 - 1000));
    for (let waited = 0; store.stats.rows.spans < 1 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    // The first write carries rollups (none written yet); the next ones wait for the interval.
    store.add(testSpan(T0 - 2000));
    for (let waited = 0; store.stats.rows.spans < 2 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    assert.equal(store.spans({}, 10, 0).total, 2, 'raw rows are written at once');
    assert.equal(store.overview(HOUR_MS, T0).services[0]!.requests, 1, 'the second span is not in the rollups yet');
    store.flush();
    assert.equal(store.overview(HOUR_MS, T0).services[0]!.requests, 2);
    store.close();
  });

  it('counts kernel tallies in the rollups by their weight, without a row', () => {
    const path = join(dir(), 'sonde.db');
    const { store } = open(path);
    store.add(testSpan(T0 - 1000));
    store.addTally(testSpan(T0 - 900, { sample_weight: 499 }));
    store.addTally(testSpan(T0 - 800, { sample_weight: 500, status: 500, error: true }));
    store.flush();
    const api = store.overview(HOUR_MS, T0).services[0]!;
    assert.equal(api.requests, 1000);
    assert.equal(api.errors, 500);
    assert.equal(store.spans({}, 100, 0).items.length, 1, 'tallies are no requests to list');
    assert.equal(countInFile(path, 'spans'), 1);
    store.close();
  });

  it('past the flow-row budget counts flows in the rollups only, failed ones kept longer', () => {
    const path = join(dir(), 'sonde.db');
    const { store } = open(path, { maxFlowRowsPerSecond: 10 });
    for (let i = 0; i < 100; i++) store.addFlow(testFlow(T0 - 1000 + i));
    for (let i = 0; i < 10; i++) store.addFlow(testFlow(T0 - 500 + i, { status: 'failed' }));
    store.flush();
    const rows = countInFile(path, 'flows');
    // Two seconds of budget (20), then failed flows from their own share (a quarter: 5).
    assert.ok(rows >= 25 && rows <= 27, `two seconds of budget plus the failed share: ${rows} rows`);
    assert.equal(store.stats.flows_rollup_only, 110 - rows);
    const summary = store.flowsSummary(HOUR_MS, T0);
    assert.equal(summary.flows, 110, 'totals count every flow');
    assert.equal(summary.failed, 10);
    assert.ok(summary.failed_recent.length >= 5, 'failed flows past the budget keep rows from their own share');
    store.close();
  });

  it('counts records whose time does not parse and stores the rest', () => {
    const { store } = open(':memory:');
    store.add(testSpan(T0, { start: 'yesterday' }));
    store.add(testSpan(T0));
    store.flush();
    assert.equal(store.stats.invalid, 1);
    assert.equal(store.stats.rows.spans, 1);
    store.close();
  });

  it('reports new spans and flows since the last marks', () => {
    const { store } = open(':memory:');
    const start = store.lastIds();
    for (let i = 0; i < 3; i++) store.add(testSpan(T0 - i));
    store.addFlow(testFlow(T0));
    store.addFlow(testFlow(T0));
    store.flush();
    const first = store.newSince(start);
    assert.deepEqual([first.spans, first.flows], [3, 2]);
    const second = store.newSince(first.last);
    assert.deepEqual([second.spans, second.flows], [0, 0]);
    store.close();
  });

  it('refuses records after close, counting them', () => {
    const { store } = open(':memory:');
    store.close();
    store.add(testSpan(T0));
    assert.equal(store.stats.dropped, 1);
    assert.throws(() => store.overview(HOUR_MS, T0), /closed/);
    store.close(); // twice is fine
  });

  it('keeps alerts and lists open ones on the overview', () => {
    const { store } = open(':memory:');
    store.putAlert({ id: 'a1', name: 'high error rate', severity: 'critical', state: 'firing', started: iso(T0 - MINUTE_MS), ended: null, summary: 'api 12% errors' });
    store.putAlert({ id: 'a2', name: 'slow', severity: 'warning', state: 'resolved', started: iso(T0 - 2 * MINUTE_MS), ended: iso(T0 - MINUTE_MS), summary: 'ok now' });
    store.putAlert({ id: 'a1', name: 'high error rate', severity: 'critical', state: 'firing', started: iso(T0 - MINUTE_MS), ended: null, summary: 'api 15% errors' });
    assert.deepEqual(store.alerts().alerts.map((a) => [a.id, a.summary]), [['a1', 'api 15% errors'], ['a2', 'ok now']]);
    assert.deepEqual(store.overview(HOUR_MS, T0).alerts.map((a) => a.id), ['a1']);
    assert.equal(store.stats.rows.alerts, 2);
    store.close();
  });
});

describe('SqliteStore: retention', () => {
  it('deletes records and rollups older than the retention', () => {
    const { store } = open(join(dir(), 'sonde.db'), { retentionMs: 24 * HOUR_MS });
    const old = T0 - 25 * HOUR_MS;
    const recent = T0 - HOUR_MS;
    for (let i = 0; i < 20; i++) store.add(testSpan(old + i, { resource: '/old' }));
    for (let i = 0; i < 5; i++) store.add(testSpan(recent + i, { resource: '/new' }));
    store.addFlow(testFlow(old));
    store.addFlow(testFlow(recent));
    store.addProcessEvent({ time: iso(old), kind: 'exit', pid: 1, comm: 'x', exe: null, service_name: 'x' });
    store.putAlert({ id: 'gone', name: 'n', severity: 'warning', state: 'resolved', started: iso(old), ended: iso(old + 1), summary: '' });
    store.flush();
    const report = store.runRetention(T0);
    assert.equal(report.done, true);
    assert.deepEqual(report.deleted, { ...report.deleted, spans: 20, flows: 1, process_events: 1, alerts: 1 });
    assert.ok(report.deleted.rollup_rows > 0, 'old rollup rows are deleted too');
    const left = store.spans({}, 100, 0);
    assert.equal(left.total, 5);
    assert.ok(left.items.every((s) => s.resource === '/new'));
    assert.deepEqual(store.stats.rows, { spans: 5, flows: 1, process_events: 0, alerts: 0 });
    // A second pass finds nothing more to do.
    assert.equal(store.runRetention(T0).deleted.spans, 0);
    store.close();
  });

  it('deletes the oldest records until the store is under its size limit', () => {
    const path = join(dir(), 'sonde.db');
    const maxBytes = 2 * 1024 ** 2;
    const { store } = open(path, { maxBytes });
    const n = 20_000;
    for (let i = 0; i < n; i++) store.add(testSpan(T0 - n + i, { resource: `/r${i % 50}`, attributes: { 'db.query.text': `SELECT ${i} FROM t`.padEnd(200, ' ') } }));
    store.flush();
    assert.ok(store.stats.live_bytes > maxBytes, `filled past the limit (${store.stats.live_bytes})`);
    const report = store.runRetention(T0);
    assert.ok(report.deletedForSize > 0);
    const s = store.stats;
    assert.ok(s.live_bytes <= maxBytes, `live ${s.live_bytes} <= ${maxBytes}`);
    assert.ok(s.rows.spans > 0 && s.rows.spans < n, `${s.rows.spans} spans left`);
    const newest = store.spans({}, 1, 0).items[0]!;
    const oldest = store.spans({}, 1, s.rows.spans - 1).items[0]!;
    assert.equal(newest.start, iso(T0 - 1), 'the newest span is kept');
    assert.ok(Date.parse(oldest.start) > T0 - n, 'the oldest spans are gone');
    assert.equal(countInFile(path, 'spans'), s.rows.spans);
    // Freed pages are reused: more records, trimmed again, do not grow the file.
    for (let i = 0; i < 2000; i++) store.add(testSpan(T0 + i, { attributes: { 'db.query.text': 'x'.repeat(200) } }));
    store.flush();
    store.runRetention(T0 + 2000);
    assert.ok(store.stats.bytes <= s.bytes, `file ${store.stats.bytes} <= ${s.bytes}`);
    assert.ok(store.stats.live_bytes <= maxBytes);
    store.close();
  });

  it('forgets rollup keys no rollup row uses any more', () => {
    const { store } = open(':memory:', { retentionMs: 2 * HOUR_MS });
    for (let i = 0; i < 5; i++) store.add(testSpan(T0 - i, { resource: `/old/${i}` }));
    store.flush();
    const before = store.stats.rollup_keys;
    assert.ok(before >= 5, `${before} keys`);
    const later = T0 + 30 * HOUR_MS;
    assert.equal(store.runRetention(later).deleted.rollup_keys, before);
    assert.equal(store.stats.rollup_keys, 0);
    store.add(testSpan(later - 1000, { resource: '/new' }));
    store.flush();
    assert.deepEqual(store.service('api', HOUR_MS, later)!.operations.map((o) => o.resource), ['/new']);
    store.close();
  });

  it('does at most a budget of work per pass and finishes over later passes', () => {
    const { store } = open(':memory:');
    for (let i = 0; i < 3 * DELETE_ROWS; i++) store.add(testSpan(T0 - 30 * HOUR_MS + i));
    store.flush();
    const first = store.runRetention(T0, 0);
    assert.equal(first.done, false);
    assert.equal(first.deleted.spans, DELETE_ROWS, 'one chunk, then the budget was spent');
    let passes = 1;
    while (!store.runRetention(T0, 0).done && passes < 20) passes++;
    assert.equal(store.stats.rows.spans, 0);
    store.close();
  });
});

describe('SqliteStore: storage', () => {
  it('keeps its data across a restart', async () => {
    const path = join(dir(), 'sonde.db');
    const first = open(path).store;
    for (let i = 0; i < 7; i++) first.add(testSpan(T0 - i));
    first.addFlow(testFlow(T0));
    first.flush();
    const ids = first.lastIds();
    const before = first.overview(HOUR_MS, T0);
    first.close();

    const { store, log } = open(path);
    assert.deepEqual(log.warnings, []);
    assert.equal(store.mode, 'disk');
    assert.equal(await store.integrity, 'ok');
    assert.deepEqual(store.stats.rows, { spans: 7, flows: 1, process_events: 0, alerts: 0 });
    assert.deepEqual(store.lastIds(), ids);
    assert.deepEqual(store.overview(HOUR_MS, T0), before);
    store.add(testSpan(T0));
    store.flush();
    assert.equal(store.lastIds().spans, ids.spans + 1, 'ids carry on, never reused');
    assert.equal(store.span(ids.spans + 1)?.start, iso(T0));
    assert.equal(store.span(ids.spans)?.start, iso(T0 - 6));
    store.close();
  });

  const damaged = [
    { name: 'not a database', damage: (path: string) => writeFileSync(path, 'this is not a database\n'.repeat(500)) },
    {
      name: 'damaged pages',
      damage: (path: string) => {
        const bytes = readFileSync(path);
        // Keep the header page, scribble over the b-tree pages after it.
        for (let i = 4096; i < bytes.length; i++) bytes[i] = (i * 131) & 0xff;
        writeFileSync(path, bytes);
      },
    },
    {
      // Nothing reads this table at open: only the background quick_check finds it.
      name: 'a damaged rollup page',
      damage: (path: string) => {
        const db = new Database(path, { readonly: true });
        const root = db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'roll_op'").pluck().get() as number;
        db.close();
        scribble(path, root);
      },
    },
    {
      name: 'another application\'s database',
      damage: (path: string) => {
        rmSync(path);
        const db = new Database(path);
        db.exec('CREATE TABLE notes (text TEXT)');
        db.close();
      },
    },
  ];
  for (const c of damaged) {
    it(`moves a file aside and starts fresh: ${c.name}`, async () => {
      const d = dir();
      const path = join(d, 'sonde.db');
      const seed = open(path).store;
      for (let i = 0; i < 500; i++) seed.add(testSpan(T0 - i, { resource: `/r${i}` }));
      seed.close();
      c.damage(path);

      const { store, log } = open(path);
      assert.equal(store.mode, 'disk');
      assert.match(await store.integrity, /^(corrupt|not checked)$/, 'replaced, at open or after the background check');
      assert.equal(log.warnings.length, 1);
      assert.match(log.warnings[0]!, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (is corrupt|is not a database this build can read).*moved it to`));
      const aside = readdirSync(d).filter((f) => /^sonde\.db\.(corrupt|unsupported)-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/.test(f));
      assert.equal(aside.length, 1, `moved aside: ${readdirSync(d).join(', ')}`);
      assert.deepEqual(store.stats.rows, { spans: 0, flows: 0, process_events: 0, alerts: 0 });
      store.add(testSpan(T0));
      store.flush();
      assert.equal(store.spans({}, 10, 0).total, 1);
      store.close();
      assert.equal(countInFile(path, 'spans'), 1);
    });
  }

  it('falls back to memory when the directory cannot be created', () => {
    const d = dir();
    writeFileSync(join(d, 'file'), 'a file where a directory should be');
    const path = join(d, 'file', 'sonde', 'sonde.db');
    const { store, log } = open(path);
    assert.equal(store.mode, 'memory');
    assert.equal(log.warnings.length, 1);
    assert.ok(log.warnings[0]!.includes(path), log.warnings[0]);
    assert.match(log.warnings[0]!, /ENOTDIR/);
    assert.equal(store.stats.warnings.length, 1);
    store.add(testSpan(T0));
    store.flush();
    assert.equal(store.spans({}, 10, 0).total, 1);
    assert.equal(existsSync(path), false);
    store.close();
  });

  it('moves to memory when the disk fills up, keeping the batch that failed', () => {
    const path = join(dir(), 'sonde.db');
    // A page ceiling makes SQLite fail with SQLITE_FULL exactly as a full disk does.
    const { store, log } = open(path, { maxPageCount: 120 });
    for (let i = 0; i < 3000; i++) store.add(testSpan(T0 - i));
    store.flush();
    assert.equal(store.mode, 'memory');
    assert.equal(log.warnings.length, 1);
    assert.ok(log.warnings[0]!.includes(path));
    assert.match(log.warnings[0]!, /SQLITE_FULL/);
    assert.equal(store.stats.dropped, 0);
    // Batches committed before the disk filled stay in the file; the one that failed and all
    // after it are in memory: none is lost.
    const inMemory = store.spans({}, 1, 0).total;
    assert.ok(inMemory > 0);
    assert.equal(countInFile(path, 'spans') + inMemory, 3000);
    store.add(testSpan(T0));
    store.flush();
    assert.equal(store.stats.rows.spans, inMemory + 1);
    assert.equal(store.spans({}, 1, 0).total, inMemory + 1);
    store.close();
  });

  it('keeps nothing on disk for :memory:', () => {
    const { store, log } = open(':memory:');
    assert.equal(store.mode, 'memory');
    assert.deepEqual(log.warnings, []);
    store.close();
  });
});
