/* Types shared between l7.bpf.c and user space. */
#ifndef SONDE_L7_H
#define SONDE_L7_H

/* Largest payload prefix one event can carry; the configured capture size is at most this. */
#define SONDE_L7_MAX_CAPTURE 4096

enum sonde_l7_direction {
	L7_DIRECTION_EGRESS = 1,  /* sent by the socket's owner */
	L7_DIRECTION_INGRESS = 2, /* received by the socket's owner */
};

enum sonde_l7_protocol {
	L7_PROTOCOL_UNKNOWN = 0,
	L7_PROTOCOL_HTTP1 = 1,
	L7_PROTOCOL_HTTP2 = 2,
	L7_PROTOCOL_POSTGRESQL = 3,
	L7_PROTOCOL_MYSQL = 4,
	L7_PROTOCOL_REDIS = 5,
	L7_PROTOCOL_MONGODB = 6,
	L7_PROTOCOL_KAFKA = 7,
	L7_PROTOCOL_MEMCACHED = 8,
	L7_PROTOCOL_DNS = 9,
	/*
	 * A client socket whose server socket is local and captures for both (l7.mirror_local_peers):
	 * later segments cost one storage lookup.
	 */
	L7_PROTOCOL_MIRRORED = 254,
	/* Looked at, matched nothing we parse: later segments cost one storage lookup. */
	L7_PROTOCOL_IGNORED = 255,
};

enum sonde_l7_event_type {
	L7_EVENT_SEGMENT = 1,
	/* The connection stops being captured for a while (over the segment budget). */
	L7_EVENT_SHED = 2,
	/* Plaintext of one TLS read or write call (uprobes on OpenSSL / GnuTLS). */
	L7_EVENT_TLS_DATA = 3,
	/* A TLS object is tied to the TCP socket that carries its records. */
	L7_EVENT_TLS_BIND = 4,
	/* A TLS object was freed: its address may be reused by another connection. */
	L7_EVENT_TLS_FREE = 5,
};

/* The library whose functions produced a TLS event. */
enum sonde_l7_tls_library {
	L7_TLS_OPENSSL = 1,
	L7_TLS_GNUTLS = 2,
};

enum sonde_l7_flags {
	/* This segment starts something that looks like a message (a request or status line). */
	L7_FLAG_MESSAGE_START = 1,
	/* The socket was first seen mid-stream (no SYN seen by these probes). */
	L7_FLAG_MIDSTREAM = 2,
	/* The payload is one whole UDP datagram (DNS over UDP); seq is 0. */
	L7_FLAG_DATAGRAM = 4,
	/* The payload is TLS plaintext (taken from the TLS library, not the socket). */
	L7_FLAG_TLS = 8,
};

/*
 * One TCP segment's payload of a connection speaking a protocol we parse. `captured` bytes of
 * `payload_len` follow the header; the stream's position is `seq` (the TCP sequence number).
 */
struct sonde_l7_segment_event {
	__u8 type;
	__u8 direction;
	__u8 protocol;
	__u8 flags;
	__u8 family;
	__u8 transport; /* IPPROTO_TCP or IPPROTO_UDP */
	__u16 local_port;
	__u16 remote_port;
	__u16 pad1;
	__u32 seq;
	__u32 payload_len;
	__u32 captured;
	/*
	 * The sending process on egress (data-carrying egress runs in the writer's context), 0 on
	 * ingress (it runs in whoever's context delivered the packet).
	 */
	__u32 pid;
	/*
	 * A server socket whose client is local and mirrored onto it (L7_PROTOCOL_MIRRORED): the
	 * client's writer when they were linked, and the client socket's cookie; 0 otherwise.
	 */
	__u32 peer_pid;
	__u64 cookie;
	__u64 ts_ns;
	__u64 peer_cookie;
	__u8 local_addr[16];
	__u8 remote_addr[16];
};

/*
 * Capture of this connection pauses: user space forgets its parser state instead of waiting
 * for bytes that will not come. Sent at a request boundary, so no exchange is cut in half.
 */
struct sonde_l7_shed_event {
	__u8 type;
	__u8 pad0[7];
	__u64 cookie;
};

/*
 * The plaintext of one TLS call (SSL_write, SSL_read, gnutls_record_send/recv...), or a
 * `payload_len` slice of it. `seq` is the running offset of plaintext in this direction of this
 * TLS object (counted in the kernel, so a lost event is a gap, not a silent splice). The socket
 * fields are filled once the object is tied to its socket (`cookie` 0 until then: user space
 * holds such events until the object's bind event).
 */
