// SPDX-License-Identifier: GPL-2.0
/*
 * Empty cgroup_skb programs on ingress and egress: the overhead floor of sonde's own capture
 * hook (socket-level programs at the cgroup v2 root), measured by the benches beside sonde.
 * Never loaded by the agent.
 */
#include "lib/common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("cgroup_skb/ingress")
int skb_floor_ingress(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup_skb/egress")
int skb_floor_egress(struct __sk_buff *skb)
{
	return 1;
}
