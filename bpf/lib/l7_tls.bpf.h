/*
 * TLS plaintext, the half of l7.bpf.c that sees what the socket hooks cannot: uprobes on the
 * TLS library's read and write calls (OpenSSL's SSL_read/SSL_write and their _ex forms, GnuTLS's
 * gnutls_record_recv/send) copy the plaintext to the same ring buffer as the socket segments.
 * Included at the end of l7.bpf.c: it uses its maps, budget and stats.
 *
 * Which socket a TLS object (SSL *, gnutls_session_t) writes to is learnt in the kernel, in the
 * calling thread's context: the sock_send_length / sock_recv_length tracepoints fire inside the
 * send/recv the library makes during the call (socket BIOs: nginx, curl, Python, GnuTLS), with
 * the socket at hand. Libraries driven through memory BIOs (Node.js) do their socket I/O outside
 * the calls: an object not tied yet is tied to the next TCP send of the same thread after a call
 * on it (Node writes the records a call produced right after it, the handshake's included).
 * Once tied, the socket's ciphertext is no longer looked at by the socket hooks.
 */
#ifndef SONDE_L7_TLS_BPF_H
#define SONDE_L7_TLS_BPF_H

/* An HTTP/2 call may carry many frames: copy up to this many capture-sized slices of it. */
#define L7_TLS_HTTP2_SLICES 4
#define L7_TLS_THREADS 65536
#define L7_TLS_OBJECTS 65536

/* The agent's own process: its TLS (exports to a backend) is not recorded. */
const volatile __u32 ignore_tgid = 0;

const struct sonde_l7_tls_data_event *unused_tls_data_event __attribute__((unused));
const struct sonde_l7_tls_bind_event *unused_tls_bind_event __attribute__((unused));
const struct sonde_l7_tls_free_event *unused_tls_free_event __attribute__((unused));
const enum sonde_l7_tls_library *unused_tls_library __attribute__((unused));

/* What a thread is doing with TLS: the call in progress, and an object waiting for its socket. */
struct l7_tls_thread {
	__u64 tls; /* the object of the call in progress, 0 when none */
	__u64 buf;
	__u64 count_ptr; /* SSL_read_ex / SSL_write_ex: where the call writes its byte count */
	__u64 pending;	 /* memory BIO: an untied object whose records this thread sends next */
	__u8 direction;
	__u8 library;
	__u8 io_seen; /* the call in progress did socket I/O (and so tied its object) */
	__u8 pad0[5];
};

/*
 * TLS calls in progress plus objects waiting for their socket, host-wide. The socket tracepoints
 * fire on every send and receive of every process; while nothing is armed (plaintext traffic,
 * idle TLS) they return before any lookup. A thread that dies mid-call leaves it armed: that
 * costs only the lookups, never a missed tie.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} l7_tls_armed SEC(".maps");

static __always_inline void tls_arm(__s64 delta)
{
	__u32 zero = 0;
	__s64 *armed = bpf_map_lookup_elem(&l7_tls_armed, &zero);

	if (armed)
		__sync_fetch_and_add(armed, delta);
}

static __always_inline bool tls_armed(void)
{
	__u32 zero = 0;
	__s64 *armed = bpf_map_lookup_elem(&l7_tls_armed, &zero);

	return armed && *(volatile __s64 *)armed > 0;
}

struct l7_tls_key {
	__u32 tgid;
	__u32 pad0;
	__u64 tls;
};

/* Per TLS object: its socket once known, what it speaks, plaintext offsets per direction. */
struct l7_tls_conn {
	__u64 cookie;
	__u32 seq_egress;
	__u32 seq_ingress;
	__u8 protocol;
	__u8 checked_egress;
	__u8 checked_ingress;
	__u8 request_direction;
	__u8 shed;
	__u8 family;
	__u16 local_port;
	__u16 remote_port;
	__u16 pad0;
	__u32 pad1;
	__u64 shed_until_ns;
	__u8 local_addr[16];
	__u8 remote_addr[16];
	/* While shed: the request being tallied (no path or SQL hash). */
	struct l7_tally_pending pending;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, L7_TLS_THREADS);
	__type(key, __u64);
	__type(value, struct l7_tls_thread);
} l7_tls_threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, L7_TLS_OBJECTS);
	__type(key, struct l7_tls_key);
	__type(value, struct l7_tls_conn);
} l7_tls_conns SEC(".maps");

struct l7_tls_scratch {
	struct sonde_l7_tls_data_event header;
	__u8 payload[SONDE_L7_MAX_CAPTURE * 2];
};

