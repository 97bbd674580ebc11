/**
 * bench/db: what sonde costs a database workload and how complete its records are. Two real
 * servers with their own benchmark clients — redis-server + redis-benchmark (SET/GET, 20
 * connections) and PostgreSQL + pgbench (TPC-B-like, 4 clients, simple protocol) — each run
 * without and with `sonde up`, and with the skb floor (empty cgroup_skb programs at the cgroup
 * root: sonde's own hook before any of its work), in interleaved rounds (order rotated every
 * round); ratios are taken against the baseline of the same round and summarised as medians,
 * and sonde's against the skb floor of the same round as well. Completeness is
 * sonde's client-side record count (db_client_operation_duration_seconds_count, which counts
 * every exchange, never sampled) over the operations the client reports it issued.
 *
 * usage: node dist/bench/db/run.js [--rounds N (4)] [--seconds S per pgbench run (8)]
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release } from 'node:os';
import { baseline, sondeCondition, type Attached } from '../flows/conditions.js';
import { skbFloor } from '../http/conditions.js';
import { benchOptions } from '../flows/options.js';
import { procTreeCpuSeconds } from '../flows/host.js';
import { sleep } from '../flows/processes.js';
import { median, spread } from '../flows/stats.js';
import { postgresBin, startPostgres } from '../../test/support/postgres.js';
import { startRedis } from '../../test/support/redis.js';
import { runPgbench, runRedisBenchmark, type WorkloadResult } from './workloads.js';
import { writeResultsFile } from '../results-file.js';

const REDIS_REQUESTS = 100_000;
const TARGET_KEPT = 0.95;
const TARGET_COMPLETENESS = 0.999;

type WorkloadName = 'redis' | 'postgresql';

type DbConditionName = 'baseline' | 'sonde' | 'skb-floor';

interface DbCondition {
  name: DbConditionName;
  unavailable(): string | null;
  start(): Promise<Attached>;
}

interface Measurement {
  round: number;
  workload: WorkloadName;
  condition: DbConditionName;
  opsPerSecond: number;
  operations: number;
  /** sonde only: client-side records counted over the workload. */
  records: number | null;
  /**
   * The server's CPU per operation, in µs (redis-server's threads; the postmaster with the
   * backends it reaped): the same cost as ops/s shows, read off a steadier gauge. Null when
   * /proc could not tell.
   */
  serverCpuUsPerOp: number | null;
}

/** CPU of the server process (and its reaped children), or null when it cannot be read. */
function serverCpuSeconds(pid: number): number | null {
  try {
    return procTreeCpuSeconds(pid);
  } catch {
    return null;
  }
}

async function httpText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.text();
}

