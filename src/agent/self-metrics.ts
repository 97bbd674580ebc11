import type { MetricRegistry } from '../telemetry/metrics/registry.js';
import type { FlowPipeline } from './flow-pipeline.js';
import type { L7Pipeline } from './l7-pipeline.js';

/**
 * sonde's own health as metrics: what the kernel dropped, what user space received, queue
 * losses, decode errors, map occupancy, and the agent's CPU and memory. Kernel counters are
 * totals read at scrape time, so counters advance by the difference since the last scrape.
 */
export function registerSelfMetrics(registry: MetricRegistry, flows: FlowPipeline, l7: L7Pipeline | null = null): void {
  const ringEvents = registry.counter({ name: 'sonde_ringbuf_events_total', help: 'Records received from a BPF ring buffer.', labelNames: ['ringbuf'] as const });
  const ringDropped = registry.counter({ name: 'sonde_ringbuf_dropped_total', help: 'Records the kernel could not put in a full BPF ring buffer.', labelNames: ['ringbuf'] as const });
  const pipelineDropped = registry.counter({ name: 'sonde_pipeline_dropped_total', help: 'Items dropped by a full pipeline queue.', labelNames: ['stage'] as const });
  const decodeErrors = registry.counter({ name: 'sonde_decode_errors_total', help: 'Kernel records the decoder refused, by reason.', labelNames: ['reason'] as const });
  const tableFull = registry.counter({ name: 'sonde_bpf_map_full_total', help: 'Inserts refused because a BPF map was full.', labelNames: ['map'] as const });
  const mapEntries = registry.gauge({ name: 'sonde_bpf_map_entries', help: 'Entries in a BPF map.', labelNames: ['map'] as const });
  const mapCapacity = registry.gauge({ name: 'sonde_bpf_map_capacity_entries', help: 'Maximum entries of a BPF map.', labelNames: ['map'] as const });
  const cpu = registry.counter({ name: 'sonde_agent_cpu_seconds_total', help: 'CPU time used by the sonde agent process (user + system).', labelNames: [] as const });
  const rss = registry.gauge({ name: 'sonde_agent_resident_memory_bytes', help: 'Resident memory of the sonde agent process.', labelNames: [] as const });

  const l7Segments = registry.counter({ name: 'sonde_l7_segments_captured_total', help: 'TCP segments of L7 connections copied from the kernel.', labelNames: [] as const });
  const l7Bytes = registry.counter({ name: 'sonde_l7_captured_bytes_total', help: 'Payload bytes copied from the kernel for L7 parsing (prefixes only).', labelNames: [] as const });
  const l7Evicted = registry.counter({ name: 'sonde_l7_connections_evicted_total', help: 'L7 connections dropped from parsing because too many were open.', labelNames: [] as const });
  const l7SegmentsShed = registry.counter({ name: 'sonde_l7_segments_shed_total', help: 'TCP segments of HTTP connections not captured because the segment budget (l7.max_segments_per_second) was spent.', labelNames: [] as const });
  const l7ConnectionsShed = registry.counter({ name: 'sonde_l7_connections_shed_total', help: 'Times an HTTP connection was paused from capture (for 1 s) because the segment budget was spent.', labelNames: [] as const });
  const l7Connections = registry.gauge({ name: 'sonde_l7_connections', help: 'Connections being parsed for L7 records.', labelNames: [] as const });
  const l7Mirrored = registry.counter({ name: 'sonde_l7_connections_mirrored_total', help: 'Connections between two local processes captured once, on the server socket, for both ends (l7.mirror_local_peers).', labelNames: [] as const });
  const l7Datagrams = registry.counter({ name: 'sonde_l7_datagrams_captured_total', help: 'DNS datagrams (UDP) copied from the kernel.', labelNames: [] as const });
  const tlsCalls = registry.counter({ name: 'sonde_tls_calls_total', help: 'SSL/GnuTLS read and write calls seen by the TLS uprobes (each costs a uprobe trap).', labelNames: [] as const });
  const tlsUnbound = registry.counter({ name: 'sonde_tls_unbound_calls_total', help: 'TLS calls whose TLS object was not yet tied to a socket when they happened.', labelNames: [] as const });
  const tlsPlaintextDropped = registry.counter({ name: 'sonde_tls_plaintext_dropped_total', help: 'TLS plaintext chunks dropped because their TLS object was never tied to a socket.', labelNames: [] as const });
  const l7Tallied = registry.counter({ name: 'sonde_l7_exchanges_tallied_total', help: 'Exchanges of paused (over-budget) connections counted in the kernel: in the metrics, without records.', labelNames: [] as const });
  const l7SegmentBudget = registry.gauge({ name: 'sonde_l7_segment_budget', help: 'L7 segments per second (whole host) the kernel hands user space at most: l7.max_segments_per_second (past it, and while the agent is behind, connections are shed to kernel tallies).', labelNames: [] as const });
  const l7TallyDropped = registry.counter({ name: 'sonde_l7_tally_dropped_total', help: 'Exchanges of paused connections not counted because the kernel tally map was full.', labelNames: [] as const });
  const l7ParseSlices = registry.counter({ name: 'sonde_l7_parse_slices_total', help: 'Slices of L7 parsing (each at most ~10 ms of wall time, at SCHED_IDLE with l7.parse_priority idle), with a turn of the event loop between two.', labelNames: [] as const });
  const l7ParsePromotions = registry.counter({ name: 'sonde_l7_parse_promotions_total', help: 'Times the agent\'s idle-class thread had missed its beats for 250 ms (the workload kept every CPU busy) and the watchdog gave it a turn at the normal class.', labelNames: [] as const });
  const tlsAttachFailures = registry.counter({ name: 'sonde_tls_attach_failures_total', help: 'Binaries whose TLS functions could not be probed.', labelNames: [] as const });

  const last = new Map<string, number>();
  const advance = (key: string, total: number, inc: (delta: number) => void): void => {
    const delta = total - (last.get(key) ?? 0);
    if (delta > 0) inc(delta);
    last.set(key, total);
  };

  registry.addCollectHook(() => {
    const kernel = flows.probes.kernelStats();
    const rb = flows.probes.ringBufferStats();
    advance('rb.events', rb.records, (d) => ringEvents.inc({ ringbuf: rb.name }, d));
    advance('rb.dropped', kernel.ringbufDropped, (d) => ringDropped.inc({ ringbuf: rb.name }, d));
    advance('queue.dropped', flows.queue.dropped, (d) => pipelineDropped.inc({ stage: flows.queue.name }, d));
    for (const [reason, n] of flows.decodeProblems) advance(`decode.${reason}`, n, (d) => decodeErrors.inc({ reason }, d));
    advance('table.full', kernel.tableFull, (d) => tableFull.inc({ map: 'flow_table' }, d));
    const occupancy = flows.probes.tableOccupancy();
    mapEntries.set({ map: 'flow_table' }, occupancy.entries);
    mapCapacity.set({ map: 'flow_table' }, occupancy.capacity);
    if (l7) {
      const k = l7.probes.kernelStats();
      const lrb = l7.probes.ringBufferStats();
      advance('l7.rb.events', lrb.records, (d) => ringEvents.inc({ ringbuf: lrb.name }, d));
      advance('l7.rb.dropped', k.ringbufDropped, (d) => ringDropped.inc({ ringbuf: lrb.name }, d));
      advance('l7.queue.dropped', l7.queue.dropped, (d) => pipelineDropped.inc({ stage: l7.queue.name }, d));
      for (const [reason, n] of l7.decodeProblems) advance(`l7.decode.${reason}`, n, (d) => decodeErrors.inc({ reason }, d));
      advance('l7.segments', k.segmentsCaptured, (d) => l7Segments.inc({}, d));
      advance('l7.bytes', k.bytesCaptured, (d) => l7Bytes.inc({}, d));
      advance('l7.evicted', l7.connections.stats.evicted, (d) => l7Evicted.inc({}, d));
      advance('l7.shed.segments', k.segmentsShed, (d) => l7SegmentsShed.inc({}, d));
      advance('l7.shed.connections', k.connectionsShed, (d) => l7ConnectionsShed.inc({}, d));
      advance('l7.tallied', k.exchangesTallied, (d) => l7Tallied.inc({}, d));
      if (l7.segmentsPerSecond !== null) l7SegmentBudget.set({}, l7.segmentsPerSecond);
      advance('l7.parse.slices', l7.parseSlices, (d) => l7ParseSlices.inc({}, d));
      advance('l7.parse.promotions', l7.parsePromotions, (d) => l7ParsePromotions.inc({}, d));
      advance('l7.tally.dropped', k.tallyDropped, (d) => l7TallyDropped.inc({}, d));
      l7Connections.set({}, l7.connections.size);
      advance('l7.datagrams', k.datagramsCaptured, (d) => l7Datagrams.inc({}, d));
      advance('l7.mirrored', k.connectionsMirrored, (d) => l7Mirrored.inc({}, d));
      advance('tls.calls', k.tlsCalls, (d) => tlsCalls.inc({}, d));
      advance('tls.unbound', k.tlsUnbound, (d) => tlsUnbound.inc({}, d));
      advance('tls.plaintext.dropped', l7.tlsPlaintext.stats.dropped, (d) => tlsPlaintextDropped.inc({}, d));
      if (l7.tls !== null) advance('tls.attach.failures', l7.tls.stats.attachFailures, (d) => tlsAttachFailures.inc({}, d));
    }
    const usage = process.cpuUsage();
    advance('cpu', (usage.user + usage.system) / 1e6, (d) => cpu.inc({}, d));
    rss.set({}, process.memoryUsage.rss());
  });
  // Zero-valued series from the start, so dashboards see them before the first loss.
  ringDropped.inc({ ringbuf: 'flow_events' }, 0);
  pipelineDropped.inc({ stage: flows.queue.name }, 0);
  if (l7) {
    ringDropped.inc({ ringbuf: 'l7_events' }, 0);
    l7TallyDropped.inc({}, 0);
    pipelineDropped.inc({ stage: l7.queue.name }, 0);
  }
}
