// The real `bin/sonde` against the real kernel: `sonde up` serves flows it saw on a loopback
// connection this test makes, exits cleanly, and leaves no BPF program behind however it dies;
// `sonde flows --json` filters by port; the startup errors an operator meets say what to fix.
//
// Another sonde (a benchmark) may run on this machine at the same time: every check here is
// scoped to our own ports and to the programs our own agent process held.
import { after, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/kernel/package-root.js';
import type { FlowRecord } from '../src/telemetry/flow-record.js';
import { requireKernel } from './support/kernel.js';

const SONDE = join(packageRoot(), 'bin', 'sonde');
const PROMTOOL = '/usr/bin/promtool';
const SETPRIV = '/usr/bin/setpriv';
/** Generous: loading BPF on a loaded 2-core machine can take seconds. */
const READY_TIMEOUT_MS = 90_000;
const EXIT_TIMEOUT_MS = 30_000;

const CONTRACT_KEYS = [
  'start', 'end', 'duration_ms', 'pid', 'comm', 'exe', 'service_name', 'peer_service', 'container_id', 'direction',
  'family', 'local_addr', 'local_port', 'remote_addr', 'remote_port', 'bytes_sent', 'bytes_received', 'segments_sent',
  'segments_received', 'retransmits', 'srtt_us', 'status', 'partial', 'owner_source', 'socket_cookie',
].sort();

const CLIENT_BYTES = 4242;
const SERVER_BYTES = 777;

// ---- child processes ----------------------------------------------------------------------

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Sonde {
  child: ChildProcess;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<Exit>;
  /** Whether it has exited yet. */
  done: () => Exit | null;
}

const children = new Set<Sonde>();
const cleanups: Array<() => void | Promise<void>> = [];

/** The environment without SONDE_* settings of whoever runs the tests. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SONDE_') && k !== 'MALLOC_ARENA_MAX') env[k] = v;
  // Each agent its own history: nothing on disk, nothing shared with the next test.
  env.SONDE_STORE = ':memory:';
  return env;
}

function startSonde(args: string[], opts: { via?: string[] } = {}): Sonde {
  const argv = opts.via ? [...opts.via, SONDE, ...args] : [SONDE, ...args];
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() });
  let out = '';
  let err = '';
  let exit: Exit | null = null;
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    // 'close' rather than 'exit': all output has been read by then.
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  assert.ok(child.pid, `spawned ${argv.join(' ')}`);
  const s: Sonde = { child, pid: child.pid, stdout: () => out, stderr: () => err, exited, done: () => exit };
  children.add(s);
  return s;
}

/** Scheduling policy of each thread of a process, from /proc/<pid>/task/<tid>/sched. */
function threadPolicies(pid: number): Array<{ tid: number; comm: string; policy: number }> {
  return readdirSync(`/proc/${pid}/task`).map((t) => ({
    tid: Number(t),
    comm: readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(),
    policy: Number(/^policy\s+:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/task/${t}/sched`, 'utf8'))?.[1] ?? -1),
  }));
}

async function waitExit(s: Sonde, what: string, timeoutMs = EXIT_TIMEOUT_MS): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: pid ${s.pid} did not exit within ${timeoutMs / 1000} s\n--- stderr ---\n${s.stderr()}`)), timeoutMs);
  });
  try {
    return await Promise.race([s.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns a value; fails naming `what` after `timeoutMs`. */
async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, context: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError === undefined ? '' : ` (last error: ${(lastError as Error).message})`;
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${why}${context()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const stderrOf = (s: Sonde) => () => `\n--- sonde stderr ---\n${s.stderr()}`;

/** Waits for the "ready" log line of `sonde up` and returns the ports it bound. */
async function waitReady(s: Sonde): Promise<{ api: number; health: number }> {
  return waitFor('the "ready" line of sonde up', () => {
    const m = /ready in \d+ ms: UI and API on http:\/\/127\.0\.0\.1:(\d+)\/ \(metrics at \/metrics\), health on http:\/\/127\.0\.0\.1:(\d+)\/readyz/.exec(s.stderr());
    if (m) return { api: Number(m[1]), health: Number(m[2]) };
    const exit = s.done();
    if (exit) throw new Error(`sonde up exited before it was ready (code ${String(exit.code)}, signal ${String(exit.signal)})`);
    return undefined;
  }, READY_TIMEOUT_MS, stderrOf(s));
}

after(async () => {
  for (const s of children) {
    if (s.done() === null) {
      s.child.kill('SIGKILL');
      await waitExit(s, 'cleanup').catch(() => undefined);
    }
  }
  for (const c of cleanups.splice(0).reverse()) await c();
});

// ---- HTTP and TCP helpers -----------------------------------------------------------------

function httpGet(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      res.on('error', reject);
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`GET :${port}${path}: no answer within 15 s`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * A loopback TCP server that reads exactly CLIENT_BYTES, answers SERVER_BYTES, then closes
 * after the client does. Payload sizes are what the flow records must report.
 */
async function startEchoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((sock) => {
    let got = 0;
    sock.on('data', (c: Buffer) => {
      got += c.length;
      if (got === CLIENT_BYTES) sock.write(Buffer.alloc(SERVER_BYTES, 0x62));
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { server, port: (server.address() as AddressInfo).port };
}

/**
 * One connection: send CLIENT_BYTES, read SERVER_BYTES, close gracefully (client first).
 * Resolves when both our sockets are closed, with the client's local port.
 */
async function oneConnection(server: Server, port: number): Promise<number> {
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = createConnection({ host: '127.0.0.1', port });
  const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  let localPort = 0;
  const run = new Promise<void>((resolve, reject) => {
    let got = 0;
    client.once('error', reject);
    client.once('connect', () => {
      localPort = client.localPort ?? 0;
      client.write(Buffer.alloc(CLIENT_BYTES, 0x61));
    });
    client.on('data', (c: Buffer) => {
      got += c.length;
      if (got === SERVER_BYTES) {
        client.end();
        resolve();
      } else if (got > SERVER_BYTES) reject(new Error(`client read ${got} bytes, expected ${SERVER_BYTES}`));
    });
  });
  const serverSide = await accepted;
  const serverClosed = new Promise<void>((resolve) => serverSide.once('close', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`loopback exchange with :${port} did not finish within 15 s`)), 15_000);
  });
  try {
    await Promise.race([Promise.all([run, clientClosed, serverClosed]), timeout]);
  } finally {
    clearTimeout(timer);
    client.destroy();
  }
  assert.ok(localPort > 0, 'client got a local port');
  return localPort;
}

// ---- BPF ownership ------------------------------------------------------------------------

interface BpfProg {
  id: number;
  name?: string;
  pids?: { pid: number; comm: string }[];
}

function loadedPrograms(): BpfProg[] {
  const r = spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `bpftool -j prog show: ${r.stderr}`);
  return JSON.parse(r.stdout) as BpfProg[];
}

/**
 * BPF program ids a live process holds open, directly (prog fds) or through links, read from
 * /proc/<pid>/fdinfo. This bpftool is built without skeletons, so `bpftool prog show` has no
 * `pids` field here; fdinfo is the kernel's own word on what the process owns.
 */
function programsHeldBy(pid: number): Set<number> {
  const ids = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile
    }
    const m = /^prog_id:\s*(\d+)$/m.exec(info);
    if (m) ids.add(Number(m[1]));
  }
  return ids;
}

/** The flow_* programs the running agent `pid` holds; asserts it holds the core ones. */
function flowProgramsOf(pid: number): Map<number, string> {
  const held = programsHeldBy(pid);
  const byId = new Map(loadedPrograms().map((p) => [p.id, p]));
  const flows = new Map<number, string>();
  for (const id of held) {
    const name = byId.get(id)?.name ?? '';
    if (name.startsWith('flow_')) flows.set(id, name);
  }
  const names = [...flows.values()];
  for (const core of ['flow_set_state', 'flow_first_read']) assert.ok(names.includes(core), `agent ${pid} holds ${core}; it holds ${names.join(', ') || 'none'}`);
  // Non-vacuous for bpftools that report owners: ours must be listed as owning them.
  for (const p of loadedPrograms()) {
    if (flows.has(p.id) && p.pids !== undefined) assert.ok(p.pids.some((o) => o.pid === pid), `bpftool lists pid ${pid} as an owner of ${p.name}`);
  }
  return flows;
}

/** Waits until none of `ids` is loaded and no program lists `pid` as its owner. */
async function assertReleased(pid: number, ids: Map<number, string>): Promise<void> {
  // The kernel frees programs after an RCU grace period: poll, bounded.
  await waitFor(`the kernel to unload the BPF programs of the dead agent ${pid}`, () => {
    const left = loadedPrograms().filter((p) => ids.has(p.id) || (p.pids ?? []).some((o) => o.pid === pid));
    return left.length === 0 ? true : undefined;
  }, 20_000, () => {
    const left = loadedPrograms().filter((p) => ids.has(p.id) || (p.pids ?? []).some((o) => o.pid === pid));
    return `; still loaded: ${left.map((p) => `${p.id} ${p.name ?? '?'}`).join(', ')}`;
  });
}

function commOfThisProcess(): string {
  return readFileSync('/proc/self/comm', 'utf8').replace(/\n$/, '');
}

function assertContractShape(r: unknown, line: string): asserts r is FlowRecord {
  assert.ok(typeof r === 'object' && r !== null && !Array.isArray(r), `a JSON object: ${line}`);
  assert.deepEqual(Object.keys(r).sort(), CONTRACT_KEYS, `exactly the contract keys: ${line}`);
}

/** Checks the two records of one oneConnection() exchange with our own process. */
function assertOurExchange(records: FlowRecord[], serverPort: number, clientPort: number): void {
  const outbound = records.filter((r) => r.direction === 'outbound' && r.remote_port === serverPort && r.local_port === clientPort);
  const inbound = records.filter((r) => r.direction === 'inbound' && r.local_port === serverPort && r.remote_port === clientPort);
  const all = JSON.stringify(records, null, 1);
  assert.equal(outbound.length, 1, `one outbound (client) record for 127.0.0.1:${clientPort} -> :${serverPort} in ${all}`);
  assert.equal(inbound.length, 1, `one inbound (server) record for :${serverPort} <- :${clientPort} in ${all}`);
  const [out, inn] = [outbound[0]!, inbound[0]!];
  const comm = commOfThisProcess();
  const exe = realpathSync(process.execPath);
  for (const [side, r] of [['client', out], ['server', inn]] as const) {
    assert.equal(r.pid, process.pid, `${side}: pid is the test process`);
    assert.equal(r.comm, comm, `${side}: comm is the test process's (${comm})`);
    assert.equal(r.exe, exe, `${side}: exe`);
    assert.equal(r.family, 'ipv4', `${side}: family`);
    assert.equal(r.local_addr, '127.0.0.1', `${side}: local_addr`);
    assert.equal(r.remote_addr, '127.0.0.1', `${side}: remote_addr`);
    assert.equal(r.status, 'closed', `${side}: a graceful close`);
    assert.equal(r.partial, false, `${side}: seen from the start`);
    // Not asserted to be 0: a loss probe can fire even on loopback when this machine is busy.
    assert.ok(Number.isInteger(r.retransmits) && r.retransmits >= 0, `${side}: retransmits`);
    assert.ok(r.segments_sent > 0 && r.segments_received > 0, `${side}: segments counted`);
    assert.ok(r.duration_ms >= 0, `${side}: duration`);
    assert.ok(Date.parse(r.start) <= Date.parse(r.end), `${side}: start <= end`);
    assert.ok(r.socket_cookie > 0, `${side}: socket cookie`);
    assert.ok(r.service_name.length > 0, `${side}: a service name`);
  }
  assert.equal(out.bytes_sent, CLIENT_BYTES, 'client bytes_sent');
  assert.equal(out.bytes_received, SERVER_BYTES, 'client bytes_received');
  assert.equal(inn.bytes_sent, SERVER_BYTES, 'server bytes_sent');
  assert.equal(inn.bytes_received, CLIENT_BYTES, 'server bytes_received');
  assert.equal(out.owner_source, 'connect');
  assert.equal(inn.owner_source, 'accept');
  assert.notEqual(out.socket_cookie, inn.socket_cookie, 'two sockets');
  assert.equal(out.peer_service, inn.service_name, 'the client sees the local server as its peer service');
}

function findPromtool(t: TestContext): string | undefined {
  const r = spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' });
  if (r.error === undefined && r.status === 0) return PROMTOOL;
  if (process.env.CI === 'true') assert.fail(`${PROMTOOL} not installed (Debian package "prometheus"); required under CI=true`);
  t.diagnostic(`${PROMTOOL} not installed: the exposition is not checked with promtool`);
  return undefined;
}

function promtoolCheck(tool: string, text: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-agent-metrics-'));
  try {
    const file = join(dir, 'metrics.prom');
    writeFileSync(file, text);
    const fd = openSync(file, 'r');
    try {
      const r = spawnSync(tool, ['check', 'metrics'], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
      if (r.error) throw r.error;
      return { status: r.status, output: `${r.stdout}${r.stderr}` };
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-agent-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const UP_ON_FREE_PORTS = ['up', '--listen', '127.0.0.1:0', '--health-listen', '127.0.0.1:0'];

// ---- the tests ----------------------------------------------------------------------------

describe('sonde up (real agent, real kernel)', { timeout: 240_000 }, () => {
  it('serves the flows of a real loopback connection, valid /metrics, and exits 0 on SIGTERM leaving no program loaded', async (t) => {
    if (!requireKernel(t)) return;
    // --duration is only a safety net here: SIGTERM ends it long before.
    const sonde = startSonde([...UP_ON_FREE_PORTS, '--duration', '120s']);
    const ports = await waitReady(sonde);
    assert.doesNotMatch(sonde.stderr(), /degraded/, 'every probe attached on this kernel');

    const ready = await httpGet(ports.health, '/readyz');
    assert.equal(ready.status, 200, `readyz: ${ready.body}`);
    assert.match(ready.body, /^ready/);
    assert.equal((await httpGet(ports.health, '/healthz')).status, 200);
    const programs = flowProgramsOf(sonde.pid);

    const { server, port } = await startEchoServer();
    const clientPort = await oneConnection(server, port);

    const records = await waitFor(`both ends of 127.0.0.1:${clientPort} -> :${port} in /api/v1/flows`, async () => {
      const reply = await httpGet(ports.api, `/api/v1/flows?port=${port}`);
      assert.equal(reply.status, 200, reply.body);
      const list = JSON.parse(reply.body) as FlowRecord[];
      const ours = list.filter((r) => (r.local_port === port && r.remote_port === clientPort) || (r.remote_port === port && r.local_port === clientPort));
      return ours.length >= 2 ? list : undefined;
    }, 30_000, stderrOf(sonde));
    for (const r of records) {
      assertContractShape(r, JSON.stringify(r));
      assert.ok(r.local_port === port || r.remote_port === port, `port filter: ${JSON.stringify(r)}`);
    }
    assertOurExchange(records, port, clientPort);

    const status = await httpGet(ports.api, '/api/v1/status');
    assert.equal(status.status, 200);
    const st = JSON.parse(status.body) as { ready: boolean; flows_seen: number; l7_parse_priority: string | null };
    assert.equal(st.ready, true);
    assert.ok(st.flows_seen >= 2, `flows_seen ${st.flows_seen}`);
    // l7.parse_priority idle (the default): the watchdog at SCHED_OTHER (0) always, to promote
    // the others. (The main thread, node's helpers and the ring buffer consumers follow
    // traffic: at SCHED_IDLE while it flows; test/l7-idle-parsing.test.ts.)
    assert.equal(st.l7_parse_priority, 'idle');
    const threads = threadPolicies(sonde.pid);
    const watchdog = threads.filter((x) => x.comm === 'sonde-watchdog');
    assert.deepEqual(watchdog.map((x) => x.policy), [0], JSON.stringify(threads));
    // bin/sonde caps glibc's malloc arenas at two (docs/resources.md, "Two malloc arenas").
    const environ = readFileSync(`/proc/${sonde.pid}/environ`, 'utf8').split('\0');
    assert.ok(environ.includes('MALLOC_ARENA_MAX=2'), `MALLOC_ARENA_MAX in the agent's environment: ${environ.filter((e) => e.startsWith('MALLOC')).join(' ') || 'none'}`);

    const metrics = await httpGet(ports.api, '/metrics');
    assert.equal(metrics.status, 200);
    assert.equal(metrics.type, 'text/plain; version=0.0.4; charset=utf-8');
    const out = records.find((r) => r.direction === 'outbound')!;
    const peer = out.peer_service || `127.0.0.1:${port}`;
    const sentLine = metrics.body.split('\n').find((l) => l.startsWith(`sonde_tcp_bytes_total{service_name="${out.service_name}",peer="${peer}",direction="sent"} `));
    assert.ok(sentLine, `a bytes series for our client in\n${metrics.body}`);
    assert.ok(Number(sentLine.slice(sentLine.lastIndexOf(' ') + 1)) >= CLIENT_BYTES, sentLine);
    assert.match(metrics.body, new RegExp(`^sonde_tcp_connections_total\\{service_name="${out.service_name}",peer="${peer}",direction="outbound",status="closed"\\} [1-9]`, 'm'));
    const tool = findPromtool(t);
    if (tool !== undefined) {
      const check = promtoolCheck(tool, metrics.body);
      assert.equal(check.status, 0, `promtool check metrics exited ${String(check.status)}:\n${check.output}\n--- /metrics ---\n${metrics.body}`);
    }

    sonde.child.kill('SIGTERM');
    const exit = await waitExit(sonde, 'sonde up after SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, `clean exit on SIGTERM${stderrOf(sonde)()}`);
    assert.match(sonde.stderr(), /stopping \(signal\)/);
    await assertReleased(sonde.pid, programs);
  });

  it('/readyz answers 200 only once the L7 probes are loaded and attached too (their load runs beside the flow probes\')', async (t) => {
    if (!requireKernel(t)) return;
    const healthPort = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const sonde = startSonde(['up', '--listen', '127.0.0.1:0', '--health-listen', `127.0.0.1:${healthPort}`, '--duration', '60s']);
    let status = 0;
    for (let i = 0; i < 1000 && status !== 200; i++) {
      status = await httpGet(healthPort, '/readyz').then((r) => r.status, () => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(status, 200, `never ready${stderrOf(sonde)()}`);
    const byId = new Map(loadedPrograms().map((p) => [p.id, p.name]));
    const held = [...programsHeldBy(sonde.pid)].map((id) => byId.get(id));
    for (const name of ['flow_set_state', 'l7_egress', 'l7_ingress']) assert.ok(held.includes(name), `ready while ${name} was not loaded: ${held.join(', ')}`);
    sonde.child.kill('SIGTERM');
    await waitExit(sonde, 'sonde up after SIGTERM');
  });

  it('leaves no program loaded after kill -9 (programs live only as long as the agent\'s fds)', async (t) => {
    if (!requireKernel(t)) return;
    const sonde = startSonde([...UP_ON_FREE_PORTS, '--duration', '120s']);
    await waitReady(sonde);
    const programs = flowProgramsOf(sonde.pid);
    sonde.child.kill('SIGKILL');
    const exit = await waitExit(sonde, 'sonde up after SIGKILL');
    assert.deepEqual(exit, { code: null, signal: 'SIGKILL' });
    await assertReleased(sonde.pid, programs);
  });

  it('exits 1 naming the address and --listen when the port is taken', async (t) => {
    if (!requireKernel(t)) return;
    const busy = createServer();
    await new Promise<void>((resolve, reject) => {
      busy.once('error', reject);
      busy.listen(0, '127.0.0.1', () => resolve());
    });
    cleanups.push(() => new Promise<void>((resolve) => busy.close(() => resolve())));
    const port = (busy.address() as AddressInfo).port;
    const sonde = startSonde(['up', '--listen', `127.0.0.1:${port}`, '--health-listen', '127.0.0.1:0', '--duration', '60s']);
    const exit = await waitExit(sonde, 'sonde up on a busy port', READY_TIMEOUT_MS);
    assert.deepEqual(exit, { code: 1, signal: null }, sonde.stderr());
    assert.ok(sonde.stderr().includes(`127.0.0.1:${port}`), `stderr names the address:\n${sonde.stderr()}`);
    assert.ok(sonde.stderr().includes('--listen'), `stderr names --listen:\n${sonde.stderr()}`);
    assert.doesNotMatch(sonde.stderr(), /\bready in \d+ ms/, 'never became ready');
  });
});

describe('sonde startup errors', { timeout: 120_000 }, () => {
  it('exits 2 on an unknown config key, naming it and suggesting the right one', async () => {
    // Config is validated before anything needs root: no kernel needed.
    const file = tempFile('sonde.yaml', 'listn: x\n');
    const sonde = startSonde(['up', '--config', file, '--listen', '127.0.0.1:0', '--health-listen', '127.0.0.1:0', '--duration', '5s']);
    const exit = await waitExit(sonde, 'sonde up with a bad config');
    assert.deepEqual(exit, { code: 2, signal: null }, sonde.stderr());
    assert.ok(sonde.stderr().includes(file), `names the file:\n${sonde.stderr()}`);
    assert.match(sonde.stderr(), /\blistn: unknown key/, 'names the key');
    assert.match(sonde.stderr(), /did you mean listen\?/, 'suggests listen');
    assert.doesNotMatch(sonde.stderr(), /\bready in \d+ ms/, 'never became ready');
  });

  it('refuses to run without root, saying root or CAP_BPF is needed', async (t) => {
    const args = [...UP_ON_FREE_PORTS, '--duration', '5s'];
    let via: string[] | undefined;
    if (typeof process.getuid === 'function' && process.getuid() === 0) {
      // Drop to nobody. Without setpriv we cannot shed root, and then there is nothing to test.
      if (spawnSync(SETPRIV, ['--version'], { stdio: 'ignore' }).status !== 0) {
        if (process.env.CI === 'true') assert.fail(`${SETPRIV} (util-linux) is required under CI=true`);
        t.skip(`${SETPRIV} not available to drop root`);
        return;
      }
      via = [SETPRIV, '--reuid=65534', '--regid=65534', '--clear-groups'];
    }
    const sonde = startSonde(args, via ? { via } : {});
    const exit = await waitExit(sonde, 'sonde up as nobody');
    assert.equal(exit.signal, null, sonde.stderr());
    assert.equal(exit.code, 1, `exit code:\n${sonde.stderr()}`);
    assert.match(sonde.stderr(), /not running as root/);
    assert.match(sonde.stderr(), /needs root \(or CAP_BPF/);
    assert.doesNotMatch(sonde.stderr(), /\bready in \d+ ms|unexpected error/);
  });
});

describe('sonde flows --json (real kernel)', { timeout: 180_000 }, () => {
  it('prints only flows with the --port at one end, one contract-shaped JSON object per line', async (t) => {
    if (!requireKernel(t)) return;
    const watched = await startEchoServer();
    const other = await startEchoServer();
    const sonde = startSonde(['flows', '--json', '--port', String(watched.port), '--duration', '8s']);
    await waitFor('"watching TCP connections" from sonde flows', () => {
      if (sonde.stderr().includes('watching TCP connections')) return true;
      const exit = sonde.done();
      if (exit) throw new Error(`sonde flows exited early (code ${String(exit.code)})`);
      return undefined;
    }, READY_TIMEOUT_MS, stderrOf(sonde));

    // The unwatched connection first: its close events are in the ring buffer before the
    // watched one's, so once the watched flows are printed the other one was seen and dropped.
    const otherClient = await oneConnection(other.server, other.port);
    const watchedClient = await oneConnection(watched.server, watched.port);

    const parse = (): FlowRecord[] => sonde.stdout().split('\n').filter((l) => l !== '').map((line) => {
      let r: unknown;
      assert.doesNotThrow(() => (r = JSON.parse(line)), `valid JSON: ${line}`);
      assertContractShape(r, line);
      return r;
    });
    await waitFor(`both ends of :${watchedClient} -> :${watched.port} on stdout`, () => {
      const n = parse().filter((r) => (r.local_port === watched.port && r.remote_port === watchedClient) || (r.remote_port === watched.port && r.local_port === watchedClient)).length;
      return n >= 2 ? true : undefined;
    }, 30_000, () => `\n--- stdout ---\n${sonde.stdout()}${stderrOf(sonde)()}`);

    const exit = await waitExit(sonde, 'sonde flows --duration 8s', 60_000);
    assert.deepEqual(exit, { code: 0, signal: null }, sonde.stderr());
    assert.ok(sonde.stdout().endsWith('\n'), 'every line is complete');
    const records = parse();
    for (const r of records) {
      assert.ok(r.local_port === watched.port || r.remote_port === watched.port, `only :${watched.port} flows: ${JSON.stringify(r)}`);
      assert.ok(r.local_port !== other.port && r.remote_port !== other.port, `the :${other.port} flow (client :${otherClient}) is filtered out`);
    }
    assertOurExchange(records, watched.port, watchedClient);
  });
});
