/**
 * bench/http: what sonde's HTTP capture costs nginx `return 200` under wrk on loopback, beside
 * no agent and beside two floors: the syscall floor (empty programs on the read/write family of
 * syscall tracepoints, the hook most agents capture with) and the skb floor (empty cgroup_skb
 * programs at the cgroup root, sonde's own hook). Conditions run interleaved in rounds, in an
 * order rotated every round, and every ratio is taken against the baseline of the same round.
 * Rounds disturbed by others (CPU hogs, someone else's BPF programs, a rebuild) are kept in the
 * JSON but left out of the summary, and replaced by extra rounds, up to half again the rounds
 * asked for (so the defaults finish in about 9 minutes at worst).
 *
 * With `--connections 1`, wrk keeps one connection: a light load that leaves a CPU idle, where
 * what the agent costs shows in the workload's latency (p99) more than in its throughput.
 *
 * usage: node dist/bench/http/run.js [--rounds N] [--seconds S] [--connections C]
 */
import { benchOptions, type BenchOptions } from '../flows/options.js';
import { availableParallelism, cpus, loadavg, release } from 'node:os';
import { spawnSync } from 'node:child_process';
import { sondeBuildDigest } from '../flows/conditions.js';
import { loadedBpfPrograms, waitForQuiet } from '../flows/host.js';
import { disturbance, NOISY_OTHER_CPUS } from '../flows/measure.js';
import { sleep } from '../flows/processes.js';
import { baseline, skbFloor, sonde, SONDE_DIGEST_FILES, syscallFloor, type HttpCondition, type HttpConditionName } from './conditions.js';
import { describe, measure, type HttpMeasurement } from './measure.js';
import { BODY, nginxUnavailable, startNginx } from './nginx.js';
import { FLOOR_EXPECTED_KEPT, report, SKB_FLOOR_EXPECTED_KEPT, summarize, TARGETS, type HttpConditionSummary } from './report.js';
import { LOAD, runWrk, wrkUnavailable, wrkVersion } from './wrk.js';
import { writeResultsFile } from '../results-file.js';

/** Between measurements, so one condition's tail (freed programs, sonde exiting) does not land in the next. */
const PAUSE_MS = 500;
/** How long a round waits for the host to go quiet before it starts anyway. */
const QUIET_WAIT_MS = 10_000;
/** Fewer clean rounds than this and the summary is over all rounds, marked inconclusive. */
const MIN_CLEAN_ROUNDS = 3;
const SERVER_CPU = 0;
const CLIENT_CPU = 1;

interface Failure {
  round: number;
  condition: HttpConditionName;
  message: string;
}

function options(): BenchOptions {
  // wrk's -d takes whole seconds.
  return benchOptions({
    rounds: 6,
    seconds: 10,
    wholeSeconds: true,
    // A deployed agent runs for days; its first ~20 s, while V8 compiles, cost about twice what
    // it settles to. The warm-up's CPU is reported apart, so the cold cost stays in view.
    takesWarmup: 20,
    takesConnections: LOAD.connections,
    usage: `usage: node dist/bench/http/run.js [--rounds N clean rounds wanted, at most 1.5N run (6)] [--seconds S per measurement, whole seconds (10)] [--warmup S of unmeasured load after each condition starts (20)] [--connections C kept open by wrk (${LOAD.connections}; 1 for a light load)]`,
  });
}

