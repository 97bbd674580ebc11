// SPDX-License-Identifier: GPL-2.0
/*
 * TCP flow lifecycle from tracepoints only (no kprobes, no fentry: see DESIGN.md).
 *
 * Identity is taken where the owner is on the CPU: connect() makes the CLOSE->SYN_SENT
 * transition in the caller's context, the first recvmsg() on an accepted socket runs in the
 * reader's (tcp_rcv_space_adjust), and listen() makes the LISTEN transition in the listener's.
 * Every other transition may run in softirq or in the peer's task and only updates state keyed
 * by the socket's address.
 *
 * No syscall tracepoints: attaching any of them moves every syscall of every task onto the slow
 * path, which cost ~5% of a connection-heavy workload here (bench/flows).
 */
#include "lib/common.bpf.h"
#include "flows.h"

char LICENSE[] SEC("license") = "GPL";

/* Anchors the shared types in BTF so user-space layouts can be generated from this object. */
const struct sonde_flow_close_event *unused_close_event __attribute__((unused));
const struct sonde_flow_listen_event *unused_listen_event __attribute__((unused));
const struct sonde_flow_exec_event *unused_exec_event __attribute__((unused));
const struct sonde_flow_open_event *unused_open_event __attribute__((unused));
const enum sonde_flow_event_type *unused_event_type __attribute__((unused));
const enum sonde_flow_direction *unused_direction __attribute__((unused));
const enum sonde_flow_status *unused_status __attribute__((unused));
const enum sonde_flow_flags *unused_flags __attribute__((unused));

#define FLOW_RINGBUF_BYTES (4 * 1024 * 1024)

/* Set before load. exec events cost a ring-buffer record per execve: allow turning them off. */
const volatile bool emit_exec_events = true;
/* Open events cost one record per connection; only L7 capture needs them. */
const volatile bool emit_open_events = true;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sonde_flow_state);
} flow_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, FLOW_RINGBUF_BYTES);
} flow_events SEC(".maps");

/*
 * Marks accepted sockets whose owner is not known yet (1; 0 once claimed). flow_first_read runs
 * on every TCP read on the host; the marker (a socket-local lookup) lets it return before the
 * flow table's hash lookup for all the sockets it has nothing to do with.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64); /* 64 bits: the only width atomic exchange has at clang's default BPF CPU */
} flow_unclaimed SEC(".maps");

/*
 * Markers at 1: accepted sockets neither claimed nor closed yet. While there are none (a host
 * whose connections are long-lived), flow_first_read returns before its socket-local lookup.
 * Every 1 -> 0 of a marker is an exchange, so claim and close never both count one down.
 */
__s64 unclaimed_sockets = 0;

/* Clears a socket's marker; true if it was set (the caller then owns that unit of the count). */
static __always_inline bool unmark_unclaimed(const struct sock *sk)
{
	__u64 *unclaimed = bpf_sk_storage_get(&flow_unclaimed, (struct sock *)sk, 0, 0);

	if (!unclaimed || !*unclaimed || __sync_lock_test_and_set(unclaimed, 0) == 0)
		return false;
	__sync_fetch_and_add(&unclaimed_sockets, -1);
	return true;
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sonde_flow_stats);
} flow_stats_map SEC(".maps");

/*
 * A busy host costs one wake-up per drain interval, not one per connection (the wake-up's
 * irq_work and the reader's context switches cost more than the event itself): see
 * SONDE_RB_WAKEUP.
 */
static __always_inline void submit(void *event)
{
	__u64 pending = bpf_ringbuf_query(&flow_events, BPF_RB_AVAIL_DATA);

	bpf_ringbuf_submit(event, SONDE_RB_WAKEUP(pending, FLOW_RINGBUF_BYTES));
}

static __always_inline struct sonde_flow_stats *stats(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&flow_stats_map, &zero);
}

