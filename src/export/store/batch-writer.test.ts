import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rollFlowOnly, rollTally } from './batch-writer.js';
import { RollupAccumulator, type PartialRow } from './rollup-accumulator.js';
import { EDGE_KIND, FLOW_KIND, OP_KIND, ROLLUP_KINDS, SERVICE_KIND, STATUS_KIND, type RollupKind } from './rollup-kinds.js';
import { T0, testFlow, testSpan } from './test-records.js';

/** The 1 min rows of one kind, as [key, sums], sorted by key. */
function minuteRows(rows: PartialRow[][], kind: RollupKind): [unknown[], number[]][] {
  return rows[ROLLUP_KINDS.indexOf(kind)]!
    .filter((r) => r.resMs === 60_000)
    .map((r): [unknown[], number[]] => [r.key, r.sums])
    .sort((a, b) => (JSON.stringify(a[0]) < JSON.stringify(b[0]) ? -1 : 1));
}

describe('rolling records up without a row', () => {
  it('counts each span under its own keys', () => {
    const acc = new RollupAccumulator(ROLLUP_KINDS);
    assert.equal(rollTally(acc, testSpan(T0 + 1_000, { duration_ms: 10 })), true);
    assert.equal(rollTally(acc, testSpan(T0 + 2_000, { duration_ms: 30, error: true, status: 500, sample_weight: 2 })), true);
    assert.equal(rollTally(acc, testSpan(T0 + 3_000, {
      service_name: 'web', side: 'client', peer_service: 'api', protocol: 'grpc', operation: 'Get', resource: null, status: 'OK', duration_ms: 5,
    })), true);
    assert.equal(rollTally(acc, testSpan(T0, { start: 'not a time' })), false);
    const rows = acc.drain(true);

    assert.deepEqual(minuteRows(rows, SERVICE_KIND), [[['api', 'server'], [3, 2, 70]], [['web', 'client'], [1, 0, 5]]]);
    assert.deepEqual(minuteRows(rows, OP_KIND), [
      [['api', 'server', 'http', 'GET', '/items/{id}'], [3, 2, 70]],
      [['web', 'client', 'grpc', 'Get', ''], [1, 0, 5]],
    ]);
    assert.deepEqual(minuteRows(rows, STATUS_KIND), [[['api', 'server', 200], [1]], [['api', 'server', 500], [2]], [['web', 'client', 'OK'], [1]]]);
    // The server spans' client is private (10.0.0.9); the client span counts web -> api.
    assert.deepEqual(minuteRows(rows, EDGE_KIND), [[['10.0.0.9', 'api', 'http', 0, 1], [3, 2, 70]], [['web', 'api', 'grpc', 1, 1], [1, 0, 5]]]);
    const service = rows[ROLLUP_KINDS.indexOf(SERVICE_KIND)]!.find((r) => r.resMs === 60_000 && r.key[0] === 'api')!;
    assert.equal(service.max, 30);
    assert.equal([...service.hist!.values()].reduce((a, b) => a + b, 0), 3);
  });

  it('counts each flow under its own keys', () => {
    const acc = new RollupAccumulator(ROLLUP_KINDS);
    assert.equal(rollFlowOnly(acc, testFlow(T0 + 1_000, { retransmits: 2 })), true);
    assert.equal(rollFlowOnly(acc, testFlow(T0 + 2_000, { direction: 'inbound', remote_addr: '10.0.0.7', status: 'failed' })), true);
    assert.equal(rollFlowOnly(acc, testFlow(T0 + 3_000, { peer_service: 'db', bytes_sent: 1 })), true);
    assert.equal(rollFlowOnly(acc, testFlow(T0, { end: '' })), false);
    assert.deepEqual(minuteRows(acc.drain(true), FLOW_KIND), [
      [['api', '10.0.0.5:5432', 'outbound'], [1, 0, 2, 100, 200]],
      [['api', '10.0.0.7', 'inbound'], [1, 1, 0, 100, 200]],
      [['api', 'db', 'outbound'], [1, 0, 0, 1, 200]],
    ]);
  });
});
