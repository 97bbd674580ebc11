/**
 * The three conditions a measurement runs under, each with the same start/sample/stop shape:
 * nothing attached, `sonde up`, and bcc's libbpf-tools tcplife as the reference peer.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ownedBpfProgIds, procCpuSeconds, waitDetached } from './host.js';
import { sleep, track, waitExit } from './processes.js';

export type ConditionName = 'baseline' | 'sonde' | 'tcplife';

/** Agent counters at one instant; a measurement takes the difference of two. */
export interface AgentSample {
  /** From the agent itself where it reports it (sonde), else from /proc. */
  cpuSeconds: number;
  /** sonde only: sonde_tcp_connections_total summed over all series. */
  connections: number | null;
  ringbufDropped: number | null;
  pipelineDropped: number | null;
}

export interface Attached {
  /** The agent's process, if there is one. */
  pid: number | null;
  /** sondeBuildDigest() as the agent was started, for sonde. */
  build: string | null;
  /** From spawn to ready (sonde: /readyz answered 200); null for baseline. */
  readyMs: number | null;
  /** What the agent itself logged as its start-up time, where it does. */
  readyLoggedMs: number | null;
  progIds: readonly number[];
  /** sonde only: where it serves its Prometheus text, for benches that read more than `sample`. */
  metricsUrl?: string;
  sample(): Promise<AgentSample | null>;
  /** Stops the agent cleanly and checks its BPF programs are gone. */
  stop(): Promise<'verified' | 'unverified' | 'nothing attached'>;
}

