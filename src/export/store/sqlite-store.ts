import type { Database } from 'better-sqlite3';
import { BatchWriter, rollFlowOnly, rollTally, type Batch, type BatchResult, type PendingRollup } from './batch-writer.js';
import { RollupAccumulator } from './rollup-accumulator.js';
import { RowBudget } from './row-budget.js';
import { ROLLUP_KINDS } from './rollup-kinds.js';
import { moveAside, openDisk, openMemory, type DatabaseSettings, type StoreLogger, type StoreMode } from './open-database.js';
import { overview } from './query-overview.js';
import { graph } from './query-graph.js';
import { service } from './query-service.js';
import { querySpans, spanById, type SpanFilter } from './query-spans.js';
import { flowsSummary } from './query-flows.js';
import { parseTime, rowToAlert } from './record-rows.js';
import { RecordBuffer } from './record-buffer.js';
import type { StoreAlert, StoredSpan, StoreFlow, StoreProcessEvent, StoreSpan } from './records.js';
import { retentionPass, storeBytes, type RetentionReport } from './retention.js';
import { StatementCache } from './statement-cache.js';
import { KeyDictionary } from './key-dictionary.js';
import { SettledSums } from './settled-sums.js';
import type { RollupSource } from './rollup-read.js';
import { CorruptDatabaseError, describeError, isCorruption, isStorageFailure } from './storage-errors.js';
import { checkIntegrityInBackground } from './integrity-check.js';
import { HOUR_MS, rollupKeepMs } from './window.js';
import {
  BATCH_ROWS, COARSE_ROLLUP_INTERVAL_MS, DEFAULT_BUFFER_CAPACITY, DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_MAX_BYTES, DEFAULT_MEMORY_MAX_BYTES,
  DEFAULT_RETENTION_MS, DEFAULT_ROLLUP_INTERVAL_MS, DELETE_ROWS, ROLLUP_ROWS, WARNINGS_KEPT,
  type IdMarks, type SqliteStoreOptions, type StoreStats,
} from './store-settings.js';
import type { FlowsSummaryAnswer, GraphAnswer, OverviewAnswer, ServiceAnswer, SpansPage } from './answers.js';

/**
 * The embedded store behind the UI: raw spans, flows and process events plus per-bucket
 * rollups in one SQLite file. Capture only appends to a bounded buffer; a timer writes it in
 * batches and enforces retention. Storage failures never reach the caller: the store moves to
 * an in-memory database and says so.
 */
export class SqliteStore {
  readonly #path: string;
  readonly #logger: StoreLogger;
  readonly #retentionMs: number;
  readonly #diskMaxBytes: number;
  readonly #memoryMaxBytes: number;
  readonly #settings: DatabaseSettings;
  readonly #now: () => number;
  readonly #buffer: RecordBuffer;
  readonly #sliceBudgetMs: number;
  readonly #runSlice: (work: () => void) => void;
  readonly #retentionIntervalMs: number;
  readonly #rollupIntervalMs: number;
  readonly #acc = new RollupAccumulator(ROLLUP_KINDS);
  readonly #rowBudget: RowBudget;
  readonly #flowRowBudget: RowBudget;
  #rollupOnly = 0;
  #flowsRollupOnly = 0;
  #pendingRollups: PendingRollup[] = [];
  #lastRollupTake = -Infinity;
  #lastCoarseTake = -Infinity;
  #rollupRowsDropped = 0;
  readonly #slowest = { batch: 0, rollups: 0, retention: 0 };
  #db!: Database;
  #mode: StoreMode = 'memory';
  #cache!: StatementCache;
  #keys!: KeyDictionary;
  #settled = new SettledSums();
  #writer!: BatchWriter;
  #rows = { spans: 0, flows: 0, process_events: 0, alerts: 0 };
  #lastIds: IdMarks = { spans: 0, flows: 0 };
  #invalid = 0;
  #batches = 0;
  #written = 0;
  #lastWriteMs: number | null = null;
  #retentionPasses = 0;
  #deleted = 0;
  #lastRetentionMs = -Infinity;
  #warnings: string[] = [];
  /** Counts databases attached, so a background check's verdict applies only to the one it checked. */
  #generation = 0;
  #integrity: Promise<'ok' | 'corrupt' | 'not checked'> = Promise.resolve('not checked');
  #timer: NodeJS.Timeout | null = null;
  #timersOn = false;
  readonly #flushIntervalMs: number;
  readonly #quietIntervalMs: number;
  /** Nothing buffered or accumulated: the timer runs every #quietIntervalMs until the next add. */
  #quiet = false;
  #draining = false;
  #closed = false;

