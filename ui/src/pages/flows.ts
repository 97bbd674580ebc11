import { getJson } from '../api.js';
import { h, section } from '../dom.js';
import { bytes, clock, count, hostPort, ms, percent } from '../format.js';
import { statRow, statTile } from '../components/stat.js';
import { createTable, type Column, type Table } from '../components/table.js';
import type { Page } from '../page.js';
import { serviceHref } from '../router.js';
import type { Flow, FlowSummary, TopTalker } from '../types.js';

function remote(f: Flow): string {
  const addr = hostPort(f.remote_addr, f.remote_port);
  return f.peer_service ? `${f.peer_service} (${addr})` : addr;
}

const COLUMNS: Record<string, Column<Flow>> = {
  end: { key: 'end', label: 'Closed', render: (f) => clock(f.end), sortBy: (f) => f.end },
  service: { key: 'service', label: 'Service', render: (f) => h('a', { href: serviceHref(f.service_name) }, f.service_name), sortBy: (f) => f.service_name },
  dir: { key: 'dir', label: 'Dir', render: (f) => h('span', { class: 'muted', title: f.direction }, f.direction === 'inbound' ? '← in' : '→ out') },
  remote: { key: 'remote', label: 'Remote', wide: true, render: remote, sortBy: remote },
  local: { key: 'local', label: 'Local', render: (f) => hostPort(f.local_addr, f.local_port) },
  sent: { key: 'sent', label: 'Sent', num: true, render: (f) => bytes(f.bytes_sent), sortBy: (f) => f.bytes_sent },
  received: { key: 'received', label: 'Received', num: true, render: (f) => bytes(f.bytes_received), sortBy: (f) => f.bytes_received },
  rtt: { key: 'rtt', label: 'RTT', num: true, render: (f) => ms(f.srtt_us / 1000), sortBy: (f) => f.srtt_us },
  retrans: { key: 'retrans', label: 'Retrans', num: true, render: (f) => count(f.retransmits), sortBy: (f) => f.retransmits },
  duration: { key: 'duration', label: 'Duration', num: true, render: (f) => ms(f.duration_ms), sortBy: (f) => f.duration_ms },
  status: { key: 'status', label: 'Status', render: (f) => h('span', { class: `badge flow-${f.status}` }, f.status), sortBy: (f) => f.status },
};

function flowTable(testid: string, rowTestid: string, empty: string, columns: (keyof typeof COLUMNS)[], collapseAfter?: number): Table<Flow> {
  return createTable<Flow>({
    testid,
    rowTestid,
    empty,
    compact: collapseAfter !== undefined,
    collapseAfter,
    rowClass: (f) => (f.status === 'failed' ? 'row-bad' : f.status === 'reset' ? 'row-warn' : ''),
    columns: columns.map((c) => COLUMNS[c]).filter((c): c is Column<Flow> => c !== undefined),
  });
}

export function flowsPage(): Page {
  const tiles = {
    flows: statTile('Flows closed', 'stat-flows'),
    failed: statTile('Failed connections', 'stat-failed'),
    retrans: statTile('Retransmits', 'stat-retransmits'),
  };
  const talkers = createTable<TopTalker>({
    testid: 'talkers-table',
    rowTestid: 'talker-row',
    empty: 'No flows in this range.',
    compact: true,
    initialSort: { key: 'total', dir: 'desc' },
    columns: [
      { key: 'service', label: 'Service', render: (t) => h('a', { href: serviceHref(t.service_name) }, t.service_name), sortBy: (t) => t.service_name },
      { key: 'remote', label: 'Remote', wide: true, render: (t) => t.remote, sortBy: (t) => t.remote },
      { key: 'sent', label: 'Sent', num: true, render: (t) => bytes(t.bytes_sent), sortBy: (t) => t.bytes_sent },
      { key: 'received', label: 'Received', num: true, render: (t) => bytes(t.bytes_received), sortBy: (t) => t.bytes_received },
      { key: 'total', label: 'Total', num: true, render: (t) => bytes(t.bytes_sent + t.bytes_received), sortBy: (t) => t.bytes_sent + t.bytes_received },
      { key: 'flows', label: 'Flows', num: true, render: (t) => count(t.flows), sortBy: (t) => t.flows },
    ],
  });
  const failed = flowTable('failed-flows-table', 'failed-flow-row', 'No failed connections.', ['end', 'service', 'dir', 'remote', 'status'], 10);
  const retrans = flowTable('retransmit-flows-table', 'retransmit-flow-row', 'No retransmits.', ['end', 'service', 'remote', 'retrans', 'rtt'], 10);
  const recent = flowTable('flows-table', 'flow-row', 'No flows closed in this range.',
    ['end', 'service', 'dir', 'remote', 'local', 'sent', 'received', 'rtt', 'retrans', 'duration', 'status']);

  const el = h('div', { class: 'page', testid: 'page-flows' },
    h('div', { class: 'page-head' }, h('h1', null, 'Flows')),
    statRow(tiles.flows, tiles.failed, tiles.retrans),
    section('Top talkers', talkers.el, { testid: 'talkers-card' }),
    h('div', { class: 'grid-2' },
      section('Failed connections', failed.el, { testid: 'failed-flows-card' }),
      section('Retransmits', retrans.el, { testid: 'retransmit-flows-card' })),
    section('Recent flows', recent.el, { testid: 'recent-flows-card' }));

  return {
    el,
    title: 'Flows',
    async refresh(ctx) {
      const data = await getJson<FlowSummary>('/api/v1/flows/summary', { range: ctx.range }, ctx.signal);
      tiles.flows.set(count(data.flows));
      tiles.failed.set(count(data.failed), data.flows > 0 ? `${percent(data.failed / data.flows)} of flows` : null, data.failed > 0 ? 'warn' : null);
      tiles.retrans.set(count(data.retransmits), null, data.retransmits > 0 ? 'warn' : null);
      talkers.update(data.top_talkers);
      failed.update(data.failed_recent);
      retrans.update(data.retransmit_recent);
      recent.update(data.recent);
    },
  };
}
