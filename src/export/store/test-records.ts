// Record builders and a capturing logger for the store's tests (and the route tests).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { StoreFlow, StoreSpan } from './records.js';

/** A fixed, minute-aligned "now" the tests place records around. */
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function testSpan(startMs: number, fields: Partial<StoreSpan> = {}): StoreSpan {
  return {
    start: iso(startMs),
    duration_ms: 10,
    protocol: 'http',
    side: 'server',
    pid: 100,
    comm: 'api',
    exe: '/usr/bin/api',
    service_name: 'api',
    peer_service: null,
    local_addr: '10.0.0.1',
    local_port: 8080,
    remote_addr: '10.0.0.9',
    remote_port: 40000,
    operation: 'GET',
    resource: '/items/{id}',
    status: 200,
    error: false,
    request_bytes: 100,
    response_bytes: 1000,
    sample_weight: 1,
    problem: null,
    tls: false,
    attributes: { 'http.request.method': 'GET', 'http.route': '/items/{id}' },
    ...fields,
  };
}

export function testFlow(endMs: number, fields: Partial<StoreFlow> = {}): StoreFlow {
  return {
    start: iso(endMs - 50),
    end: iso(endMs),
    duration_ms: 50,
    pid: 100,
    comm: 'api',
    exe: '/usr/bin/api',
    service_name: 'api',
    peer_service: null,
    container_id: null,
    direction: 'outbound',
    family: 'ipv4',
    local_addr: '10.0.0.1',
    local_port: 40000,
    remote_addr: '10.0.0.5',
    remote_port: 5432,
    bytes_sent: 100,
    bytes_received: 200,
    segments_sent: 2,
    segments_received: 3,
    retransmits: 0,
    srtt_us: 150,
    status: 'closed',
    partial: false,
    owner_source: 'connect',
    socket_cookie: 1,
    ...fields,
  };
}

export interface CapturedLog {
  warn(message: string): void;
  info(message: string): void;
  warnings: string[];
}

export function captureLog(): CapturedLog {
  const warnings: string[] = [];
  return { warnings, warn: (m) => warnings.push(m), info: () => undefined };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sonde-store-'));
}

/** A database with a table spanning many pages; returns its path and the table's root page. */
export function sampleDatabase(dir: string, name = 'sample.db'): { path: string; rootPage: number } {
  const path = join(dir, name);
  const db = new Database(path);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT); CREATE TABLE u (x)');
  const insert = db.prepare('INSERT INTO t (text) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < 2000; i++) insert.run(`row ${i} `.repeat(20));
  })();
  const rootPage = db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 't'").pluck().get() as number;
  db.close();
  return { path, rootPage };
}

/** Overwrites one page (1-based) with garbage. */
export function scribble(path: string, page: number, pageSize = 4096): void {
  const bytes = readFileSync(path);
  for (let i = (page - 1) * pageSize; i < page * pageSize && i < bytes.length; i++) bytes[i] = (i * 131) & 0xff;
  writeFileSync(path, bytes);
}
