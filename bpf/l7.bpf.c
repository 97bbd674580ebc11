// SPDX-License-Identifier: GPL-2.0
/*
 * L7 payload capture at the socket-buffer level: cgroup_skb ingress and egress at the cgroup v2
 * root see every TCP segment of every process for a few percent of a tight server's throughput
 * (per-read/write syscall tracing costs about 15%: see DESIGN.md and docs/l7-capture.md).
 *
 * The first payload in each direction decides whether a connection speaks a protocol we parse;
 * everything else is ignored at the cost of one sk_storage lookup per segment.
 */
#include "lib/common.bpf.h"
#include "l7.h"
#include "lib/l7_detect.bpf.h"
#include "lib/l7_tally.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const struct sonde_l7_segment_event *unused_segment_event __attribute__((unused));
const enum sonde_l7_direction *unused_direction __attribute__((unused));
const enum sonde_l7_protocol *unused_protocol __attribute__((unused));
const enum sonde_l7_flags *unused_flags __attribute__((unused));
const enum sonde_l7_event_type *unused_event_type __attribute__((unused));
const struct sonde_l7_shed_event *unused_shed_event __attribute__((unused));
const struct sonde_l7_tally_key *unused_tally_key __attribute__((unused));
const struct sonde_l7_tally *unused_tally __attribute__((unused));

/* How long an over-budget connection goes uncaptured before it may be sampled again. */
#define L7_SHED_NS (1000ULL * 1000 * 1000)
#define L7_RINGBUF_BYTES (8 * 1024 * 1024)
#define ETH_P_IP_BE 0x0008   /* htons(0x0800) */
#define ETH_P_IPV6_BE 0xDD86 /* htons(0x86DD) */

/* Bytes of each segment's payload copied to user space (set before load, <= SONDE_L7_MAX_CAPTURE). */
const volatile __u32 capture_bytes = SONDE_L7_MAX_CAPTURE;
/* DNS (UDP and TCP) is recognised by this port, on either end (0: DNS off). */
const volatile __u16 dns_port = 53;
/* Capture a connection between two local processes once, on its server socket (l7.mirror_local_peers). */
const volatile __u8 mirror_local_peers = 0;


#define L7_WALK_LOST 0xffffffffU

/*
 * Where a walk over a direction's messages is (Redis RESP, or length-prefixed PostgreSQL); also
 * what a socket carries from one segment to the next that way.
 */
struct l7_walk_place {
	/* Bytes of the next segment before the next header (the rest of an argument or message). */
	__u32 skip;
	/* Redis: bulk strings the current command still has to come. */
	__u32 args_left;
	/*
	 * A header cut by the segment's end. Redis: its type byte (0: none), its value so far, CR
	 * seen, a minus sign seen; replies also carry a simple line ('+', '-', ':' ...) here until
	 * its LF. PostgreSQL: `partial_kind` is how many header bytes were seen, `partial_value`
	 * those bytes.
	 */
	__u32 partial_value;
	__u8 partial_kind;
	__u8 partial_cr;
	__u8 partial_neg;
	__u8 pad;
};

/* Per-socket state (sk_storage). */
struct l7_sock_state {
	__u8 protocol;
	__u8 checked_egress;
	__u8 checked_ingress;
	__u8 shed;
	/* Which direction carries requests (client -> server), known once the protocol is. */
	__u8 request_direction;
	/*
	 * PostgreSQL, captured: the client's last request segment did not end its batch (a Sync, or
	 * a lone simple Query). Pausing there would lose the batch's statements in flight.
	 */
	__u8 pg_batch_open;
	/* MySQL: a client socket's first request looked for its local server (see capture()). */
	__u8 link_tried;
	__u8 pad0[1];
	/* While shed, capture resumes at the first request after this time. */
	__u64 shed_until_ns;
	/* The process last seen writing to this socket (egress runs in the writer's context). */
	__u32 writer_pid;
	/* A server socket that captures for its local client too: the client's writer and cookie. */
	__u32 peer_pid;
	__u64 peer_cookie;
	/* PostgreSQL: when the open batch's last request segment was seen (see pg_batch_holds()). */
	__u64 pg_batch_ns;
	/* While shed: the request being tallied. */
	struct l7_tally_pending pending;
	/*
	 * Redis and PostgreSQL: where the walk of its requests is (skip L7_WALK_LOST: lost), while
	 * shed and for long captured segments; `reply_walk`: the same for its replies, captured only.
	 */
	struct l7_walk_place request_walk;
	struct l7_walk_place reply_walk;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct l7_sock_state);
} l7_sockets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, L7_RINGBUF_BYTES);
} l7_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sonde_l7_stats);
} l7_stats_map SEC(".maps");

/*
 * Segments per second each CPU may send to user space (0: no limit). Past it, connections are
 * shed at their next request boundary: the workload must never pay for an agent that cannot
 * keep up. What is shed is counted (segments_shed, connections_shed).
 */
const volatile __u32 segments_per_sec_per_cpu = 0;

struct l7_bucket {
	__u64 last_ns;
	__u64 tokens;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct l7_bucket);
} l7_bucket_map SEC(".maps");

/*
 * Takes `cost` tokens from this CPU's bucket (refilled at the budget's rate, half a second deep).
 * A server socket capturing for its local client pays 2: its segments make two sides' records.
 */
static __always_inline bool take_tokens(__u64 now, __u64 cost)
{
	__u32 zero = 0;
	struct l7_bucket *b;
	__u64 burst, refill, rate = segments_per_sec_per_cpu;

	if (rate == 0)
		return true;
	b = bpf_map_lookup_elem(&l7_bucket_map, &zero);
	if (!b)
		return true;
	burst = rate / 2 + 64;
	if (now > b->last_ns) {
		refill = (now - b->last_ns) * rate / 1000000000ULL;
		if (refill > 0) {
			b->tokens = b->tokens + refill > burst ? burst : b->tokens + refill;
			b->last_ns = now;
		}
	}
	if (b->tokens < cost)
		return false;
	b->tokens -= cost;
	return true;
}

static __always_inline bool take_token(__u64 now)
{
	return take_tokens(now, 1);
}

/*
 * Backpressure: a request may start being captured only while user space keeps up with the
 * ring. Past half full, connections are shed at their request boundaries and tallied, rather
 * than their segments lost when the ring is full (an agent starved of CPU by the workload).
 */
static __always_inline bool take_request_tokens(__u64 now, __u64 cost)
{
	if (bpf_ringbuf_query(&l7_events, BPF_RB_AVAIL_DATA) > L7_RINGBUF_BYTES / 2)
		return false;
	return take_tokens(now, cost);
}

static __always_inline bool take_request_token(__u64 now)
{
	return take_request_tokens(now, 1);
}

/*
 * Whether an open PostgreSQL batch still holds its connection's capture as it is (captured, or
 * paused): its last request segment came less than a pause ago. A client that leaves a batch
 * open and goes quiet (pipeline mode flushed but never synced) has nothing in flight it has not
 * had time to get answered, so it must not pin the connection to the tallies, or past the budget,
 * for good.
 */
static __always_inline bool pg_batch_holds(const struct l7_sock_state *state, __u64 now)
{
	return state->pg_batch_open && now - state->pg_batch_ns < L7_SHED_NS;
}

/*
 * A request inside a PostgreSQL batch is captured whatever the budget, as mid-message segments
 * are: pausing there would lose the statements sent before it. Unless the ring is past three
 * quarters full: a stalled agent (or a client that never ends its batch) still sheds the
 * connection, losing what is in flight rather than segments.
 */
static __always_inline bool capture_continues_batch(const struct l7_sock_state *state, __u64 now)
{
	return pg_batch_holds(state, now) && bpf_ringbuf_query(&l7_events, BPF_RB_AVAIL_DATA) <= L7_RINGBUF_BYTES / 4 * 3;
}

static __always_inline void emit_shed(__u64 cookie)
{
	struct sonde_l7_shed_event *e = bpf_ringbuf_reserve(&l7_events, sizeof(*e), 0);

	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->type = L7_EVENT_SHED;
	e->cookie = cookie;
	bpf_ringbuf_submit(e, 0);
}

/* Event header + payload is assembled here: too big for the 512-byte BPF stack. */
struct l7_scratch {
	struct sonde_l7_segment_event header;
	__u8 payload[SONDE_L7_MAX_CAPTURE * 2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct l7_scratch);
} l7_scratch_map SEC(".maps");

static __always_inline struct sonde_l7_stats *stats(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&l7_stats_map, &zero);
}

/*
 * Copies the payload after the prepared header and sends both. The header's `captured` is set
 * here; everything else is the caller's.
 */
