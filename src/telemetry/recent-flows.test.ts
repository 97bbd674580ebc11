import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecentFlows } from './recent-flows.js';
import type { FlowRecord } from './flow-record.js';

function flow(n: number, extra: Partial<FlowRecord> = {}): FlowRecord {
  return {
    start: new Date(n).toISOString(), end: new Date(n + 1).toISOString(), duration_ms: 1, pid: n, comm: 'c', exe: null,
    service_name: 's', peer_service: null, container_id: null, direction: 'outbound', family: 'ipv4',
    local_addr: '127.0.0.1', local_port: 40000 + n, remote_addr: '127.0.0.1', remote_port: 80, bytes_sent: 0,
    bytes_received: 0, segments_sent: 0, segments_received: 0, retransmits: 0, srtt_us: 0, status: 'closed',
    partial: false, owner_source: 'connect', socket_cookie: n, ...extra,
  };
}

describe('RecentFlows', () => {
  it('returns newest first, up to the limit', () => {
    const r = new RecentFlows(10);
    for (let i = 1; i <= 5; i++) r.add(flow(i));
    assert.deepEqual(r.query(3).map((f) => f.pid), [5, 4, 3]);
  });
  it('forgets the oldest past capacity', () => {
    const r = new RecentFlows(3);
    for (let i = 1; i <= 7; i++) r.add(flow(i));
    assert.equal(r.size, 3);
    assert.deepEqual(r.query(10).map((f) => f.pid), [7, 6, 5]);
  });
  it('filters by pid, port (either end) and comm', () => {
    const r = new RecentFlows(10);
    r.add(flow(1, { comm: 'curl' }));
    r.add(flow(2, { remote_port: 5432 }));
    r.add(flow(3));
    assert.deepEqual(r.query(10, { comm: 'curl' }).map((f) => f.pid), [1]);
    assert.deepEqual(r.query(10, { port: 5432 }).map((f) => f.pid), [2]);
    assert.deepEqual(r.query(10, { port: 40003 }).map((f) => f.pid), [3]);
    assert.deepEqual(r.query(10, { pid: 2 }).map((f) => f.pid), [2]);
  });
  it('gives back every field as it was added, keys in the same order (the JSON the API serves)', () => {
    const r = new RecentFlows(4);
    const records = [
      flow(1),
      flow(2, {
        exe: '/usr/bin/curl', peer_service: 'nginx', container_id: 'abc123', direction: 'inbound', family: 'ipv6',
        local_addr: '::1', remote_addr: '::1', duration_ms: 12.345, bytes_sent: 123457, bytes_received: 2 ** 40,
        segments_sent: 9, segments_received: 11, retransmits: 2, srtt_us: 57, status: 'reset', partial: true,
        owner_source: 'listener', socket_cookie: 2 ** 52 + 1,
      }),
      flow(3, { status: 'failed', owner_source: 'proc-snapshot' }),
    ];
    for (const f of records) r.add(f);
    const back = r.query(10).reverse();
    assert.deepEqual(back, records);
    assert.deepEqual(back.map((f) => JSON.stringify(f)), records.map((f) => JSON.stringify(f)));
  });
  it('rejects a zero capacity', () => {
    assert.throws(() => new RecentFlows(0), /positive integer/);
  });
});
