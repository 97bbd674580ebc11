// The only module that loads the addon (DESIGN.md: src/kernel/ is the kernel boundary).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BpfError } from './errors.js';
import { packageRoot } from './package-root.js';

export type NativeHandle = { readonly __brand: 'native-handle' };

export interface NativeProgramInfo { name: string; section: string; type: string; autoload: boolean }
export interface NativeMapInfo { name: string; type: string; keySize: number; valueSize: number; maxEntries: number; fd: number }
export interface NativeRingbufStats { records: number; batches: number; bytes: number; pollErrors: number; lastError: number }

export interface NativeAddon {
  setErrorClass(cls: typeof BpfError): void;
  numPossibleCpus(): number;
  objectOpen(path: string): NativeHandle;
  objectClose(obj: NativeHandle): void;
  objectLoad(obj: NativeHandle): void;
  objectLoadAsync(obj: NativeHandle): Promise<void>;
  objectPrograms(obj: NativeHandle): NativeProgramInfo[];
  objectMaps(obj: NativeHandle): NativeMapInfo[];
  objectSetAutoload(obj: NativeHandle, prog: string, autoload: boolean): void;
  objectSetMaxEntries(obj: NativeHandle, map: string, maxEntries: number): void;
  objectSetGlobal(obj: NativeHandle, name: string, value: Buffer): void;
  objectMapFd(obj: NativeHandle, map: string): number;
  attach(obj: NativeHandle, prog: string): NativeHandle;
  attachUprobe(obj: NativeHandle, prog: string, binary: string, func: string, pid: number, retprobe: boolean): NativeHandle;
  attachPerfEvent(obj: NativeHandle, prog: string, perfFd: number): NativeHandle;
  attachCgroup(obj: NativeHandle, prog: string, cgroupPath: string): NativeHandle;
  linkDestroy(link: NativeHandle): void;
  /** Detaches links in a reaper process that exits on its own (uprobe detaches are slow). */
  linksReleaseDetached(links: NativeHandle[]): void;
  mapLookup(fd: number, key: Buffer, valueSize: number): Buffer | null;
  mapUpdate(fd: number, key: Buffer, value: Buffer, flags: number): void;
  mapDelete(fd: number, key: Buffer): boolean;
  mapNextKey(fd: number, key: Buffer | null, keySize: number): Buffer | null;
  mapCount(fd: number, keySize: number): number;
  mapDump(fd: number, keySize: number, valueSize: number, max: number): { keys: Buffer; values: Buffer; count: number };
  ringbufOpen(mapFd: number, onBatch: (buffer: ArrayBuffer, index: Uint32Array, drained: boolean) => void, intervalMs: number, queueDepth: number, acknowledged: boolean): NativeHandle;
  /** Acknowledged mode: one handed-over batch is done with. */
  ringbufRelease(rb: NativeHandle): void;
  ringbufClose(rb: NativeHandle): void;
  ringbufStats(rb: NativeHandle): NativeRingbufStats;
  perfEventOpen(type: number, config: number, sampleFreq: number, pid: number, cpu: number): number;
  closeFd(fd: number): void;
  /** SCHED_IDLE for the calling thread (true), or back to SCHED_OTHER (false). */
  threadSetIdle(idle: boolean, tid?: number): void;
  idleWatchdog(limitMs: number): void;
  idlePromotions(): number;
  watchdogCompanions(tids: number[]): void;
}

let loaded: NativeAddon | undefined;

/** Loads build/Release/sonde_native.node once, with BpfError injected as its error class. */
export function native(): NativeAddon {
  if (loaded) return loaded;
  const path = join(packageRoot(), 'build', 'Release', 'sonde_native.node');
  const require = createRequire(import.meta.url);
  let addon: NativeAddon;
  try {
    addon = require(path) as NativeAddon;
  } catch (err) {
    throw new Error(`sonde: cannot load the native addon at ${path} (run \`npm ci\` to build it): ${(err as Error).message}`);
  }
  addon.setErrorClass(BpfError);
  loaded = addon;
  return addon;
}