static __always_inline void output(struct __sk_buff *skb, struct l7_scratch *scratch, __u32 payload_off,
				   __u32 payload_len, struct sonde_l7_stats *s)
{
	__u32 len = payload_len < capture_bytes ? payload_len : capture_bytes;

	if (len > SONDE_L7_MAX_CAPTURE)
		len = SONDE_L7_MAX_CAPTURE;
	if (len == 0)
		return;
	/* Spelled so the verifier sees 1 <= len <= sizeof(payload) whatever the compiler reorders. */
	len = ((len - 1) & (SONDE_L7_MAX_CAPTURE * 2 - 1)) + 1;
	if (bpf_skb_load_bytes(skb, payload_off, scratch->payload, len)) {
		if (s)
			s->load_errors++;
		return;
	}
	scratch->header.captured = len;
	{
		__u64 size = sizeof(scratch->header) + len;
		__u64 pending = bpf_ringbuf_query(&l7_events, BPF_RB_AVAIL_DATA);

		if (size > sizeof(*scratch))
			return;
		if (bpf_ringbuf_output(&l7_events, scratch, size,
				       SONDE_RB_WAKEUP(pending, L7_RINGBUF_BYTES))) {
			if (s)
				s->ringbuf_dropped++;
			return;
		}
	}
	if (s) {
		s->segments_captured++;
		s->bytes_captured += len;
	}
}

/* Length of the IP header at the start of the skb (0: not IPv4/IPv6 or unreadable). */
/* The skb's socket as a full socket (not a request or timewait one), or NULL. */
static __always_inline struct bpf_sock *skb_full_sock(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	return sk ? bpf_sk_fullsock(sk) : NULL;
}

static __always_inline __u32 ip_header_len(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u8 ihl_byte;

	if (skb->protocol == ETH_P_IPV6_BE)
		return 40; /* extension headers before TCP/UDP are not followed */
	if (skb->protocol != ETH_P_IP_BE)
		return 0;
	if (data + 1 > data_end) {
		if (bpf_skb_load_bytes(skb, 0, &ihl_byte, 1))
			return 0;
	} else {
		ihl_byte = *(__u8 *)data;
	}
	return (ihl_byte & 0x0f) * 4;
}

/*
 * DNS over UDP: every datagram to or from the DNS port is one whole message. Addresses and ports
 * come from the packet (an unconnected socket has no peer), and datagrams are never shed: a lost
 * query or answer would be reported as a failure, and DNS rates are small next to TCP's.
 */
static __always_inline int capture_datagram(struct __sk_buff *skb, __u8 direction)
{
	struct sonde_l7_stats *s;
	struct l7_scratch *scratch;
	__u32 zero = 0, ip_len, payload_off;
	__be16 ports[2];
	__u16 src_port, dst_port;
	bool v4 = skb->protocol == ETH_P_IP_BE;

	if (dns_port == 0)
		return 1;
	ip_len = ip_header_len(skb);
	if (ip_len < 20 || ip_len > 60)
		return 1;
	if (bpf_skb_load_bytes(skb, ip_len, ports, sizeof(ports)))
		return 1;
	src_port = bpf_ntohs(ports[0]);
	dst_port = bpf_ntohs(ports[1]);
	if (src_port != dns_port && dst_port != dns_port)
		return 1;
	payload_off = ip_len + 8;
	if (skb->len <= payload_off)
		return 1;
	scratch = bpf_map_lookup_elem(&l7_scratch_map, &zero);
	if (!scratch)
		return 1;
	s = stats();
	if (s)
		s->segments_seen++;
	take_token(bpf_ktime_get_ns());
	__builtin_memset(&scratch->header, 0, sizeof(scratch->header));
	scratch->header.type = L7_EVENT_SEGMENT;
	scratch->header.direction = direction;
	scratch->header.protocol = L7_PROTOCOL_DNS;
	scratch->header.flags = L7_FLAG_DATAGRAM | L7_FLAG_MESSAGE_START;
	scratch->header.family = v4 ? AF_INET : AF_INET6;
	scratch->header.transport = SONDE_IPPROTO_UDP;
	scratch->header.pid = direction == L7_DIRECTION_EGRESS ? bpf_get_current_pid_tgid() >> 32 : 0;
	scratch->header.local_port = direction == L7_DIRECTION_EGRESS ? src_port : dst_port;
	scratch->header.remote_port = direction == L7_DIRECTION_EGRESS ? dst_port : src_port;
	scratch->header.payload_len = skb->len - payload_off;
	scratch->header.cookie = bpf_get_socket_cookie(skb);
	scratch->header.ts_ns = bpf_ktime_get_ns();
	{
		/* Source then destination address, at fixed offsets in either IP header. */
		__u8 *local = scratch->header.local_addr;
		__u8 *remote = scratch->header.remote_addr;
		__u32 src_off = v4 ? 12 : 8, dst_off = v4 ? 16 : 24;

		if (v4) {
			bpf_skb_load_bytes(skb, direction == L7_DIRECTION_EGRESS ? src_off : dst_off, local, 4);
			bpf_skb_load_bytes(skb, direction == L7_DIRECTION_EGRESS ? dst_off : src_off, remote, 4);
		} else {
			bpf_skb_load_bytes(skb, direction == L7_DIRECTION_EGRESS ? src_off : dst_off, local, 16);
			bpf_skb_load_bytes(skb, direction == L7_DIRECTION_EGRESS ? dst_off : src_off, remote, 16);
		}
	}
	if (s)
		s->datagrams_captured++;
	output(skb, scratch, payload_off, skb->len - payload_off, s);
	return 1;
}

/*
 * Redis pipelines: a client sends many commands per segment (redis-benchmark -P 16 sends 16),
 * and a paused connection's tally must count each. This walks a request segment's RESP
 * headers ("*<args>" then "$<len>" per argument, skipping each argument's bytes by its length)
 * and counts the arrays it starts. What the segment's end cuts is carried to the next request
 * segment: the rest of an argument (skipped by length), or a header cut in two (its digits so
 * far). A walk past L7_WALK_STEPS or anything not RESP loses the place until the next
 * segment that starts with a command.
 */
#define L7_REDIS_LINE 16 /* '*' or '$', up to 12 digits, CR LF (a power of two: lengths are masked) */
#define L7_WALK_STEPS 1024
#define L7_REDIS_BAD 0xffU
/* Messages past a captured segment's prefix sent as their own pieces (a power of two). */
#define L7_WALK_PIECES 64
/* Commands of a paused segment named by the walk (a power of two); more count under the first one's name. */
#define L7_WALK_NAMES 16

/*
 * The walk's state is in map memory, not on the stack: the verifier then knows its fields only
 * as numbers, and checks the callback once instead of once per position and count it could
 * reach (ten times the instructions with the state on the stack).
 */
struct l7_walk {
	__u32 pos;
	__u32 end;
	__u32 commands;
	__u32 lost;
	struct l7_walk_place place;
	/*
	 * Capture path (`split`): where the segment is to be cut into pieces of its own (skb
	 * offsets of message starts), so that each message is within its piece's first
	 * capture_bytes. `piece_start`: where the current piece starts; `last_start`: where the
	 * message being walked started.
	 */
	__u32 split;
	__u32 pieces;
	__u32 piece_start;
	__u32 last_start;
	__u32 last_bulk;
	__u32 piece_at[L7_WALK_PIECES];
	/*
	 * Tally path (`names_wanted`): each command's name, by its index among the commands started
	 * in the segment (`named` has a bit for each name read whole), so that a pipeline's
	 * commands are counted under their own names. `first_arg`: the next bulk string is a name.
	 */
	__u32 names_wanted;
	__u32 first_arg;
	__u32 named;
	__u64 names[L7_WALK_NAMES][2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct l7_walk);
} l7_walk_map SEC(".maps");

struct l7_walk_ctx {
	struct __sk_buff *skb;
	struct l7_walk *w;
};

/*
 * A message starts (or the segment ends) at `at`, so the one before ends there: if it does not
 * fit in the current piece's capture, a new piece starts with it. A bulk message (a PostgreSQL
 * DataRow or CopyData: `bulk` says the one starting at `at` is one) never starts a piece: a long
 * result or COPY is kept to a prefix per piece, as it was per segment, and only the messages
 * that end or begin an answer are given pieces of their own.
 */
static __always_inline void walk_message_boundary(struct l7_walk *w, __u32 at, bool bulk)
{
	if (!w->split)
		return;
	if (at - w->piece_start > capture_bytes && w->last_start > w->piece_start && !w->last_bulk &&
	    w->pieces < L7_WALK_PIECES) {
		w->piece_at[w->pieces & (L7_WALK_PIECES - 1)] = w->last_start;
		w->pieces++;
		w->piece_start = w->last_start;
	}
	w->last_start = at;
	w->last_bulk = bulk;
}