struct sonde_l7_tls_data_event {
	__u8 type;
	__u8 direction;
	__u8 protocol;
	__u8 flags;
	__u8 family;
	__u8 library;
	__u16 local_port;
	__u16 remote_port;
	__u16 pad1;
	__u32 seq;
	__u32 payload_len;
	__u32 captured;
	/* The process calling the TLS library: the socket's user, for both directions. */
	__u32 pid;
	__u32 pad2;
	__u64 cookie;
	__u64 ts_ns;
	__u8 local_addr[16];
	__u8 remote_addr[16];
	/* The library's object (SSL *, gnutls_session_t) in process `pid`. */
	__u64 tls_id;
};

/* TLS object `tls_id` of process `pid` carries its records over this TCP socket. */
struct sonde_l7_tls_bind_event {
	__u8 type;
	__u8 family;
	__u16 local_port;
	__u16 remote_port;
	__u16 pad0;
	__u32 pid;
	__u32 pad1;
	__u64 tls_id;
	__u64 cookie;
	__u8 local_addr[16];
	__u8 remote_addr[16];
};

/* TLS object `tls_id` of process `pid` was freed. */
struct sonde_l7_tls_free_event {
	__u8 type;
	__u8 pad0[3];
	__u32 pid;
	__u64 tls_id;
};

/* Per-CPU counters: what was looked at, captured and lost. */
struct sonde_l7_stats {
	__u64 segments_seen;
	__u64 segments_captured;
	__u64 bytes_captured;
	__u64 ringbuf_dropped;
	__u64 connections_detected;
	__u64 connections_ignored;
	__u64 load_errors;
	__u64 segments_shed;
	__u64 connections_shed;
	__u64 datagrams_captured;
	/* TLS read/write calls that returned plaintext. */
	__u64 tls_calls;
	/* TLS calls sent to user space before their object was tied to a socket. */
	__u64 tls_unbound;
	/* TLS objects tied to a socket (or re-tied to another one). */
	__u64 tls_binds;
	/* Exchanges of paused connections counted in the kernel (tallies) instead of captured. */
	__u64 exchanges_tallied;
	/* Exchanges of paused connections lost: the tally map was full. */
	__u64 tally_dropped;
	/* Client sockets left to their local server socket, which captures for both. */
	__u64 connections_mirrored;
};

/*
 * In-kernel tallies of the exchanges of paused (shed) connections, so that metrics still count
 * every exchange when the capture budget is exceeded. Latency upper bounds in ns: the union of
 * OpenTelemetry's HTTP and database advisory bounds plus finer sub-millisecond ones, so that
 * every metric bucket is a union of tally buckets. The last bucket is everything above.
 */
#define SONDE_L7_TALLY_BOUNDS 19
#define SONDE_L7_TALLY_BUCKETS (SONDE_L7_TALLY_BOUNDS + 1)
#define SONDE_L7_TALLY_OPERATION 16

/*
 * One kind of exchange on one socket, counted during one epoch (user space flips the epoch, and
 * drains the previous one once no program can still be writing to it).
 */
struct sonde_l7_tally_key {
	__u64 cookie;
	/*
	 * What the request asked beyond its operation, hashed (FNV-1a, see l7_tally.bpf.h): the
	 * HTTP path with segments holding digits masked, the SQL text without digits and quoted
	 * literals; 0 for other protocols.
	 */
	__u32 detail;
	/* HTTP: the status code. Other protocols: 0 answered, 1 failed. */
	__u16 status;
	__u8 epoch;
	/* PostgreSQL message type, MySQL command byte or Kafka API key of the request; else 0. */
	__u8 message;
	/* The request's first token, NUL-padded: HTTP method, Redis command, SQL verb, memcached command. */
	char operation[SONDE_L7_TALLY_OPERATION];
};

struct sonde_l7_tally {
	/* Exchanges whose latency fell in each bucket, and the sum of those latencies (ns). */
	__u64 bucket_counts[SONDE_L7_TALLY_BUCKETS];
	__u64 bucket_sum_ns[SONDE_L7_TALLY_BUCKETS];
	/* The socket's owner as last seen writing to it. */
	__u32 pid;
	__u8 protocol;
	__u8 family;
	/* 1: this socket serves (it receives the requests); 0: it is the client. */
	__u8 server;
	/* 1: counted from TLS plaintext (uprobes), not from the socket's segments. */
	__u8 tls;
	__u16 local_port;
	__u16 remote_port;
	/* A server socket's mirrored local client (see the segment event's peer_pid), else 0: these exchanges count for it too. */
	__u32 peer_pid;
	__u8 local_addr[16];
	__u8 remote_addr[16];
};

#endif
