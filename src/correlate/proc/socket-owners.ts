import { readFile } from 'node:fs/promises';
import { parseProcNetTcp, unmapIPv4, type ProcSocket } from './proc-net-tcp.js';
import { scanSocketInodes } from './socket-inodes.js';

export interface SocketOwners {
  /** Keyed both by `"port"` and by `endpointKey(addr, port)`; lowest pid wins on shared ports. */
  listeners: Map<string, number>;
  /** Keyed by `fourTupleKey(...)` from the owner's point of view (local first). */
  connections: Map<string, { pid: number }>;
  /** Unparsable lines in /proc/net/tcp{,6}; exported as a self-metric by the caller. */
  malformed: number;
}

/**
 * `addr:port`, bracketing IPv6 (`[::1]:80`). IPv4-mapped addresses are reduced to IPv4 because
 * the same connection shows up as AF_INET6 in /proc and in dual-stack probes but as AF_INET in
 * others.
 */
export function endpointKey(addr: string, port: number): string {
  const plain = unmapIPv4(addr);
  return plain.includes(':') ? `[${plain}]:${port}` : `${plain}:${port}`;
}

export function fourTupleKey(
  localAddr: string,
  localPort: number,
  remoteAddr: string,
  remotePort: number,
): string {
  return `${endpointKey(localAddr, localPort)}->${endpointKey(remoteAddr, remotePort)}`;
}

/** Pure: joins parsed sockets with an inode→pid map. Sockets with no known owner are left out. */
export function buildSocketOwners(
  sockets: readonly ProcSocket[],
  inodeOwners: ReadonlyMap<number, number>,
  malformed = 0,
): SocketOwners {
  const listeners = new Map<string, number>();
  const connections = new Map<string, { pid: number }>();
  const keepLowest = (key: string, pid: number): void => {
    const existing = listeners.get(key);
    if (existing === undefined || pid < existing) listeners.set(key, pid);
  };
  for (const socket of sockets) {
    // Inode 0 means no file refers to the socket (TIME_WAIT, orphaned): nobody to name.
    if (socket.inode === 0) continue;
    const pid = inodeOwners.get(socket.inode);
    if (pid === undefined) continue;
    if (socket.state === 'LISTEN') {
      keepLowest(String(socket.localPort), pid);
      keepLowest(endpointKey(socket.localAddr, socket.localPort), pid);
    } else {
      const key = fourTupleKey(socket.localAddr, socket.localPort, socket.remoteAddr, socket.remotePort);
      const existing = connections.get(key);
      if (existing === undefined || pid < existing.pid) connections.set(key, { pid });
    }
  }
  return { listeners, connections, malformed };
}

/**
 * Owners of the TCP sockets that exist right now in the agent's network namespace
 * (`<procRoot>/net` is the reader's namespace), for naming connections and listeners opened
 * before the kernel probes were attached.
 */
export async function snapshotSocketOwners(procRoot = '/proc'): Promise<SocketOwners> {
  // Tables before fds: every listed socket still open during the scan then gets its owner;
  // the other order would leave sockets opened in between listed but ownerless.
  const [tcp, tcp6] = await Promise.all([
    readOptional(`${procRoot}/net/tcp`),
    readOptional(`${procRoot}/net/tcp6`),
  ]);
  const v4 = parseProcNetTcp(tcp, { ownedOnly: true });
  const v6 = parseProcNetTcp(tcp6, { ownedOnly: true });
  const inodeOwners = await scanSocketInodes(procRoot);
  return buildSocketOwners([...v4.sockets, ...v6.sockets], inodeOwners, v4.malformed + v6.malformed);
}

// tcp6 is absent when IPv6 is disabled; that is an empty table, not an error.
async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}