/*
 * Digits then CR LF in b[from..n) (`from` a constant): the index past the LF, 0 when the bytes
 * ran out first (the progress is in *v and *cr), or L7_REDIS_BAD.
 */
static __always_inline __u32 redis_header_end(const __u8 *b, int from, __u32 n, __u64 *v, __u8 *cr)
{
	for (int j = from; j < L7_REDIS_LINE; j++) {
		__u8 c = b[j];

		if (j >= n)
			return 0;
		if (*cr)
			return c == '\n' ? j + 1 : L7_REDIS_BAD;
		if (c == '\r') {
			*cr = 1;
			continue;
		}
		if (c < '0' || c > '9')
			return L7_REDIS_BAD;
		*v = *v * 10 + (c - '0');
	}
	return L7_REDIS_BAD;
}

/* Up to L7_REDIS_LINE bytes at the walk's position into b: how many (0: unreadable). */
static __always_inline __u32 walk_load_line(struct __sk_buff *skb, const struct l7_walk *w, __u8 *b)
{
	__u32 n = w->end - w->pos;

	if (n > L7_REDIS_LINE)
		n = L7_REDIS_LINE;
	/* Spelled so the verifier sees 1 <= n <= L7_REDIS_LINE. */
	n = ((n - 1) & (L7_REDIS_LINE - 1)) + 1;
	return bpf_skb_load_bytes(skb, w->pos, b, n) ? 0 : n;
}

/* A header cut by the segment's end: carried to the next segment that way. Ends the walk. */
static __always_inline long redis_carry_header(struct l7_walk *w, __u8 kind, __u64 v, __u8 cr, __u8 neg)
{
	w->place.partial_kind = kind;
	w->place.partial_value = v;
	w->place.partial_cr = cr;
	w->place.partial_neg = neg;
	w->pos = w->end;
	return 1;
}

static __always_inline void redis_header_read(struct l7_walk *w)
{
	w->place.partial_kind = 0;
	w->place.partial_value = 0;
	w->place.partial_cr = 0;
	w->place.partial_neg = 0;
}

/*
 * The name of the command the walk counted last: its `v` bytes at `at`, at most
 * SONDE_L7_TALLY_OPERATION of them, as tally_copy_token keeps a first command's. A name the
 * segment's end cuts is left unread (its command counts under the first one's name).
 */
static __always_inline void walk_read_name(struct __sk_buff *skb, struct l7_walk *w, __u32 at, __u64 v)
{
	__u32 index = w->commands - 1, n = v < SONDE_L7_TALLY_OPERATION ? (__u32)v : SONDE_L7_TALLY_OPERATION;
	__u64 *name;

	if (index >= L7_WALK_NAMES || n == 0 || at + n > w->end)
		return;
	/* Masked again where it is used: the compiler would reuse the unchecked copy. */
	barrier_var(index);
	name = w->names[index & (L7_WALK_NAMES - 1)];
	name[0] = 0;
	name[1] = 0;
	n = ((n - 1) & (SONDE_L7_TALLY_OPERATION - 1)) + 1;
	if (bpf_skb_load_bytes(skb, at, name, n) == 0)
		w->named |= 1U << index;
}

static long l7_redis_token(__u32 index, void *ctx)
{
	struct l7_walk_ctx *wc = ctx;
	struct l7_walk *w = wc->w;
	__u8 b[L7_REDIS_LINE] = {};
	__u32 n, header;
	__u64 v = 0;
	__u8 kind, cr = 0;

	if (!w || w->pos >= w->end)
		return 1;
	n = walk_load_line(wc->skb, w, b);
	if (n == 0)
		goto lost;
	kind = w->place.partial_kind;
	if (kind != 0) {
		/* The rest of a header the last segment cut. */
		v = w->place.partial_value;
		cr = w->place.partial_cr;
		header = redis_header_end(b, 0, n, &v, &cr);
	} else {
		kind = b[0];
		if (kind == '*')
			walk_message_boundary(w, w->pos, false);
		header = redis_header_end(b, 1, n, &v, &cr);
	}
	if (header == L7_REDIS_BAD || v > 512 * 1024 * 1024)
		goto lost;
	if (header == 0)
		return redis_carry_header(w, kind, v, cr, 0);
	redis_header_read(w);
	if (kind == '*') {
		if (w->place.args_left != 0 || v == 0 || v > 1024 * 1024)
			goto lost;
		w->commands++;
		w->first_arg = 1;
		w->place.args_left = v;
		w->pos += header;
		return 0;
	}
	if (kind == '$') {
		if (w->place.args_left == 0)
			goto lost;
		if (w->first_arg) {
			w->first_arg = 0;
			if (w->names_wanted)
				walk_read_name(wc->skb, w, w->pos + header, v);
		}
		w->place.args_left--;
		w->pos += header + (__u32)v + 2;
		return 0;
	}
lost:
	w->lost = 1;
	return 1;
}

/* The payload types whose header is a length or a count (RESP2 and RESP3). */
static __always_inline bool redis_counted_type(__u8 kind)
{
	return kind == '$' || kind == '!' || kind == '=' || kind == '*' || kind == '~' || kind == '>' ||
	       kind == '%' || kind == '|';
}

/* The payload types that are one line up to CR LF, whatever it holds. */
static __always_inline bool redis_line_type(__u8 kind)
{
	return kind == '+' || kind == '-' || kind == ':' || kind == '_' || kind == ',' || kind == '#' || kind == '(';
}

/*
 * One step of a walk over replies. Nesting needs no stack: `args_left` counts the values the
 * current reply still has to come, every aggregate adding its members (maps and attributes two
 * per entry), so a reply starts where that count is 0. Bulk payloads are skipped by length;
 * simple lines are read 16 bytes a step up to their LF.
 */
static long l7_redis_reply_token(__u32 index, void *ctx)
{
	struct l7_walk_ctx *wc = ctx;
	struct l7_walk *w = wc->w;
	__u8 b[L7_REDIS_LINE] = {};
	__u32 n, header = 0, from = 1;
	__u64 v = 0, left;
	__u8 kind, cr = 0, neg = 0;

	if (!w || w->pos >= w->end)
		return 1;
	n = walk_load_line(wc->skb, w, b);
	if (n == 0)
		goto lost;
	kind = w->place.partial_kind;
	if (kind != 0) {
		from = 0;
		v = w->place.partial_value;
		cr = w->place.partial_cr;
		neg = w->place.partial_neg;
	} else {
		kind = b[0];
		if (w->place.args_left == 0) {
			w->commands++;
			walk_message_boundary(w, w->pos, false);
		}
	}
	if (redis_line_type(kind)) {
		for (int j = 0; j < L7_REDIS_LINE; j++) {
			if (j >= n)
				break;
			if (b[j] == '\n' && (j > 0 || from == 0)) {
				header = j + 1;
				break;
			}
		}
		if (header == 0) {
			/* Not ended in these bytes: go on from the next ones, in this segment or the next. */
			w->place.partial_kind = kind;
			w->pos += n;
			return w->pos >= w->end;
		}
		w->place.partial_kind = 0;
		w->pos += header;
		if (w->place.args_left > 0)
			w->place.args_left--;
		return 0;
	}
	if (!redis_counted_type(kind))
		goto lost;
	if (from == 1 && n > 1 && b[1] == '-') {
		neg = 1;
		from = 2;
	}
	if (from == 2)
		header = redis_header_end(b, 2, n, &v, &cr);
	else if (from == 1)
		header = redis_header_end(b, 1, n, &v, &cr);
	else
		header = redis_header_end(b, 0, n, &v, &cr);
	if (header == L7_REDIS_BAD || v > 512 * 1024 * 1024)
		goto lost;
	if (header == 0)
		return redis_carry_header(w, kind, v, cr, neg);
	redis_header_read(w);
	w->pos += header;
	left = w->place.args_left > 0 ? w->place.args_left - 1 : 0;
	if (neg) {
		/* A null ($-1, *-1): no payload, no members. */
	} else if (kind == '$' || kind == '!' || kind == '=') {
		w->pos += (__u32)v + 2;
	} else if (kind == '%' || kind == '|') {
		/* An attribute's map is followed by the value it describes. */
		left += 2 * v + (kind == '|');
	} else {
		left += v;
	}
	if (left > 1024 * 1024)
		goto lost;
	w->place.args_left = left;
	return 0;
lost:
	w->lost = 1;
	return 1;
}

