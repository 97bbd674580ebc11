/* Slots of doctor.bpf.c's hit counters: one per hook kind `sonde doctor` tries. */
#ifndef SONDE_DOCTOR_H
#define SONDE_DOCTOR_H

enum sonde_doctor_slot {
	DOCTOR_SLOT_TRACEPOINT = 0,
	DOCTOR_SLOT_BTF_TRACEPOINT = 1,
	DOCTOR_SLOT_RAW_TRACEPOINT = 2,
	DOCTOR_SLOT_UPROBE = 3,
	DOCTOR_SLOT_PERF_EVENT = 4,
	DOCTOR_SLOT_CGROUP_SKB = 5,
	DOCTOR_SLOT_SOCKOPS = 6,
	DOCTOR_SLOT_KPROBE = 7,
	DOCTOR_SLOT_FENTRY = 8,
	DOCTOR_SLOT_RINGBUF = 9,
	DOCTOR_SLOT_COUNT = 10,
};

struct sonde_doctor_event {
	__u32 slot;
	__u32 pid;
};

#endif
