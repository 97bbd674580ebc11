import type { Database, Statement } from 'better-sqlite3';
import { endpointLabel } from '../../telemetry/service-graph.js';
import { writeSpanEdge } from './graph-rules.js';
import { binOf, encodeSparse, quantilesEncoded } from './histogram.js';
import {
  FLOW_COLUMNS, flowParams, insertSql, parseTime, PROCESS_EVENT_COLUMNS, processEventParams, SPAN_COLUMNS, spanParams,
} from './record-rows.js';
import type { StoreFlow, StoreProcessEvent, StoreSpan } from './records.js';
import type { KeyDictionary } from './key-dictionary.js';
import type { PartialRow, RollupAccumulator } from './rollup-accumulator.js';
import {
  EDGE_KIND, FLOW_KIND, OP_KIND, ROLLUP_KINDS, SERVICE_KIND, STATUS_KIND, upsertSql, type KeyValue,
} from './rollup-kinds.js';

const SERVICE = ROLLUP_KINDS.indexOf(SERVICE_KIND);
const OP = ROLLUP_KINDS.indexOf(OP_KIND);
const STATUS = ROLLUP_KINDS.indexOf(STATUS_KIND);
const EDGE = ROLLUP_KINDS.indexOf(EDGE_KIND);
const FLOW = ROLLUP_KINDS.indexOf(FLOW_KIND);

export interface Batch {
  spans: StoreSpan[];
  flows: StoreFlow[];
  events: StoreProcessEvent[];
}

export interface BatchResult {
  spans: number;
  flows: number;
  events: number;
  /** Records whose time did not parse: not stored. */
  invalid: number;
  lastSpanId: number | null;
  lastFlowId: number | null;
}

/** A weight that can count: records say how many exchanges they stand for (1 unless sampled). */
function weightOf(w: number): number {
  return Number.isFinite(w) && w > 0 ? w : 1;
}

/** A partial rollup row waiting to be written, with its kind's index in ROLLUP_KINDS. */
export interface PendingRollup {
  kind: number;
  row: PartialRow;
}

/**
 * Writes raw rows and rollup rows with statements prepared once per database. A batch of raw
 * records is one transaction; once it commits its records are added to the caller's
 * accumulator, whose partial rows the caller writes later, in transactions of their own:
 * at 20k records/s a second of records touches about as many rollup rows as 200 ms does, so
 * upserting once a second instead of every batch saves most of the rollup work, at the price
 * of rollups trailing the raw rows by up to that second (plus the write itself).
 */
export class BatchWriter {
  readonly #insertSpan: Statement;
  readonly #insertFlow: Statement;
  readonly #insertEvent: Statement;
  readonly #upserts: Statement[];
  readonly #keys: KeyDictionary;
  readonly #writeRaw: (batch: Batch, times: number[]) => BatchResult;
  readonly #writeRollups: (rows: readonly PendingRollup[]) => void;

  constructor(db: Database, keys: KeyDictionary) {
    this.#keys = keys;
    this.#insertSpan = db.prepare(insertSql('spans', SPAN_COLUMNS));
    this.#insertFlow = db.prepare(insertSql('flows', FLOW_COLUMNS));
    this.#insertEvent = db.prepare(insertSql('process_events', PROCESS_EVENT_COLUMNS));
    this.#upserts = ROLLUP_KINDS.map((k) => db.prepare(upsertSql(k)));
    this.#writeRaw = db.transaction((batch: Batch, times: number[]) => this.#raw(batch, times));
    this.#writeRollups = db.transaction((rows: readonly PendingRollup[]) => this.#rollups(rows));
  }

  /** Writes the batch's raw rows; once committed, adds its records to `acc`. */
  write(batch: Batch, acc: RollupAccumulator): BatchResult {
    const times: number[] = [];
    const result = this.#writeRaw(batch, times);
    // Only committed records reach the rollups: a rolled-back batch is retried whole elsewhere.
    let t = 0;
    for (const s of batch.spans) {
      const startMs = times[t++]!;
      if (!Number.isNaN(startMs)) rollSpan(acc, s, startMs);
    }
    for (const f of batch.flows) {
      const endMs = times[t++]!;
      if (!Number.isNaN(endMs)) rollFlow(acc, f, endMs);
    }
    return result;
  }

  /** Upserts partial rollup rows in one transaction. */
  writeRollups(rows: readonly PendingRollup[], nowMs: number): void {
    try {
      this.#writeRollups(rows);
    } catch (err) {
      // Key ids handed out in the rolled-back transaction do not exist.
      this.#keys.reload(nowMs);
      throw err;
    }
  }