/*
 * PostgreSQL messages after the startup, either way: a type byte, then a big-endian length that
 * counts itself but not the type. A client pipelining (libpq's pipeline mode, JDBC batches)
 * sends many Parse/Bind/Execute per segment, and the server answers them in as few. One step per
 * message: its header read (a header cut by the segment's end is carried, its bytes so far in
 * `partial_value`), its body skipped by length. `commands` counts Query and Execute, the
 * messages user space makes an exchange of. A type byte that is not printable ASCII (a startup
 * message, which has none) or a length out of range ends the walk as lost.
 */
#define L7_PG_HEADER 5
#define L7_PG_MAX_MESSAGE (1U << 30)

static long l7_pg_token(__u32 index, void *ctx)
{
	struct l7_walk_ctx *wc = ctx;
	struct l7_walk *w = wc->w;
	__u8 b[8] = {};
	__u32 n, seen, want, len;
	__u64 v;
	__u8 type;

	if (!w || w->pos >= w->end)
		return 1;
	seen = w->place.partial_kind;
	if (seen >= L7_PG_HEADER)
		goto lost;
	want = L7_PG_HEADER - seen;
	n = w->end - w->pos;
	if (n > want)
		n = want;
	/* Spelled so the verifier sees 1 <= n <= sizeof(b). */
	n = ((n - 1) & (sizeof(b) - 1)) + 1;
	if (bpf_skb_load_bytes(wc->skb, w->pos, b, n))
		goto lost;
	v = w->place.partial_value;
	for (int j = 0; j < L7_PG_HEADER; j++) {
		if (j >= n)
			break;
		v = (v << 8) | b[j];
	}
	if (seen + n < L7_PG_HEADER) {
		/* A message starts here, of a type not known yet. */
		if (seen == 0)
			walk_message_boundary(w, w->pos, false);
		/* At most four bytes so far: they fit the place's 32 bits. */
		w->place.partial_kind = seen + n;
		w->place.partial_value = (__u32)v;
		w->pos = w->end;
		return 1;
	}
	w->place.partial_kind = 0;
	w->place.partial_value = 0;
	type = (__u8)(v >> 32);
	len = (__u32)v;
	if (type < 0x20 || type > 0x7e || len < 4 || len > L7_PG_MAX_MESSAGE)
		goto lost;
	if (seen == 0)
		walk_message_boundary(w, w->pos, type == 'D' || type == 'd');
	if (type == 'Q' || type == 'E')
		w->commands++;
	w->pos += n + (len - 4);
	return 0;
lost:
	w->lost = 1;
	return 1;
}

/* A PostgreSQL message header at the start of `head` (n bytes): a letter or '1'..'3', then a length of 4 up to 16 MiB. */
static __always_inline bool pg_message_start(const __u8 *head, __u32 n)
{
	__u8 t = head[0];

	if (n < L7_PG_HEADER || head[1] != 0 || (head[2] == 0 && head[3] == 0 && head[4] < 4))
		return false;
	return (t >= 'A' && t <= 'Z') || (t >= 'a' && t <= 'z') || (t >= '1' && t <= '3');
}

/*
 * Whether a captured PostgreSQL request segment ends a batch: it is one simple Query, or its last
 * message is a Sync. Between batches a pipelining client has nothing in flight it has not
 * waited for; inside one, pausing would lose the statements sent before the pause.
 */
static __always_inline bool pg_ends_batch(struct __sk_buff *skb, const __u8 *head, __u32 off, __u32 len)
{
	__u8 tail[L7_PG_HEADER] = {};

	if (head[0] == 'Q' && l7_be32(head + 1) + 1 == len)
		return true;
	if (len < L7_PG_HEADER || bpf_skb_load_bytes(skb, off + len - L7_PG_HEADER, tail, L7_PG_HEADER))
		return false;
	return tail[0] == 'S' && tail[1] == 0 && tail[2] == 0 && tail[3] == 0 && tail[4] == 4;
}

/*
 * Walks a Redis or PostgreSQL segment [off, off + len) of requests, or of replies, as the
 * L7_WALK_ flags below say: from its start with a fresh place (FRESH: the segment begins with a
 * message), else from `place`, what the socket carries for that direction (nothing when that is
 * lost). Leaves the place for the next segment there, and in the returned walk the messages
 * started and, with SPLIT, where to cut the segment into pieces; NULL when there was no walk.
 */
#define L7_WALK_FRESH 1U
#define L7_WALK_SPLIT 2U
#define L7_WALK_REPLIES 4U
#define L7_WALK_POSTGRES 8U
#define L7_WALK_NAMES_FLAG 16U

/*
 * A global function: the verifier checks it once per program instead of at each of the
 * places that walk (load time is part of being ready). Returns 0 when it walked.
 */
__noinline int l7_walk_segment(struct __sk_buff *skb, struct l7_walk_place *place, __u32 off, __u32 len,
				     __u32 how)
{
	struct l7_walk_ctx wc = { .skb = skb };
	struct l7_walk *w;
	__u32 zero = 0;

	if (!skb || !place)
		return -1;
	w = bpf_map_lookup_elem(&l7_walk_map, &zero);
	if (!w)
		return -1;
	if (!(how & L7_WALK_FRESH) && place->skip == L7_WALK_LOST)
		return -1;
	wc.w = w;
	w->end = off + len;
	w->commands = 0;
	w->lost = 0;
	w->split = (how & L7_WALK_SPLIT) != 0;
	w->pieces = 0;
	w->piece_start = off;
	w->last_start = off;
	w->last_bulk = 0;
	w->names_wanted = (how & L7_WALK_NAMES_FLAG) != 0;
	w->first_arg = 0;
	w->named = 0;
	if (how & L7_WALK_FRESH) {
		w->pos = off;
		__builtin_memset(&w->place, 0, sizeof(w->place));
	} else {
		w->pos = off + place->skip;
		w->place = *place;
	}
	if (how & L7_WALK_POSTGRES)
		bpf_loop(L7_WALK_STEPS, l7_pg_token, &wc, 0);
	else if (how & L7_WALK_REPLIES)
		bpf_loop(L7_WALK_STEPS, l7_redis_reply_token, &wc, 0);
	else
		bpf_loop(L7_WALK_STEPS, l7_redis_token, &wc, 0);
	if (!w->lost && w->pos >= w->end) {
		*place = w->place;
		place->skip = w->pos - w->end;
	} else {
		place->skip = L7_WALK_LOST;
	}
	walk_message_boundary(w, w->lost ? w->pos : w->end, false);
	return 0;
}

static __always_inline struct l7_walk *walk_messages(struct __sk_buff *skb, struct l7_walk_place *place, __u32 off,
						      __u32 len, __u32 how)
{
	__u32 zero = 0;

	if (l7_walk_segment(skb, place, off, len, how))
		return NULL;
	return bpf_map_lookup_elem(&l7_walk_map, &zero);
}

/* Longest header of a command held whole in a tally head: a longer length cannot fit in it. */
#define L7_REDIS_HEAD_DIGITS 3

/*
 * The commands in a request segment held whole in `hd` (its `n` bytes, n <= L7_TALLY_HEAD), when
 * it is whole commands and nothing else; 0 when it is not (a command cut at its end, anything
 * but RESP arrays of bulk strings), and the walk over the skb decides. Most paused segments are
 * one short command (SET key value), and their bytes are already here: walking them again from
 * the skb, a bpf_loop step and a 16-byte load per header, was a quarter of a paused Redis
 * segment's time. A global function, verified once.
 */
