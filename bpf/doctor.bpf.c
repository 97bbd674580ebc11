// SPDX-License-Identifier: GPL-2.0
/*
 * One tiny program per hook kind. `sonde doctor` loads each alone, attaches it, makes it fire
 * and reads its slot: a hook "works" only when it was seen to run, not when a version says so.
 */
#include "lib/common.bpf.h"
#include "doctor.h"

char LICENSE[] SEC("license") = "GPL";

const enum sonde_doctor_slot *unused_slot __attribute__((unused));
const struct sonde_doctor_event *unused_event __attribute__((unused));

/* Only the doctor's own process counts, so unrelated activity cannot fake a pass. */
const volatile __u32 target_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DOCTOR_SLOT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} doctor_events SEC(".maps");

static __always_inline void hit(__u32 slot)
{
	__u64 *count = bpf_map_lookup_elem(&hits, &slot);
	if (count)
		__sync_fetch_and_add(count, 1);
}

static __always_inline bool mine(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

SEC("tp/syscalls/sys_enter_getppid")
int doctor_tracepoint(void *ctx)
{
	if (mine())
		hit(DOCTOR_SLOT_TRACEPOINT);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(doctor_btf_tracepoint, struct task_struct *parent, struct task_struct *child)
{
	if (BPF_CORE_READ(parent, tgid) == target_tgid)
		hit(DOCTOR_SLOT_BTF_TRACEPOINT);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int doctor_raw_tracepoint(void *ctx)
{
	if (mine())
		hit(DOCTOR_SLOT_RAW_TRACEPOINT);
	return 0;
}

SEC("uprobe")
int doctor_uprobe(void *ctx)
{
	if (mine())
		hit(DOCTOR_SLOT_UPROBE);
	return 0;
}

SEC("perf_event")
int doctor_perf_event(void *ctx)
{
	if (mine())
		hit(DOCTOR_SLOT_PERF_EVENT);
	return 0;
}

SEC("cgroup_skb/egress")
int doctor_cgroup_skb(struct __sk_buff *skb)
{
	hit(DOCTOR_SLOT_CGROUP_SKB);
	return 1;
}

SEC("sockops")
int doctor_sockops(struct bpf_sock_ops *ops)
{
	hit(DOCTOR_SLOT_SOCKOPS);
	return 1;
}

SEC("kprobe/do_nanosleep")
int doctor_kprobe(void *ctx)
{
	if (mine())
		hit(DOCTOR_SLOT_KPROBE);
	return 0;
}

SEC("fentry/do_nanosleep")
int BPF_PROG(doctor_fentry)
{
	if (mine())
		hit(DOCTOR_SLOT_FENTRY);
	return 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int doctor_ringbuf(void *ctx)
{
	struct sonde_doctor_event *e;

	if (!mine())
		return 0;
	e = bpf_ringbuf_reserve(&doctor_events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->slot = DOCTOR_SLOT_RINGBUF;
	e->pid = target_tgid;
	bpf_ringbuf_submit(e, 0);
	hit(DOCTOR_SLOT_RINGBUF);
	return 0;
}
