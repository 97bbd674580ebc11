/** One measurement: start a condition, run wrk against nginx, read the agent, stop the condition. */
import { performance } from 'node:perf_hooks';
import { httpGet, metricSeries, type Attached, type MetricSeries } from '../flows/conditions.js';
import { onCpuNs, otherCpuSeconds, userProcessesCpuSeconds } from '../flows/host.js';
import { bpfProgramsByOwner } from '../flows/measure.js';
import { sleep } from '../flows/processes.js';
import type { HttpCondition, HttpConditionName } from './conditions.js';
import type { Nginx } from './nginx.js';
import { runWrk, type WrkResult } from './wrk.js';

/**
 * After wrk is done, sonde is scraped this often until its nginx count stops moving: longer than
 * the kernel-tally drain period (1 s), or a count between two drains would look settled.
 */
const SETTLE_POLL_MS = 1250;
/** ... but for no longer than this: a pipeline still catching up after it is part of the result. */
const SETTLE_MAX_MS = 5000;

const METRICS = [
  'sonde_agent_cpu_seconds_total',
  'sonde_agent_resident_memory_bytes',
  'http_server_request_duration_seconds_count',
  'http_client_request_duration_seconds_count',
  'sonde_ringbuf_dropped_total',
  'sonde_pipeline_dropped_total',
  'sonde_l7_records_sampled_out_total',
  'sonde_l7_segments_shed_total',
  'sonde_l7_connections_shed_total',
  'sonde_l7_parse_promotions_total',
] as const;

/** The service names sonde gives the two ends (executable names). */
export const SERVER_SERVICE = 'nginx';
export const CLIENT_SERVICE = 'wrk';

/** sonde's view of one measurement: differences of its counters over it, gauges at its end. */
export interface SondeResult {
  cpuSeconds: number;
  /** CPU-seconds per 1,000 requests × 100 = % of one core the agent needs per 1,000 req/s. */
  cpuPercentOfCorePer1kRps: number;
  /** sonde_agent_resident_memory_bytes once the measurement's requests are all counted. */
  rssBytes: number;
  /** Increase of http_server_request_duration_seconds_count{service_name="nginx"}, all series. */
  serverRecords: number;
  /** Of those, GET with status 200: exchanges parsed whole (wrk sends nothing else). */
  serverRecordsGet200: number;
  clientRecords: number;
  clientRecordsGet200: number;
  /** serverRecords ÷ wrk's completed requests (a hair above 1: requests in flight when wrk stopped). */
  serverCompleteness: number;
  clientCompleteness: number;
  /** Increase of sonde_ringbuf_dropped_total by ringbuf and sonde_pipeline_dropped_total by stage. */
  ringbufDropped: Record<string, number>;
  pipelineDropped: Record<string, number>;
  /** Records left out of the record stream by sampling (metrics still count them); null if not exported. */
  recordsSampledOut: number | null;
  /**
   * Segments the kernel did not capture because sonde's segment budget was spent, and times a
   * connection was paused for it (load shedding: those exchanges are not counted); null if the
   * build does not export them.
   */
  segmentsShed: number | null;
  connectionsShed: number | null;
  /**
   * Times the agent's idle-class thread was starved and got a turn at the normal class (each
   * preempts the workload); null if the build does not export them.
   */
  parsePromotions: number | null;
  /** From wrk's end until sonde's nginx count stopped moving (or SETTLE_MAX_MS). */
  settleMs: number;
}

