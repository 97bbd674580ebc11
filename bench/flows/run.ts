/**
 * bench/flows: what TCP flow tracing costs a connect/transfer/close loop on loopback.
 * Conditions run interleaved in rounds, in an order rotated every round, and every ratio is taken
 * against the baseline of the same round: on a noisy machine only side-by-side numbers mean much.
 * Rounds disturbed by others (CPU hogs, someone else's BPF programs) are kept in the JSON but
 * left out of the summary, and replaced by extra rounds, up to twice the rounds asked for.
 *
 * usage: node dist/bench/flows/run.js [--rounds N] [--seconds S]
 */
import { benchOptions, type BenchOptions } from './options.js';
import { cpus, loadavg, release } from 'node:os';
import { baseline, sondeBuildDigest, sondeCondition, tcplife, type Condition, type ConditionName } from './conditions.js';
import { loadedBpfPrograms, waitForQuiet } from './host.js';
import { describe, disturbance, measure, NOISY_OTHER_CPUS, type Measurement } from './measure.js';
import { sleep } from './processes.js';
import { report, summarize, TARGET_KEPT, TARGET_READY_MS, type ConditionSummary } from './report.js';
import { runClient, startServer, WORKLOAD } from './workload.js';
import { writeResultsFile } from '../results-file.js';

/** Between measurements, so one condition's tail (TIME_WAIT, freed programs) does not land in the next. */
const PAUSE_MS = 500;
/** How long a round waits for the host to go quiet before it starts anyway. */
const QUIET_WAIT_MS = 10_000;
/** Fewer clean rounds than this and the summary is over all rounds, marked inconclusive. */
const MIN_CLEAN_ROUNDS = 3;

interface Failure {
  round: number;
  condition: ConditionName;
  message: string;
}

function options(): BenchOptions {
  // Warmed by default, as bench/http: a settled agent is what a deployment pays (bench/README.md).
  return benchOptions({ rounds: 6, seconds: 5, takesWarmup: 15, usage: 'usage: node dist/bench/flows/run.js [--rounds N clean rounds wanted, at most 2N run (6)] [--seconds S per measurement (5)] [--warmup S of unmeasured load after each condition starts (15)]' });
}

async function main(): Promise<number> {
  const opts = options();
  const startedAt = new Date();
  const loadStart = loadavg();
  // Generous: sonde is stopped long before this, which only bounds a bench that died mid-run.
  const all: Condition[] = [baseline, sondeCondition({ maxSeconds: opts.warmup + opts.seconds + 120 }), tcplife];
  const skipped = new Map<ConditionName, string>();
  for (const c of all) {
    const why = c.unavailable();
    if (why !== null) {
      skipped.set(c.name, why);
      console.error(`bench: SKIPPING ${c.name}: ${why}`);
    }
  }
  const runnable = all.filter((c) => !skipped.has(c.name));

  const sondeBuild = skipped.has('sonde') ? null : sondeBuildDigest();
  const resident = loadedBpfPrograms() ?? [];
  if (resident.length > 0) {
    console.error(`bench: BPF programs already loaded are taken as part of the host (stop them if they are someone's agent or test): ${resident.map((p) => p.name).join(', ')}`);
  }
  const server = await startServer();
  const ctx = { server, seconds: opts.seconds, warmupSeconds: opts.warmup, residentBpfProgIds: new Set(resident.map((p) => p.id)) };
  const measurements: Measurement[] = [];
  const failures: Failure[] = [];
  const cleanRounds: number[] = [];
  let totalRounds = 0;
  try {
    console.error(`bench: flows, ${opts.rounds} clean rounds × ${runnable.length} conditions × ${opts.seconds} s${opts.warmup > 0 ? ` (each after ${opts.warmup} s of unmeasured load)` : ''}; server pid ${server.pid} port ${server.port}` +
      `${server.pinned ? ' (server CPU 0, client CPU 1)' : ' (unpinned)'}; sonde build ${sondeBuild ?? '-'}`);
    // JIT and page cache warm-up, so round 1's first condition is not billed for it.
    await runClient(server.port, Math.min(1, opts.seconds));
    for (let round = 0; cleanRounds.length < opts.rounds && round < 2 * opts.rounds; round++) {
      totalRounds++;
      if (!(await waitForQuiet(new Set([process.pid, server.pid]), NOISY_OTHER_CPUS, ctx.residentBpfProgIds, QUIET_WAIT_MS))) {
        console.error(`round ${round + 1}: host still busy (CPU or others' BPF programs) after ${QUIET_WAIT_MS / 1000} s, starting anyway`);
      }
      const shift = round % runnable.length;
      const order = [...runnable.slice(shift), ...runnable.slice(0, shift)];
      let clean = true;
      for (const [position, condition] of order.entries()) {
        try {
          const m = await measure(condition, ctx, round, position);
          measurements.push(m);
          if (disturbance(m, sondeBuild) !== null) clean = false;
          console.error(`round ${round + 1} ${describe(m, sondeBuild)}`);
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
    await server.stop();
  }

  const conclusive = cleanRounds.length >= Math.min(MIN_CLEAN_ROUNDS, opts.rounds);
  const used = conclusive ? cleanRounds : [...new Set(measurements.map((m) => m.round))];
  const inUsedRounds = measurements.filter((m) => used.includes(m.round));
  const summaries = Object.fromEntries(all.map((c) => [c.name,
    summarize(c.name, inUsedRounds, failures.some((f) => f.condition === c.name), skipped.get(c.name))])) as Record<ConditionName, ConditionSummary>;
  console.log(report(summaries, { rounds: used, conclusive, cleanRounds: cleanRounds.length, totalRounds }));

  const summary = {
    bench: 'flows',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `node ${process.argv.slice(1).join(' ')}`,
    options: opts,
    sondeBuild,
    /** sonde reads SONDE_* settings from the environment it inherits (SONDE_L7_ENABLED=false, say). */
    sondeEnv: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SONDE_'))),
    residentBpfPrograms: resident.map((p) => p.name),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, kernel: release(), node: process.version, loadavgStart: loadStart, loadavgEnd: loadavg() },
    workload: { ...WORKLOAD, pinned: server.pinned, serverCpu: server.pinned ? 0 : null, clientCpu: server.pinned ? 1 : null },
    targets: { sondeKeptOfBaseline: TARGET_KEPT, sondeReadyMs: TARGET_READY_MS },
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
  console.log(`\nsummary: ${writeResultsFile('flows', startedAt, summary)}`);

  if (skipped.size > 0 || failures.length > 0) {
    console.error(`bench: INCOMPLETE: ${[...[...skipped.keys()].map((n) => `${n} skipped`), ...failures.map((f) => `${f.condition} failed in round ${f.round + 1}`)].join(', ')}`);
    return 2;
  }
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(`bench: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
