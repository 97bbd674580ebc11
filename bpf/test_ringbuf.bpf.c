// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only: records of varying sizes into a one-page ring, so that many of them wrap past its
 * end. Each getppid() of process `target_tgid` writes record `seq` of 8 + (seq * 37) % 500
 * bytes: the sequence number, then its low byte repeated. test/ring-buffer-wrap.test.ts checks
 * every record that arrives, byte for byte. Never loaded by the agent.
 */
#include "lib/common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define TEST_RING_BYTES 4096
#define TEST_MAX_RECORD 512

const volatile __u32 target_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TEST_RING_BYTES);
} test_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[TEST_MAX_RECORD]);
} test_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} test_counters SEC(".maps"); /* [0] records written, [1] records the full ring refused */

SEC("tp/syscalls/sys_enter_getppid")
int test_ringbuf(void *ctx)
{
	__u32 zero = 0, one = 1, seq, size;
	__u64 *written, *refused;
	__u8 *buf;

	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	written = bpf_map_lookup_elem(&test_counters, &zero);
	refused = bpf_map_lookup_elem(&test_counters, &one);
	buf = bpf_map_lookup_elem(&test_scratch, &zero);
	if (!written || !refused || !buf)
		return 0;
	seq = (__u32)__sync_fetch_and_add(written, 1);
	size = 8 + (seq * 37) % 500;
	*(__u32 *)buf = seq;
	*(__u32 *)(buf + 4) = size;
	for (int i = 8; i < TEST_MAX_RECORD; i++)
		buf[i] = (__u8)seq;
	/* At most 507: read back and masked, so the verifier sees the bound clang knew. */
	size = *(volatile __u32 *)(buf + 4) & (TEST_MAX_RECORD - 1);
	if (bpf_ringbuf_output(&test_events, buf, size, 0))
		__sync_fetch_and_add(refused, 1);
	return 0;
}
