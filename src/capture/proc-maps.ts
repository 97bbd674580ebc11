// The files a process has mapped, from /proc/<pid>/maps: where its TLS library lives.

/** A file mapped into a process: identified by device and inode (the same file under any path). */
export interface MappedFile {
  /** `major:minor` in hex, as the kernel prints it (`fe:00`). */
  dev: string;
  inode: number;
  /** The path in the process's mount namespace. */
  path: string;
}

/** Distinct files of file-backed mappings; deleted files (replaced on disk) and pseudo-files are left out. */
export function parseProcMaps(text: string): MappedFile[] {
  const seen = new Set<string>();
  const out: MappedFile[] = [];
  for (const line of text.split('\n')) {
    // address perms offset dev inode path — the path may contain spaces: split only the first five fields.
    const m = /^\S+\s+\S+\s+\S+\s+([0-9a-f]+:[0-9a-f]+)\s+(\d+)\s+(\/.*)$/.exec(line);
    if (m === null) continue;
    const inode = Number(m[2]);
    const path = m[3] ?? '';
    if (inode === 0 || path.endsWith(' (deleted)')) continue;
    const dev = m[1] ?? '';
    const key = `${dev}:${inode}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ dev, inode, path });
  }
  return out;
}

/** `major:minor` in hex of a stat() device number (glibc's encoding), to match /proc/<pid>/maps. */
export function deviceName(dev: number): string {
  const hi = Math.floor(dev / 4294967296);
  const lo = dev >>> 0;
  const major = ((lo >>> 8) & 0xfff) | ((hi & 0xfffff000) >>> 0);
  const minor = ((lo & 0xff) | ((lo >>> 12) & 0xfff00) | ((hi & 0xfff) << 20)) >>> 0;
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

/** The key a binary is attached under: the same file through any path or mount namespace. */
export function fileKey(dev: string, inode: number): string {
  return `${dev}:${inode}`;
}
