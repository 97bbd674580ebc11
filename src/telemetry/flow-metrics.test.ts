import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlowMetrics, peerLabel } from './flow-metrics.js';
import type { FlowRecord } from './flow-record.js';
import { MetricRegistry } from './metrics/registry.js';
import { serializePrometheus } from '../export/prometheus/serialize.js';

function flow(extra: Partial<FlowRecord>): FlowRecord {
  return {
    start: '2026-01-01T00:00:00.000Z',
    end: '2026-01-01T00:00:01.000Z',
    duration_ms: 1000,
    pid: 42,
    comm: 'curl',
    exe: '/usr/bin/curl',
    service_name: 'curl',
    peer_service: null,
    container_id: null,
    direction: 'outbound',
    family: 'ipv4',
    local_addr: '10.0.0.1',
    local_port: 40000,
    remote_addr: '10.0.0.5',
    remote_port: 443,
    bytes_sent: 0,
    bytes_received: 0,
    segments_sent: 0,
    segments_received: 0,
    retransmits: 0,
    srtt_us: 0,
    status: 'closed',
    partial: false,
    owner_source: 'connect',
    socket_cookie: 1,
    ...extra,
  };
}

/** Sample lines of an exposition, keyed by everything before the value. */
function samples(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    assert.ok(!out.has(line.slice(0, at)), `duplicate sample ${line}`);
    out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

function linesOf(all: Map<string, string>, metric: string): string[] {
  return [...all].filter(([k]) => k === metric || k.startsWith(`${metric}{`)).map(([k, v]) => `${k} ${v}`);
}

const CURL = 'service_name="curl",peer="10.0.0.5:443"';

function scenario(): Map<string, string> {
  const registry = new MetricRegistry();
  const metrics = new FlowMetrics(registry);
  // Two closed outbound connections to the same remote endpoint: one series.
  metrics.record(flow({ bytes_sent: 100, bytes_received: 2000, duration_ms: 500, srtt_us: 1000, retransmits: 2 }));
  metrics.record(flow({ bytes_sent: 50, bytes_received: 500, duration_ms: 250, srtt_us: 0, socket_cookie: 2 }));
  // A connect that failed: counted, but it never lived, so no duration and no RTT.
  metrics.record(flow({ remote_addr: '10.0.0.6', remote_port: 5432, status: 'failed', duration_ms: 3000, srtt_us: 700, retransmits: 1, socket_cookie: 3 }));
  // Inbound: the peer is the client's address only (its ephemeral port would explode cardinality).
  metrics.record(flow({
    service_name: 'nginx', comm: 'nginx', direction: 'inbound', local_port: 8080, remote_addr: '192.168.1.9', remote_port: 51234,
    bytes_sent: 300, bytes_received: 40, duration_ms: 4, srtt_us: 60, owner_source: 'accept', socket_cookie: 4,
  }));
  // Outbound to a local process we know: the peer is its service name, not the endpoint.
  metrics.record(flow({ remote_addr: '127.0.0.1', remote_port: 6379, peer_service: 'redis', status: 'reset', bytes_sent: 7, bytes_received: 0, duration_ms: 2, socket_cookie: 5 }));
  return samples(serializePrometheus(registry.collect()));
}

describe('FlowMetrics', () => {
  it('counts connections by service, peer, direction and status', () => {
    assert.deepEqual(linesOf(scenario(), 'sonde_tcp_connections_total'), [
      `sonde_tcp_connections_total{${CURL},direction="outbound",status="closed"} 2`,
      'sonde_tcp_connections_total{service_name="curl",peer="10.0.0.6:5432",direction="outbound",status="failed"} 1',
      'sonde_tcp_connections_total{service_name="curl",peer="redis",direction="outbound",status="reset"} 1',
      'sonde_tcp_connections_total{service_name="nginx",peer="192.168.1.9",direction="inbound",status="closed"} 1',
    ]);
  });

  it('adds bytes sent and received per series', () => {
    assert.deepEqual(linesOf(scenario(), 'sonde_tcp_bytes_total'), [
      `sonde_tcp_bytes_total{${CURL},direction="received"} 2500`,
      `sonde_tcp_bytes_total{${CURL},direction="sent"} 150`,
      'sonde_tcp_bytes_total{service_name="curl",peer="10.0.0.6:5432",direction="received"} 0',
      'sonde_tcp_bytes_total{service_name="curl",peer="10.0.0.6:5432",direction="sent"} 0',
      'sonde_tcp_bytes_total{service_name="curl",peer="redis",direction="received"} 0',
      'sonde_tcp_bytes_total{service_name="curl",peer="redis",direction="sent"} 7',
      'sonde_tcp_bytes_total{service_name="nginx",peer="192.168.1.9",direction="received"} 40',
      'sonde_tcp_bytes_total{service_name="nginx",peer="192.168.1.9",direction="sent"} 300',
    ]);
  });

  it('keeps failed connects out of the duration histogram', () => {
    const all = scenario();
    const lines = linesOf(all, 'sonde_tcp_connection_duration_seconds_count');
    assert.deepEqual(lines, [
      `sonde_tcp_connection_duration_seconds_count{${CURL},direction="outbound"} 2`,
      'sonde_tcp_connection_duration_seconds_count{service_name="curl",peer="redis",direction="outbound"} 1',
      'sonde_tcp_connection_duration_seconds_count{service_name="nginx",peer="192.168.1.9",direction="inbound"} 1',
    ]);
    assert.equal(all.get(`sonde_tcp_connection_duration_seconds_sum{${CURL},direction="outbound"}`), '0.75');
    // 0.25 s and 0.5 s: both above 0.1, both at or below 0.5 (le is inclusive).
    assert.equal(all.get(`sonde_tcp_connection_duration_seconds_bucket{${CURL},direction="outbound",le="0.1"}`), '0');
    assert.equal(all.get(`sonde_tcp_connection_duration_seconds_bucket{${CURL},direction="outbound",le="0.5"}`), '2');
    assert.equal(all.get(`sonde_tcp_connection_duration_seconds_bucket{${CURL},direction="outbound",le="+Inf"}`), '2');
    assert.equal(all.get('sonde_tcp_connection_duration_seconds_bucket{service_name="nginx",peer="192.168.1.9",direction="inbound",le="0.001"}'), '0');
    assert.equal(all.get('sonde_tcp_connection_duration_seconds_bucket{service_name="nginx",peer="192.168.1.9",direction="inbound",le="0.005"}'), '1');
    assert.equal(all.get('sonde_tcp_connection_duration_seconds_sum{service_name="nginx",peer="192.168.1.9",direction="inbound"}'), '0.004');
  });

  it('observes RTT only when the kernel measured one, and never for failed connects', () => {
    const all = scenario();
    assert.deepEqual(linesOf(all, 'sonde_tcp_rtt_seconds_count'), [
      `sonde_tcp_rtt_seconds_count{${CURL}} 1`,
      'sonde_tcp_rtt_seconds_count{service_name="nginx",peer="192.168.1.9"} 1',
    ]);
    assert.equal(all.get(`sonde_tcp_rtt_seconds_sum{${CURL}}`), '0.001');
    assert.equal(all.get('sonde_tcp_rtt_seconds_sum{service_name="nginx",peer="192.168.1.9"}'), '0.00006');
    assert.equal(all.get('sonde_tcp_rtt_seconds_bucket{service_name="nginx",peer="192.168.1.9",le="0.00005"}'), '0');
    assert.equal(all.get('sonde_tcp_rtt_seconds_bucket{service_name="nginx",peer="192.168.1.9",le="0.0001"}'), '1');
  });

  it('counts retransmits only where there were some', () => {
    assert.deepEqual(linesOf(scenario(), 'sonde_tcp_retransmits_total'), [
      `sonde_tcp_retransmits_total{${CURL}} 2`,
      'sonde_tcp_retransmits_total{service_name="curl",peer="10.0.0.6:5432"} 1',
    ]);
  });

  it('bounds each service\'s peers: a public server\'s clients past the limit count under _other', () => {
    const registry = new MetricRegistry();
    const metrics = new FlowMetrics(registry, { maxPeersPerService: 3 });
    for (let i = 1; i <= 10; i++) {
      metrics.record(flow({ service_name: 'nginx', direction: 'inbound', remote_addr: `203.0.113.${i}`, remote_port: 50000 + i, socket_cookie: i }));
    }
    metrics.record(flow({ socket_cookie: 11 }));
    const all = samples(serializePrometheus(registry.collect()));
    assert.deepEqual(linesOf(all, 'sonde_tcp_connections_total'), [
      `sonde_tcp_connections_total{${CURL},direction="outbound",status="closed"} 1`,
      'sonde_tcp_connections_total{service_name="nginx",peer="203.0.113.1",direction="inbound",status="closed"} 1',
      'sonde_tcp_connections_total{service_name="nginx",peer="203.0.113.2",direction="inbound",status="closed"} 1',
      'sonde_tcp_connections_total{service_name="nginx",peer="203.0.113.3",direction="inbound",status="closed"} 1',
      'sonde_tcp_connections_total{service_name="nginx",peer="_other",direction="inbound",status="closed"} 7',
    ]);
    assert.deepEqual(linesOf(all, 'sonde_tcp_peer_overflow_total'), ['sonde_tcp_peer_overflow_total{service_name="nginx"} 7']);
  });

  it('a failed connect shows up only in the counters, never in a histogram', () => {
    const all = scenario();
    const withFailedPeer = [...all.keys()].filter((k) => k.includes('peer="10.0.0.6:5432"')).map((k) => k.slice(0, k.indexOf('{')));
    assert.deepEqual([...new Set(withFailedPeer)].sort(), ['sonde_tcp_bytes_total', 'sonde_tcp_connections_total', 'sonde_tcp_retransmits_total']);
  });
});

describe('peerLabel', () => {
  const cases: { name: string; record: Partial<FlowRecord>; want: string }[] = [
    { name: 'outbound: remote address and port', record: { direction: 'outbound', remote_addr: '10.1.2.3', remote_port: 5432 }, want: '10.1.2.3:5432' },
    { name: 'inbound: remote address only', record: { direction: 'inbound', remote_addr: '10.1.2.3', remote_port: 51000 }, want: '10.1.2.3' },
    { name: 'known local service wins (outbound)', record: { direction: 'outbound', peer_service: 'postgres', remote_addr: '127.0.0.1', remote_port: 5432 }, want: 'postgres' },
    { name: 'known service wins (inbound)', record: { direction: 'inbound', peer_service: 'web', remote_addr: '127.0.0.1', remote_port: 51000 }, want: 'web' },
    { name: 'empty peer service falls back to the endpoint', record: { direction: 'outbound', peer_service: '', remote_addr: '10.0.0.9', remote_port: 80 }, want: '10.0.0.9:80' },
    // Unbracketed, "2001:db8::1:443" would itself read as an IPv6 address.
    { name: 'IPv6 outbound: bracketed address and port', record: { direction: 'outbound', family: 'ipv6', remote_addr: '2001:db8::1', remote_port: 443 }, want: '[2001:db8::1]:443' },
    { name: 'IPv6 inbound: address only, no brackets', record: { direction: 'inbound', family: 'ipv6', remote_addr: '2001:db8::1', remote_port: 51000 }, want: '2001:db8::1' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(peerLabel(flow(c.record)), c.want));
  }
});
