import { readdir, readlink } from 'node:fs/promises';

const SCAN_BATCH = 16;
const SOCKET_LINK = /^socket:\[(\d+)\]$/;

/** Pure: the inode named by an fd link such as `socket:[12345]`, or null for any other target. */
export function parseSocketLink(target: string): number | null {
  const match = SOCKET_LINK.exec(target);
  if (match === null || match[1] === undefined) return null;
  const inode = Number(match[1]);
  return Number.isSafeInteger(inode) ? inode : null;
}

/** Pids listed in a /proc directory, ascending. Only process (tgid) directories are listed there. */
export async function listPids(procRoot = '/proc'): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(procRoot);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of names) {
    if (/^[1-9]\d*$/.test(name)) pids.push(Number(name));
  }
  return pids.sort((a, b) => a - b);
}

/** Socket inodes held open by one process; empty when it has gone or its fds are unreadable. */
export async function readSocketInodes(pid: number, procRoot = '/proc'): Promise<number[]> {
  const fdDir = `${procRoot}/${pid}/fd`;
  let fds: string[];
  try {
    fds = await readdir(fdDir);
  } catch {
    return [];
  }
  const targets = await Promise.all(
    fds.map((fd) => readlink(`${fdDir}/${fd}`).catch(() => null)),
  );
  const inodes: number[] = [];
  for (const target of targets) {
    const inode = target === null ? null : parseSocketLink(target);
    if (inode !== null) inodes.push(inode);
  }
  return inodes;
}

/**
 * Maps every socket inode open in any process to the lowest pid holding it (a forked worker
 * shares its parent's sockets; the parent is the better owner). Threads are never visited:
 * /proc lists only thread-group leaders and we do not descend into task/. Processes that exit
 * mid-scan are simply missing from the result.
 */
export async function scanSocketInodes(procRoot = '/proc'): Promise<Map<number, number>> {
  const owners = new Map<number, number>();
  const pids = await listPids(procRoot);
  // Bounded fan-out: enough to overlap syscalls, few enough not to flood the libuv pool.
  for (let i = 0; i < pids.length; i += SCAN_BATCH) {
    const batch = pids.slice(i, i + SCAN_BATCH);
    const results = await Promise.all(batch.map((pid) => readSocketInodes(pid, procRoot)));
    // Results are merged in ascending pid order, so the first writer is the lowest pid.
    results.forEach((inodes, j) => {
      const pid = batch[j];
      if (pid === undefined) return;
      for (const inode of inodes) if (!owners.has(inode)) owners.set(inode, pid);
    });
  }
  return owners;
}
