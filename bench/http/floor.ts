/**
 * The floor loader, run as its own process by the benches: loads one of the floor objects through
 * the project's kernel facade, attaches every program, prints one JSON line `{"attached":[names]}`
 * and holds them until SIGTERM/SIGINT, until its stdin closes (the bench died) or for MAX_SECONDS.
 * The links die with the process, so even SIGKILL detaches them.
 * - `syscall_floor`: empty programs on sys_enter/sys_exit of read, write, writev, recvfrom and
 *   sendto (the hook most agents capture L7 data with);
 * - `skb_floor`: empty cgroup_skb ingress and egress programs at the cgroup v2 root (sonde's own
 *   capture hook, before any of its work).
 *
 * usage: node dist/bench/http/floor.js OBJECT MAX_SECONDS
 */
import { readCgroup2Mount } from '../../src/capture/doctor/system-facts.js';
import { BpfObject } from '../../src/kernel/bpf-object.js';
import { bpfObjectPath } from '../../src/kernel/package-root.js';

export const FLOOR_OBJECTS = ['syscall_floor', 'skb_floor'] as const;
const objectName = process.argv[2] ?? '';
if (!(FLOOR_OBJECTS as readonly string[]).includes(objectName)) throw new Error(`floor: OBJECT must be one of ${FLOOR_OBJECTS.join(', ')}, got ${objectName}`);
const maxSeconds = Number(process.argv[3] ?? 600);
if (!(maxSeconds > 0)) throw new Error(`floor: MAX_SECONDS must be positive, got ${process.argv[3]}`);

const object = BpfObject.open(bpfObjectPath(objectName)).load();
const programs = object.programs();
if (programs.length === 0) throw new Error(`floor: ${objectName}.bpf.o has no programs`);
const cgroup = readCgroup2Mount();
for (const program of programs) {
  if (program.section.startsWith('cgroup_skb/')) {
    if (cgroup === null) throw new Error('floor: no cgroup v2 hierarchy mounted');
    object.attachCgroup(program.name, cgroup);
  } else {
    object.attach(program.name);
  }
}
const names = programs.map((p) => p.name);

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
