import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';

export const BTF_PATH = '/sys/kernel/btf/vmlinux';

/** Capabilities sonde needs, by bit number in the CapEff mask (linux/capability.h). */
export const REQUIRED_CAPABILITIES = [
  { name: 'CAP_BPF', bit: 39 },
  { name: 'CAP_PERFMON', bit: 38 },
  { name: 'CAP_NET_ADMIN', bit: 12 },
] as const;

const CAP_SYS_ADMIN = 21;
/** Returning a thread from SCHED_IDLE to the normal class needs it (l7.parse_priority: idle). */
const CAP_SYS_NICE = 23;
// The kernel's bpf_capable() and perfmon_capable() also accept CAP_SYS_ADMIN (and kernels before
// 5.8 know only that), so a process holding it is not missing these two.
const SYS_ADMIN_COVERS = new Set<string>(['CAP_BPF', 'CAP_PERFMON']);

export interface CapabilityState {
  name: string;
  bit: number;
  effective: boolean;
}

export interface Privileges {
  /** Effective uid, or null where the platform has none. */
  uid: number | null;
  root: boolean;
  /** CapEff as /proc/self/status shows it (hex), or null when it could not be read. */
  capEff: string | null;
  capabilities: CapabilityState[];
  /** Names of required capabilities this process lacks. */
  missing: string[];
  sufficient: boolean;
  /** CAP_SYS_NICE held: L7 parsing can run at SCHED_IDLE (else at the normal class). */
  idleParsing: boolean;
}

export interface SystemFacts {
  kernel: string;
  btf: { available: boolean; path: string };
  privileges: Privileges;
  cgroup2: { mounted: boolean; path: string | null };
}

/** Pure: the CapEff mask from /proc/<pid>/status text, or null when absent or malformed. */
export function parseCapEff(statusText: string): bigint | null {
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText);
  if (!m?.[1]) return null;
  return BigInt(`0x${m[1]}`);
}

export function hasCapability(mask: bigint, bit: number): boolean {
  return ((mask >> BigInt(bit)) & 1n) === 1n;
}

/**
 * Pure: whether a process with this euid and CapEff may load and attach sonde's programs.
 * Capabilities decide; uid 0 alone decides only when CapEff is unknown, because a root process
 * in an unprivileged container has uid 0 and none of them.
 */
export function assessPrivileges(uid: number | null, capEff: bigint | null): Privileges {
  const root = uid === 0;
  const capabilities = REQUIRED_CAPABILITIES.map(({ name, bit }) => ({
    name,
    bit,
    effective: capEff === null
      ? root
      : hasCapability(capEff, bit) || (SYS_ADMIN_COVERS.has(name) && hasCapability(capEff, CAP_SYS_ADMIN)),
  }));
  const missing = capabilities.filter((c) => !c.effective).map((c) => c.name);
  return {
    uid,
    root,
    capEff: capEff === null ? null : capEff.toString(16).padStart(16, '0'),
    capabilities,
    missing,
    sufficient: missing.length === 0,
    idleParsing: capEff === null ? root : hasCapability(capEff, CAP_SYS_NICE),
  };
}

/** /proc/mounts escapes blanks and backslashes in paths as octal (`\040`). */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Pure: where cgroup v2 is mounted according to /proc/mounts text, or null. */
export function parseCgroup2Mount(mountsText: string): string | null {
  for (const line of mountsText.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[2] === 'cgroup2' && fields[1] !== undefined) return unescapeMountPath(fields[1]);
  }
  return null;
}

/** Pure: the C library mapped into a process, from /proc/<pid>/maps text, or null. */
export function parseLibcPath(mapsText: string): string | null {
  for (const line of mapsText.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const path = fields.slice(5).join(' ');
    if (/\/libc(\.so(\.\d+)*|-[\d.]+\.so)$/.test(path)) return path;
  }
  return null;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export function readPrivileges(): Privileges {
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : null;
  const status = readText('/proc/self/status');
  return assessPrivileges(uid, status === null ? null : parseCapEff(status));
}

export function readCgroup2Mount(): string | null {
  const mounts = readText('/proc/mounts');
  return mounts === null ? null : parseCgroup2Mount(mounts);
}

export function readLibcPath(): string | null {
  const maps = readText('/proc/self/maps');
  return maps === null ? null : parseLibcPath(maps);
}

/** Facts about this machine and process that need no BPF; never throws. */
export function readSystemFacts(): SystemFacts {
  const cgroup2 = readCgroup2Mount();
  return {
    kernel: release(),
    btf: { available: existsSync(BTF_PATH), path: BTF_PATH },
    privileges: readPrivileges(),
    cgroup2: { mounted: cgroup2 !== null, path: cgroup2 },
  };
}