/** Client-side db records of one system (and client service) counted by sonde so far. */
async function dbRecords(attached: Attached, system: string, service: string): Promise<number> {
  if (attached.metricsUrl === undefined) return 0;
  const text = await httpText(attached.metricsUrl);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('db_client_operation_duration_seconds_count{')) continue;
    if (!line.includes(`db_system_name="${system}"`) || !line.includes(`service_name="${service}"`)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function main(): Promise<number> {
  // Warmed by default, as bench/http: a settled agent is what a deployment pays (bench/README.md).
  const opts = benchOptions({ rounds: 4, seconds: 8, takesWarmup: 16, usage: 'usage: node dist/bench/db/run.js [--rounds N (4)] [--seconds S per pgbench run (8)] [--warmup S of unmeasured load after each condition starts, half Redis, half PostgreSQL (16)]' });
  const startedAt = new Date();
  const pinned = availableParallelism() >= 2;
  const serverCpu = pinned ? 0 : null;
  const clientCpu = pinned ? 1 : null;
  const maxSeconds = opts.warmup + opts.seconds * 4 + 120;
  const conditions: DbCondition[] = [
    { ...baseline, name: 'baseline' },
    { ...sondeCondition({ maxSeconds, ephemeralPorts: true, digestFiles: ['bpf/build/l7.bpf.o'] }), name: 'sonde' },
    { ...skbFloor({ maxSeconds }), name: 'skb-floor' },
  ];
  for (const c of conditions) {
    const why = c.unavailable();
    if (why !== null) {
      console.error(`bench: CANNOT RUN ${c.name}: ${why}`);
      return 2;
    }
  }
  const redis = await startRedis();
  const pg = await startPostgres();
  const measurements: Measurement[] = [];
  try {
    // redis-server on CPU 0, clients on CPU 1 (PostgreSQL's backends and sonde wherever the scheduler puts them).
    if (serverCpu !== null) spawnSync('taskset', ['-a', '-p', '-c', String(serverCpu), String(redis.pid)]);
    const i = spawnSync(`${postgresBin()}/pgbench`, ['-i', '-n', '-q', '-s', '4'], { env: pg.clientEnv, encoding: 'utf8' });
    if (i.status !== 0) throw new Error(`pgbench -i failed: ${i.stderr}`);
    const workloads: Record<WorkloadName, () => WorkloadResult> = {
      redis: () => runRedisBenchmark(redis.port, REDIS_REQUESTS, clientCpu),
      postgresql: () => runPgbench(pg.clientEnv, opts.seconds, clientCpu),
    };
    // Warm-up: caches, JIT of the servers' paths.
    workloads.redis();
    runPgbench(pg.clientEnv, 1, clientCpu);
    console.error(`bench: db, ${opts.rounds} rounds × ${conditions.length} conditions × (${opts.warmup > 0 ? `${opts.warmup} s warm-up; ` : ''}redis-benchmark -n ${REDIS_REQUESTS} -c 20 -t set,get; pgbench -c 4 -T ${opts.seconds})${pinned ? ', clients on CPU 1' : ''}`);
    for (let round = 0; round < opts.rounds; round++) {
      const shift = round % conditions.length;
      const order = [...conditions.slice(shift), ...conditions.slice(0, shift)];
      for (const condition of order) {
        const attached = await condition.start();
        try {
          if (opts.warmup > 0) {
            const redisUntil = performance.now() + (opts.warmup / 2) * 1000;
            do workloads.redis(); while (performance.now() < redisUntil);
            runPgbench(pg.clientEnv, Math.max(1, Math.round(opts.warmup / 2)), clientCpu);
            // The warm-up's last records must not land in the measured counts.
            await sleep(condition.name === 'sonde' ? 2500 : 0);
          }
          for (const [name, system, service] of [['redis', 'redis', 'redis-benchmark'], ['postgresql', 'postgresql', 'pgbench']] as const) {
            const before = await dbRecords(attached, system, service);
            const serverPid = name === 'redis' ? redis.pid : pg.pid;
            const cpuBefore = serverCpuSeconds(serverPid);
            const result = workloads[name]();
            // Records of the last operations may still be in flight (owner wait, sweep), and
            // kernel tallies reach the metrics one to two seconds after their exchanges. The
            // postmaster reaps pgbench's backends (their CPU joins its own) within the wait.
            await sleep(condition.name === 'sonde' ? 2500 : 300);
            const cpuAfter = serverCpuSeconds(serverPid);
            const serverCpuUsPerOp = cpuBefore === null || cpuAfter === null || result.operations === 0
              ? null : ((cpuAfter - cpuBefore) / result.operations) * 1e6;
            const records = condition.name === 'sonde' ? (await dbRecords(attached, system, service)) - before : null;
            measurements.push({ round, workload: name, condition: condition.name, ...result, records, serverCpuUsPerOp });
            console.error(`round ${round + 1} ${condition.name} ${name}: ${Math.round(result.opsPerSecond)} ops/s` +
              (serverCpuUsPerOp === null ? '' : `, server ${serverCpuUsPerOp.toFixed(2)} µs/op`) +
              (records === null ? '' : `, ${records}/${result.operations} records (${(records / result.operations).toFixed(4)})`));
          }
        } finally {
          await attached.stop();
        }
        await sleep(500);
      }
    }
  } finally {
    await redis.stop();
    await pg.stop();
  }

  const summary: Record<string, unknown> = {};
  const lines: string[] = ['', 'bench/db (medians of interleaved rounds; ratios against the baseline, or the skb floor, of the same round)', ''];
  lines.push('| workload | baseline ops/s | sonde ops/s | kept | skb floor kept | sonde ÷ skb floor | completeness | targets |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
  const range = (x: { median: number; min: number; max: number }, digits: number): string =>
    `${x.median.toFixed(digits)} (${x.min.toFixed(digits)}–${x.max.toFixed(digits)})`;
  const cpuLines: string[] = ['', 'server CPU per operation, µs (redis-server; PostgreSQL postmaster + backends), and per-round ratios to the baseline', '',
    '| workload | baseline | sonde | skb floor | sonde ÷ baseline | skb floor ÷ baseline |', '| --- | --- | --- | --- | --- | --- |'];
  for (const workload of ['redis', 'postgresql'] as const) {
    const of = (c: DbConditionName) => measurements.filter((m) => m.workload === workload && m.condition === c);
    const ratios = (over: DbConditionName, under: DbConditionName, pick: (m: Measurement) => number | null = (m) => m.opsPerSecond): number[] => {
      const out: number[] = [];
      for (let r = 0; r < opts.rounds; r++) {
        const a = of(over).find((m) => m.round === r);
        const b = of(under).find((m) => m.round === r);
        const [x, y] = [a ? pick(a) : null, b ? pick(b) : null];
        if (x !== null && y !== null && y > 0) out.push(x / y);
      }
      return out;
    };
    const completeness = of('sonde').map((m) => (m.records ?? 0) / m.operations);
    const k = spread(ratios('sonde', 'baseline'));
    const floorKept = spread(ratios('skb-floor', 'baseline'));
    const ofFloor = spread(ratios('sonde', 'skb-floor'));
    const c = spread(completeness);
    const cpuOf = (cond: DbConditionName): number[] => of(cond).map((m) => m.serverCpuUsPerOp).filter((v): v is number => v !== null);
    const serverCpu = {
      usPerOp: Object.fromEntries((['baseline', 'sonde', 'skb-floor'] as const).map((cond) => [cond, cpuOf(cond).length === 0 ? null : spread(cpuOf(cond))])),
      sondeOfBaseline: ratios('sonde', 'baseline', (m) => m.serverCpuUsPerOp),
      skbFloorOfBaseline: ratios('skb-floor', 'baseline', (m) => m.serverCpuUsPerOp),
    };
    cpuLines.push(`| ${workload} | ${(['baseline', 'sonde', 'skb-floor'] as const).map((cond) => (cpuOf(cond).length === 0 ? 'n/a' : range(spread(cpuOf(cond)), 2))).join(' | ')} | ` +
      `${serverCpu.sondeOfBaseline.length === 0 ? 'n/a' : range(spread(serverCpu.sondeOfBaseline), 3)} | ${serverCpu.skbFloorOfBaseline.length === 0 ? 'n/a' : range(spread(serverCpu.skbFloorOfBaseline), 3)} |`);
    summary[workload] = {
      baselineOpsPerSecond: median(of('baseline').map((m) => m.opsPerSecond)),
      sondeOpsPerSecond: median(of('sonde').map((m) => m.opsPerSecond)),
      kept: k,
      skbFloorKept: floorKept,
      sondeOfSkbFloor: ofFloor,
      completeness: c,
      serverCpu,
      meetsKeptTarget: k.median >= TARGET_KEPT,
      meetsCompletenessTarget: c.median >= TARGET_COMPLETENESS,
    };
    lines.push(`| ${workload} | ${Math.round(median(of('baseline').map((m) => m.opsPerSecond)))} | ${Math.round(median(of('sonde').map((m) => m.opsPerSecond)))} | ` +
      `${range(k, 3)} | ${range(floorKept, 3)} | ${range(ofFloor, 3)} | ${range(c, 4)} | ` +
      `kept ≥ ${TARGET_KEPT} ${k.median >= TARGET_KEPT ? 'met' : 'MISSED'}, completeness ≥ ${TARGET_COMPLETENESS} ${c.median >= TARGET_COMPLETENESS ? 'met' : 'MISSED'} |`);
  }
  console.log([...lines, ...cpuLines].join('\n'));
  const path = writeResultsFile('db', startedAt, {
    bench: 'db',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `node ${process.argv.slice(1).join(' ')}`,
    options: opts,
    sondeEnv: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SONDE_'))),
    machine: { cpus: cpus().length, kernel: release(), node: process.version, loadavgEnd: loadavg() },
    targets: { kept: TARGET_KEPT, completeness: TARGET_COMPLETENESS },
    summary,
    measurements,
  });
  console.log(`\nsummary: ${path}`);
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(`bench: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
