import { FLOW_SELECT, rowToFlow } from './record-rows.js';
import type { StoredFlow } from './records.js';
import { FLOW_KIND } from './rollup-kinds.js';
import { readRollup, type RollupSource } from './rollup-read.js';
import type { StatementCache } from './statement-cache.js';
import { rangeWindow, tiles } from './window.js';
import { rangeLabel, type FlowsSummaryAnswer, type TopTalker } from './answers.js';

/** Longest list in the flows summary. */
export const FLOW_LIST = 50;
export const TOP_TALKERS = 20;

function recentFlows(cache: StatementCache, condition: string, sinceMs: number): StoredFlow[] {
  const rows = cache.get(`SELECT ${FLOW_SELECT} FROM flows WHERE end_ms >= ?${condition} ORDER BY end_ms DESC, id DESC LIMIT ${FLOW_LIST}`)
    .all(sinceMs) as Record<string, unknown>[];
  return rows.map(rowToFlow);
}

/** Flows closed in the window: totals and talkers from the rollup, the lists from the raw rows (newest first). */
export function flowsSummary(src: RollupSource, rangeMs: number, nowMs: number): FlowsSummaryAnswer {
  const w = rangeWindow(rangeMs, nowMs);
  const rows = readRollup(src, { kind: FLOW_KIND, tiles: tiles(w.firstBucketMs, nowMs, FLOW_KIND.resolutions), groupBy: ['service', 'remote'], sumsOnly: true, nowMs });
  let flows = 0;
  let failed = 0;
  let retransmits = 0;
  const talkers: TopTalker[] = [];
  for (const r of rows) {
    const [n = 0, f = 0, retrans = 0, sent = 0, received = 0] = r.sums;
    flows += n;
    failed += f;
    retransmits += retrans;
    talkers.push({ service_name: String(r.key[0]), remote: String(r.key[1]), bytes_sent: sent, bytes_received: received, flows: n });
  }
  talkers.sort((a, b) => b.bytes_sent + b.bytes_received - (a.bytes_sent + a.bytes_received) || b.flows - a.flows);
  return {
    range: rangeLabel(rangeMs),
    flows,
    failed,
    retransmits,
    top_talkers: talkers.slice(0, TOP_TALKERS),
    // The conditions match the partial indexes' WHERE clauses word for word, so SQLite uses them.
    failed_recent: recentFlows(src.cache, " AND status = 'failed'", w.firstBucketMs),
    retransmit_recent: recentFlows(src.cache, ' AND retransmits > 0', w.firstBucketMs),
    recent: recentFlows(src.cache, '', w.firstBucketMs),
  };
}