export interface Condition {
  name: ConditionName;
  /** Why it cannot run on this machine, or null. */
  unavailable(): string | null;
  start(): Promise<Attached>;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const sondeBin = `${repoRoot}bin/sonde`;
/** libbpf-tools' tcplife (Debian: libbpf-tools); TCPLIFE=path for another build of it. */
const TCPLIFE = process.env.TCPLIFE ?? '/usr/sbin/tcplife';
const isRoot = (): boolean => process.getuid?.() === 0;

export const baseline: Condition = {
  name: 'baseline',
  unavailable: () => null,
  start: async () => ({
    pid: null,
    build: null,
    readyMs: null,
    readyLoggedMs: null,
    progIds: [],
    sample: async () => null,
    stop: async () => 'nothing attached',
  }),
};

/** node:http rather than fetch: fetch loads undici on first use, which would bill round 1's start-up. */
export function httpGet(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (address !== null && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Sums every series of each named metric in Prometheus text; a metric absent is null. */
export function sumMetrics(text: string, names: readonly string[]): Map<string, number | null> {
  const sums = new Map<string, number | null>(names.map((n) => [n, null]));
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const nameEnd = line.search(/[{\s]/);
    const name = line.slice(0, nameEnd);
    if (!sums.has(name)) continue;
    const rest = line[nameEnd] === '{' ? line.slice(line.lastIndexOf('}') + 1) : line.slice(nameEnd);
    const value = Number(rest.trim().split(/\s+/)[0]);
    sums.set(name, (sums.get(name) ?? 0) + value);
  }
  return sums;
}

/** One series of a metric in Prometheus text: its labels and value. */
export interface MetricSeries {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every series of the named metrics in Prometheus text, labels parsed (`\\`, `\"` and `\n` unescaped). */
export function metricSeries(text: string, names: readonly string[]): MetricSeries[] {
  const wanted = new Set(names);
  const series: MetricSeries[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const nameEnd = line.search(/[{\s]/);
    const name = line.slice(0, nameEnd);
    if (!wanted.has(name)) continue;
    const labels: Record<string, string> = {};
    let rest = line.slice(nameEnd);
    if (line[nameEnd] === '{') {
      const close = line.lastIndexOf('}');
      for (const m of line.slice(nameEnd + 1, close).matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      }
      rest = line.slice(close + 1);
    }
    series.push({ name, labels, value: Number(rest.trim().split(/\s+/)[0]) });
  }
  return series;
}

/**
 * A digest of the agent as built (compiled JS, BPF objects, the addon): sonde changes between
 * runs, and a result means little without knowing which build it measured. `extraFiles` (paths
 * from the checkout's root) are digested too: the BPF objects a bench exercises beyond flows.
 */
export function sondeBuildDigest(extraFiles: readonly string[] = []): string | null {
  const files = [
    ...extraFiles,
    ...readdirSync(`${repoRoot}dist/src`, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js')).map((f) => `dist/src/${f}`),
    'bpf/build/flows.bpf.o',
    'build/Release/sonde_native.node',
  ].sort();
  const hash = createHash('sha256');
  try {
    for (const f of files) hash.update(f).update(readFileSync(`${repoRoot}${f}`));
  } catch {
    return null;
  }
  return hash.digest('hex').slice(0, 16);
}

/** The line `sonde up` logs once ready: where its API (with /metrics) and its health endpoint listen. */
const READY_LINE = /ready in \d+ ms: UI and API on http:\/\/(\S+?)\/ .*health on http:\/\/(\S+?)\/readyz/;

/**
 * `sonde up` with its defaults. Its listeners go on free loopback ports the bench picks, or, with
 * `ephemeralPorts`, on port 0: the kernel picks, and the bench reads the ports from the log line.
 */
export function sondeCondition(opts: { maxSeconds: number; ephemeralPorts?: boolean; digestFiles?: readonly string[] }): Condition {
  return {
    name: 'sonde',
    unavailable: () => {
      if (!isRoot()) return 'sonde needs root to load BPF programs';
      if (!existsSync(`${repoRoot}dist/src/cli/main.js`)) return 'sonde is not built (npm run build)';
      return null;
    },
    start: async () => {
      const build = sondeBuildDigest(opts.digestFiles);
      const [port, healthPort] = opts.ephemeralPorts ? [0, 0] : [await freePort(), await freePort()];
      let hosts = opts.ephemeralPorts ? null : { api: `127.0.0.1:${port}`, health: `127.0.0.1:${healthPort}` };
      const started = performance.now();
      // --duration is a safety net only: a bench that dies must not leave probes attached for long.
      const child = track(spawn(sondeBin, ['up', '--duration', `${Math.ceil(opts.maxSeconds)}s`,
        '--listen', `127.0.0.1:${port}`, '--health-listen', `127.0.0.1:${healthPort}`], { stdio: ['ignore', 'ignore', 'pipe'] }));
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
      const fail = async (why: string): Promise<never> => {
        child.kill('SIGKILL');
        await waitExit(child, 5000);
        throw new Error(`sonde: ${why}\n${stderr.trim()}`);
      };

      let readyMs: number | null = null;
      while (readyMs === null) {
        if (child.exitCode !== null || child.signalCode !== null) return fail(`exited (${child.exitCode ?? child.signalCode}) before ready`);
        if (performance.now() - started > 30_000) return fail('not ready after 30 s');
        if (hosts === null) {
          const line = READY_LINE.exec(stderr);
          if (line) hosts = { api: line[1]!, health: line[2]! };
        }
        if (hosts !== null) {
          try {
            const res = await httpGet(`http://${hosts.health}/readyz`, 1000);
            if (res.status === 200) readyMs = performance.now() - started;
          } catch {
            // not listening yet
          }
        }
        if (readyMs === null) await sleep(10);
      }
      // The log line is written as readiness flips; give the pipe a moment to deliver it.
      for (let i = 0; i < 50 && !/ready in \d+ ms/.test(stderr); i++) await sleep(10);
      const logged = /ready in (\d+) ms/.exec(stderr);
      const progIds = ownedBpfProgIds(child.pid!);
      if (progIds.length === 0) return fail('ready, but holds no BPF programs');
      const metricsUrl = `http://${hosts!.api}/metrics`;

      return {
        pid: child.pid!,
        build,
        readyMs,
        readyLoggedMs: logged ? Number(logged[1]) : null,
        progIds,
        metricsUrl,
        sample: async () => {
          const res = await httpGet(metricsUrl, 5000);
          if (res.status !== 200) throw new Error(`sonde /metrics answered ${res.status}`);
          const m = sumMetrics(res.body, ['sonde_agent_cpu_seconds_total', 'sonde_tcp_connections_total', 'sonde_ringbuf_dropped_total', 'sonde_pipeline_dropped_total']);
          const cpu = m.get('sonde_agent_cpu_seconds_total');
          if (cpu === null || cpu === undefined) throw new Error('sonde /metrics has no sonde_agent_cpu_seconds_total');
          return {
            cpuSeconds: cpu,
            connections: m.get('sonde_tcp_connections_total') ?? 0,
            ringbufDropped: m.get('sonde_ringbuf_dropped_total') ?? null,
            pipelineDropped: m.get('sonde_pipeline_dropped_total') ?? null,
          };
        },
        stop: async () => {
          child.kill('SIGTERM');
          const code = await waitExit(child, 10_000);
          if (code === null) return fail('did not exit within 10 s of SIGTERM');
          if (code !== 0) throw new Error(`sonde: exited ${code} when stopped\n${stderr.trim()}`);
          return waitDetached('sonde', progIds);
        },
      };
    },
  };
}

export const tcplife: Condition = {
  name: 'tcplife',
  unavailable: () => {
    if (!existsSync(TCPLIFE)) return `${TCPLIFE} not found (Debian package libbpf-tools)`;
    if (!isRoot()) return 'tcplife needs root to load BPF programs';
    return null;
  },
  start: async () => {
    const started = performance.now();
    // 'ignore' is /dev/null: tcplife still formats and writes a line per connection, as in use.
    const child = track(spawn(TCPLIFE, [], { stdio: ['ignore', 'ignore', 'pipe'] }));
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const fail = async (why: string): Promise<never> => {
      child.kill('SIGKILL');
      await waitExit(child, 5000);
      throw new Error(`tcplife: ${why}\n${stderr.trim()}`);
    };
    // tcplife says nothing when it has attached; holding programs and a second's grace stand in.
    let progIds: number[] = [];
    while (progIds.length === 0 || performance.now() - started < 1000) {
      if (child.exitCode !== null || child.signalCode !== null) return fail(`exited (${child.exitCode ?? child.signalCode}) while attaching`);
      if (performance.now() - started > 10_000) return fail('holds no BPF programs after 10 s');
      await sleep(50);
      progIds = ownedBpfProgIds(child.pid!);
    }
    const pid = child.pid!;
    return {
      pid,
      build: null,
      readyMs: null,
      readyLoggedMs: null,
      progIds,
      sample: async () => ({ cpuSeconds: procCpuSeconds(pid), connections: null, ringbufDropped: null, pipelineDropped: null }),
      stop: async () => {
        child.kill('SIGINT');
        const code = await waitExit(child, 10_000);
        if (code === null) return fail('did not exit within 10 s of SIGINT');
        if (code !== 0) throw new Error(`tcplife: exited ${code} when stopped\n${stderr.trim()}`);
        return waitDetached('tcplife', progIds);
      },
    };
  },
};