__noinline int l7_redis_whole_commands(struct l7_tally_head *hd, __u32 n)
{
	volatile __u32 *pos, *args_left, *commands, *first_arg;

	if (!hd || n == 0 || n > L7_TALLY_HEAD)
		return 0;
	/*
	 * The walk's position and counts live in the head's memory, so the verifier knows them
	 * only by range and each step is verified once (as plain locals their exact values made
	 * it verify every position the loop could reach, past the instruction limit).
	 */
	pos = &hd->walk_pos;
	args_left = &hd->walk_args_left;
	commands = &hd->walk_commands;
	first_arg = &hd->walk_first_arg;
	*pos = 0;
	*args_left = 0;
	*commands = 0;
	*first_arg = 0;
	for (int t = 0; t < L7_TALLY_HEAD / 4; t++) {
		__u32 at = *pos, v = 0, digits = 0;
		__u8 kind;

		if (at >= n)
			break;
		kind = hd->bytes[at & (L7_TALLY_HEAD - 1)];
		at++;
		for (int d = 0; d < L7_REDIS_HEAD_DIGITS; d++) {
			__u8 c = hd->bytes[(at + d) & (L7_TALLY_HEAD - 1)];

			if (c < '0' || c > '9')
				break;
			v = v * 10 + (c - '0');
			digits++;
		}
		at += digits;
		/* Past n the head is zeros: a header read beyond the segment fails here. */
		if (digits == 0 || hd->bytes[at & (L7_TALLY_HEAD - 1)] != '\r' ||
		    hd->bytes[(at + 1) & (L7_TALLY_HEAD - 1)] != '\n')
			return 0;
		at += 2;
		if (kind == '*') {
			if (*args_left != 0 || v == 0)
				return 0;
			*args_left = v;
			*commands += 1;
			*first_arg = 1;
		} else if (kind == '$') {
			if (*args_left == 0)
				return 0;
			if (*first_arg) {
				__u32 index = *commands - 1;

				*first_arg = 0;
				if (index < L7_TALLY_HEAD_NAMES) {
					hd->name_at[index & (L7_TALLY_HEAD_NAMES - 1)] = at;
					hd->name_len[index & (L7_TALLY_HEAD_NAMES - 1)] = v < 16 ? v : 16;
				}
			}
			*args_left -= 1;
			at += v + 2;
		} else {
			return 0;
		}
		if (at > n)
			return 0;
		*pos = at;
	}
	return *pos == n && *args_left == 0 ? *commands : 0;
}

/*
 * Adds `more` requests to a paused connection's pending exchange: pipelined ones beyond the one
 * tally_open counted, or those of a segment that continues a pipeline (then a new pending
 * request is opened if the last one was answered: its operation stays the one last seen). All
 * requests of a segment count under the first one's operation (PostgreSQL's batches; Redis
 * counts each command under its name, redis_tally_more).
 */
static __always_inline void tally_more_requests(struct l7_sock_state *state, __u32 more, __u64 now)
{
	__u32 requests;

	if (more == 0)
		return;
	if (state->pending.start_ns == 0) {
		state->pending.start_ns = now;
		state->pending.requests = 0;
	}
	requests = state->pending.requests + more;
	state->pending.requests = requests > 0xffff ? 0xffff : requests;
}

/*
 * The name of command `i` of a tally head whose commands l7_redis_whole_commands found whole: its
 * first SONDE_L7_TALLY_OPERATION bytes, zero past its length, as two words (the bytes after a
 * name in the head are masked off, not compared).
 */
static __always_inline void head_name(struct l7_tally_head *hd, int i, __u64 *name)
{
	__u32 at = hd->name_at[i & (L7_TALLY_HEAD_NAMES - 1)] & (L7_TALLY_HEAD - 1);
	__u32 len = hd->name_len[i & (L7_TALLY_HEAD_NAMES - 1)];
	__u64 lo = *(__u64 *)&hd->bytes[at], hi = *(__u64 *)&hd->bytes[at + 8];

	if (len >= 16) {
		name[0] = lo;
		name[1] = hi;
	} else if (len >= 8) {
		name[0] = lo;
		name[1] = len == 8 ? 0 : hi & ((1ULL << ((len - 8) * 8)) - 1);
	} else {
		name[0] = len == 0 ? 0 : lo & ((1ULL << (len * 8)) - 1);
		name[1] = 0;
	}
}

struct l7_count_names_ctx {
	struct l7_tally_pending *p;
	struct l7_walk *w;
	__u32 first;
	__u32 commands;
};

static long l7_count_name(__u32 i, void *ctx)
{
	struct l7_count_names_ctx *c = ctx;
	__u64 name[2] = {};

	if (i >= c->commands || i >= L7_WALK_NAMES)
		return 1;
	if (i < c->first)
		return 0;
	/* Masked where it is used: the compiler would drop the mask after the check above. */
	barrier_var(i);
	if (c->w->named & (1U << (i & (L7_WALK_NAMES - 1)))) {
		name[0] = c->w->names[i & (L7_WALK_NAMES - 1)][0];
		name[1] = c->w->names[i & (L7_WALK_NAMES - 1)][1];
	}
	tally_count_named(c->p, name);
	return 0;
}

/*
 * The commands a walk (or a tally head) found in a paused Redis segment, from `first` on, each
 * counted under its own name (tally_count_named); one whose name was not read (its bit in
 * `w->named` clear) counts under the exchange's first name, as do those past L7_WALK_NAMES.
 * A global function, verified once.
 */
__noinline int l7_redis_count_names(struct l7_tally_pending *p, struct l7_walk *w, __u32 first, __u32 commands)
{
	struct l7_count_names_ctx c = { .p = p, .w = w, .first = first, .commands = commands };

	if (!p || !w)
		return 0;
	/* A bpf_loop: its callback is verified once, where a plain loop was verified per iteration. */
	bpf_loop(L7_WALK_NAMES, l7_count_name, &c, 0);
	if (commands > L7_WALK_NAMES)
		p->requests = tally_add_requests(p->requests, commands - (first > L7_WALK_NAMES ? first : L7_WALK_NAMES));
	return 0;
}

/*
 * The commands of a paused Redis connection's request segment, each under its own name (a
 * transaction pipelined in one write is MULTI, SET, INCR and EXEC, not four MULTIs), but for the
 * one tally_open counted (`opened`: the segment began a new exchange with it). `head` holds the
 * segment's first bytes (all of them when len <= L7_TALLY_HEAD): a segment of whole commands
 * there is named from them; any other is walked from the skb, naming each command whose name is
 * in the segment.
 */
static __always_inline void redis_tally_more(struct __sk_buff *skb, struct l7_sock_state *state, __u32 off, __u32 len,
					     bool start, bool opened, __u64 now, struct l7_tally_head *head)
{
	struct l7_tally_pending *p = &state->pending;
	__u32 whole = 0, zero = 0;
	struct l7_walk *w;

	if (start && len <= L7_TALLY_HEAD)
		whole = l7_redis_whole_commands(head, len);
	if (whole == 1 && opened) {
		/* One command, counted by tally_open: the common case, and nothing to name. */
		__builtin_memset(&state->request_walk, 0, sizeof(state->request_walk));
		return;
	}
	if (whole > 0) {
		/* What a walk from the segment's start to its end would leave: nothing carried. */
		__builtin_memset(&state->request_walk, 0, sizeof(state->request_walk));
		/* The names in the head, put where the walk keeps them, to be counted the same way. */
		w = bpf_map_lookup_elem(&l7_walk_map, &zero);
		if (!w)
			return;
		w->named = 0;
		for (int i = 0; i < L7_TALLY_HEAD_NAMES; i++) {
			if (i >= whole)
				break;
			head_name(head, i, w->names[i & (L7_WALK_NAMES - 1)]);
			w->named |= 1U << i;
		}
		w->commands = whole;
	} else {
		w = walk_messages(skb, &state->request_walk, off, len, (start ? L7_WALK_FRESH : 0) | L7_WALK_NAMES_FLAG);
		if (!w)
			return;
	}
	if (p->start_ns == 0) {
		/* A segment that continues a pipeline whose last exchange was answered: a new one. */
		p->start_ns = now;
		p->requests = 0;
		tally_clear_others(p);
	}
	l7_redis_count_names(p, w, opened ? 1 : 0, w->commands);
}

/* Whole PostgreSQL messages in a tally head that could not be walked there. */
#define L7_PG_NOT_WHOLE 0xffffffffU
/* Messages looked at in a head: a message is at least its 5-byte header. */
#define L7_PG_HEAD_MESSAGES (L7_TALLY_HEAD / L7_PG_HEADER)

/*
 * The Query and Execute messages of a request segment held whole in `hd` (its `n` bytes,
 * n <= L7_TALLY_HEAD), when it is whole messages and nothing else; L7_PG_NOT_WHOLE when it is
 * not, and the walk over the skb decides. A paused segment is most often one Query, or
 * Bind/Describe/Execute/Sync of a prepared statement: all in the head's bytes already. A global
 * function, verified once.
 */