export interface HttpMeasurement {
  round: number;
  position: number;
  condition: HttpConditionName;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: WrkResult['latencyMs'];
  socketErrors: WrkResult['socketErrors'];
  non2xx3xx: number;
  /** From spawn to ready (sonde: /readyz 200; floor: programs attached); null for baseline. */
  readyMs: number | null;
  readyLoggedMs: number | null;
  /** Names of the BPF programs the condition held. */
  bpfPrograms: string[] | null;
  detach: string;
  /** CPU the agent process used over the measurement (sonde: its own counter; floor: /proc). */
  agentCpuSeconds: number | null;
  /**
   * The nginx worker's time on its CPU per request over wrk's run, in µs (schedstat): its own
   * work plus what the kernel did in its context, sonde's programs on its sockets included. A
   * steadier view of the cost than req/s on a noisy host; null when it could not be read.
   */
  serverCpuUsPerRequest: number | null;
  /** The unmeasured warm-up before it (null: none): what a freshly started agent costs. */
  warmup: WarmupResult | null;
  sonde: SondeResult | null;
  /** BPF programs someone else had loaded around this measurement (null: bpftool missing). */
  foreignBpfPrograms: string[] | null;
  /** CPUs' worth of time other user-space processes used meanwhile (a lower bound). */
  otherCpus: number;
  agentBuild: string | null;
}

/** The warm-up's load and the agent's CPU over it. */
export interface WarmupResult {
  seconds: number;
  requestsPerSecond: number;
  /** As SondeResult's, over the warm-up, when V8 is still compiling the agent's hot code (null: no agent). */
  agentCpuPercentOfCorePer1kRps: number | null;
}

type Series = MetricSeries[];

async function scrape(url: string): Promise<Series> {
  const res = await httpGet(url, 5000);
  if (res.status !== 200) throw new Error(`sonde ${url} answered ${res.status}`);
  return metricSeries(res.body, METRICS);
}

function total(series: Series, name: string, where: (labels: Record<string, string>) => boolean = () => true): number | null {
  const matching = series.filter((s) => s.name === name && where(s.labels));
  return matching.length === 0 ? null : matching.reduce((a, s) => a + s.value, 0);
}

function required(series: Series, name: string): number {
  const v = total(series, name);
  if (v === null) throw new Error(`sonde /metrics has no ${name}`);
  return v;
}

/** Increase of a counter per value of one label (series absent before count from 0). */
function deltaByLabel(before: Series, after: Series, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of after) {
    if (s.name !== name) continue;
    const key = s.labels[label] ?? '';
    const prev = before.find((b) => b.name === name && (b.labels[label] ?? '') === key)?.value ?? 0;
    out[key] = (out[key] ?? 0) + s.value - prev;
  }
  return out;
}

const service = (name: string) => (l: Record<string, string>): boolean => l.service_name === name;
const get200 = (name: string) => (l: Record<string, string>): boolean => l.service_name === name && l.http_request_method === 'GET' && l.http_response_status_code === '200';

function sondeResult(before: Series, after: Series, wrk: WrkResult, settleMs: number): SondeResult {
  const diff = (name: string, where?: (l: Record<string, string>) => boolean): number => (total(after, name, where) ?? 0) - (total(before, name, where) ?? 0);
  const cpuSeconds = required(after, 'sonde_agent_cpu_seconds_total') - required(before, 'sonde_agent_cpu_seconds_total');
  const serverRecords = diff('http_server_request_duration_seconds_count', service(SERVER_SERVICE));
  const clientRecords = diff('http_client_request_duration_seconds_count', service(CLIENT_SERVICE));
  const optionalDiff = (name: string): number | null => {
    const a = total(after, name);
    return a === null ? null : a - (total(before, name) ?? 0);
  };
  return {
    cpuSeconds,
    cpuPercentOfCorePer1kRps: wrk.requests === 0 ? Number.NaN : (cpuSeconds / wrk.requests) * 1000 * 100,
    rssBytes: required(after, 'sonde_agent_resident_memory_bytes'),
    serverRecords,
    serverRecordsGet200: diff('http_server_request_duration_seconds_count', get200(SERVER_SERVICE)),
    clientRecords,
    clientRecordsGet200: diff('http_client_request_duration_seconds_count', get200(CLIENT_SERVICE)),
    serverCompleteness: serverRecords / wrk.requests,
    clientCompleteness: clientRecords / wrk.requests,
    ringbufDropped: deltaByLabel(before, after, 'sonde_ringbuf_dropped_total', 'ringbuf'),
    pipelineDropped: deltaByLabel(before, after, 'sonde_pipeline_dropped_total', 'stage'),
    recordsSampledOut: optionalDiff('sonde_l7_records_sampled_out_total'),
    segmentsShed: optionalDiff('sonde_l7_segments_shed_total'),
    connectionsShed: optionalDiff('sonde_l7_connections_shed_total'),
    parsePromotions: optionalDiff('sonde_l7_parse_promotions_total'),
    settleMs,
  };
}