  /** `times` gets each span's start and each flow's end (NaN when it did not parse), in batch order. */
  #raw(batch: Batch, times: number[]): BatchResult {
    const result: BatchResult = { spans: 0, flows: 0, events: 0, invalid: 0, lastSpanId: null, lastFlowId: null };
    for (const s of batch.spans) {
      const startMs = parseTime(s.start);
      times.push(startMs ?? Number.NaN);
      if (startMs === null) {
        result.invalid++;
        continue;
      }
      result.lastSpanId = Number(this.#insertSpan.run(...spanParams(s, startMs)).lastInsertRowid);
      result.spans++;
    }
    for (const f of batch.flows) {
      const startMs = parseTime(f.start);
      const endMs = parseTime(f.end);
      times.push(startMs === null ? Number.NaN : endMs ?? Number.NaN);
      if (startMs === null || endMs === null) {
        result.invalid++;
        continue;
      }
      result.lastFlowId = Number(this.#insertFlow.run(...flowParams(f, startMs, endMs)).lastInsertRowid);
      result.flows++;
    }
    for (const e of batch.events) {
      const timeMs = parseTime(e.time);
      if (timeMs === null) {
        result.invalid++;
        continue;
      }
      this.#insertEvent.run(...processEventParams(e, timeMs));
      result.events++;
    }
    return result;
  }

  #rollups(rows: readonly PendingRollup[]): void {
    for (const { kind: k, row } of rows) {
      const kind = ROLLUP_KINDS[k]!;
      const id = this.#keys.idFor(kind, row.key, row.bucketMs);
      const hist = row.hist === null ? null : encodeSparse(row.hist);
      const latency = hist === null ? [] : [Number.isFinite(row.max) ? row.max : 0, hist];
      const percentiles = kind.rowPercentiles.length === 0 ? [] : quantilesEncoded(hist, kind.rowPercentiles.map(([, q]) => q));
      this.#upserts[k]!.run(row.resMs, row.bucketMs, id, ...row.sums, ...latency, ...percentiles);
    }
  }
}

/**
 * Exchanges counted without a record (kernel tallies: `sample_weight` of them, alike): into the
 * rollups only, so the UI's counts agree with the metrics. False when its time did not parse.
 */
export function rollTally(acc: RollupAccumulator, s: StoreSpan): boolean {
  const startMs = parseTime(s.start);
  if (startMs === null) return false;
  rollSpan(acc, s, startMs);
  return true;
}

// Keys and sums refilled for every record (add copies what it keeps): four key arrays and the
// sums made afresh per span were a good part of the store's garbage under load.
const SERVICE_KEY: KeyValue[] = ['', ''];
const OP_KEY: KeyValue[] = ['', '', '', '', ''];
const STATUS_KEY: KeyValue[] = ['', '', ''];
const EDGE_KEY: KeyValue[] = ['', '', '', 0, 0];
const FLOW_KEY: KeyValue[] = ['', '', ''];
/** count, errors, sum_ms */
const RED = [0, 0, 0];
const COUNT = [0];
/** flows, failed, retransmits, bytes_sent, bytes_received */
const FLOW_SUMS = [0, 0, 0, 0, 0];

function rollSpan(acc: RollupAccumulator, s: StoreSpan, startMs: number): void {
  const w = weightOf(s.sample_weight);
  const bin = binOf(s.duration_ms);
  const duration = Number.isFinite(s.duration_ms) ? s.duration_ms : 0;
  RED[0] = w;
  RED[1] = s.error ? w : 0;
  RED[2] = duration * w;
  SERVICE_KEY[0] = s.service_name;
  SERVICE_KEY[1] = s.side;
  acc.add(SERVICE, startMs, SERVICE_KEY, RED, bin, w, duration);
  OP_KEY[0] = s.service_name;
  OP_KEY[1] = s.side;
  OP_KEY[2] = s.protocol;
  OP_KEY[3] = s.operation ?? '';
  OP_KEY[4] = s.resource ?? '';
  acc.add(OP, startMs, OP_KEY, RED, bin, w, duration);
  STATUS_KEY[0] = s.service_name;
  STATUS_KEY[1] = s.side;
  STATUS_KEY[2] = s.status ?? '';
  COUNT[0] = w;
  acc.add(STATUS, startMs, STATUS_KEY, COUNT, -1, w);
  if (writeSpanEdge(s, EDGE_KEY) && EDGE_KEY[0] !== '' && EDGE_KEY[1] !== '') acc.add(EDGE, startMs, EDGE_KEY, RED, bin, w, duration);
}

/** A flow counted without a row (past the flow-row budget): into the rollups only. False when its end did not parse. */
export function rollFlowOnly(acc: RollupAccumulator, f: StoreFlow): boolean {
  const endMs = parseTime(f.end);
  if (endMs === null) return false;
  rollFlow(acc, f, endMs);
  return true;
}

function rollFlow(acc: RollupAccumulator, f: StoreFlow, endMs: number): void {
  // Inbound flows come from ephemeral ports: the peer is named by address alone.
  const remote = f.peer_service ?? (f.direction === 'outbound' ? endpointLabel(f.remote_addr, f.remote_port) : f.remote_addr);
  FLOW_KEY[0] = f.service_name;
  FLOW_KEY[1] = remote;
  FLOW_KEY[2] = f.direction;
  FLOW_SUMS[0] = 1;
  FLOW_SUMS[1] = f.status === 'failed' ? 1 : 0;
  FLOW_SUMS[2] = f.retransmits;
  FLOW_SUMS[3] = f.bytes_sent;
  FLOW_SUMS[4] = f.bytes_received;
  acc.add(FLOW, endMs, FLOW_KEY, FLOW_SUMS, -1, 1);
}