/* Separate from the socket hooks' scratch: a uprobe may be interrupted by a packet's hook. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct l7_tls_scratch);
} l7_tls_scratch_map SEC(".maps");

static __always_inline int tls_enter(void *tls, const void *buf, void *count_ptr, __u8 direction, __u8 library)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct l7_tls_thread *t;

	if ((__u32)(id >> 32) == ignore_tgid)
		return 0;
	t = bpf_map_lookup_elem(&l7_tls_threads, &id);
	if (!t) {
		struct l7_tls_thread fresh = {};

		bpf_map_update_elem(&l7_tls_threads, &id, &fresh, BPF_ANY);
		t = bpf_map_lookup_elem(&l7_tls_threads, &id);
		if (!t)
			return 0;
	}
	if (t->tls == 0)
		tls_arm(1);
	t->tls = (__u64)tls;
	t->buf = (__u64)buf;
	t->count_ptr = (__u64)count_ptr;
	t->direction = direction;
	t->library = library;
	t->io_seen = 0;
	return 0;
}

static __always_inline struct l7_tls_conn *tls_conn_of(struct l7_tls_key *key)
{
	struct l7_tls_conn *c = bpf_map_lookup_elem(&l7_tls_conns, key);

	if (c)
		return c;
	{
		struct l7_tls_conn fresh = {};

		bpf_map_update_elem(&l7_tls_conns, key, &fresh, BPF_NOEXIST);
	}
	return bpf_map_lookup_elem(&l7_tls_conns, key);
}

/* Sends `len` bytes at `buf` (plaintext of one call) as one event, or slices of it for HTTP/2. */
static __always_inline void tls_output(struct l7_tls_scratch *scratch, const void *buf, __u32 len, __u32 seq,
				       struct sonde_l7_stats *s)
{
	__u32 slice = capture_bytes < SONDE_L7_MAX_CAPTURE ? capture_bytes : SONDE_L7_MAX_CAPTURE;
	__u32 slices = scratch->header.protocol == L7_PROTOCOL_HTTP2 ? L7_TLS_HTTP2_SLICES : 1;
	__u32 off = 0;
	__u64 pending = bpf_ringbuf_query(&l7_events, BPF_RB_AVAIL_DATA);
	__u64 flags = SONDE_RB_WAKEUP(pending, L7_RINGBUF_BYTES);

	if (slice == 0)
		return;
	for (int i = 0; i < L7_TLS_HTTP2_SLICES; i++) {
		__u32 rest, n, covered;

		if (i >= slices || off >= len)
			break;
		rest = len - off;
		/* The last slice covers the rest of the call; its uncaptured part is counted, not copied. */
		covered = i + 1 == slices || rest <= slice ? rest : slice;
		n = rest < slice ? rest : slice;
		n = ((n - 1) & (SONDE_L7_MAX_CAPTURE * 2 - 1)) + 1;
		if (bpf_probe_read_user(scratch->payload, n, (const __u8 *)buf + off)) {
			if (s)
				s->load_errors++;
			return;
		}
		scratch->header.seq = seq + off;
		scratch->header.payload_len = covered;
		scratch->header.captured = n;
		if (i > 0)
			scratch->header.flags &= ~L7_FLAG_MESSAGE_START;
		if (bpf_ringbuf_output(&l7_events, scratch, sizeof(scratch->header) + n, flags)) {
			if (s)
				s->ringbuf_dropped++;
			return;
		}
		if (s) {
			s->segments_captured++;
			s->bytes_captured += n;
		}
		off += covered;
	}
}

/*
 * A call of a shed TLS object: tallied like a paused socket's segment (l7_tally.bpf.h), from the
 * plaintext in user memory, without the path or SQL hash (routes and tables of TLS tallies stay
 * unnamed). `head` holds the call's first L7_HEAD_BYTES bytes.
 */
