import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const TRACEFS = '/sys/kernel/tracing';

export type TracefsState = 'mounted' | 'mounted-now' | 'unavailable';

function mountedAt(path: string): boolean {
  try {
    return readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === path && l.split(' ')[2] === 'tracefs');
  } catch {
    return false;
  }
}

/**
 * libbpf finds `tp/` tracepoints' ids in tracefs, which a fresh machine may not have mounted.
 * Mounts it when missing. `tp_btf/` and `raw_tp/` programs do not need it.
 */
export function ensureTracefs(): { state: TracefsState; detail: string } {
  if (existsSync(`${TRACEFS}/events`) || mountedAt(TRACEFS)) return { state: 'mounted', detail: TRACEFS };
  if (existsSync('/sys/kernel/debug/tracing/events')) return { state: 'mounted', detail: '/sys/kernel/debug/tracing' };
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS], { stdio: 'pipe' });
    return { state: 'mounted-now', detail: `mounted tracefs at ${TRACEFS}` };
  } catch (err) {
    const msg = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    return { state: 'unavailable', detail: `cannot mount tracefs at ${TRACEFS}: ${msg}` };
  }
}
