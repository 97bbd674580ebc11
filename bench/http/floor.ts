/**
 * The syscall-floor loader, run as its own process by the bench: loads bpf/build/syscall_floor.bpf.o
 * (empty programs on sys_enter/sys_exit of read, write, writev, recvfrom and sendto) through the
 * project's kernel facade, attaches every program, prints one JSON line `{"attached":[names]}` and
 * holds them until SIGTERM/SIGINT, until its stdin closes (the bench died) or for MAX_SECONDS.
 * The links die with the process, so even SIGKILL detaches them.
 *
 * usage: node dist/bench/http/floor.js MAX_SECONDS
 */
import { BpfObject } from '../../src/kernel/bpf-object.js';
import { bpfObjectPath } from '../../src/kernel/package-root.js';

const maxSeconds = Number(process.argv[2] ?? 600);
if (!(maxSeconds > 0)) throw new Error(`floor: MAX_SECONDS must be positive, got ${process.argv[2]}`);

const object = BpfObject.open(bpfObjectPath('syscall_floor')).load();
const names = object.programs().map((p) => p.name);
if (names.length === 0) throw new Error('floor: syscall_floor.bpf.o has no programs');
for (const name of names) object.attach(name);

const stop = (): void => {
  object.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.once('end', stop);
process.stdin.once('error', stop);
process.stdin.resume();
setTimeout(stop, maxSeconds * 1000).unref();
process.stdout.write(`${JSON.stringify({ attached: names })}\n`);