static __always_inline void tls_tally(struct l7_tls_conn *c, __u32 tgid, __u8 direction, bool request, const __u8 *head,
				      const void *buf, __u32 n, __u64 now, struct sonde_l7_stats *s)
{
	struct sonde_l7_tally_key key = {};
	struct l7_tally_identity id = {};
	__u64 latency = 0, count;

	if (c->cookie == 0 || c->protocol == L7_PROTOCOL_HTTP2 || c->protocol == L7_PROTOCOL_DNS)
		return;
	if (direction == c->request_direction) {
		struct l7_tally_head *hd;
		__u32 len = tally_head_len(n);

		if (!request)
			return;
		hd = tally_scratch();
		if (hd && !bpf_probe_read_user(hd->bytes, len, buf))
			tally_open(&c->pending, hd, len, c->protocol, false, now);
		return;
	}
	count = tally_close(&c->pending, c->protocol, head, n, now, &key, &latency);
	if (count == 0)
		return;
	key.cookie = c->cookie;
	id.pid = tgid;
	id.protocol = c->protocol;
	id.family = c->family;
	id.server = c->request_direction == L7_DIRECTION_INGRESS;
	id.tls = 1;
	id.local_port = c->local_port;
	id.remote_port = c->remote_port;
	__builtin_memcpy(id.local_addr, c->local_addr, 16);
	__builtin_memcpy(id.remote_addr, c->remote_addr, 16);
	tally_add(&key, &id, latency, count, s);
}

/*
 * A call returned `len` bytes of plaintext (0: nothing, or it failed): detect the protocol on
 * the object's first plaintext each way, apply the segment budget, send it.
 */
static __always_inline int tls_done(long len)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct l7_tls_thread *t = bpf_map_lookup_elem(&l7_tls_threads, &id);
	struct l7_tls_key key = {};
	struct l7_tls_conn *c;
	struct l7_tls_scratch *scratch;
	struct sonde_l7_stats *s;
	__u8 head[L7_HEAD_BYTES] = {};
	__u32 zero = 0, seq, n;
	__u64 head_len;
	__u8 direction, library;
	const void *buf;
	bool request, start;
	__u64 now;

	if (!t || t->tls == 0)
		return 0;
	key.tgid = id >> 32;
	key.tls = t->tls;
	direction = t->direction;
	library = t->library;
	buf = (const void *)t->buf;
	t->tls = 0;
	tls_arm(-1);
	c = tls_conn_of(&key);
	if (!c)
		return 0;
	if (!t->io_seen && c->cookie == 0) {
		if (t->pending == 0)
			tls_arm(1);
		t->pending = key.tls;
	}
	if (len <= 0 || len > 0x7fffffff)
		return 0;
	n = len;
	s = stats();
	if (s)
		s->tls_calls++;

	/*
	 * Offsets advance whatever happens next: what user space misses is a gap. Not atomic (that
	 * needs BPF v3 atomics): a TLS object is not used by two threads at once.
	 */
	if (direction == L7_DIRECTION_EGRESS) {
		seq = c->seq_egress;
		c->seq_egress = seq + n;
	} else {
		seq = c->seq_ingress;
		c->seq_ingress = seq + n;
	}
	if (c->protocol == L7_PROTOCOL_IGNORED)
		return 0;
	head_len = n < L7_HEAD_BYTES ? n : L7_HEAD_BYTES;
	/* Keeps the compiler from handing the helper `n` itself, whose bounds the verifier lost. */
	barrier_var(head_len);
	if (head_len < 1 || head_len > L7_HEAD_BYTES || bpf_probe_read_user(head, head_len, buf)) {
		if (s)
			s->load_errors++;
		return 0;
	}
	if (c->protocol == L7_PROTOCOL_UNKNOWN) {
		struct l7_detection d = l7_detect(head, n, 0, 0, 0);
		__u8 other = direction == L7_DIRECTION_EGRESS ? L7_DIRECTION_INGRESS : L7_DIRECTION_EGRESS;

		if (d.protocol != L7_PROTOCOL_UNKNOWN && d.protocol != L7_PROTOCOL_DNS) {
			c->protocol = d.protocol;
			c->request_direction = d.signature == L7_SIGNATURE_CLIENT ? direction : other;
			if (s)
				s->connections_detected++;
		} else {
			if (direction == L7_DIRECTION_EGRESS)
				c->checked_egress = 1;
			else
				c->checked_ingress = 1;
			if (c->checked_egress && c->checked_ingress) {
				c->protocol = L7_PROTOCOL_IGNORED;
				if (s)
					s->connections_ignored++;
			}
			return 0;
		}
	}
	request = direction == c->request_direction && l7_request_start(c->protocol, head, n);
	start = request || (c->protocol == L7_PROTOCOL_HTTP1 && n >= 7 && http1_start(head) == HTTP1_RESPONSE);

	/*
	 * The socket path's budget and shedding. An object not tied to a socket yet is shed all the
	 * same (no event: user space has no connection for it, only held plaintext that a gap follows).
	 */
	now = bpf_ktime_get_ns();
	if (c->shed) {
		if (!request || now < c->shed_until_ns || !take_request_token(now)) {
			if (request && now >= c->shed_until_ns)
				c->shed_until_ns = now + L7_SHED_NS;
			if (s)
				s->segments_shed++;
			tls_tally(c, key.tgid, direction, request, head, buf, n, now, s);
			return 0;
		}
		c->shed = 0;
		c->pending.start_ns = 0;
		c->pending.requests = 0;
	} else if (request) {
		if (!take_request_token(now)) {
			c->shed = 1;
			c->shed_until_ns = now + L7_SHED_NS;
			c->pending.start_ns = 0;
			c->pending.requests = 0;
			if (c->cookie != 0)
				emit_shed(c->cookie);
			if (s) {
				s->segments_shed++;
				s->connections_shed++;
			}
			tls_tally(c, key.tgid, direction, request, head, buf, n, now, s);
			return 0;
		}
	} else {
		take_token(now);
	}

	scratch = bpf_map_lookup_elem(&l7_tls_scratch_map, &zero);
	if (!scratch)
		return 0;
	scratch->header.type = L7_EVENT_TLS_DATA;
	scratch->header.direction = direction;
	scratch->header.protocol = c->protocol;
	scratch->header.flags = (start ? L7_FLAG_MESSAGE_START : 0) | L7_FLAG_TLS;
	scratch->header.family = c->family;
	scratch->header.library = library;
	scratch->header.local_port = c->local_port;
	scratch->header.remote_port = c->remote_port;
	scratch->header.pad1 = 0;
	scratch->header.pid = key.tgid;
	scratch->header.pad2 = 0;
	scratch->header.cookie = c->cookie;
	scratch->header.ts_ns = now;
	__builtin_memcpy(scratch->header.local_addr, c->local_addr, 16);
	__builtin_memcpy(scratch->header.remote_addr, c->remote_addr, 16);
	scratch->header.tls_id = key.tls;
	if (c->cookie == 0 && s)
		s->tls_unbound++;
	tls_output(scratch, buf, n, seq, s);
	return 0;
}