/** Scrapes until sonde's nginx count is the same twice running: the last requests are in. */
async function settle(url: string): Promise<{ series: Series; settleMs: number }> {
  const started = performance.now();
  let series = await scrape(url);
  for (;;) {
    await sleep(SETTLE_POLL_MS);
    const next = await scrape(url);
    const count = (s: Series): number | null => total(s, 'http_server_request_duration_seconds_count', service(SERVER_SERVICE));
    const stable = count(next) === count(series);
    series = next;
    if (stable || performance.now() - started > SETTLE_MAX_MS) return { series, settleMs: performance.now() - started };
  }
}

export interface HttpMeasureContext {
  nginx: Nginx;
  seconds: number;
  /** Unmeasured wrk load after the condition starts (0: none); see BenchOptions.warmup. */
  warmupSeconds: number;
  /** CPU for wrk, null when not pinning. */
  wrkCpu: number | null;
  /** wrk's connections: 20 saturates nginx; 1 is a light, latency-bound load. */
  connections: number;
  residentBpfProgIds: ReadonlySet<number>;
}

export async function measure(condition: HttpCondition, ctx: HttpMeasureContext, round: number, position: number): Promise<HttpMeasurement> {
  const { nginx, seconds, residentBpfProgIds: resident } = ctx;
  const attached: Attached = await condition.start();
  // wrk is in neither CPU snapshot: it starts after the first and has exited by the second.
  const ours = new Set([process.pid, nginx.masterPid, nginx.workerPid, ...(attached.pid === null ? [] : [attached.pid])]);
  let wrk: WrkResult;
  let programs: ReturnType<typeof bpfProgramsByOwner>;
  let otherCpus: number;
  let agentCpuSeconds: number | null = null;
  let serverCpuUsPerRequest: number | null = null;
  let sondeView: SondeResult | null = null;
  let warmup: WarmupResult | null = null;
  try {
    if (ctx.warmupSeconds > 0) {
      const cpuBefore = await attached.sample();
      const load = await runWrk(`http://127.0.0.1:${nginx.port}/`, ctx.warmupSeconds, ctx.wrkCpu, ctx.connections);
      const cpuAfter = await attached.sample();
      const agentCpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter.cpuSeconds - cpuBefore.cpuSeconds;
      warmup = {
        seconds: load.seconds,
        requestsPerSecond: load.requestsPerSecond,
        agentCpuPercentOfCorePer1kRps: agentCpu === null || load.requests === 0 ? null : (agentCpu / load.requests) * 1000 * 100,
      };
      // The warm-up's records still being parsed must not land in the measured window's counts.
      if (attached.metricsUrl !== undefined) await settle(attached.metricsUrl);
    }
    programs = bpfProgramsByOwner(attached.progIds, resident);
    const [cpu0, t0] = [userProcessesCpuSeconds(), performance.now()];
    const metricsBefore = attached.metricsUrl === undefined ? null : await scrape(attached.metricsUrl);
    const sampleBefore = attached.metricsUrl === undefined ? await attached.sample() : null;
    const serverNsBefore = serverOnCpuNs(nginx.workerPid);
    wrk = await runWrk(`http://127.0.0.1:${nginx.port}/`, seconds, ctx.wrkCpu, ctx.connections);
    const serverNsAfter = serverOnCpuNs(nginx.workerPid);
    serverCpuUsPerRequest = serverNsBefore === null || serverNsAfter === null || wrk.requests === 0
      ? null : (serverNsAfter - serverNsBefore) / 1000 / wrk.requests;
    if (metricsBefore !== null) {
      const { series, settleMs } = await settle(attached.metricsUrl!);
      sondeView = sondeResult(metricsBefore, series, wrk, settleMs);
      agentCpuSeconds = sondeView.cpuSeconds;
    } else if (sampleBefore !== null) {
      const sampleAfter = await attached.sample();
      if (sampleAfter !== null) agentCpuSeconds = sampleAfter.cpuSeconds - sampleBefore.cpuSeconds;
    }
    const [cpu1, t1] = [userProcessesCpuSeconds(), performance.now()];
    otherCpus = otherCpuSeconds(cpu0, cpu1, ours) / ((t1 - t0) / 1000);
    for (const name of bpfProgramsByOwner(attached.progIds, resident)?.foreign ?? []) programs?.foreign.add(name);
  } catch (err) {
    await attached.stop().catch((stopErr: unknown) => console.error(`bench: also failed to stop ${condition.name}: ${(stopErr as Error).message}`));
    throw err;
  }
  const detach = await attached.stop();
  return {
    round,
    position,
    condition: condition.name,
    requests: wrk.requests,
    seconds: wrk.seconds,
    requestsPerSecond: wrk.requestsPerSecond,
    latencyMs: wrk.latencyMs,
    socketErrors: wrk.socketErrors,
    non2xx3xx: wrk.non2xx3xx,
    readyMs: attached.readyMs,
    readyLoggedMs: attached.readyLoggedMs,
    bpfPrograms: programs?.mine ?? null,
    detach,
    agentCpuSeconds,
    serverCpuUsPerRequest,
    warmup,
    sonde: sondeView,
    foreignBpfPrograms: programs ? [...programs.foreign].sort() : null,
    otherCpus,
    agentBuild: attached.build,
  };
}

