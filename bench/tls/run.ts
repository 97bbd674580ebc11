/**
 * bench/tls: what sonde's TLS plaintext capture (uprobes on OpenSSL) costs nginx serving HTTPS
 * keep-alive under wrk on loopback, and what one SSL call costs with the uprobes attached.
 * Conditions (no agent; `sonde up` with its defaults, TLS capture on) run interleaved in rounds, in
 * an order rotated every round; every ratio is against the baseline of the same round.
 *
 * Per condition and round: wrk -t1 -c20 over TLS against nginx (one worker, CPU 0; wrk on CPU 1),
 * then ssl-loop.c (SSL_write + SSL_read in memory, CPU 1). For sonde: records counted in its
 * HTTP metrics against wrk's requests (both sides: nginx by its libssl, wrk by its libssl).
 *
 * usage: node dist/bench/tls/run.js [--rounds N] [--seconds S]
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release } from 'node:os';
import { httpGet, metricSeries, sondeBuildDigest, type Attached } from '../flows/conditions.js';
import { benchOptions } from '../flows/options.js';
import { sleep } from '../flows/processes.js';
import { formatSpread, spreadOrNull, type Spread } from '../flows/stats.js';
import { baseline, sonde, SONDE_DIGEST_FILES, type HttpCondition } from '../http/conditions.js';
import { runWrk, wrkUnavailable, wrkVersion, LOAD } from '../http/wrk.js';
import { makeCertificate } from '../../test/support/tls.js';
import { BODY, startTlsNginx } from './nginx.js';
import { buildSslLoop, runSslLoop, runSslLoopUprobeFloor } from './ssl-loop.js';
import { writeResultsFile } from '../results-file.js';

const SERVER_CPU = 0;
const CLIENT_CPU = 1;
const LOOP_ITERATIONS = 200_000;
const PAUSE_MS = 500;
// Longer than the kernel-tally drain period (1 s), or a count between two drains looks settled.
const SETTLE_POLL_MS = 1250;
const SETTLE_MAX_MS = 5000;

interface Measurement {
  round: number;
  condition: 'baseline' | 'sonde';
  requests: number;
  requestsPerSecond: number;
  latencyP99Ms: number;
  /** ssl-loop: ns per SSL_write + SSL_read pair. */
  loopNsPerIteration: number;
  /** Baseline rows: ssl-loop with near-empty uprobes on both calls (the machine's uprobe floor). */
  floorNsPerIteration: number | null;
  sonde: null | {
    serverRecords: number;
    clientRecords: number;
    serverCompleteness: number;
    clientCompleteness: number;
    segmentsShed: number;
    cpuSeconds: number;
  };
}

type Counters = { server: number; client: number; shed: number; cpu: number };

async function counters(metricsUrl: string): Promise<Counters> {
  const res = await httpGet(metricsUrl, 5000);
  const series = metricSeries(res.body, ['http_server_request_duration_seconds_count', 'http_client_request_duration_seconds_count', 'sonde_l7_segments_shed_total', 'sonde_agent_cpu_seconds_total']);
  const sum = (name: string, service?: string): number => series.filter((s) => s.name === name && (service === undefined || s.labels['service_name'] === service)).reduce((a, s) => a + s.value, 0);
  return {
    server: sum('http_server_request_duration_seconds_count', 'nginx'),
    client: sum('http_client_request_duration_seconds_count', 'wrk'),
    shed: sum('sonde_l7_segments_shed_total'),
    cpu: sum('sonde_agent_cpu_seconds_total'),
  };
}

