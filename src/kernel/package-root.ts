import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root (where package.json is), found from this file whether run from src or dist. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bpf'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('sonde: cannot find the package root (package.json beside bpf/)');
    dir = parent;
  }
}

/** Path of a compiled BPF object, e.g. bpfObjectPath('flows') -> <root>/bpf/build/flows.bpf.o */
export function bpfObjectPath(name: string): string {
  return join(packageRoot(), 'bpf', 'build', `${name}.bpf.o`);
}