__noinline __u32 l7_pg_whole_messages(struct l7_tally_head *hd, __u32 n)
{
	volatile __u32 *pos, *commands;

	if (!hd || n == 0 || n > L7_TALLY_HEAD)
		return L7_PG_NOT_WHOLE;
	/* In the head's memory, for the reason given in l7_redis_whole_commands. */
	pos = &hd->walk_pos;
	commands = &hd->walk_commands;
	*pos = 0;
	*commands = 0;
	for (int t = 0; t < L7_PG_HEAD_MESSAGES; t++) {
		__u32 at = *pos, len;
		__u8 type;

		if (at >= n)
			break;
		if (at + L7_PG_HEADER > n)
			return L7_PG_NOT_WHOLE;
		type = hd->bytes[at & (L7_TALLY_HEAD - 1)];
		len = ((__u32)hd->bytes[(at + 1) & (L7_TALLY_HEAD - 1)] << 24) |
		      ((__u32)hd->bytes[(at + 2) & (L7_TALLY_HEAD - 1)] << 16) |
		      ((__u32)hd->bytes[(at + 3) & (L7_TALLY_HEAD - 1)] << 8) | hd->bytes[(at + 4) & (L7_TALLY_HEAD - 1)];
		if (type < 0x20 || type > 0x7e || len < 4 || len > n)
			return L7_PG_NOT_WHOLE;
		if (type == 'Q' || type == 'E')
			*commands += 1;
		*pos = at + 1 + len;
	}
	return *pos == n ? *commands : L7_PG_NOT_WHOLE;
}

/*
 * The same for a paused PostgreSQL connection: one exchange per Query and per Execute, as user
 * space counts them, so a pipeline (libpq pipeline mode, JDBC batches) counts each statement.
 */
static __always_inline void pg_tally_more(struct __sk_buff *skb, struct l7_sock_state *state, __u32 off, __u32 len,
					  bool start, __u64 now, struct l7_tally_head *head)
{
	__u32 counted = L7_PG_NOT_WHOLE;

	if (start && len >= L7_PG_HEADER && l7_be32(head->bytes + 1) + 1 == len)
		/* One message, the most common paused segment (a simple Query). */
		counted = head->bytes[0] == 'Q' || head->bytes[0] == 'E';
	else if (start && len <= L7_TALLY_HEAD)
		counted = l7_pg_whole_messages(head, len);
	if (counted != L7_PG_NOT_WHOLE) {
		__builtin_memset(&state->request_walk, 0, sizeof(state->request_walk));
	} else {
		struct l7_walk *w = walk_messages(skb, &state->request_walk, off, len,
						  (start ? L7_WALK_FRESH : 0) | L7_WALK_POSTGRES);

		if (!w)
			return;
		counted = w->commands;
	}
	if (start && counted == 0) {
		/*
		 * tally_open counted the segment's first message, but it holds no Query or Execute (a
		 * Parse that prepares, or one whose Execute comes in the next segment): user space
		 * makes no exchange of it, so neither does the tally.
		 */
		if (state->pending.requests > 1) {
			state->pending.requests--;
		} else {
			state->pending.start_ns = 0;
			state->pending.requests = 0;
		}
		return;
	}
	tally_more_requests(state, start ? counted - 1 : counted, now);
}

/* A walk is mid-message: the next segment that way continues it, whatever its first byte. */
static __always_inline bool walk_mid_message(const struct l7_walk_place *p)
{
	return p->skip != L7_WALK_LOST && (p->skip != 0 || p->args_left != 0 || p->partial_kind != 0);
}

struct l7_piece_ctx {
	struct __sk_buff *skb;
	struct l7_scratch *scratch;
	struct l7_walk *w;
	struct sonde_l7_stats *s;
	__u32 payload_off;
	__u32 seq;
	__u64 now;
	/* Tokens a piece takes: 2 on a server socket capturing for its local client (see take_tokens). */
	__u64 cost;
};

/* Sends piece `index`: from its command's header to the next piece (or the segment's end). */
static long l7_send_piece(__u32 index, void *ctx)
{
	struct l7_piece_ctx *pc = ctx;
	struct l7_walk *w = pc->w;
	__u32 at, until, here = index, next = index + 1;

	if (index >= w->pieces || index >= L7_WALK_PIECES)
		return 1;
	/* Hides the bounds from the compiler so that it keeps the masks the verifier needs. */
	barrier_var(here);
	barrier_var(next);
	here &= L7_WALK_PIECES - 1;
	next &= L7_WALK_PIECES - 1;
	at = w->piece_at[here];
	until = index + 1 < w->pieces && next != 0 ? w->piece_at[next] : w->end;
	if (at < pc->payload_off || until <= at)
		return 1;
	take_tokens(pc->now, pc->cost);
	pc->scratch->header.seq = pc->seq + (at - pc->payload_off);
	pc->scratch->header.payload_len = until - at;
	pc->scratch->header.flags = L7_FLAG_MESSAGE_START;
	output(pc->skb, pc->scratch, at, until - at, pc->s);
	return 0;
}

/*
 * A captured Redis or PostgreSQL segment longer than the capture: its prefix covers only its
 * first messages (pipelined commands, or their replies). It is sent as pieces cut at message
 * starts instead, each piece holding whole messages up to capture_bytes (or one message, however
 * long), so user space sees each message's first capture_bytes, as it would unpipelined.
 * `kind`: L7_WALK_REPLIES and L7_WALK_POSTGRES as they apply. `starts`: the segment looks like it
 * begins with a message. Returns false when the segment is to be sent whole.
 */
static __always_inline bool capture_pieces(struct __sk_buff *skb, struct l7_walk_place *place, __u32 kind,
						 struct l7_scratch *scratch, __u32 payload_off, __u32 payload_len,
						 bool starts, struct sonde_l7_stats *s, __u64 now)
{
	struct l7_piece_ctx pc = { .skb = skb, .scratch = scratch, .s = s, .payload_off = payload_off, .now = now,
				   .cost = scratch->header.peer_cookie != 0 ? 2 : 1 };
	bool mid = walk_mid_message(place);
	struct l7_walk *w;
	__u32 first;

	/* Small segments starting a message need no walk, and carry no place. */
	if (!mid && !(starts && payload_len > capture_bytes)) {
		place->skip = L7_WALK_LOST;
		return false;
	}
	w = walk_messages(skb, place, payload_off, payload_len, kind | L7_WALK_SPLIT | (mid ? 0 : L7_WALK_FRESH));
	if (!w || w->pieces == 0)
		return false;
	first = w->piece_at[0];
	if (first <= payload_off || first >= payload_off + payload_len)
		return false;
	pc.w = w;
	pc.seq = scratch->header.seq;
	scratch->header.payload_len = first - payload_off;
	output(skb, scratch, payload_off, first - payload_off, s);
	bpf_loop(L7_WALK_PIECES, l7_send_piece, &pc, 0);
	return true;
}

/* The segment's first bytes (up to L7_HEAD_BYTES; zeros past the payload) into `head`; false if unreadable. */
static __always_inline bool load_head(struct __sk_buff *skb, __u32 payload_off, __u32 payload_len, __u8 head[L7_HEAD_BYTES])
{
	__u32 len = payload_len < L7_HEAD_BYTES ? payload_len : L7_HEAD_BYTES;

	return len >= 1 && len <= L7_HEAD_BYTES && !bpf_skb_load_bytes(skb, payload_off, head, len);
}

/*
 * A paused PostgreSQL request segment inside a batch continues it, whatever its first message:
 * its statements count under the batch's first, not under a Bind that names none. A global
 * function, so that what it reads of the socket's state does not split the verification of
 * tally_open after it (inlined, it more than doubled the instructions verified).
 */
__noinline int l7_pg_batch_continues(struct l7_sock_state *state)
{
	if (!state)
		return 0;
	return state->protocol == L7_PROTOCOL_POSTGRESQL && state->pg_batch_open &&
	       state->request_walk.skip != L7_WALK_LOST;
}

/*
 * tally_add for a Redis pipeline's other commands (l7_tally): a global function, so that its
 * bucket search is verified once, not once more per command name.
 */
__noinline int l7_tally_add_other(struct sonde_l7_tally_key *key, const struct l7_tally_identity *id, __u64 latency,
				  __u64 count)
{
	if (!key || !id)
		return 0;
	tally_add(key, id, latency, count, stats());
	return 0;
}

/*
 * A global function: the verifier checks it once, on its own, with its arguments known only by
 * type. Inlined, its loops were verified again for every state the callers arrive in (4x the load
 * time, and past the million-instruction limit before the hashes' inputs were laundered). The
 * socket's state comes in as plain memory of its size (a second sk_storage lookup cost ~3% of a
 * paused segment's time); the socket is found again, and the payload's length is the rest of the
 * skb after `payload_off` (five arguments at most).
 */