async function measure(condition: HttpCondition, round: number, ctx: { url: string; seconds: number; pinned: boolean; loop: string; libssl: string; cert: { cert: string; key: string } }): Promise<Measurement> {
  const attached: Attached = await condition.start();
  try {
    const before = attached.metricsUrl === undefined ? null : await counters(attached.metricsUrl);
    const wrk = await runWrk(ctx.url, ctx.seconds, ctx.pinned ? CLIENT_CPU : null);
    let result: Measurement['sonde'] = null;
    if (before !== null && attached.metricsUrl !== undefined) {
      let after = await counters(attached.metricsUrl);
      const deadline = Date.now() + SETTLE_MAX_MS;
      for (;;) {
        await sleep(SETTLE_POLL_MS);
        const next = await counters(attached.metricsUrl);
        const moved = next.server !== after.server || next.client !== after.client;
        after = next;
        if (!moved || Date.now() > deadline) break;
      }
      const server = after.server - before.server;
      const client = after.client - before.client;
      result = {
        serverRecords: server,
        clientRecords: client,
        serverCompleteness: server / wrk.requests,
        clientCompleteness: client / wrk.requests,
        segmentsShed: after.shed - before.shed,
        cpuSeconds: after.cpu - before.cpu,
      };
    }
    const cpu = ctx.pinned ? CLIENT_CPU : null;
    const loop = await runSslLoop(ctx.loop, ctx.cert, LOOP_ITERATIONS, cpu);
    const floor = condition.name === 'sonde' ? null : await runSslLoopUprobeFloor(ctx.loop, ctx.libssl, ctx.cert, LOOP_ITERATIONS, cpu);
    return { round, condition: condition.name === 'sonde' ? 'sonde' : 'baseline', requests: wrk.requests, requestsPerSecond: wrk.requestsPerSecond, latencyP99Ms: wrk.latencyMs.p99, loopNsPerIteration: loop, floorNsPerIteration: floor, sonde: result };
  } finally {
    await attached.stop();
  }
}

