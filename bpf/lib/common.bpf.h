/* Kernel-side helpers shared by sonde's BPF programs. */
#ifndef SONDE_COMMON_BPF_H
#define SONDE_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

/* TCP states as include/net/tcp_states.h numbers them (a stable ABI: they appear in /proc/net/tcp). */
enum {
	SONDE_TCP_ESTABLISHED = 1,
	SONDE_TCP_SYN_SENT = 2,
	SONDE_TCP_SYN_RECV = 3,
	SONDE_TCP_FIN_WAIT1 = 4,
	SONDE_TCP_FIN_WAIT2 = 5,
	SONDE_TCP_TIME_WAIT = 6,
	SONDE_TCP_CLOSE = 7,
	SONDE_TCP_CLOSE_WAIT = 8,
	SONDE_TCP_LAST_ACK = 9,
	SONDE_TCP_LISTEN = 10,
	SONDE_TCP_CLOSING = 11,
};

#define SONDE_IPPROTO_TCP 6
#define SONDE_IPPROTO_UDP 17
#define SONDE_E2BIG 7

/*
 * Wake-up flag for a ring buffer record. The kernel's adaptive default wakes the reader only for
 * the first record after the ring went empty: an idle reader sleeps until there is work, and a
 * busy one (gathering a batch for its drain interval, native/ringbuf.c) is not woken per record.
 * Once a quarter of the ring is pending the wake-up is forced, to cut the gathering short.
 * Never BPF_RB_NO_WAKEUP: a reader asleep on an empty ring would not hear of that record.
 */
#define SONDE_RB_WAKEUP(pending, ring_bytes) ((pending) > (ring_bytes) / 4 ? BPF_RB_FORCE_WAKEUP : 0)

#endif