static __always_inline void read_addrs(const struct sock *sk, __u8 family, __u8 *local, __u8 *remote)
{
	if (family == AF_INET) {
		*(__u32 *)local = sk->__sk_common.skc_rcv_saddr;
		*(__u32 *)remote = sk->__sk_common.skc_daddr;
	} else {
		__builtin_memcpy(local, &sk->__sk_common.skc_v6_rcv_saddr, 16);
		__builtin_memcpy(remote, &sk->__sk_common.skc_v6_daddr, 16);
	}
}

static __always_inline void emit_open(const struct sock *sk, __u64 cookie, __u8 direction, __u32 pid, const char *comm)
{
	struct sonde_flow_open_event *e;
	struct sonde_flow_stats *s;
	__u8 family = sk->__sk_common.skc_family;

	if (!emit_open_events)
		return;
	e = bpf_ringbuf_reserve(&flow_events, sizeof(*e), 0);
	if (!e) {
		s = stats();
		if (s)
			s->ringbuf_dropped++;
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = FLOW_EVENT_OPEN;
	e->direction = direction;
	e->family = family;
	e->pid = pid;
	e->cookie = cookie;
	__builtin_memcpy(e->comm, comm, sizeof(e->comm));
	e->local_port = sk->__sk_common.skc_num;
	e->remote_port = bpf_ntohs(sk->__sk_common.skc_dport);
	read_addrs(sk, family, e->local_addr, e->remote_addr);
	submit(e);
}

static __always_inline void begin_flow(const struct sock *sk, __u64 key, __u8 direction, bool owner_on_cpu)
{
	struct sonde_flow_state state = {};
	struct sonde_flow_stats *s;

	state.start_ns = bpf_ktime_get_ns();
	state.cookie = bpf_get_socket_cookie((void *)sk);
	state.direction = direction;
	if (owner_on_cpu) {
		__u64 pid_tgid = bpf_get_current_pid_tgid();
		state.pid = pid_tgid >> 32;
		state.tid = (__u32)pid_tgid;
		bpf_get_current_comm(state.comm, sizeof(state.comm));
	}
	if (bpf_map_update_elem(&flow_table, &key, &state, BPF_NOEXIST) == -SONDE_E2BIG) {
		s = stats();
		if (s)
			s->table_full++;
	} else if (!owner_on_cpu) {
		__u64 *unclaimed = bpf_sk_storage_get(&flow_unclaimed, (struct sock *)sk, 0, BPF_SK_STORAGE_GET_F_CREATE);

		if (unclaimed && __sync_lock_test_and_set(unclaimed, 1) == 0)
			__sync_fetch_and_add(&unclaimed_sockets, 1);
	}
}

static __always_inline void emit_listen(const struct sock *sk, __u8 family)
{
	struct sonde_flow_listen_event *e;
	struct sonde_flow_stats *s = stats();

	e = bpf_ringbuf_reserve(&flow_events, sizeof(*e), 0);
	if (!e) {
		if (s)
			s->ringbuf_dropped++;
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = FLOW_EVENT_LISTEN;
	e->family = family;
	e->local_port = sk->__sk_common.skc_num;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (family == AF_INET)
		*(__u32 *)e->local_addr = sk->__sk_common.skc_rcv_saddr;
	else
		__builtin_memcpy(e->local_addr, &sk->__sk_common.skc_v6_rcv_saddr, 16);
	submit(e);
	if (s)
		s->listen_events++;
}

static __always_inline void emit_close(const struct sock *sk, __u64 key, __u8 family, int old_state)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);
	struct sonde_flow_state *state = bpf_map_lookup_elem(&flow_table, &key);
	struct sonde_flow_stats *s = stats();
	struct sonde_flow_close_event *e;

	e = bpf_ringbuf_reserve(&flow_events, sizeof(*e), 0);
	if (!e) {
		if (s)
			s->ringbuf_dropped++;
		if (state)
			bpf_map_delete_elem(&flow_table, &key);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = FLOW_EVENT_CLOSE;
	e->family = family;
	e->old_state = old_state;
	e->end_ns = bpf_ktime_get_ns();
	if (state) {
		e->start_ns = state->start_ns;
		e->pid = state->pid;
		e->tid = state->tid;
		e->direction = state->direction;
		e->flags = state->flags;
		e->retransmit_events = state->retransmit_events;
		__builtin_memcpy(e->comm, state->comm, sizeof(e->comm));
	} else {
		e->flags = FLOW_FLAG_PARTIAL;
	}
	if (old_state == SONDE_TCP_SYN_SENT || old_state == SONDE_TCP_SYN_RECV)
		e->status = FLOW_STATUS_FAILED;
	else if (e->flags & (FLOW_FLAG_RST_RECEIVED | FLOW_FLAG_RST_SENT))
		e->status = FLOW_STATUS_RESET;
	else
		e->status = FLOW_STATUS_CLOSED;

	e->remote_port = bpf_ntohs(sk->__sk_common.skc_dport);
	read_addrs(sk, family, e->local_addr, e->remote_addr);
	/*
	 * Plain loads from the BTF-typed socket: far cheaper than one bpf_probe_read_kernel() per
	 * field, and this runs twice per connection.
	 */
	if (tp) {
		/* CLOSE is traced after inet_put_port() zeroed skc_num; inet_sport survives. */
		e->local_port = bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport);
		/*
		 * Payload bytes only. bytes_sent counts every transmission of payload, so retransmitted
		 * bytes come off; bytes_received advances with the sequence space, which a received FIN
		 * (SOCK_DONE) takes one of. bytes_acked also counts SYN and FIN and is kept raw.
		 */
		e->bytes_acked = tp->bytes_acked;
		e->bytes_sent = tp->bytes_sent - tp->bytes_retrans;
		e->bytes_received = tp->bytes_received;
		if ((sk->__sk_common.skc_flags & (1UL << SOCK_DONE)) && e->bytes_received > 0)
			e->bytes_received--;
		e->segs_out = tp->segs_out;
		e->segs_in = tp->segs_in;
		e->total_retrans = tp->total_retrans;
		e->srtt_us = tp->srtt_us >> 3; /* stored as 8x the smoothed RTT */
	}
	if (!e->local_port)
		e->local_port = sk->__sk_common.skc_num;
	e->socket_cookie = bpf_get_socket_cookie((void *)sk);
	submit(e);

	if (state)
		bpf_map_delete_elem(&flow_table, &key);
	if (s)
		s->close_events++;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(flow_set_state, const struct sock *sk, const int old_state, const int new_state)
{
	__u64 key = (__u64)sk;
	__u8 family;

	if (sk->sk_protocol != SONDE_IPPROTO_TCP)
		return 0;
	family = sk->__sk_common.skc_family;
	if (family != AF_INET && family != AF_INET6)
		return 0;

	switch (new_state) {
	case SONDE_TCP_SYN_SENT:
		begin_flow(sk, key, FLOW_DIRECTION_OUTBOUND, true);
		break;
	case SONDE_TCP_SYN_RECV:
		/* The child socket cloned from a listener; softirq context: its first reader claims it. */
		begin_flow(sk, key, FLOW_DIRECTION_INBOUND, false);
		break;
	case SONDE_TCP_ESTABLISHED:
		/*
		 * Syncookie and fastopen children skip the traced SYN_RECV on some paths. The others
		 * were begun there already: one lookup instead of a refused insert.
		 */
		if (old_state == SONDE_TCP_SYN_RECV && !bpf_map_lookup_elem(&flow_table, &key))
			begin_flow(sk, key, FLOW_DIRECTION_INBOUND, false);
		/*
		 * A connect() that succeeded: its owner was taken at SYN_SENT, and its local port is
		 * known now (connect() picks it after entering SYN_SENT), so the open event carries the
		 * whole tuple. A connect that fails never opens.
		 */
		if (old_state == SONDE_TCP_SYN_SENT) {
			struct sonde_flow_state *state = bpf_map_lookup_elem(&flow_table, &key);

			if (state && state->pid != 0)
				emit_open(sk, state->cookie, FLOW_DIRECTION_OUTBOUND, state->pid, state->comm);
		}
		break;
	case SONDE_TCP_LISTEN:
		emit_listen(sk, family);
		break;
	case SONDE_TCP_CLOSE:
		if (old_state != SONDE_TCP_LISTEN)
			emit_close(sk, key, family, old_state);
		/* Closed before its first read: no longer waiting to be claimed. */
		if (*(volatile __s64 *)&unclaimed_sockets > 0)
			unmark_unclaimed(sk);
		break;
	}
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(flow_retransmit, const struct sock *sk, const struct sk_buff *skb)
{
	__u64 key = (__u64)sk;
	struct sonde_flow_state *state = bpf_map_lookup_elem(&flow_table, &key);
	struct sonde_flow_stats *s = stats();

	if (state)
		__sync_fetch_and_add(&state->retransmit_events, 1);
	if (s)
		s->retransmits++;
	return 0;
}

static __always_inline void mark_reset(const struct sock *sk, __u8 flag)
{
	__u64 key = (__u64)sk;
	struct sonde_flow_state *state;

	if (!sk)
		return;
	state = bpf_map_lookup_elem(&flow_table, &key);
	if (state)
		state->flags |= flag;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(flow_receive_reset, struct sock *sk)
{
	mark_reset(sk, FLOW_FLAG_RST_RECEIVED);
	return 0;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(flow_send_reset, const struct sock *sk)
{
	mark_reset(sk, FLOW_FLAG_RST_SENT);
	return 0;
}

/*
 * Runs in tcp_recvmsg(), in the task reading the socket: for an accepted connection, the first
 * read is (almost always) by the process that accepted it, so it becomes the owner.
 */
SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(flow_first_read, struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct sonde_flow_state *state;
	struct sonde_flow_stats *s;
	__u64 pid_tgid;

	if (*(volatile __s64 *)&unclaimed_sockets <= 0)
		return 0;
	/* Cleared, not deleted: a delete (unlink, RCU free) cost more than the rest of the claim. */
	if (!unmark_unclaimed(sk))
		return 0;
	state = bpf_map_lookup_elem(&flow_table, &key);
	if (!state || state->pid != 0 || state->direction != FLOW_DIRECTION_INBOUND)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	state->pid = pid_tgid >> 32;
	state->tid = (__u32)pid_tgid;
	state->flags |= FLOW_FLAG_ACCEPTED;
	bpf_get_current_comm(state->comm, sizeof(state->comm));
	s = stats();
	if (s)
		s->owners_claimed++;
	emit_open(sk, state->cookie, FLOW_DIRECTION_INBOUND, state->pid, state->comm);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(flow_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct sonde_flow_exec_event *e;
	struct sonde_flow_stats *s;

	if (!emit_exec_events)
		return 0;
	s = stats();
	e = bpf_ringbuf_reserve(&flow_events, sizeof(*e), 0);
	if (!e) {
		if (s)
			s->ringbuf_dropped++;
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = FLOW_EVENT_EXEC;
	e->pid = BPF_CORE_READ(p, tgid);
	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	{
		/* exec has just copied argv into the new mm, so the pages are resident. */
		unsigned long start = BPF_CORE_READ(p, mm, arg_start);
		unsigned long end = BPF_CORE_READ(p, mm, arg_end);
		__u32 len = end > start ? end - start : 0;

		if (len > SONDE_EXEC_ARGS_LEN)
			len = SONDE_EXEC_ARGS_LEN;
		if (len && !bpf_probe_read_user(e->args, len, (void *)start))
			e->args_len = len;
	}
	submit(e);
	if (s)
		s->exec_events++;
	return 0;
}
