/**
 * bench/l7-replay: what sonde's user space costs per exchange, without the kernel, the workload
 * or the scheduler in the numbers. Records the flow and L7 ring buffers (and tally drains) of
 * nginx under wrk once (recording.ts), then replays the recording through the pipeline again
 * and again in this process (replay.ts), stopping at each stage in turn: decode only (the
 * baseline), + parsing (streams, HTTP, pairing, owners), + telemetry (metrics, windows, graph,
 * records), + the store. Prints each stage's CPU time, what it adds per exchange and per
 * request, and its ratio to the baseline, and writes a JSON summary to bench/results/.
 *
 * To compare two builds on the very same traffic, record once and replay the file on each:
 * `--save rec.json` keeps the recording, `--load rec.json` replays it without recording.
 *
 * `--workload redis` records redis-server under redis-benchmark (SET/GET, 20 clients) instead:
 * the RESP parser, and the kernel's Redis paths.
 *
 * usage: node dist/bench/l7-replay/run.js [--workload http|redis] [--seconds S (5)] [--rounds N (5)] [--save FILE | --load FILE]
 */
import { cpus, release } from 'node:os';
import { parseArgs } from 'node:util';
import { writeResultsFile } from '../results-file.js';
import { textTable } from '../text-table.js';
import { recordTraffic, type Recording, type Workload } from './recording.js';
import { LOAD_WORKLOADS, loadWorkloadUnavailable } from '../load-servers.js';
import { loadRecording, saveRecording } from './recording-file.js';
import { replay, STAGES, type ReplayResult, type Stage } from './replay.js';
import { summarize } from './summary.js';


const USAGE = `usage: node dist/bench/l7-replay/run.js [--workload ${LOAD_WORKLOADS.join('|')}] [--seconds S (5)] [--rounds N (5)] [--save FILE | --load FILE]`;

function options(): { workload: Workload; seconds: number; rounds: number; save: string | null; load: string | null } {
  const { values } = parseArgs({
    options: {
      workload: { type: 'string', default: 'http' },
      seconds: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '5' },
      save: { type: 'string' },
      load: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  if (!(seconds > 0)) throw new Error(`--seconds must be positive, got ${values.seconds}`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
  if (values.save !== undefined && values.load !== undefined) throw new Error('--save and --load exclude each other');
  const workload = LOAD_WORKLOADS.find((w) => w === values.workload);
  if (workload === undefined) throw new Error(`--workload must be one of ${LOAD_WORKLOADS.join(', ')}, got ${values.workload}`);
  if (values.load !== undefined && values.workload !== 'http') throw new Error('--workload is the recording\'s own with --load');
  return { workload, seconds, rounds, save: values.save ?? null, load: values.load ?? null };
}

async function main(): Promise<number> {
  const o = options();
  const startedAt = new Date();
  let recording: Recording;
  if (o.load !== null) {
    recording = loadRecording(o.load);
    console.log(`loaded ${o.load}`);
  } else {
    const missing = loadWorkloadUnavailable(o.workload);
    if (missing !== null) {
      console.error(`bench: ${missing}`);
      return 2;
    }
    if (process.getuid?.() !== 0) {
      console.error('bench: recording loads BPF programs: run as root (or replay a file with --load)');
      return 2;
    }
    console.log(`recording ${o.seconds} s of ${o.workload === 'http' ? 'nginx under wrk' : 'redis-server under redis-benchmark'}...`);
    recording = await recordTraffic(o.workload, o.seconds);
    if (o.save !== null) {
      saveRecording(o.save, recording);
      console.log(`saved ${o.save}`);
    }
  }
  const l7Records = recording.batches.filter((b) => b.ring === 'l7').reduce((n, b) => n + b.count, 0);
  const flowRecords = recording.batches.filter((b) => b.ring === 'flow').reduce((n, b) => n + b.count, 0);
  console.log(`recorded ${recording.requests} ${recording.workload ?? 'http'} requests: ${l7Records} L7 and ${flowRecords} flow records in ${recording.batches.length} batches, ${recording.tallies.length} tally drains`);

  // V8 compiles the hot paths during the first replays; those are not what this measures.
  replay(recording, 'store');
  replay(recording, 'store');
  const results: ReplayResult[] = [];
  for (let round = 0; round < o.rounds; round++) {
    // Rotated, so that no stage always follows the same one (heap state, caches).
    const order: Stage[] = STAGES.map((_, i) => STAGES[(i + round) % STAGES.length]!);
    for (const stage of order) results.push(replay(recording, stage));
  }
  const full = results.find((r) => r.stage === 'store');
  if (full === undefined || full.exchanges === 0) {
    console.error('bench: the replay parsed no exchanges: nothing was captured while recording');
    return 1;
  }
  if (full.decodeProblems > 0) console.error(`bench: ${full.decodeProblems} records did not decode`);
  const summary = summarize(results, recording.requests);
  const flags = process.execArgv.join(' ') || '(none)';
  console.log(`\nreplay medians of ${o.rounds} rounds (node flags: ${flags}): ${full.exchanges} exchanges parsed, ${full.tallied} tallied, ${full.flows} flows\n`);
  console.log(textTable([
    ['stage', 'cpu ms', 'ns/exchange', 'added ns/exchange', 'added ns/request', 'ratio to decode'],
    ...summary.map((s) => [s.stage, s.cpuMs.toFixed(1), s.nsPerExchange.toFixed(0), s.addedNsPerExchange.toFixed(0), s.addedNsPerRequest.toFixed(1), s.ratioToDecode.toFixed(2)]),
  ]));
  const path = writeResultsFile('l7-replay', startedAt, {
    bench: 'l7-replay',
    startedAt: startedAt.toISOString(),
    host: { kernel: release(), cpus: cpus().length, node: process.version, nodeFlags: process.execArgv },
    options: o,
    recording: {
      workload: recording.workload ?? 'http',
      seconds: recording.seconds, requests: recording.requests, l7Records, flowRecords, batches: recording.batches.length, tallyDrains: recording.tallies.length },
    exchanges: full.exchanges,
    tallied: full.tallied,
    flows: full.flows,
    stages: summary,
    replays: results,
  });
  console.log(`\nsummary: ${path}`);
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