static __always_inline void tls_free(void *tls)
{
	struct l7_tls_key key = {};
	struct sonde_l7_tls_free_event *e;

	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.tls = (__u64)tls;
	if (bpf_map_delete_elem(&l7_tls_conns, &key))
		return; /* never seen in a read or write: nothing to forget */
	e = bpf_ringbuf_reserve(&l7_events, sizeof(*e), 0);
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->type = L7_EVENT_TLS_FREE;
	e->pid = key.tgid;
	e->tls_id = key.tls;
	bpf_ringbuf_submit(e, 0);
}

/*
 * A send or receive on `sk` by the current thread: ties the thread's TLS object in progress (or,
 * on a send, the one waiting for its socket) to the socket. Costs one hash lookup for threads that
 * never called a TLS function.
 */
static __always_inline void tls_socket_io(struct sock *sk, bool send)
{
	struct l7_tls_key key = {};
	struct l7_tls_thread *t;
	struct l7_tls_conn *c;
	struct sonde_l7_tls_bind_event *e;
	struct l7_sock_state *state;
	struct sonde_l7_stats *s;
	bool from_pending = false;
	__u16 family;
	__u64 cookie, id;

	if (!tls_armed())
		return;
	id = bpf_get_current_pid_tgid();
	t = bpf_map_lookup_elem(&l7_tls_threads, &id);
	if (!t || !sk)
		return;
	if (t->tls != 0) {
		key.tls = t->tls;
	} else if (send && t->pending != 0) {
		key.tls = t->pending;
		from_pending = true;
	} else {
		return;
	}
	if (sk->sk_protocol != SONDE_IPPROTO_TCP)
		return;
	family = sk->__sk_common.skc_family;
	if (family != AF_INET && family != AF_INET6)
		return;
	if (from_pending) {
		t->pending = 0;
		tls_arm(-1);
	} else
		t->io_seen = 1;
	key.tgid = id >> 32;
	cookie = bpf_get_socket_cookie(sk);
	c = tls_conn_of(&key);
	if (!c || c->cookie == cookie)
		return;
	if (from_pending && c->cookie != 0)
		return;
	if (c->cookie != 0) {
		/* The object now talks over another socket (reused without a free we saw): start over. */
		__builtin_memset(c, 0, sizeof(*c));
	}
	c->cookie = cookie;
	c->family = family;
	c->local_port = sk->__sk_common.skc_num;
	c->remote_port = bpf_ntohs(sk->__sk_common.skc_dport);
	if (family == AF_INET) {
		__builtin_memset(c->local_addr, 0, 32);
		*(__u32 *)c->local_addr = sk->__sk_common.skc_rcv_saddr;
		*(__u32 *)c->remote_addr = sk->__sk_common.skc_daddr;
	} else {
		bpf_probe_read_kernel(c->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_probe_read_kernel(c->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	/* Its ciphertext is of no use to the socket hooks (and must not feed a parser). */
	state = bpf_sk_storage_get(&l7_sockets, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (state)
		state->protocol = L7_PROTOCOL_IGNORED;
	s = stats();
	if (s)
		s->tls_binds++;
	e = bpf_ringbuf_reserve(&l7_events, sizeof(*e), 0);
	if (!e)
		return;
	e->type = L7_EVENT_TLS_BIND;
	e->family = c->family;
	e->local_port = c->local_port;
	e->remote_port = c->remote_port;
	e->pad0 = 0;
	e->pid = key.tgid;
	e->pad1 = 0;
	e->tls_id = key.tls;
	e->cookie = cookie;
	__builtin_memcpy(e->local_addr, c->local_addr, 16);
	__builtin_memcpy(e->remote_addr, c->remote_addr, 16);
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(l7_tls_sock_send, struct sock *sk, int ret, int flags)
{
	tls_socket_io(sk, true);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(l7_tls_sock_recv, struct sock *sk, int ret, int flags)
{
	tls_socket_io(sk, false);
	return 0;
}

/* OpenSSL: int SSL_write(SSL *s, const void *buf, int num), int SSL_read(SSL *s, void *buf, int num). */
SEC("uprobe")
int BPF_KPROBE(l7_ssl_write_entry, void *ssl, const void *buf)
{
	return tls_enter(ssl, buf, 0, L7_DIRECTION_EGRESS, L7_TLS_OPENSSL);
}

SEC("uprobe")
int BPF_KPROBE(l7_ssl_read_entry, void *ssl, void *buf)
{
	return tls_enter(ssl, buf, 0, L7_DIRECTION_INGRESS, L7_TLS_OPENSSL);
}

/* int SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written), and SSL_read_ex alike. */
SEC("uprobe")
int BPF_KPROBE(l7_ssl_write_ex_entry, void *ssl, const void *buf, __u64 num, void *written)
{
	return tls_enter(ssl, buf, written, L7_DIRECTION_EGRESS, L7_TLS_OPENSSL);
}

SEC("uprobe")
int BPF_KPROBE(l7_ssl_read_ex_entry, void *ssl, void *buf, __u64 num, void *readbytes)
{
	return tls_enter(ssl, buf, readbytes, L7_DIRECTION_INGRESS, L7_TLS_OPENSSL);
}

/*
 * The return of every read and write above, one program attached to each function: the entry
 * recorded which convention the call returns by. SSL_read/SSL_write: an int, the bytes; the _ex
 * forms: 1 on success and the bytes at count_ptr; GnuTLS: an ssize_t. One program instead of
 * three: each was verified on its own, ~120 ms apiece of the agent's start here.
 */
SEC("uretprobe")
int BPF_KRETPROBE(l7_tls_return, long rc)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct l7_tls_thread *t = bpf_map_lookup_elem(&l7_tls_threads, &id);
	__u64 count = 0;

	if (!t || t->tls == 0)
		return 0;
	if (t->library == L7_TLS_GNUTLS)
		return tls_done(rc);
	if (t->count_ptr == 0)
		return tls_done((int)rc);
	if ((int)rc == 1 && bpf_probe_read_user(&count, sizeof(count), (void *)t->count_ptr))
		count = 0;
	return tls_done((int)rc == 1 ? (long)count : 0);
}

/* void SSL_free(SSL *s) */
SEC("uprobe")
int BPF_KPROBE(l7_ssl_free, void *ssl)
{
	tls_free(ssl);
	return 0;
}

/* GnuTLS: ssize_t gnutls_record_send(gnutls_session_t, const void *, size_t), and _recv alike. */
SEC("uprobe")
int BPF_KPROBE(l7_gnutls_send_entry, void *session, const void *buf)
{
	return tls_enter(session, buf, 0, L7_DIRECTION_EGRESS, L7_TLS_GNUTLS);
}

SEC("uprobe")
int BPF_KPROBE(l7_gnutls_recv_entry, void *session, void *buf)
{
	return tls_enter(session, buf, 0, L7_DIRECTION_INGRESS, L7_TLS_GNUTLS);
}

/* void gnutls_deinit(gnutls_session_t) */
SEC("uprobe")
int BPF_KPROBE(l7_gnutls_deinit, void *session)
{
	tls_free(session);
	return 0;
}

#endif
