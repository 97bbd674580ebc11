// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only: makes TCP retransmit. Drops the first transmission of every `drop_every`-th data
 * segment sent to `target_port`, at cgroup egress, so the kernel retransmits it and the
 * receiver sees later segments first. Used by test/http-retransmit.test.ts to prove L7
 * reassembly yields no ghost or missing requests. Never loaded by the agent.
 */
#include "lib/common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u16 target_port = 0;
const volatile __u32 drop_every = 3;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);  /* sequence number of a dropped segment */
	__type(value, __u8);
} dropped SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps"); /* [0] data segments seen, [1] dropped */

SEC("cgroup_skb/egress")
int test_drop(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	__u32 zero = 0, one = 1, seq;
	__u64 *seen, *drops;
	__u8 ihl, doff, mark = 1;
	__be32 seq_be;
	__u32 payload_off;

	if (!sk || skb->protocol != 0x0008 /* IPv4 */)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk || sk->protocol != SONDE_IPPROTO_TCP || bpf_ntohs(sk->dst_port) != target_port)
		return 1;
	if (bpf_skb_load_bytes(skb, 0, &ihl, 1))
		return 1;
	ihl = (ihl & 0x0f) * 4;
	if (bpf_skb_load_bytes(skb, ihl + 12, &doff, 1) || bpf_skb_load_bytes(skb, ihl + 4, &seq_be, 4))
		return 1;
	payload_off = ihl + (doff >> 4) * 4;
	if (skb->len <= payload_off)
		return 1;
	seq = bpf_ntohl(seq_be);
	if (bpf_map_lookup_elem(&dropped, &seq))
		return 1; /* the retransmission goes through */
	seen = bpf_map_lookup_elem(&counters, &zero);
	drops = bpf_map_lookup_elem(&counters, &one);
	if (!seen || !drops)
		return 1;
	if (__sync_fetch_and_add(seen, 1) % drop_every != 1)
		return 1;
	bpf_map_update_elem(&dropped, &seq, &mark, BPF_ANY);
	__sync_fetch_and_add(drops, 1);
	return 0;
}
