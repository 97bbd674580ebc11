/**
 * bench/l7-ab: two builds of the L7 socket programs (bpf/build/l7.bpf.o and a variant), attached
 * together at the cgroup root with the agent's settings, under a real server's load. Both see every packet,
 * so their time per run (kernel.bpf_stats_enabled) is compared on the same traffic at the same
 * moment: a few percent are resolved that whole-bench runs on this noisy VM cannot. Rounds
 * alternate which build is attached first (see ratio.ts). Only the kernel programs run: nothing
 * parses, so this measures the workload's side of the cost, not the agent's.
 *
 * The traffic is nginx under wrk (`--workload http`, the default), redis-server under
 * redis-benchmark SET/GET (`--workload redis`), or PostgreSQL under pgbench (`--workload
 * postgresql`): Redis and PostgreSQL segments take paths of their own (the message
 * walk that counts pipelined commands).
 *
 * usage: node dist/bench/l7-ab/run.js --b variant.bpf.o [--a base.bpf.o] [--rounds N] [--seconds S] [--workload http|redis|redis-pipelined|postgresql]
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { defaultConfig } from '../../src/config/schema.js';
import { readCgroup2Mount } from '../../src/capture/doctor/system-facts.js';
import { BpfObject } from '../../src/kernel/bpf-object.js';
import { possibleCpus } from '../../src/kernel/cpus.js';
import { bpfObjectPath } from '../../src/kernel/package-root.js';
import { LOAD_WORKLOADS, loadWorkloadUnavailable, startLoadServer } from '../load-servers.js';
import { geometricMeanRatio, nsPerRun, type AbRound } from './ratio.js';
import { writeResultsFile } from '../results-file.js';

const PROGRAMS = ['l7_egress', 'l7_ingress'] as const;
interface ProgStats {
  ns: number;
  runs: number;
}

function readStats(): Map<number, ProgStats & { name: string }> {
  const out = spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`bpftool prog show failed: ${out.stderr}`);
  const list = JSON.parse(out.stdout) as { id: number; name?: string; run_time_ns?: number; run_cnt?: number }[];
  return new Map(list.map((p) => [p.id, { name: p.name ?? '', ns: p.run_time_ns ?? 0, runs: p.run_cnt ?? 0 }]));
}

function setStats(on: boolean): void {
  spawnSync('sysctl', ['-q', `kernel.bpf_stats_enabled=${on ? 1 : 0}`]);
}

/** Loads one build as the agent would (socket programs only), attaches it, drains its ring; returns it and its program ids. */
function attach(path: string, cgroup: string): { object: BpfObject; ids: number[] } {
  const before = readStats();
  const object = BpfObject.open(path);
  try {
    const l7 = defaultConfig().l7;
    object.setGlobalU32('capture_bytes', l7.captureBytes)
      .setGlobalU32('segments_per_sec_per_cpu', Math.max(1, Math.ceil(l7.maxSegmentsPerSecond / possibleCpus())))
      .setGlobalU16('dns_port', l7.dnsPort);
    // Builds from before local-pair mirroring have no such setting: they run as they were.
    try {
      object.setGlobalBool('mirror_local_peers', l7.mirrorLocalPeers);
    } catch {
      console.log(`${path}: no mirror_local_peers (an older build), left as built`);
    }
    object.onlyPrograms([...PROGRAMS]);
    object.load();
    object.ringBuffer('l7_events', () => undefined, 20);
    for (const p of PROGRAMS) object.attachCgroup(p, cgroup);
  } catch (err) {
    object.close();
    throw err;
  }
  const ids = [...readStats()].filter(([id, p]) => !before.has(id) && PROGRAMS.some((n) => p.name === n)).map(([id]) => id);
  return { object, ids };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      a: { type: 'string', default: bpfObjectPath('l7') },
      b: { type: 'string' },
      rounds: { type: 'string', default: '6' },
      seconds: { type: 'string', default: '4' },
      workload: { type: 'string', default: 'http' },
    },
  });
  if (values.b === undefined) {
    console.error('usage: node dist/bench/l7-ab/run.js --b variant.bpf.o [--a base.bpf.o] [--rounds N (even, 6)] [--seconds S (4)] [--workload http|redis|redis-pipelined|postgresql]');
    return 2;
  }
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  if (!Number.isInteger(rounds) || rounds < 2 || rounds % 2 !== 0) throw new Error(`--rounds must be an even number >= 2, got ${values.rounds}`);
  if (!(seconds > 0)) throw new Error(`--seconds must be positive, got ${values.seconds}`);
  const workloadName = LOAD_WORKLOADS.find((w) => w === values.workload);
  if (workloadName === undefined) throw new Error(`--workload must be one of ${LOAD_WORKLOADS.join(', ')}, got ${values.workload}`);
  const missing = loadWorkloadUnavailable(workloadName);
  if (missing !== null) throw new Error(`--workload ${workloadName}: ${missing}`);
  const cgroup = readCgroup2Mount();
  if (cgroup === null) throw new Error('no cgroup v2 hierarchy mounted');
  const startedAt = new Date();
  const workload = await startLoadServer(workloadName);
  const results: AbRound[] = [];
  setStats(true);
  try {
    for (let round = 0; round < rounds; round++) {
      const first = round % 2 === 0 ? 'a' : 'b';
      const order = first === 'a' ? [values.a, values.b] : [values.b, values.a];
      const loaded = order.map((path) => attach(path, cgroup));
      try {
        const before = readStats();
        const run = await workload.drive(seconds);
        const rate = `${Math.round(run.perSecond)} ${run.unit}`;
        const after = readStats();
        const [x, y] = loaded.map((l) => nsPerRun(before, after, l.ids)) as [number, number];
        const r: AbRound = first === 'a' ? { first, aNsPerRun: x, bNsPerRun: y } : { first, aNsPerRun: y, bNsPerRun: x };
        results.push(r);
        console.log(`round ${round + 1} (${first} first): a ${r.aNsPerRun.toFixed(0)} ns/run, b ${r.bNsPerRun.toFixed(0)} ns/run, b/a ${(r.bNsPerRun / r.aNsPerRun).toFixed(3)}, ${rate}`);
      } finally {
        for (const l of loaded) l.object.close();
      }
    }
  } finally {
    setStats(false);
    await workload.stop();
  }
  const ratio = geometricMeanRatio(results);
  console.log(`b/a (geometric mean over alternating orders): ${ratio.toFixed(3)}`);
  const summary = { bench: 'l7-ab', workload: workloadName, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), a: values.a, b: values.b, seconds, rounds: results, ratio };
  console.log(`summary: ${writeResultsFile('l7-ab', startedAt, summary)}`);
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
