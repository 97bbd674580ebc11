/** Fields the native addon attaches to every failure. */
export interface BpfErrorDetails {
  code: string;
  errno: number;
  op: string;
  log: string;
}

/**
 * A failed libbpf or bpf(2) operation. `log` holds what libbpf printed during the call —
 * for a load failure, the verifier log.
 */
export class BpfError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly op: string;
  readonly log: string;

  constructor(message: string, details: BpfErrorDetails) {
    super(message);
    this.name = 'BpfError';
    this.code = details.code;
    this.errno = details.errno;
    this.op = details.op;
    this.log = details.log;
  }

  /** Missing privileges (not root, or no CAP_BPF/CAP_PERFMON/CAP_NET_ADMIN). */
  get permissionDenied(): boolean {
    return this.code === 'EPERM' || this.code === 'EACCES';
  }
}

export function isBpfError(err: unknown): err is BpfError {
  return err instanceof BpfError;
}

/** The last lines of a verifier log: the reason is at the end, and logs run to megabytes. */
export function verifierLogTail(log: string, lines = 20): string {
  const all = log.trimEnd().split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}
