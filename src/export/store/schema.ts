import type { Database } from 'better-sqlite3';

/** `PRAGMA user_version` of the layout below; a file with another version is not read. */
export const SCHEMA_VERSION = 2;

// Raw records keep their times as epoch ms (integers index and compare cheaply); the API's
// RFC 3339 strings are made when rows are read. `status` has no declared type, so SQLite keeps
// what it is given: an integer for HTTP, text for the other protocols.
//
// Span indexes follow the queries (docs/store.md): every list is newest first within a time
// range, so each index ends with start_ms and the row id breaks ties for free. Each index
// starts with a column of few values, so new rows append at a few hot pages instead of
// landing at random places in a large b-tree (an index on raw durations did, and cost more
// than all the others together): durations are indexed by their power-of-two class.
const RAW_TABLES = `
CREATE TABLE spans (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  start_ms INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  duration_class INTEGER NOT NULL,
  protocol TEXT NOT NULL,
  side TEXT NOT NULL,
  pid INTEGER NOT NULL,
  comm TEXT NOT NULL,
  exe TEXT,
  service_name TEXT NOT NULL,
  peer_service TEXT,
  local_addr TEXT NOT NULL,
  local_port INTEGER NOT NULL,
  remote_addr TEXT NOT NULL,
  remote_port INTEGER NOT NULL,
  operation TEXT,
  resource TEXT,
  status,
  error INTEGER NOT NULL,
  request_bytes INTEGER NOT NULL,
  response_bytes INTEGER NOT NULL,
  sample_weight REAL NOT NULL,
  problem TEXT,
  search TEXT NOT NULL,
  attributes TEXT NOT NULL,
  tls INTEGER NOT NULL DEFAULT 0
);
-- The time index carries the text \`q\` searches, so a search reads this index, not the rows.
CREATE INDEX spans_time ON spans(start_ms, search);
CREATE INDEX spans_service_time ON spans(service_name, start_ms);
CREATE INDEX spans_protocol_time ON spans(protocol, start_ms);
CREATE INDEX spans_status_time ON spans(status, start_ms);
CREATE INDEX spans_error_time ON spans(start_ms) WHERE error = 1;
CREATE INDEX spans_duration_time ON spans(duration_class, start_ms);

CREATE TABLE flows (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  pid INTEGER NOT NULL,
  comm TEXT NOT NULL,
  exe TEXT,
  service_name TEXT NOT NULL,
  peer_service TEXT,
  container_id TEXT,
  direction TEXT NOT NULL,
  family TEXT NOT NULL,
  local_addr TEXT NOT NULL,
  local_port INTEGER NOT NULL,
  remote_addr TEXT NOT NULL,
  remote_port INTEGER NOT NULL,
  bytes_sent INTEGER NOT NULL,
  bytes_received INTEGER NOT NULL,
  segments_sent INTEGER NOT NULL,
  segments_received INTEGER NOT NULL,
  retransmits INTEGER NOT NULL,
  srtt_us INTEGER NOT NULL,
  status TEXT NOT NULL,
  partial INTEGER NOT NULL,
  owner_source TEXT NOT NULL,
  socket_cookie INTEGER NOT NULL
);
CREATE INDEX flows_time ON flows(end_ms);
CREATE INDEX flows_failed_time ON flows(end_ms) WHERE status = 'failed';
CREATE INDEX flows_retransmit_time ON flows(end_ms) WHERE retransmits > 0;

CREATE TABLE process_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  pid INTEGER NOT NULL,
  comm TEXT NOT NULL,
  exe TEXT,
  service_name TEXT NOT NULL
);
CREATE INDEX process_events_time ON process_events(time_ms);

CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL,
  started TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  ended TEXT,
  ended_ms INTEGER,
  summary TEXT NOT NULL
);
`;

// Rollups: one row per (resolution, bucket start, key), the key being an id of rollup_keys
// (a JSON array of the key's values: see rollup-kinds.ts for each kind's). Absent values are ''
// in keys. WITHOUT ROWID keeps each row in its primary-key b-tree only, and range scans by
// (res, bucket) read consecutive pages.
const LATENCY = 'count REAL NOT NULL, errors REAL NOT NULL, sum_ms REAL NOT NULL, max_ms REAL NOT NULL, hist BLOB NOT NULL';
const ROLLUP_KEY = 'res INTEGER NOT NULL, bucket INTEGER NOT NULL, key_id INTEGER NOT NULL';
const ROLLUP_TABLES = `
CREATE TABLE rollup_keys (
  id INTEGER PRIMARY KEY,
  kind INTEGER NOT NULL,
  key TEXT NOT NULL,
  UNIQUE (kind, key)
);
CREATE TABLE roll_service (${ROLLUP_KEY}, ${LATENCY}, p50_ms REAL, p95_ms REAL, p99_ms REAL, PRIMARY KEY (res, bucket, key_id)) WITHOUT ROWID;
CREATE TABLE roll_op (${ROLLUP_KEY}, ${LATENCY}, p95_ms REAL, PRIMARY KEY (res, bucket, key_id)) WITHOUT ROWID;
-- Operations by key: the few operations whose histograms the slowest-first search reads
-- (key columns only, so the upserts that change a row's sums leave this index alone).
CREATE INDEX roll_op_by_key ON roll_op (res, key_id, bucket);
CREATE TABLE roll_status (${ROLLUP_KEY}, count REAL NOT NULL, PRIMARY KEY (res, bucket, key_id)) WITHOUT ROWID;
CREATE TABLE roll_edge (${ROLLUP_KEY}, ${LATENCY}, PRIMARY KEY (res, bucket, key_id)) WITHOUT ROWID;
CREATE TABLE roll_flow (${ROLLUP_KEY},
  flows REAL NOT NULL, failed REAL NOT NULL, retransmits REAL NOT NULL, bytes_sent REAL NOT NULL, bytes_received REAL NOT NULL,
  PRIMARY KEY (res, bucket, key_id)) WITHOUT ROWID;
`;

/** Creates every table of an empty database and stamps the version, all or nothing. */
export function createSchema(db: Database): void {
  db.transaction(() => {
    db.exec(RAW_TABLES);
    db.exec(ROLLUP_TABLES);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
