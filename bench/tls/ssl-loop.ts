/**
 * The per-call cost of the TLS uprobes: ssl-loop.c (one SSL_write + one SSL_read per iteration,
 * in memory, one thread) built here with the system's OpenSSL and run pinned, with and without
 * sonde attached; every call is HTTP/1 plaintext sonde captures.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectOutput, track } from '../flows/processes.js';
import { BpfObject } from '../../src/kernel/bpf-object.js';
import { bpfObjectPath } from '../../src/kernel/package-root.js';

const SOURCE = fileURLToPath(new URL('../../../bench/tls/ssl-loop.c', import.meta.url));

/** Builds the loop; returns its path and the libssl it links, or why it cannot be built. */
export function buildSslLoop(): { path: string; libssl: string } | { error: string } {
  const out = join(mkdtempSync(join(tmpdir(), 'sonde-ssl-loop-')), 'ssl-loop');
  const r = spawnSync('cc', ['-O2', '-o', out, SOURCE, '-lssl', '-lcrypto'], { encoding: 'utf8' });
  if (r.error) return { error: `cc not found: ${r.error.message}` };
  if (r.status !== 0) return { error: `building ssl-loop failed (libssl-dev?): ${r.stderr.trim()}` };
  const libssl = /libssl\.so\S* => (\S+)/.exec(spawnSync('ldd', [out], { encoding: 'utf8' }).stdout ?? '')?.[1];
  if (libssl === undefined) return { error: 'ldd does not show the libssl ssl-loop links' };
  return { path: out, libssl };
}

/**
 * The uprobe floor: the loop with a near-empty program (one hash-map delete that misses) on the
 * entry of SSL_write and SSL_read, and nothing else — what any uprobe costs on this machine.
 */
export async function runSslLoopUprobeFloor(binary: string, libssl: string, cert: { cert: string; key: string }, iterations: number, cpu: number | null): Promise<number> {
  const object = BpfObject.open(bpfObjectPath('l7')).onlyPrograms(['l7_ssl_free']).load();
  try {
    for (const func of ['SSL_write', 'SSL_read']) object.attachUprobe('l7_ssl_free', { binary: libssl, func });
    return await runSslLoop(binary, cert, iterations, cpu);
  } finally {
    object.close();
  }
}

/** Nanoseconds per iteration (two SSL calls). */
export async function runSslLoop(binary: string, cert: { cert: string; key: string }, iterations: number, cpu: number | null): Promise<number> {
  const args = [cert.cert, cert.key, String(iterations)];
  const child = track(cpu === null ? spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn('taskset', ['-c', String(cpu), binary, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const { code, stdout, stderr } = await collectOutput(child);
  if (code !== 0) throw new Error(`ssl-loop exited ${code}: ${stderr.trim()}`);
  return (JSON.parse(stdout) as { nsPerIteration: number }).nsPerIteration;
}
