/**
 * The connect/transfer/close loop on loopback: a server process and, per measurement, a fresh
 * client process. On two or more CPUs they are pinned apart (server on CPU 0, client on CPU 1)
 * so the scheduler does not move them between rounds; agents are left unpinned, because where
 * their CPU time comes from is part of what is measured.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ClientResult } from './client.js';
import { collectOutput, track } from './processes.js';

export type { ClientResult } from './client.js';

export const WORKLOAD = {
  requestBytes: 4096,
  responseBytes: 4096,
  /** Enough connections in flight to keep the client busy while one waits on the server. */
  concurrency: 8,
} as const;

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const canPin = availableParallelism() >= 2 && spawnSync('taskset', ['-V']).status === 0;

function nodeCommand(script: string, args: readonly (string | number)[], cpu: number): [string, string[]] {
  const node = [process.execPath, here(script), ...args.map(String)];
  return canPin ? ['taskset', ['-c', String(cpu), ...node]] : [node[0]!, node.slice(1)];
}

export interface WorkloadServer {
  port: number;
  pid: number;
  pinned: boolean;
  stop(): Promise<void>;
}

export async function startServer(): Promise<WorkloadServer> {
  const [cmd, args] = nodeCommand('server.js', [WORKLOAD.requestBytes, WORKLOAD.responseBytes], 0);
  const child = track(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`workload server exited (${code}) before listening`)));
    child.once('error', reject);
  });
  return {
    port,
    pid: child.pid!,
    pinned: canPin,
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** One measurement: a client process hammering the server for `seconds`. */
export async function runClient(port: number, seconds: number): Promise<ClientResult> {
  const [cmd, args] = nodeCommand('client.js', [port, seconds, WORKLOAD.concurrency, WORKLOAD.requestBytes, WORKLOAD.responseBytes], 1);
  const child = track(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const { code, stdout, stderr } = await collectOutput(child);
  if (code !== 0) throw new Error(`workload client exited ${code}: ${stderr.trim()}`);
  return JSON.parse(stdout.trim()) as ClientResult;
}
