/** The on-CPU time of a /proc/<tid>/schedstat line ("<on-cpu ns> <waiting ns> <timeslices>"). */
export function parseSchedstatNs(line: string): number {
  const field = line.trim().split(/\s+/)[0] ?? '';
  const ns = /^\d+$/.test(field) ? Number(field) : Number.NaN;
  if (!Number.isSafeInteger(ns)) throw new Error(`unreadable schedstat: ${JSON.stringify(line)}`);
  return ns;
}
