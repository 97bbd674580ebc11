import { BpfError, verifierLogTail } from '../kernel/errors.js';

/** A probe set could not start; `message` says what to do about it. */
export class CaptureError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'CaptureError';
  }
}

/** Turns a kernel-side failure into advice a user can act on. */
export function explainBpfFailure(what: string, err: unknown): CaptureError {
  if (err instanceof BpfError) {
    if (err.permissionDenied) {
      return new CaptureError(`${what}: permission denied (${err.code}). sonde needs root, or CAP_BPF + CAP_PERFMON + CAP_NET_ADMIN (run \`sonde doctor\`).`, err);
    }
    if (err.op === 'load') {
      return new CaptureError(`${what}: the kernel rejected the BPF program (${err.code}). Verifier log tail:\n${verifierLogTail(err.log, 15)}`, err);
    }
    return new CaptureError(`${what}: ${err.message}`, err);
  }
  return new CaptureError(`${what}: ${(err as Error)?.message ?? String(err)}`, err);
}