  private constructor(options: SqliteStoreOptions) {
    this.#path = options.path;
    this.#logger = options.logger;
    this.#retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.#diskMaxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    // Its own clock: it meters the capture's rate, whatever clock retention runs on.
    this.#rowBudget = new RowBudget(options.maxSpanRowsPerSecond ?? Number.POSITIVE_INFINITY, () => performance.now());
    this.#flowRowBudget = new RowBudget(options.maxFlowRowsPerSecond ?? Number.POSITIVE_INFINITY, () => performance.now());
    this.#memoryMaxBytes = options.memoryMaxBytes ?? DEFAULT_MEMORY_MAX_BYTES;
    this.#now = options.now ?? Date.now;
    this.#buffer = new RecordBuffer(options.bufferCapacity ?? DEFAULT_BUFFER_CAPACITY);
    this.#sliceBudgetMs = options.sliceBudgetMs ?? 50;
    this.#flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.#quietIntervalMs = options.quietIntervalMs ?? 5000;
    this.#runSlice = options.runSlice ?? ((work) => work());
    this.#retentionIntervalMs = options.retentionIntervalMs ?? 2000;
    this.#rollupIntervalMs = options.rollupIntervalMs ?? DEFAULT_ROLLUP_INTERVAL_MS;
    this.#settings = {
      // 4 MiB holds the indexes' hot pages for writes; reads past it come from the OS page
      // cache. 8 MiB held ~5 MiB more of the agent's resident memory under load.
      cacheKiB: options.cacheKiB ?? 4 * 1024,
      walLimitBytes: Math.min(64 * 1024 ** 2, Math.max(256 * 1024, this.#diskMaxBytes / 8)),
      maxPageCount: options.maxPageCount,
    };
  }

  /** Opens the store; never throws (a path that cannot be used means memory mode, with a warning). */
  static open(options: SqliteStoreOptions): SqliteStore {
    const store = new SqliteStore(options);
    store.#openInitial();
    if (options.timers !== false) {
      store.#timersOn = true;
      store.#scheduleNext();
    }
    return store;
  }

  get mode(): StoreMode {
    return this.#mode;
  }

  #warn(message: string): void {
    this.#warnings.push(`${new Date(this.#now()).toISOString()} ${message}`);
    if (this.#warnings.length > WARNINGS_KEPT) this.#warnings.shift();
    this.#logger.warn(message);
  }

  #openInitial(): void {
    if (this.#path === ':memory:') {
      this.#attach(openMemory(this.#settings), 'memory');
      return;
    }
    try {
      this.#attachDisk();
    } catch (err) {
      this.#toMemory(err, 'opening it');
    }
  }

  /**
   * Opens the file and makes it the store's database. Damage found on the way (here, or later
   * by the background check) means the file is moved aside and replaced by a fresh one.
   */
  #attachDisk(): void {
    const logger = { warn: (m: string) => this.#warn(m), info: (m: string) => this.#logger.info(m) };
    let opened = openDisk(this.#path, this.#settings, logger, this.#now());
    try {
      this.#attach(opened.db, 'disk');
    } catch (err) {
      opened.db.close();
      if (!isCorruption(err)) throw err;
      this.#moveCorruptAside(err, 'opening it');
      opened = openDisk(this.#path, this.#settings, logger, this.#now());
      this.#attach(opened.db, 'disk');
    }
    if (!opened.created) this.#checkInBackground();
  }

  #moveCorruptAside(err: unknown, doing: string): void {
    const moved = moveAside(this.#path, 'corrupt', this.#now());
    this.#warn(`store: ${this.#path} is corrupt (${describeError(err)}) while ${doing}; moved it to ${moved} and started a fresh one`);
  }

  /** quick_check of the file just opened, off the main thread; damage found replaces the file (see #recover). */
  #checkInBackground(): void {
    const generation = this.#generation;
    this.#integrity = checkIntegrityInBackground(this.#path).then((r) => {
      if (r.ok) return 'ok';
      // Only the database that was checked is replaced, and only while it is still in use.
      const detail = r.detail.replace(/\s+/g, ' ').slice(0, 300);
      if (!this.#closed && this.#generation === generation) this.#recover(new CorruptDatabaseError(`quick_check: ${detail}`), 'checking its pages');
      return 'corrupt';
    });
  }

