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
	/* Looked at, matched nothing we parse: later segments cost one storage lookup. */
	L7_PROTOCOL_IGNORED = 255,
};

enum sonde_l7_event_type {
	L7_EVENT_SEGMENT = 1,
	/* The connection stops being captured for a while (over the segment budget). */
	L7_EVENT_SHED = 2,
};

enum sonde_l7_flags {
	/* This segment starts something that looks like a message (a request or status line). */
	L7_FLAG_MESSAGE_START = 1,
	/* The socket was first seen mid-stream (no SYN seen by these probes). */
	L7_FLAG_MIDSTREAM = 2,
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
	__u8 pad0;
	__u16 local_port;
	__u16 remote_port;
	__u16 pad1;
	__u32 seq;
	__u32 payload_len;
	__u32 captured;
	__u64 cookie;
	__u64 ts_ns;
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
};

/* Per-socket state (sk_storage). */
struct sonde_l7_sock_state {
	__u8 protocol;
	__u8 checked_egress;
	__u8 checked_ingress;
	__u8 shed;
	__u8 pad0[4];
	/* While shed, capture resumes at the first request after this time. */
	__u64 shed_until_ns;
};

#endif
