// SPDX-License-Identifier: GPL-2.0
/*
 * Empty programs on the read/write family of syscall tracepoints: the overhead floor of the
 * capture design most agents use (per-syscall tracing), measured by bench/http beside sonde.
 * Never loaded by the agent.
 */
#include "lib/common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define FLOOR(name)                                   \
	SEC("tp/syscalls/sys_enter_" #name)          \
	int floor_enter_##name(void *ctx) { return 0; } \
	SEC("tp/syscalls/sys_exit_" #name)           \
	int floor_exit_##name(void *ctx) { return 0; }

FLOOR(read)
FLOOR(write)
FLOOR(writev)
FLOOR(recvfrom)
FLOOR(sendto)
