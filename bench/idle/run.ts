/**
 * bench/idle: what sonde costs a host with nothing to watch. Rounds alternate (order rotated)
 * between no agent and `sonde up` with its defaults, each measured over the same window after
 * the agent settled: the host's busy CPU time (/proc/stat) in both, and in sonde's the agent's
 * own CPU time and wake-ups by thread (main thread, ring buffer consumers, idle watchdog, node's
 * helpers). Prints the host's busy time with the agent as a difference to and ratio of the
 * baseline's, and writes a JSON summary to bench/results/.
 *
 * usage: node dist/bench/idle/run.js [--rounds N (3)] [--seconds S (20)] [--settle S (10)]
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { parseArgs } from 'node:util';
import { baseline, sondeCondition, type Attached, type Condition } from '../flows/conditions.js';
import { sleep } from '../flows/processes.js';
import { median } from '../flows/stats.js';
import { writeResultsFile } from '../results-file.js';
import { textTable } from '../text-table.js';
import { hostBusyMs, readThreads, usageByKind, type KindUsage } from './threads.js';

const USAGE = 'usage: node dist/bench/idle/run.js [--rounds N (3)] [--seconds S (20)] [--settle S (10)]';

function options(): { rounds: number; seconds: number; settle: number } {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '20' },
      settle: { type: 'string', default: '10' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const settle = Number(values.settle);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
  if (!(seconds > 0)) throw new Error(`--seconds must be positive, got ${values.seconds}`);
  if (!(settle >= 0)) throw new Error(`--settle must be 0 or more, got ${values.settle}`);
  return { rounds, seconds, settle };
}

interface Measurement {
  round: number;
  condition: 'baseline' | 'sonde';
  hostBusyMsPerSecond: number;
  /** sonde only. */
  agent: KindUsage[] | null;
}

const busyNow = (): number => {
  const ms = hostBusyMs(readFileSync('/proc/stat', 'utf8'));
  if (ms === null) throw new Error('/proc/stat: no "cpu" line');
  return ms;
};

async function measure(condition: Condition, round: number, o: { seconds: number; settle: number }): Promise<Measurement> {
  const attached: Attached = await condition.start();
  try {
    // Start-up (BPF loads, the first scans, V8's first collections) is not what this measures.
    await sleep(o.settle * 1000);
    const pid = attached.pid;
    const threadsBefore = pid === null ? [] : readThreads(pid);
    const busyBefore = busyNow();
    await sleep(o.seconds * 1000);
    const busyAfter = busyNow();
    const agent = pid === null ? null : usageByKind(pid, threadsBefore, readThreads(pid), o.seconds);
    return { round, condition: condition.name === 'sonde' ? 'sonde' : 'baseline', hostBusyMsPerSecond: (busyAfter - busyBefore) / o.seconds, agent };
  } finally {
    const verdict = await attached.stop();
    if (verdict === 'unverified') console.error(`bench: round ${round + 1}: could not verify that ${condition.name}'s BPF programs are gone`);
  }
}

async function main(): Promise<number> {
  const o = options();
  const startedAt = new Date();
  const sonde = sondeCondition({ maxSeconds: o.settle + o.seconds + 60, ephemeralPorts: true });
  const why = sonde.unavailable();
  if (why !== null) {
    console.error(`bench: ${why}`);
    return 2;
  }
  console.log(`idle: ${o.rounds} rounds × ${o.seconds} s (after ${o.settle} s to settle), ${cpus().length} CPUs, kernel ${release()}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const measurements: Measurement[] = [];
  for (let round = 0; round < o.rounds; round++) {
    const order = round % 2 === 0 ? [baseline, sonde] : [sonde, baseline];
    for (const c of order) {
      const m = await measure(c, round, o);
      measurements.push(m);
      const agentMs = m.agent?.reduce((a, k) => a + k.cpuMsPerSecond, 0);
      console.log(`  round ${round + 1} ${c.name.padEnd(8)} host busy ${m.hostBusyMsPerSecond.toFixed(1)} ms/s${agentMs === undefined ? '' : `, agent ${agentMs.toFixed(2)} ms/s`}`);
    }
  }

  const base = measurements.filter((m) => m.condition === 'baseline');
  const withAgent = measurements.filter((m) => m.condition === 'sonde');
  const perRound = withAgent.map((m) => {
    const b = base.find((x) => x.round === m.round)!;
    return { delta: m.hostBusyMsPerSecond - b.hostBusyMsPerSecond, ratio: b.hostBusyMsPerSecond > 0 ? m.hostBusyMsPerSecond / b.hostBusyMsPerSecond : null };
  });
  const kinds = withAgent[0]?.agent?.map((k) => k.kind) ?? [];
  const agentRows = kinds.map((kind) => {
    const of = withAgent.map((m) => m.agent?.find((k) => k.kind === kind));
    return {
      kind,
      threads: median(of.map((k) => k?.threads ?? 0)),
      cpuMsPerSecond: median(of.map((k) => k?.cpuMsPerSecond ?? 0)),
      wakeupsPerSecond: median(of.map((k) => k?.wakeupsPerSecond ?? 0)),
    };
  });
  const agentTotal = median(withAgent.map((m) => m.agent?.reduce((a, k) => a + k.cpuMsPerSecond, 0) ?? 0));
  const wakeupsTotal = median(withAgent.map((m) => m.agent?.reduce((a, k) => a + k.wakeupsPerSecond, 0) ?? 0));
  const ratios = perRound.flatMap((r) => (r.ratio === null ? [] : [r.ratio]));

  console.log('\nsonde, idle (medians over rounds):');
  console.log(textTable([
    ['threads', 'count', 'CPU ms/s', 'wake-ups/s'],
    ...agentRows.map((r) => [r.kind, String(r.threads), r.cpuMsPerSecond.toFixed(2), r.wakeupsPerSecond.toFixed(1)]),
    ['total', '', agentTotal.toFixed(2), wakeupsTotal.toFixed(1)],
  ]));
  console.log(`\nagent: ${(agentTotal / 10).toFixed(2)}% of one CPU`);
  console.log(`host busy: baseline ${median(base.map((m) => m.hostBusyMsPerSecond)).toFixed(1)} ms/s, with sonde ${median(withAgent.map((m) => m.hostBusyMsPerSecond)).toFixed(1)} ms/s; ` +
    `difference ${median(perRound.map((r) => r.delta)).toFixed(1)} ms/s, ratio ${ratios.length > 0 ? median(ratios).toFixed(2) : 'n/a'} (median of rounds)`);

  const summary = {
    bench: 'idle',
    startedAt: startedAt.toISOString(),
    options: o,
    host: { cpus: cpus().length, kernel: release() },
    agent: { cpuMsPerSecond: agentTotal, percentOfOneCpu: agentTotal / 10, wakeupsPerSecond: wakeupsTotal, byThread: agentRows },
    hostBusy: {
      baselineMsPerSecond: median(base.map((m) => m.hostBusyMsPerSecond)),
      sondeMsPerSecond: median(withAgent.map((m) => m.hostBusyMsPerSecond)),
      differenceMsPerSecond: median(perRound.map((r) => r.delta)),
      ratio: ratios.length > 0 ? median(ratios) : null,
    },
    measurements,
  };
  console.log(`\nsummary: ${writeResultsFile('idle', startedAt, summary)}`);
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(`bench: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