  /**
   * What the background check of the file opened found: `ok`, `corrupt` (the file was moved
   * aside and replaced), or `not checked` (memory, or a file the store created).
   */
  get integrity(): Promise<'ok' | 'corrupt' | 'not checked'> {
    return this.#integrity;
  }

  #attach(db: Database, mode: StoreMode): void {
    this.#generation++;
    this.#db = db;
    this.#mode = mode;
    this.#cache = new StatementCache(db);
    this.#settled = new SettledSums();
    this.#keys = new KeyDictionary(db, this.#now());
    this.#writer = new BatchWriter(db, this.#keys);
    const count = (table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    this.#rows = { spans: count('spans'), flows: count('flows'), process_events: count('process_events'), alerts: count('alerts') };
    const seq = (table: string): number => (db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck().get(table) as number | undefined) ?? 0;
    this.#lastIds = { spans: seq('spans'), flows: seq('flows') };
  }

  #closeQuietly(): void {
    try {
      this.#db.close();
    } catch {
      // already unusable: that is why it is being closed
    }
  }

  #toMemory(err: unknown, doing: string): void {
    this.#warn(`store: cannot use ${this.#path} (${describeError(err)}) while ${doing}; keeping records in memory from now on ` +
      `(at most ${Math.round(this.#memoryMaxBytes / 1024 ** 2)} MiB, lost at exit; what is already on disk stays there)`);
    if (this.#db !== undefined) this.#closeQuietly();
    this.#attach(openMemory(this.#settings), 'memory');
  }

  /** After a failure: switch storage when it is the storage's fault (true), else leave it to the caller (false). */
  #recover(err: unknown, doing: string): boolean {
    if (this.#mode === 'disk' && isCorruption(err)) {
      this.#closeQuietly();
      try {
        this.#moveCorruptAside(err, doing);
        this.#attachDisk();
      } catch (again) {
        this.#toMemory(again, 'replacing a corrupt file');
      }
      return true;
    }
    if (this.#mode === 'disk' && isStorageFailure(err)) {
      this.#toMemory(err, doing);
      return true;
    }
    return false;
  }

  /** Runs a database operation, switching storage and retrying once when the storage fails. */
  #guard<T>(doing: string, op: () => T): T {
    try {
      return op();
    } catch (err) {
      if (!this.#recover(err, doing)) throw err;
      return op();
    }
  }

  // --- capture side: never blocks, never throws -------------------------------------------

  add(span: StoreSpan): void {
    if (this.#quiet) this.#wake();
    if (this.#closed) this.#buffer.countDropped(1);
    else if (this.#rowBudget.admit(span.error)) this.#buffer.pushSpan(span);
    else this.addTally(span);
  }

  /**
   * `span.sample_weight` exchanges that have no record (the kernel tallied them while capture
   * was paused): counted in the rollups behind the overview, service and graph pages, never
   * stored as a row.
   */
  addTally(span: StoreSpan): void {
    if (this.#quiet) this.#wake();
    if (this.#closed || !rollTally(this.#acc, span)) this.#buffer.countDropped(1);
    else this.#rollupOnly++;
  }

  addFlow(flow: StoreFlow): void {
    if (this.#quiet) this.#wake();
    if (this.#closed) this.#buffer.countDropped(1);
    else if (this.#flowRowBudget.admit(flow.status !== 'closed')) this.#buffer.pushFlow(flow);
    else if (rollFlowOnly(this.#acc, flow)) this.#flowsRollupOnly++;
    else this.#buffer.countDropped(1);
  }

  addProcessEvent(event: StoreProcessEvent): void {
    if (this.#quiet) this.#wake();
    if (this.#closed) this.#buffer.countDropped(1);
    else this.#buffer.pushEvent(event);
  }

  /** Alerts are few and change state: written at once. */
  putAlert(alert: StoreAlert): void {
    if (this.#closed) return;
    const startedMs = parseTime(alert.started) ?? this.#now();
    const endedMs = alert.ended === null ? null : parseTime(alert.ended);
    try {
      const changes = this.#guard('writing an alert', () => this.#cache.get(
        'INSERT INTO alerts (id, name, severity, state, started, started_ms, ended, ended_ms, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (id) DO UPDATE SET name = excluded.name, severity = excluded.severity, state = excluded.state, started = excluded.started, ' +
        'started_ms = excluded.started_ms, ended = excluded.ended, ended_ms = excluded.ended_ms, summary = excluded.summary',
      ).run(alert.id, alert.name, alert.severity, alert.state, alert.started, startedMs, alert.ended, endedMs, alert.summary).changes);
      if (changes > 0) this.#rows.alerts = this.#cache.get('SELECT count(*) FROM alerts').pluck(true).get() as number;
    } catch (err) {
      this.#warn(`store: could not write alert ${alert.id}: ${describeError(err)}`);
    }
  }

  // --- writing -------------------------------------------------------------------------

  #writeBatch(batch: Batch): void {
    const size = batch.spans.length + batch.flows.length + batch.events.length;
    if (size === 0) return;
    const started = performance.now();
    let result: BatchResult;
    try {
      result = this.#guard('writing', () => this.#writer.write(batch, this.#acc));
    } catch (err) {
      this.#buffer.countDropped(size);
      this.#warn(`store: dropped a batch of ${size} records: ${describeError(err)}`);
      return;
    }
    this.#lastWriteMs = performance.now() - started;
    this.#slowest.batch = Math.max(this.#slowest.batch, this.#lastWriteMs);
    this.#batches++;
    this.#written += size - result.invalid;
    this.#invalid += result.invalid;
    this.#rows.spans += result.spans;
    this.#rows.flows += result.flows;
    this.#rows.process_events += result.events;
    if (result.lastSpanId !== null) this.#lastIds.spans = result.lastSpanId;
    if (result.lastFlowId !== null) this.#lastIds.flows = result.lastFlowId;
  }

  /** Moves what the accumulator added up to the queue of rollup rows to write (coarse rows too when due, or `all`). */
  #takeRollups(all: boolean): void {
    const now = performance.now();
    this.#lastRollupTake = now;
    const withCoarse = all || now - this.#lastCoarseTake >= COARSE_ROLLUP_INTERVAL_MS;
    if (withCoarse) this.#lastCoarseTake = now;
    const kinds = this.#acc.drain(withCoarse);
    kinds.forEach((rows, kind) => {
      for (const row of rows) this.#pendingRollups.push({ kind, row });
    });
  }

  /** Writes up to ROLLUP_ROWS queued rollup rows in one transaction. */
  #writeRollupChunk(): void {
    const rows = this.#pendingRollups.splice(0, ROLLUP_ROWS);
    if (rows.length === 0) return;
    const started = performance.now();
    try {
      this.#guard('writing rollups', () => this.#writer.writeRollups(rows, this.#now()));
      this.#slowest.rollups = Math.max(this.#slowest.rollups, performance.now() - started);
    } catch (err) {
      this.#rollupRowsDropped += rows.length;
      this.#warn(`store: dropped ${rows.length} rollup rows: ${describeError(err)}`);
    }
  }

  /** Records waiting to be written (cheap; `stats` also measures the file). */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Writes everything buffered now, rollups included (at stop, and in tests). Never throws. */
  flush(): void {
    if (this.#closed) return;
    while (this.#buffer.length > 0) this.#writeBatch(this.#buffer.take(BATCH_ROWS));
    this.#takeRollups(true);
    while (this.#pendingRollups.length > 0) this.#writeRollupChunk();
  }

  /**
   * The next timer: every flushIntervalMs while anything is buffered or accumulated, else every
   * quietIntervalMs (retention by age still runs), so that an idle agent is not woken for nothing.
   */
  #scheduleNext(): void {
    if (this.#timer !== null) return;
    this.#quiet = this.#buffer.length === 0 && this.#pendingRollups.length === 0 && this.#acc.empty;
    this.#arm(this.#quiet ? this.#quietIntervalMs : this.#flushIntervalMs);
  }

  /** A record after a quiet spell: written within flushIntervalMs again. */
  #wake(): void {
    this.#quiet = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#arm(this.#flushIntervalMs);
  }

  #arm(delayMs: number): void {
    // While draining, the drain's own continuation schedules the next timer when it is done.
    if (this.#closed || !this.#timersOn || this.#draining) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#runSlice(() => this.#tick());
      this.#scheduleNext();
    }, delayMs);
    this.#timer.unref();
  }

  /**
   * Timer: write raw batches and rollup chunks, alternating, for at most one slice; keep
   * draining a backlog in further slices between event-loop turns (so capture runs in between);
   * then retention, when due.
   */
  #tick(): void {
    if (this.#closed || this.#draining) return;
    const deadline = performance.now() + this.#sliceBudgetMs;
    while (performance.now() < deadline) {
      // Due rollups are taken even with a backlog of records, or the accumulator would grow with it.
      if (!this.#acc.empty && performance.now() - this.#lastRollupTake >= this.#rollupIntervalMs) this.#takeRollups(false);
      const work = this.#pendingRollups.length > 0 || this.#buffer.length > 0;
      if (this.#pendingRollups.length > 0) this.#writeRollupChunk();
      if (this.#buffer.length > 0) this.#writeBatch(this.#buffer.take(BATCH_ROWS));
      if (!work) break;
    }
    if (this.#buffer.length > 0 || this.#pendingRollups.length > 0) {
      this.#draining = true;
      setImmediate(() => {
        this.#draining = false;
        this.#runSlice(() => this.#tick());
        this.#scheduleNext();
      });
      return;
    }
    const now = this.#now();
    if (now - this.#lastRetentionMs >= this.#retentionIntervalMs) {
      const report = this.runRetention(now, this.#sliceBudgetMs);
      // Work left over: run again on the next tick instead of after a whole interval.
      this.#lastRetentionMs = report.done ? now : -Infinity;
    }
  }

  /** One retention pass at `nowMs`, for at most `budgetMs` (unbounded by default). Never throws. */
  runRetention(nowMs: number = this.#now(), budgetMs = Infinity): RetentionReport {
    const settings = { retentionMs: this.#retentionMs, maxBytes: this.#maxBytes(), chunkRows: DELETE_ROWS };
    const started = performance.now();
    try {
      const report = this.#guard('enforcing retention', () => {
        const r = retentionPass(this.#db, this.#cache, settings, nowMs, performance.now() + budgetMs, this.#walPath());
        // No rollup row older than the hourly rows' keep is left, so no key last used before it is needed.
        r.deleted.rollup_keys = this.#keys.forget(nowMs - rollupKeepMs(HOUR_MS, this.#retentionMs) - HOUR_MS);
        return r;
      });
      this.#retentionPasses++;
      this.#slowest.retention = Math.max(this.#slowest.retention, performance.now() - started);
      const d = report.deleted;
      this.#deleted += d.spans + d.flows + d.process_events + d.alerts;
      this.#rows.spans -= d.spans;
      this.#rows.flows -= d.flows;
      this.#rows.process_events -= d.process_events;
      this.#rows.alerts -= d.alerts;
      return report;
    } catch (err) {
      this.#warn(`store: retention pass failed: ${describeError(err)}`);
      return { deleted: { spans: 0, flows: 0, process_events: 0, alerts: 0, rollup_rows: 0, rollup_keys: 0 }, deletedForSize: 0, bytesBefore: 0, bytesAfter: 0, done: true };
    }
  }

  #maxBytes(): number {
    return this.#mode === 'disk' ? this.#diskMaxBytes : Math.min(this.#diskMaxBytes, this.#memoryMaxBytes);
  }

  #walPath(): string | null {
    return this.#mode === 'disk' ? `${this.#path}-wal` : null;
  }

  get stats(): StoreStats {
    let bytes = { file: 0, live: 0 };
    if (!this.#closed) {
      try {
        bytes = storeBytes(this.#db, this.#walPath());
      } catch {
        // a failing disk shows as 0 bytes here; the next write reports it
      }
    }
    return {
      mode: this.#mode,
      path: this.#path,
      rows: { ...this.#rows },
      bytes: bytes.file,
      live_bytes: bytes.live,
      max_bytes: this.#maxBytes(),
      buffered: this.#buffer.length,
      dropped: this.#buffer.dropped,
      invalid: this.#invalid,
      spans_rollup_only: this.#rollupOnly,
      flows_rollup_only: this.#flowsRollupOnly,
      write_batches: this.#batches,
      written_records: this.#written,
      last_write_ms: this.#lastWriteMs,
      slowest_ms: { ...this.#slowest },
      rollup_rows_pending: this.#pendingRollups.length,
      rollup_rows_dropped: this.#rollupRowsDropped,
      rollup_keys: this.#keys.size,
      retention_passes: this.#retentionPasses,
      deleted_for_age_or_size: this.#deleted,
      warnings: [...this.#warnings],
    };
  }

  /** Stops the timers, writes what is buffered and closes the database. */
  close(): void {
    if (this.#closed) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.flush();
    this.#closed = true;
    try {
      this.#db.pragma('optimize');
    } catch {
      // statistics are an optimisation: never a reason not to close
    }
    this.#closeQuietly();
  }

  // --- queries (the API's endpoints) ------------------------------------------------------

  #query<T>(doing: string, op: (src: RollupSource) => T): T {
    if (this.#closed) throw new Error('store is closed');
    return this.#guard(doing, () => op({ cache: this.#cache, keys: this.#keys, settled: this.#settled }));
  }

  overview(rangeMs: number, nowMs: number): OverviewAnswer {
    return this.#query('reading the overview', (s) => overview(s, rangeMs, nowMs, this.#activeAlerts(s.cache)));
  }

  graph(rangeMs: number, nowMs: number): GraphAnswer {
    return this.#query('reading the graph', (c) => graph(c, rangeMs, nowMs));
  }

  /** null when the service has no records in the range. */
  service(name: string, rangeMs: number, nowMs: number): ServiceAnswer | null {
    return this.#query('reading a service', (c) => service(c, name, rangeMs, nowMs));
  }

  spans(filter: SpanFilter, limit: number, offset: number): SpansPage & { total_capped: boolean } {
    return this.#query('listing spans', (s) => querySpans(s.cache, filter, limit, offset));
  }

  span(id: number): StoredSpan | null {
    return this.#query('reading a span', (s) => spanById(s.cache, id));
  }

  flowsSummary(rangeMs: number, nowMs: number): FlowsSummaryAnswer {
    return this.#query('reading flows', (c) => flowsSummary(c, rangeMs, nowMs));
  }

  alerts(): { alerts: StoreAlert[] } {
    return this.#query('reading alerts', ({ cache }) => ({
      alerts: (cache.get('SELECT * FROM alerts ORDER BY started_ms DESC, id LIMIT 500').all() as Record<string, unknown>[]).map(rowToAlert),
    }));
  }

  #activeAlerts(c: StatementCache): StoreAlert[] {
    return (c.get('SELECT * FROM alerts WHERE ended_ms IS NULL ORDER BY started_ms DESC, id LIMIT 100').all() as Record<string, unknown>[]).map(rowToAlert);
  }

  /** The newest span and flow ids written so far. */
  lastIds(): IdMarks {
    return { ...this.#lastIds };
  }

  /**
   * Spans and flows written since `last` (from lastIds() or a previous call), and the new marks.
   * Ids only grow within one database; after a move to a fresh one they start over, and what
   * the new one holds is all new.
   */
  newSince(last: IdMarks): { spans: number; flows: number; last: IdMarks } {
    const now = this.lastIds();
    const diff = (cur: number, prev: number): number => (cur >= prev ? cur - prev : cur);
    return { spans: diff(now.spans, last.spans), flows: diff(now.flows, last.flows), last: now };
  }
}
