/* Types shared between flows.bpf.c and user space (TypeScript layouts are generated from BTF). */
#ifndef SONDE_FLOWS_H
#define SONDE_FLOWS_H

#define SONDE_COMM_LEN 16
#define SONDE_EXEC_PATH_LEN 256
#define SONDE_EXEC_ARGS_LEN 256

enum sonde_flow_event_type {
	FLOW_EVENT_CLOSE = 1,
	FLOW_EVENT_LISTEN = 2,
	FLOW_EVENT_EXEC = 3,
	FLOW_EVENT_OPEN = 4,
};

enum sonde_flow_direction {
	FLOW_DIRECTION_UNKNOWN = 0,
	FLOW_DIRECTION_INBOUND = 1,
	FLOW_DIRECTION_OUTBOUND = 2,
};

enum sonde_flow_status {
	FLOW_STATUS_CLOSED = 1,
	FLOW_STATUS_RESET = 2,
	FLOW_STATUS_FAILED = 3,
};

enum sonde_flow_flags {
	/* The connection opened before the probes were attached: start and owner are unknown. */
	FLOW_FLAG_PARTIAL = 1,
	FLOW_FLAG_RST_RECEIVED = 2,
	FLOW_FLAG_RST_SENT = 4,
	/* pid/comm came from the first read of an accepted socket, in the owner's context. */
	FLOW_FLAG_ACCEPTED = 8,
};

/* One closed TCP connection. Counters are tcp_sock's own, read when the socket reached CLOSE. */
struct sonde_flow_close_event {
	__u8 type;
	__u8 family;
	__u8 direction;
	__u8 status;
	__u8 flags;
	__u8 old_state;
	__u16 local_port;
	__u16 remote_port;
	__u16 pad0;
	__u32 pid;
	__u32 tid;
	__u32 retransmit_events;
	__u64 start_ns;
	__u64 end_ns;
	__u64 bytes_sent;
	__u64 bytes_received;
	__u64 bytes_acked;
	__u64 socket_cookie;
	__u32 segs_out;
	__u32 segs_in;
	__u32 total_retrans;
	__u32 srtt_us;
	__u8 local_addr[16];
	__u8 remote_addr[16];
	char comm[SONDE_COMM_LEN];
};

/*
 * The owner of a connection became known (connect(), once established, or the first read after
 * accept()): lets user space name the process behind a socket cookie while the connection is
 * still open (L7 records), and the client behind an address and port (the peer of a local
 * server's inbound flow).
 */
struct sonde_flow_open_event {
	__u8 type;
	__u8 direction;
	__u8 family;
	__u8 pad0;
	__u32 pid;
	__u64 cookie;
	char comm[SONDE_COMM_LEN];
	__u16 local_port;
	__u16 remote_port;
	__u8 local_addr[16];
	__u8 remote_addr[16];
	__u8 pad1[4];
};

/* A socket entered LISTEN inside listen(), so pid/comm are the listener's. */
struct sonde_flow_listen_event {
	__u8 type;
	__u8 family;
	__u16 local_port;
	__u32 pid;
	__u8 local_addr[16];
	char comm[SONDE_COMM_LEN];
};

/*
 * A process called execve: lets user space name short-lived processes after they are gone
 * (`python3 app.py` is service "app", which needs argv, not just the executable).
 */
struct sonde_flow_exec_event {
	__u8 type;
	__u8 pad0[3];
	__u32 pid;
	__u32 ppid;
	/* Bytes of args used: argv strings, NUL-separated, cut at SONDE_EXEC_ARGS_LEN. */
	__u32 args_len;
	char comm[SONDE_COMM_LEN];
	char filename[SONDE_EXEC_PATH_LEN];
	__u8 args[SONDE_EXEC_ARGS_LEN];
};

/* Per-CPU counters the agent exports as self-metrics. */
struct sonde_flow_stats {
	__u64 close_events;
	__u64 listen_events;
	__u64 exec_events;
	__u64 ringbuf_dropped;
	__u64 table_full;
	__u64 owners_claimed;
	__u64 retransmits;
};

/* In-kernel state of a live connection, keyed by its struct sock address. */
struct sonde_flow_state {
	__u64 start_ns;
	__u64 cookie;
	__u32 pid;
	__u32 tid;
	__u32 retransmit_events;
	__u8 direction;
	__u8 flags;
	__u8 pad0[2];
	char comm[SONDE_COMM_LEN];
};

#endif
