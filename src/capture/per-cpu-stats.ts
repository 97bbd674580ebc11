import type { BpfMap } from '../kernel/bpf-map.js';

/**
 * Sums a per-CPU array's single struct of u64 counters over all CPUs, using the struct's
 * generated reader (so no field is named here).
 */
export function sumPerCpuStats<T extends object>(map: BpfMap, size: number, read: (view: DataView, at: number) => T): T {
  const sum = read(new DataView(new ArrayBuffer(size)), 0) as Record<string, number>;
  for (const value of map.lookupPerCpu(Buffer.alloc(4)) ?? []) {
    const one = read(new DataView(value.buffer, value.byteOffset, value.byteLength), 0) as Record<string, number>;
    for (const key of Object.keys(sum)) sum[key] = (sum[key] ?? 0) + (one[key] ?? 0);
  }
  return sum as T;
}
