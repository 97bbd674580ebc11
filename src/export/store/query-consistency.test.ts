import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from './sqlite-store.js';
import type { StoreSpan } from './records.js';
import { captureLog, T0, testSpan } from './test-records.js';
import { HOUR_MS, RANGES_MS } from './window.js';
import { mulberry32 } from '../../protocols/fuzz-kit.js';

const DAY = RANGES_MS['24h']!;


/** Spans of 8 services × 15 routes over the day before `endMs`, with per-route latencies. */
function daySpans(seed: number, count: number, fromMs: number, endMs: number): StoreSpan[] {
  const rand = mulberry32(seed);
  const spans: StoreSpan[] = [];
  for (let i = 0; i < count; i++) {
    const svc = Math.floor(rand() * 8);
    const route = Math.floor(rand() * 15);
    const median = 1 + ((svc * 15 + route) * 37) % 300;
    spans.push(testSpan(fromMs + Math.floor(rand() * (endMs - fromMs)), {
      service_name: `svc${svc}`,
      side: rand() < 0.7 ? 'server' : 'client',
      peer_service: rand() < 0.5 ? `svc${(svc + 1) % 8}` : null,
      resource: `/r${route}`,
      duration_ms: Math.round(median * Math.exp(rand() * 2 - 1) * 1000) / 1000,
      status: rand() < 0.05 ? 500 : 200,
      error: rand() < 0.05,
    }));
  }
  return spans;
}

function storeWith(spans: readonly StoreSpan[]): SqliteStore {
  const store = SqliteStore.open({ path: ':memory:', logger: captureLog(), timers: false, retentionMs: 2 * DAY });
  for (const s of spans) store.add(s);
  store.flush();
  return store;
}

describe('query consistency', () => {
  const now = T0 + 35 * 60_000;
  const older = daySpans(1, 4000, now - DAY, now - HOUR_MS);
  const newer = daySpans(2, 500, now - 20 * 60_000, now);

  it('answers the same from settled sums kept between queries as from the tables', () => {
    const warm = storeWith(older);
    // Fill the settled caches, then add records to the live hour.
    warm.overview(DAY, now);
    warm.graph(DAY, now);
    warm.service('svc3', DAY, now);
    for (const s of newer) warm.add(s);
    warm.flush();
    const cold = storeWith([...older, ...newer]);
    assert.deepEqual(warm.overview(DAY, now), cold.overview(DAY, now));
    assert.deepEqual(warm.graph(DAY, now), cold.graph(DAY, now));
    assert.deepEqual(warm.service('svc3', DAY, now), cold.service('svc3', DAY, now));
    assert.deepEqual(warm.flowsSummary(DAY, now), cold.flowsSummary(DAY, now));
    warm.close();
    cold.close();
  });

  it('finds the operations with the highest p95 exactly', () => {
    const store = storeWith([...older, ...newer]);
    // Every operation's p95, from the service pages (which read every histogram).
    const all = Array.from({ length: 8 }, (_, i) => `svc${i}`).flatMap((name) =>
      (store.service(name, DAY, now)?.operations ?? []).map((op) => ({ key: `${name} ${op.side} ${op.resource}`, p95: op.p95_ms! })));
    all.sort((a, b) => b.p95 - a.p95);
    const top = store.overview(DAY, now).top_latency;
    assert.equal(top.length, 10);
    assert.deepEqual(top.map((t) => t.p95_ms), all.slice(0, 10).map((a) => a.p95));
    const tenth = all[9]!.p95;
    for (const t of top) assert.ok(all.some((a) => a.key === `${t.service_name} ${t.side} ${t.resource}` && a.p95 === t.p95_ms && a.p95 >= tenth));
    store.close();
  });
});
