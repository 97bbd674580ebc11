import { BpfError } from '../kernel/errors.js';
import { CaptureError } from './capture-error.js';

/** Loads interrupted by a signal (EAGAIN) are tried this many times in all. */
export const LOAD_ATTEMPTS = 5;

/**
 * Whether a load failed only because a signal arrived while the verifier worked: it then gives
 * up with EAGAIN (seen under `node --cpu-prof`, whose SIGPROF ticks every millisecond). The
 * error may be the BpfError itself or a CaptureError explaining it.
 */
export function interruptedBySignal(err: unknown): boolean {
  const cause = err instanceof CaptureError ? err.cause : err;
  return cause instanceof BpfError && cause.code === 'EAGAIN';
}

/** Runs `load` again while it fails with interruptedBySignal, up to `attempts` times in all. */
export function retryInterruptedLoad<T>(load: () => T, attempts = LOAD_ATTEMPTS): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return load();
    } catch (err) {
      if (attempt >= attempts || !interruptedBySignal(err)) throw err;
    }
  }
}

/** retryInterruptedLoad for a load that runs on another thread. */
export async function retryInterruptedLoadAsync<T>(load: () => Promise<T>, attempts = LOAD_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await load();
    } catch (err) {
      if (attempt >= attempts || !interruptedBySignal(err)) throw err;
    }
  }
}
