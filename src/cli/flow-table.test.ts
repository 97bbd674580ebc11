import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flowTableHeader, flowTableRow } from './flow-table.js';
import type { FlowRecord } from '../telemetry/flow-record.js';

function flow(extra: Partial<FlowRecord> = {}): FlowRecord {
  return {
    start: '2026-03-04T05:06:07.000Z',
    end: '2026-03-04T05:06:07.890Z',
    duration_ms: 890.123,
    pid: 4242,
    comm: 'curl',
    exe: '/usr/bin/curl',
    service_name: 'curl',
    peer_service: null,
    container_id: null,
    direction: 'outbound',
    family: 'ipv4',
    local_addr: '10.0.0.1',
    local_port: 40001,
    remote_addr: '93.184.216.34',
    remote_port: 443,
    bytes_sent: 517,
    bytes_received: 4242,
    segments_sent: 5,
    segments_received: 7,
    retransmits: 1,
    srtt_us: 1234,
    status: 'closed',
    partial: false,
    owner_source: 'connect',
    socket_cookie: 9,
    ...extra,
  };
}

/** Whitespace-separated cells of a line with where each starts and ends. */
function tokens(line: string): { text: string; start: number; end: number }[] {
  return [...line.matchAll(/\S+/g)].map((m) => ({ text: m[0], start: m.index ?? 0, end: (m.index ?? 0) + m[0].length }));
}

function cells(row: string): string[] {
  return tokens(row).map((t) => t.text);
}

const ALIGN: Record<string, 'left' | 'right'> = {
  TIME: 'left', PID: 'right', COMM: 'left', DIR: 'left', LOCAL: 'left', REMOTE: 'left',
  SENT: 'right', RECV: 'right', RETX: 'right', RTT_US: 'right', MS: 'right', STATUS: 'left',
};

describe('flow table', () => {
  it('has the columns an SRE expects, in order', () => {
    assert.deepEqual(flowTableHeader().trim().split(/ +/), ['TIME', 'PID', 'COMM', 'DIR', 'LOCAL', 'REMOTE', 'SENT', 'RECV', 'RETX', 'RTT_US', 'MS', 'STATUS']);
  });

  it('lines rows up with the header: text columns by their left edge, numbers by their right', () => {
    const header = flowTableHeader();
    const heads = tokens(header);
    const rows = [
      flow(),
      flow({ pid: 1, comm: 'a', direction: 'inbound', local_port: 80, remote_port: 1, bytes_sent: 0, bytes_received: 0, retransmits: 0, srtt_us: 0, duration_ms: 0, status: 'failed' }),
      flow({ pid: 4194304, comm: 'postgres', bytes_sent: 9_999_999_999, srtt_us: 9_999_999, duration_ms: 99_999.5, status: 'reset' }),
      flow({ family: 'ipv6', local_addr: '::1', remote_addr: '::1', remote_port: 65535, local_port: 65535 }),
    ].map(flowTableRow);
    for (const row of rows) {
      assert.equal(row.length, header.length, `row as wide as the header:\n${header}\n${row}`);
      const got = tokens(row);
      assert.equal(got.length, heads.length, `one cell per column:\n${header}\n${row}`);
      heads.forEach((h, i) => {
        const cell = got[i]!;
        if (ALIGN[h.text] === 'left') assert.equal(cell.start, h.start, `${h.text} starts under its header:\n${header}\n${row}`);
        else assert.equal(cell.end, h.end, `${h.text} ends under its header:\n${header}\n${row}`);
      });
    }
  });

  it('shows the row values in order', () => {
    assert.deepEqual(cells(flowTableRow(flow())), ['05:06:07.890', '4242', 'curl', 'out', '10.0.0.1:40001', '93.184.216.34:443', '517', '4242', '1', '1234', '890.12', 'closed']);
    assert.equal(cells(flowTableRow(flow({ direction: 'inbound' })))[3], 'in');
  });

  it('brackets IPv6 endpoints', () => {
    const row = flowTableRow(flow({ family: 'ipv6', local_addr: '::1', local_port: 8080, remote_addr: '::1', remote_port: 51000, direction: 'inbound' }));
    const c = cells(row);
    assert.equal(c[4], '[::1]:8080');
    assert.equal(c[5], '[::1]:51000');
    const mapped = cells(flowTableRow(flow({ family: 'ipv6', remote_addr: 'fe80::1', remote_port: 22 })));
    assert.equal(mapped[5], '[fe80::1]:22');
    assert.ok(!cells(flowTableRow(flow()))[4]?.includes('['), 'IPv4 endpoints are not bracketed');
  });

  it('truncates a long comm to its column, marking the cut', () => {
    const header = flowTableHeader();
    const row = flowTableRow(flow({ comm: 'a-very-long-process-name' }));
    assert.equal(row.length, header.length, 'a long comm does not push later columns');
    const start = header.indexOf('COMM');
    const comm = row.slice(start, start + 15);
    assert.equal(comm, 'a-very-long-pr…');
    assert.equal(row[start + 15], ' ', 'a separator follows the truncated cell');
    // Exactly 15 characters (the kernel's TASK_COMM_LEN - 1) fit without a cut.
    assert.equal(cells(flowTableRow(flow({ comm: 'fifteen-chars-x' })))[2], 'fifteen-chars-x');
  });

  it('never truncates a number: a wider value widens its row instead of lying', () => {
    // A pooled connection open for two days: 172800000.00 ms does not fit in the MS column.
    const row = flowTableRow(flow({ duration_ms: 172_800_000, bytes_received: 123_456_789_012 }));
    const c = cells(row);
    assert.equal(c[7], '123456789012');
    assert.equal(c[10], '172800000.00');
    assert.ok(!row.includes('…'), row);
  });
});