__noinline int l7_tally(struct __sk_buff *skb, struct l7_sock_state *state, __u32 direction, __u32 payload_off, __u64 now)
{
	struct bpf_sock *sk;
	__u32 payload_len;

	if (!skb || !state || skb->len <= payload_off)
		return 0;
	payload_len = skb->len - payload_off;
	sk = skb_full_sock(skb);
	if (!sk)
		return 0;
	/* HTTP/2 and DNS are never paused. */
	if (state->protocol == L7_PROTOCOL_HTTP2 || state->protocol == L7_PROTOCOL_DNS)
		return 0;
	if (direction == L7_DIRECTION_EGRESS)
		state->writer_pid = bpf_get_current_pid_tgid() >> 32;
	if (direction == state->request_direction) {
		struct l7_tally_head *head = tally_scratch();
		__u32 len = tally_head_len(payload_len);
		bool loaded = head && !bpf_skb_load_bytes(skb, payload_off, head->bytes, len);
		bool start = loaded && l7_request_start(state->protocol, head->bytes, payload_len);
		bool opened = false;

		/* pg_batch_open is only ever set on PostgreSQL sockets: others skip the call. */
		if (start && state->pg_batch_open && l7_pg_batch_continues(state))
			start = false;
		/*
		 * A Redis command pipelined behind an unanswered one is counted by name below, not as
		 * one more of the exchange's first operation.
		 */
		if (start && (state->pending.start_ns == 0 || state->protocol != L7_PROTOCOL_REDIS)) {
			opened = state->pending.start_ns == 0;
			tally_open(&state->pending, head, len, state->protocol, true, now);
		}
		if (state->protocol == L7_PROTOCOL_REDIS) {
			redis_tally_more(skb, state, payload_off, payload_len, start, opened, now, head);
		} else if (state->protocol == L7_PROTOCOL_POSTGRESQL) {
			pg_tally_more(skb, state, payload_off, payload_len, start, now, head);
			if (loaded) {
				state->pg_batch_open = !pg_ends_batch(skb, head->bytes, payload_off, payload_len);
				state->pg_batch_ns = now;
			}
		}
		return 0;
	}
	{
		struct sonde_l7_tally_key key = {};
		struct l7_tally_identity id = {};
		__u8 head[L7_HEAD_BYTES] = {};
		__u64 latency = 0, count;

		/* No request waits (a response's later segments): nothing to close, nothing to read. */
		if (state->pending.start_ns == 0)
			return 0;
		if (!load_head(skb, payload_off, payload_len, head))
			return 0;
		count = tally_close(&state->pending, state->protocol, head, payload_len, now, &key, &latency);
		if (count == 0)
			return 0;
		key.cookie = bpf_get_socket_cookie(skb);
		id.pid = state->writer_pid;
		id.peer_pid = state->peer_pid;
		id.protocol = state->protocol;
		id.family = sk->family;
		id.server = state->request_direction == L7_DIRECTION_INGRESS;
		id.local_port = sk->src_port;
		id.remote_port = bpf_ntohs(sk->dst_port);
		l7_sock_addrs(sk, id.local_addr, id.remote_addr);
		tally_add(&key, &id, latency, count, stats());
		/* A Redis pipeline's other commands: their own entries, with the same latency and outcome. */
		if (state->protocol == L7_PROTOCOL_REDIS) {
			for (int i = 0; i < L7_TALLY_OTHERS; i++) {
				struct l7_tally_other *o = &state->pending.others[i];

				if (o->requests == 0)
					break;
				__builtin_memcpy(key.operation, o->operation, SONDE_L7_TALLY_OPERATION);
				l7_tally_add_other(&key, &id, latency, o->requests);
				o->requests = 0;
			}
		}
	}
	return 0;
}

/*
 * A connection between two local processes passes both sockets' hooks: the client's egress then
 * the server's ingress for a request, the server's egress then the client's ingress for its
 * response. Linked on the client's first request, the server socket captures and tallies for
 * both, its events naming the client (peer_pid, peer_cookie), and the client socket does no more
 * than its storage lookup: about a third of the socket programs' time on loopback traffic.
 * The server socket is found by the connection's tuple in this network namespace, and must be
 * the established end of this very connection (not a listener); it must not be captured as
 * another protocol or be paused already. Returns 1 when linked. A global function, verified once.
 */