/** The worker's on-CPU ns, or null (it exited: the measurement fails elsewhere). */
function serverOnCpuNs(workerPid: number): number | null {
  try {
    return onCpuNs(workerPid);
  } catch {
    return null;
  }
}

/** The progress line printed after each measurement. */
export function describe(m: HttpMeasurement, why: string | null): string {
  const s = m.sonde;
  const errors = m.socketErrors === null ? 0 : m.socketErrors.connect + m.socketErrors.read + m.socketErrors.write + m.socketErrors.timeout;
  return `${m.condition.padEnd(13)} ${m.requestsPerSecond.toFixed(0).padStart(7)} req/s p99 ${m.latencyMs.p99.toFixed(2)} ms` +
    (m.serverCpuUsPerRequest === null ? '' : ` nginx ${m.serverCpuUsPerRequest.toFixed(2)} µs/req`) +
    (errors > 0 || m.non2xx3xx > 0 ? ` (socket errors ${errors}, non-2xx ${m.non2xx3xx})` : '') +
    (s ? ` cpu ${s.cpuPercentOfCorePer1kRps.toFixed(2)}%/1k rss ${(s.rssBytes / 2 ** 20).toFixed(0)} MB` +
      ` seen ${s.serverCompleteness.toFixed(4)} (client ${s.clientCompleteness.toFixed(4)})` +
      ` drops rb ${Object.values(s.ringbufDropped).reduce((a, b) => a + b, 0)} pipe ${Object.values(s.pipelineDropped).reduce((a, b) => a + b, 0)}` +
      (s.segmentsShed ? ` shed ${s.segmentsShed} segments` : '') : '') +
    (m.readyMs !== null ? ` ready ${m.readyMs.toFixed(0)} ms` : '') +
    (why === null ? '' : ` DISTURBED: ${why}`);
}
