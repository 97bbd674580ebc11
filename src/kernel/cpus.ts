import { native } from './native.js';

/** CPUs the kernel may bring online: the size of per-CPU maps. */
export function possibleCpus(): number {
  return native().numPossibleCpus();
}