async function main(): Promise<number> {
  const opts = options();
  const startedAt = new Date();
  const loadStart = loadavg();
  const pinned = availableParallelism() >= 2 && spawnSync('taskset', ['-V']).status === 0;
  // Generous: agents are stopped long before this, which only bounds a bench that died mid-run.
  const maxSeconds = opts.warmup + opts.seconds + 120;
  const all: HttpCondition[] = [baseline, sonde({ maxSeconds }), syscallFloor({ maxSeconds }), skbFloor({ maxSeconds })];

  // Every condition must be able to run: a comparison with one missing is not this bench's result.
  const missing = [nginxUnavailable(), wrkUnavailable(), ...all.map((c) => {
    const why = c.unavailable();
    return why === null ? null : `${c.name}: ${why}`;
  })].filter((why): why is string => why !== null);
  if (missing.length > 0) {
    for (const why of missing) console.error(`bench: CANNOT RUN: ${why}`);
    return 2;
  }
  if (!pinned) console.error('bench: WARNING: fewer than 2 CPUs or no taskset: nginx and wrk run unpinned');

  const sondeBuild = sondeBuildDigest(SONDE_DIGEST_FILES);
  const resident = loadedBpfPrograms() ?? [];
  if (resident.length > 0) {
    console.error(`bench: BPF programs already loaded are taken as part of the host (stop them if they are someone's agent or test): ${resident.map((p) => p.name).join(', ')}`);
  }
  const nginx = await startNginx(pinned ? SERVER_CPU : null);
  const connections = opts.connections ?? LOAD.connections;
  const ctx = { nginx, seconds: opts.seconds, warmupSeconds: opts.warmup, wrkCpu: pinned ? CLIENT_CPU : null, connections, residentBpfProgIds: new Set(resident.map((p) => p.id)) };
  const measurements: HttpMeasurement[] = [];
  const failures: Failure[] = [];
  const cleanRounds: number[] = [];
  const maxRounds = opts.rounds + Math.ceil(opts.rounds / 2);
  let totalRounds = 0;
  try {
    console.error(`bench: http, ${opts.rounds} clean rounds × ${all.length} conditions × ${opts.seconds} s${opts.warmup > 0 ? ` (each after ${opts.warmup} s of unmeasured load)` : ''}; ${nginx.version}, worker pid ${nginx.workerPid} port ${nginx.port}` +
      `${pinned ? ` (nginx CPU ${SERVER_CPU}, wrk CPU ${CLIENT_CPU})` : ' (unpinned)'}; wrk -t${LOAD.threads} -c${connections}; sonde build ${sondeBuild ?? '-'}`);
    // Each agent once, started and stopped, before anything is measured: a condition that cannot
    // attach fails the bench here, loudly, not after minutes of rounds. It also warms the page cache.
    for (const c of all) {
      try {
        const attached = await c.start();
        await attached.stop();
      } catch (err) {
        console.error(`bench: CANNOT RUN ${c.name}: ${(err as Error).message}`);
        return 2;
      }
    }
    // nginx and page-cache warm-up, so round 1's first condition is not billed for it.
    await runWrk(`http://127.0.0.1:${nginx.port}/`, 1, ctx.wrkCpu, ctx.connections);
    for (let round = 0; cleanRounds.length < opts.rounds && round < maxRounds; round++) {
      totalRounds++;
      if (!(await waitForQuiet(new Set([process.pid, nginx.masterPid, nginx.workerPid]), NOISY_OTHER_CPUS, ctx.residentBpfProgIds, QUIET_WAIT_MS))) {
        console.error(`round ${round + 1}: host still busy (CPU or others' BPF programs) after ${QUIET_WAIT_MS / 1000} s, starting anyway`);
      }
      const shift = round % all.length;
      const order = [...all.slice(shift), ...all.slice(0, shift)];
      let clean = true;
      for (const [position, condition] of order.entries()) {
        try {
          const m = await measure(condition, ctx, round, position);
          measurements.push(m);
          const why = disturbance(m, sondeBuild);
          if (why !== null) clean = false;
          console.error(`round ${round + 1} ${describe(m, why)}`);
        } catch (err) {
          clean = false;
          failures.push({ round, condition: condition.name, message: (err as Error).message });
          console.error(`bench: FAILED ${condition.name} in round ${round + 1}: ${(err as Error).message}`);
        }
        await sleep(PAUSE_MS);
      }
      if (clean) cleanRounds.push(round);
      console.error(`round ${round + 1}: ${clean ? 'clean' : 'disturbed, left out of the summary'} (${cleanRounds.length}/${opts.rounds} clean)`);
    }
  } finally {
    await nginx.stop();
  }

  const conclusive = cleanRounds.length >= Math.min(MIN_CLEAN_ROUNDS, opts.rounds);
  const used = conclusive ? cleanRounds : [...new Set(measurements.map((m) => m.round))];
  const inUsedRounds = measurements.filter((m) => used.includes(m.round));
  const summaries = Object.fromEntries(all.map((c) => [c.name,
    summarize(c.name, inUsedRounds, failures.some((f) => f.condition === c.name), undefined)])) as Record<HttpConditionName, HttpConditionSummary>;
  console.log(report(summaries, { rounds: used, conclusive, cleanRounds: cleanRounds.length, totalRounds }));

  const summary = {
    bench: 'http',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `node ${process.argv.slice(1).join(' ')}`,
    options: opts,
    sondeBuild,
    /** sonde reads SONDE_* settings from the environment it inherits. */
    sondeEnv: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SONDE_'))),
    residentBpfPrograms: resident.map((p) => p.name),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, kernel: release(), node: process.version, loadavgStart: loadStart, loadavgEnd: loadavg() },
    workload: {
      server: `${nginx.version}, one worker, return 200 ${JSON.stringify(BODY)}, access_log off`,
      client: `${wrkVersion()}: wrk -t${LOAD.threads} -c${connections} -d${opts.seconds}s --latency`,
      pinned,
      serverCpu: pinned ? SERVER_CPU : null,
      clientCpu: pinned ? CLIENT_CPU : null,
    },
    targets: { ...TARGETS, syscallFloorExpectedKept: FLOOR_EXPECTED_KEPT, skbFloorExpectedKept: SKB_FLOOR_EXPECTED_KEPT },
    noisyOtherCpus: NOISY_OTHER_CPUS,
    /** 0-based round numbers the summaries are over. */
    summaryRounds: used,
    conclusive,
    cleanRounds,
    totalRounds,
    conditions: summaries,
    measurements: measurements.map((m) => ({ ...m, disturbance: disturbance(m, sondeBuild) })),
    failures,
  };
  console.log(`\nsummary: ${writeResultsFile('http', startedAt, summary)}`);

  if (failures.length > 0) {
    console.error(`bench: INCOMPLETE: ${failures.map((f) => `${f.condition} failed in round ${f.round + 1}`).join(', ')}`);
    return 2;
  }
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(`bench: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