async function main(): Promise<number> {
  const opts = benchOptions({ rounds: 5, seconds: 10, wholeSeconds: true, usage: 'usage: node dist/bench/tls/run.js [--rounds N (5)] [--seconds S per wrk run (10)]' });
  const startedAt = new Date();
  const pinned = availableParallelism() >= 2 && spawnSync('taskset', ['-V']).status === 0;
  const all = [baseline, sonde({ maxSeconds: opts.seconds + 120 })];
  const missing = [wrkUnavailable(), ...all.map((c) => c.unavailable())].filter((w): w is string => w !== null);
  const loop = buildSslLoop();
  if ('error' in loop) missing.push(loop.error);
  if (missing.length > 0 || 'error' in loop) {
    for (const why of missing) console.error(`bench: CANNOT RUN: ${why}`);
    return 2;
  }
  const cert = makeCertificate();
  const nginx = await startTlsNginx(pinned ? SERVER_CPU : null, cert);
  const url = `https://127.0.0.1:${nginx.port}/`;
  const ctx = { url, seconds: opts.seconds, pinned, loop: loop.path, libssl: loop.libssl, cert };
  const measurements: Measurement[] = [];
  const sondeBuild = sondeBuildDigest(SONDE_DIGEST_FILES);
  try {
    console.error(`bench: tls, ${opts.rounds} rounds × ${all.length} conditions × ${opts.seconds} s; nginx worker ${nginx.workerPid} on ${url}` +
      `${pinned ? ` (nginx CPU ${SERVER_CPU}, wrk and ssl-loop CPU ${CLIENT_CPU})` : ' (unpinned)'}; sonde build ${sondeBuild ?? '-'}`);
    await runWrk(url, 1, pinned ? CLIENT_CPU : null); // warm-up
    for (let round = 0; round < opts.rounds; round++) {
      const shift = round % all.length;
      for (const condition of [...all.slice(shift), ...all.slice(0, shift)]) {
        const m = await measure(condition, round, ctx);
        measurements.push(m);
        console.error(`round ${round + 1} ${m.condition}: ${m.requestsPerSecond.toFixed(0)} req/s, p99 ${m.latencyP99Ms.toFixed(2)} ms, ssl-loop ${m.loopNsPerIteration.toFixed(0)} ns/iteration` +
          (m.floorNsPerIteration === null ? '' : ` (${m.floorNsPerIteration.toFixed(0)} with empty uprobes)`) +
          (m.sonde ? `, records server ${m.sonde.serverCompleteness.toFixed(3)} client ${m.sonde.clientCompleteness.toFixed(3)} of requests, shed ${m.sonde.segmentsShed}` : ''));
        await sleep(PAUSE_MS);
      }
    }
  } finally {
    await nginx.stop();
    cert.remove();
  }

  const rounds = [...new Set(measurements.map((m) => m.round))];
  const pairs = rounds.map((r) => ({ base: measurements.find((m) => m.round === r && m.condition === 'baseline'), sonde: measurements.find((m) => m.round === r && m.condition === 'sonde') }))
    .filter((p): p is { base: Measurement; sonde: Measurement } => p.base !== undefined && p.sonde !== undefined);
  const summary: Record<string, Spread | null> = {
    throughputKept: spreadOrNull(pairs.map((p) => p.sonde.requestsPerSecond / p.base.requestsPerSecond)),
    p99LatencyRatio: spreadOrNull(pairs.map((p) => p.sonde.latencyP99Ms / p.base.latencyP99Ms)),
    serverCompleteness: spreadOrNull(pairs.map((p) => p.sonde.sonde?.serverCompleteness ?? 0)),
    clientCompleteness: spreadOrNull(pairs.map((p) => p.sonde.sonde?.clientCompleteness ?? 0)),
    baselineRequestsPerSecond: spreadOrNull(pairs.map((p) => p.base.requestsPerSecond)),
    baselineNsPerSslCall: spreadOrNull(pairs.map((p) => p.base.loopNsPerIteration / 2)),
    /** (loop with sonde − loop without) / 2: what the uprobes add to one SSL_write or SSL_read. */
    addedNsPerSslCall: spreadOrNull(pairs.map((p) => (p.sonde.loopNsPerIteration - p.base.loopNsPerIteration) / 2)),
    /** The same with near-empty programs: the price of a uprobe trap on this machine, whoever attaches it. */
    uprobeFloorNsPerSslCall: spreadOrNull(pairs.map((p) => ((p.base.floorNsPerIteration ?? p.base.loopNsPerIteration) - p.base.loopNsPerIteration) / 2)),
    agentCpuPercentOfCorePer1kRps: spreadOrNull(pairs.map((p) => (100 * (p.sonde.sonde?.cpuSeconds ?? 0)) / (p.sonde.requests / 1000))),
  };
  console.log([
    `TLS bench (${pairs.length} rounds, medians with min–max)`,
    `  throughput kept with sonde:       ${formatSpread(summary['throughputKept'] ?? null, 3)}  (baseline ${formatSpread(summary['baselineRequestsPerSecond'] ?? null, 0)} req/s)`,
    `  p99 latency, sonde / baseline:    ${formatSpread(summary['p99LatencyRatio'] ?? null, 2)}`,
    `  records / requests, nginx side:   ${formatSpread(summary['serverCompleteness'] ?? null, 3)}`,
    `  records / requests, wrk side:     ${formatSpread(summary['clientCompleteness'] ?? null, 3)}`,
    `  SSL call, no agent:               ${formatSpread(summary['baselineNsPerSslCall'] ?? null, 0)} ns`,
    `  added per SSL call by the probes: ${formatSpread(summary['addedNsPerSslCall'] ?? null, 0)} ns`,
    `  ... by an empty uprobe (floor):   ${formatSpread(summary['uprobeFloorNsPerSslCall'] ?? null, 0)} ns`,
    `  agent CPU, % of a core per 1k req/s: ${formatSpread(summary['agentCpuPercentOfCorePer1kRps'] ?? null, 2)}`,
  ].join('\n'));

  const out = {
    bench: 'tls',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `node ${process.argv.slice(1).join(' ')}`,
    options: opts,
    sondeBuild,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, kernel: release(), node: process.version, loadavgEnd: loadavg() },
    workload: {
      server: `nginx, one worker, TLS (self-signed P-256), return 200 ${JSON.stringify(BODY)}, keep-alive`,
      client: `${wrkVersion()}: wrk -t${LOAD.threads} -c${LOAD.connections} -d${opts.seconds}s --latency ${url}`,
      sslLoop: `bench/tls/ssl-loop.c, ${LOOP_ITERATIONS} × (SSL_write + SSL_read of a 36-byte HTTP/1 request) in memory`,
      pinned,
    },
    summary,
    measurements,
  };
  console.error(`bench: summary written to ${writeResultsFile('tls', startedAt, out)}`);
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(`bench: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