__noinline int l7_link_local_peer(struct __sk_buff *skb, __u32 protocol)
{
	struct bpf_sock_tuple t = {};
	struct l7_sock_state *ps;
	struct bpf_sock *sk, *peer;
	__u32 size;
	int linked = 0;

	if (!skb)
		return 0;
	sk = skb_full_sock(skb);
	if (!sk)
		return 0;
	/* As the server receives it: from this socket's end to its own. */
	if (sk->family == AF_INET) {
		t.ipv4.saddr = sk->src_ip4;
		t.ipv4.daddr = sk->dst_ip4;
		t.ipv4.sport = bpf_htons(sk->src_port);
		t.ipv4.dport = (__be16)sk->dst_port;
		size = sizeof(t.ipv4);
	} else if (sk->family == AF_INET6) {
		l7_sock_addrs(sk, (__u8 *)t.ipv6.saddr, (__u8 *)t.ipv6.daddr);
		t.ipv6.sport = bpf_htons(sk->src_port);
		t.ipv6.dport = (__be16)sk->dst_port;
		size = sizeof(t.ipv6);
	} else {
		return 0;
	}
	peer = bpf_sk_lookup_tcp(skb, &t, size, BPF_F_CURRENT_NETNS, 0);
	if (!peer)
		return 0;
	if (peer->state == BPF_TCP_ESTABLISHED && peer->src_port == bpf_ntohs(sk->dst_port) &&
	    peer->dst_port == bpf_htons(sk->src_port)) {
		ps = bpf_sk_storage_get(&l7_sockets, peer, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (ps && !ps->shed && (ps->protocol == L7_PROTOCOL_UNKNOWN || ps->protocol == protocol)) {
			ps->protocol = protocol;
			ps->request_direction = L7_DIRECTION_INGRESS;
			ps->peer_pid = bpf_get_current_pid_tgid() >> 32;
			ps->peer_cookie = bpf_get_socket_cookie(skb);
			linked = 1;
		}
	}
	bpf_sk_release(peer);
	return linked;
}

/*
 * Whether this segment is the socket's first with data in its direction, from TCP's own
 * counters: data_segs_out already counts this segment (all of a GSO skb's), data_segs_in does not
 * yet (the ingress hook runs before TCP takes the segment). A retransmitted first segment counts
 * as a later one.
 */
static __always_inline bool first_data_segment(struct __sk_buff *skb, struct bpf_sock *sk, __u8 direction)
{
	struct bpf_tcp_sock *tp = bpf_tcp_sock(sk);
	__u32 segs;

	if (!tp)
		return false;
	if (direction == L7_DIRECTION_INGRESS)
		return tp->data_segs_in == 0;
	segs = skb->gso_segs > 1 ? skb->gso_segs : 1;
	return tp->data_segs_out <= segs;
}

/* l7_detect on the segment's first bytes, before the socket has storage. */
static __always_inline bool looks_like_protocol(struct __sk_buff *skb, struct bpf_sock *sk, __u32 payload_off, __u32 payload_len)
{
	__u8 head[L7_HEAD_BYTES] = {};

	if (!load_head(skb, payload_off, payload_len, head))
		return true; /* unreadable here: let the full path decide */
	return l7_detect(head, payload_len, sk->src_port, bpf_ntohs(sk->dst_port), dns_port).protocol != L7_PROTOCOL_UNKNOWN;
}

static __always_inline int capture(struct __sk_buff *skb, __u8 direction)
{
	struct bpf_sock *sk = skb_full_sock(skb);
	struct l7_sock_state *state;
	struct sonde_l7_stats *s;
	struct l7_scratch *scratch;
	__u32 zero = 0, ip_len, tcp_off, payload_off, payload_len;
	__u8 head[L7_HEAD_BYTES] = {};
	__u8 doff_byte;
	bool request, start;
	__u64 now, cost;

	if (!sk)
		return 1;
	if (sk->protocol == SONDE_IPPROTO_UDP)
		return capture_datagram(skb, direction);
	if (sk->protocol != SONDE_IPPROTO_TCP)
		return 1;

	/*
	 * Payload length first: most segments of short connections are SYN, ACK and FIN, and
	 * looking at them must not allocate per-socket storage. Header bytes are read in place
	 * when they are in the linear part of the skb (they almost always are).
	 */
	ip_len = ip_header_len(skb);
	if (ip_len < 20 || ip_len > 60)
		return 1;
	{
		void *data = (void *)(long)skb->data;
		void *data_end = (void *)(long)skb->data_end;
		__u8 *tcp = (__u8 *)data + ip_len;

		if ((void *)(tcp + 13) > data_end) {
			if (bpf_skb_load_bytes(skb, ip_len + 12, &doff_byte, 1))
				return 1;
		} else {
			doff_byte = tcp[12];
		}
	}
	tcp_off = ip_len;
	payload_off = tcp_off + (doff_byte >> 4) * 4;
	if (skb->len <= payload_off)
		return 1; /* no payload: ACK, SYN, FIN */
	payload_len = skb->len - payload_off;

	state = bpf_sk_storage_get(&l7_sockets, sk, 0, 0);
	if (!state) {
		/*
		 * A socket's first data segment each way is its chance to be recognised, and one that
		 * does not look like a protocol leaves no storage behind: a short connection that is
		 * none (most of them, on a busy host) costs no allocation. A later segment without
		 * storage (a connection open before sonde attached, or one that failed its first
		 * segment) gets storage and the one chance per direction below.
		 */
		if (first_data_segment(skb, sk, direction) && !looks_like_protocol(skb, sk, payload_off, payload_len))
			return 1;
		state = bpf_sk_storage_get(&l7_sockets, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	}
	if (!state || state->protocol == L7_PROTOCOL_IGNORED || state->protocol == L7_PROTOCOL_MIRRORED)
		return 1;

	s = stats();
	if (s)
		s->segments_seen++;

	/* A paused connection is only tallied until its pause is over (most segments under overload). */
	if (state->shed) {
		now = bpf_ktime_get_ns();
		if (now < state->shed_until_ns) {
			if (s)
				s->segments_shed++;
			goto tally;
		}
	}

	if (!load_head(skb, payload_off, payload_len, head)) {
		if (s)
			s->load_errors++;
		return 1;
	}

	if (state->protocol == L7_PROTOCOL_UNKNOWN) {
		struct l7_detection d = l7_detect(head, payload_len, sk->src_port, bpf_ntohs(sk->dst_port), dns_port);
		__u8 other = direction == L7_DIRECTION_EGRESS ? L7_DIRECTION_INGRESS : L7_DIRECTION_EGRESS;

		if (d.protocol != L7_PROTOCOL_UNKNOWN) {
			state->protocol = d.protocol;
			state->request_direction = d.signature == L7_SIGNATURE_CLIENT ? direction : other;
			if (s)
				s->connections_detected++;
			/* A client's first request: if its server is local, that socket captures for both. */
			if (mirror_local_peers && direction == L7_DIRECTION_EGRESS && d.signature == L7_SIGNATURE_CLIENT &&
			    d.protocol != L7_PROTOCOL_DNS && l7_link_local_peer(skb, d.protocol) == 1) {
				state->protocol = L7_PROTOCOL_MIRRORED;
				if (s)
					s->connections_mirrored++;
				return 1;
			}
		} else {
			/*
			 * Give each direction one chance: a server may speak first (banners), and a
			 * connection already mid-stream when we attached may be between messages.
			 */
			if (direction == L7_DIRECTION_EGRESS)
				state->checked_egress = 1;
			else
				state->checked_ingress = 1;
			if (state->checked_egress && state->checked_ingress) {
				state->protocol = L7_PROTOCOL_IGNORED;
				if (s)
					s->connections_ignored++;
			}
			return 1;
		}
	}
	cost = state->peer_cookie != 0 ? 2 : 1;
	request = direction == state->request_direction && l7_request_start(state->protocol, head, payload_len);
	/*
	 * A MySQL server speaks first (its greeting), so a client socket is recognised from a
	 * response and not linked then: its first command links it to a local server instead. The
	 * login before it was read on both sockets; nothing waits for an answer yet.
	 */
	if (mirror_local_peers && request && direction == L7_DIRECTION_EGRESS && state->protocol == L7_PROTOCOL_MYSQL &&
	    !state->link_tried && !state->shed) {
		state->link_tried = 1;
		if (l7_link_local_peer(skb, state->protocol) == 1) {
			state->protocol = L7_PROTOCOL_MIRRORED;
			if (s)
				s->connections_mirrored++;
			return 1;
		}
	}
	start = request || (state->protocol == L7_PROTOCOL_HTTP1 && payload_len >= 7 &&
			    http1_start(head) == HTTP1_RESPONSE);

	now = bpf_ktime_get_ns();
	if (state->shed) {
		/*
		 * Resume only at a request boundary, once the pause is over, no tallied request still
		 * waits for its answer (a pipeline's: it would be lost to both the tally and the
		 * parser) nor is a PostgreSQL batch open, and the budget allows. A request unanswered
		 * for a pause's length (memcached's noreply, a blocking pop), or a batch quiet that
		 * long, stops holding it back.
		 */
		bool waiting = (state->pending.start_ns != 0 && now - state->pending.start_ns < L7_SHED_NS) ||
			       pg_batch_holds(state, now);

		if (!request || now < state->shed_until_ns || waiting || !take_request_tokens(now, cost)) {
			if (request && now >= state->shed_until_ns && !waiting)
				state->shed_until_ns = now + L7_SHED_NS;
			if (s)
				s->segments_shed++;
			goto tally;
		}
		/* Captured again from this request on: user space parses it. */
		state->shed = 0;
		state->pending.start_ns = 0;
		state->pending.requests = 0;
		state->request_walk.skip = L7_WALK_LOST;
		state->reply_walk.skip = L7_WALK_LOST;
	} else if (request && !capture_continues_batch(state, now)) {
		if (!take_request_tokens(now, cost)) {
			state->shed = 1;
			state->shed_until_ns = now + L7_SHED_NS;
			state->pending.start_ns = 0;
			state->pending.requests = 0;
			state->request_walk.skip = L7_WALK_LOST;
			state->reply_walk.skip = L7_WALK_LOST;
			emit_shed(bpf_get_socket_cookie(skb));
			if (s) {
				s->segments_shed++;
				s->connections_shed++;
			}
			goto tally;
		}
	} else {
		/*
		 * Mid-message segments, and requests inside a PostgreSQL batch, are always sent (a
		 * message or a pipeline is never cut), but they count.
		 */
		take_tokens(now, cost);
	}
	if (state->protocol == L7_PROTOCOL_POSTGRESQL && direction == state->request_direction) {
		state->pg_batch_open = !pg_ends_batch(skb, head, payload_off, payload_len);
		state->pg_batch_ns = now;
	}

	scratch = bpf_map_lookup_elem(&l7_scratch_map, &zero);
	if (!scratch)
		return 1;
	scratch->header.type = L7_EVENT_SEGMENT;
	scratch->header.direction = direction;
	scratch->header.protocol = state->protocol;
	scratch->header.flags = start ? L7_FLAG_MESSAGE_START : 0;
	scratch->header.family = sk->family;
	scratch->header.transport = SONDE_IPPROTO_TCP;
	scratch->header.pid = direction == L7_DIRECTION_EGRESS ? bpf_get_current_pid_tgid() >> 32 : 0;
	scratch->header.peer_pid = state->peer_pid;
	scratch->header.peer_cookie = state->peer_cookie;
	scratch->header.local_port = sk->src_port;
	scratch->header.remote_port = bpf_ntohs(sk->dst_port);
	scratch->header.payload_len = payload_len;
	scratch->header.cookie = bpf_get_socket_cookie(skb);
	scratch->header.ts_ns = now;
	__builtin_memset(scratch->header.local_addr, 0, 32);
	l7_sock_addrs(sk, scratch->header.local_addr, scratch->header.remote_addr);
	{
		__be32 seq_be = 0;
		bpf_skb_load_bytes(skb, tcp_off + 4, &seq_be, 4);
		scratch->header.seq = bpf_ntohl(seq_be);
	}
	if (state->protocol == L7_PROTOCOL_REDIS || state->protocol == L7_PROTOCOL_POSTGRESQL) {
		bool replies = direction != state->request_direction;
		bool pg = state->protocol == L7_PROTOCOL_POSTGRESQL;
		bool starts = pg ? pg_message_start(head, payload_len) :
			      replies ? redis_line_type(head[0]) || redis_counted_type(head[0]) : request;
		__u32 kind = (replies ? L7_WALK_REPLIES : 0) | (pg ? L7_WALK_POSTGRES : 0);

		if (capture_pieces(skb, replies ? &state->reply_walk : &state->request_walk, kind, scratch, payload_off,
				   payload_len, starts, s, now))
			return 1;
	}
	output(skb, scratch, payload_off, payload_len, s);
	return 1;

tally:
	l7_tally(skb, state, direction, payload_off, now);
	return 1;
}

SEC("cgroup_skb/egress")
int l7_egress(struct __sk_buff *skb)
{
	return capture(skb, L7_DIRECTION_EGRESS);
}

SEC("cgroup_skb/ingress")
int l7_ingress(struct __sk_buff *skb)
{
	return capture(skb, L7_DIRECTION_INGRESS);
}

/* TLS plaintext (uprobes) shares this file's ring buffer, budget, socket storage and stats. */
#include "lib/l7_tls.bpf.h"
