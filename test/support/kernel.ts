import type { TestContext } from 'node:test';
import { existsSync } from 'node:fs';

/** Why kernel tests cannot run here, or null when they can. */
export function kernelUnavailableReason(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'no kernel BTF (/sys/kernel/btf/vmlinux)';
  return null;
}

/**
 * Skips a kernel test where the kernel cannot be used — except under CI=true, where a skipped
 * kernel test would hide a broken capture path, so it fails instead.
 * Returns true when the test should go on.
 */
export function requireKernel(t: TestContext): boolean {
  const reason = kernelUnavailableReason();
  if (reason === null) return true;
  if (process.env.CI === 'true') throw new Error(`kernel test cannot run under CI: ${reason}`);
  t.skip(reason);
  return false;
}
