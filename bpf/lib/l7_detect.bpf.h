/*
 * Which protocol a connection speaks, from the first bytes of its first payload in either
 * direction, and whether a segment starts a request (where capture may pause and resume without
 * cutting an exchange in half). Only cheap, fixed-offset checks: user space confirms with the
 * full parsers in src/protocols/ (each detect.ts documents the signature checked here).
 */
#ifndef SONDE_L7_DETECT_BPF_H
#define SONDE_L7_DETECT_BPF_H

#include "../l7.h"

#define L7_HEAD_BYTES 16

/* How a signature was recognised: a request tells which direction carries requests. */
#define L7_SIGNATURE_NONE 0
#define L7_SIGNATURE_CLIENT 1
#define L7_SIGNATURE_SERVER 2

struct l7_detection {
	__u8 protocol;
	__u8 signature;
};

static __always_inline __u32 l7_be32(const __u8 *p)
{
	return ((__u32)p[0] << 24) | ((__u32)p[1] << 16) | ((__u32)p[2] << 8) | p[3];
}

static __always_inline __u32 l7_le32(const __u8 *p)
{
	return (__u32)p[0] | ((__u32)p[1] << 8) | ((__u32)p[2] << 16) | ((__u32)p[3] << 24);
}

static __always_inline __u16 l7_be16(const __u8 *p)
{
	return ((__u16)p[0] << 8) | p[1];
}

static __always_inline bool l7_digit(__u8 c)
{
	return c >= '0' && c <= '9';
}

/*
 * A socket's local and remote addresses into 16-byte buffers (IPv4 in the first 4 bytes, the
 * rest left as the caller had them). bpf_sock fields must be read one by one: no pointer
 * arithmetic on a sock.
 */
static __always_inline void l7_sock_addrs(const struct bpf_sock *sk, __u8 *local_addr, __u8 *remote_addr)
{
	__u32 *local = (__u32 *)local_addr;
	__u32 *remote = (__u32 *)remote_addr;

	if (sk->family == AF_INET) {
		local[0] = sk->src_ip4;
		remote[0] = sk->dst_ip4;
		return;
	}
	/*
	 * The barriers keep clang from turning these into a memcpy from &sk->src_ip6, a pointer
	 * into the sock that the verifier refuses.
	 */
	local[0] = sk->src_ip6[0];
	__asm__ __volatile__("" ::: "memory");
	local[1] = sk->src_ip6[1];
	__asm__ __volatile__("" ::: "memory");
	local[2] = sk->src_ip6[2];
	__asm__ __volatile__("" ::: "memory");
	local[3] = sk->src_ip6[3];
	__asm__ __volatile__("" ::: "memory");
	remote[0] = sk->dst_ip6[0];
	__asm__ __volatile__("" ::: "memory");
	remote[1] = sk->dst_ip6[1];
	__asm__ __volatile__("" ::: "memory");
	remote[2] = sk->dst_ip6[2];
	__asm__ __volatile__("" ::: "memory");
	remote[3] = sk->dst_ip6[3];
}

#define HTTP1_NONE 0
#define HTTP1_REQUEST 1
#define HTTP1_RESPONSE 2

/* HTTP/1 request methods and status lines, by their first four bytes (little-endian words). */
static __always_inline int http1_start(const __u8 *p)
{
	switch (l7_le32(p)) {
	case 0x20544547: /* "GET " */
	case 0x54534f50: /* "POST" */
	case 0x20545550: /* "PUT " */
	case 0x44414548: /* "HEAD" */
	case 0x454c4544: /* "DELE" */
	case 0x43544150: /* "PATC" */
	case 0x4954504f: /* "OPTI" */
	case 0x4e4e4f43: /* "CONN" */
	case 0x43415254: /* "TRAC" */
		return HTTP1_REQUEST;
	case 0x50545448: /* "HTTP" */
		return p[4] == '/' && p[5] == '1' && p[6] == '.' ? HTTP1_RESPONSE : HTTP1_NONE;
	}
	return HTTP1_NONE;
}

/*
 * An HTTP/2 SETTINGS frame (stream 0, no flags, whole 6-byte settings) opening a direction: the
 * server's first frame, which it may send before the client's preface arrives (Node's http2, and
 * TLS servers once ALPN chose h2). A client always starts with the preface instead.
 */
static __always_inline bool h2_server_settings(const __u8 *p, __u32 len)
{
	__u32 frame_len = ((__u32)p[0] << 16) | ((__u32)p[1] << 8) | p[2];

	return len >= 9 && p[3] == 0x04 && p[4] == 0 && p[5] == 0 && p[6] == 0 && p[7] == 0 && p[8] == 0 &&
	       frame_len % 6 == 0 && frame_len + 9 <= len;
}

/* PostgreSQL frontend messages that begin a request: Query, Parse, Bind (server never sends these). */
static __always_inline bool postgres_request(const __u8 *p)
{
	return (p[0] == 'Q' || p[0] == 'P' || p[0] == 'B') && p[1] == 0 && p[2] == 0;
}

/* MySQL command packet: sequence id 0 and a command byte we parse. */
static __always_inline bool mysql_command(const __u8 *p)
{
	if (p[3] != 0)
		return false;
	switch (p[4]) {
	case 0x01: /* COM_QUIT */
	case 0x02: /* COM_INIT_DB */
	case 0x03: /* COM_QUERY */
	case 0x0e: /* COM_PING */
	case 0x16: /* COM_STMT_PREPARE */
	case 0x17: /* COM_STMT_EXECUTE */
	case 0x19: /* COM_STMT_CLOSE */
	case 0x1a: /* COM_STMT_RESET */
	case 0x1b: /* COM_SET_OPTION */
	case 0x1f: /* COM_RESET_CONNECTION */
		return true;
	}
	return false;
}

/* A RESP array of bulk strings: "*<1-99>\r\n$". */
static __always_inline bool redis_command(const __u8 *p)
{
	/* Every byte read up front: a computed index into the stack buffer does not verify. */
	__u8 c0 = p[0], c1 = p[1], c2 = p[2], c3 = p[3], c4 = p[4], c5 = p[5];

	if (c0 != '*' || c1 < '1' || c1 > '9')
		return false;
	return (c2 == '\r' && c3 == '\n' && c4 == '$') || (l7_digit(c2) && c3 == '\r' && c4 == '\n' && c5 == '$');
}

/* MongoDB request header: OP_MSG, OP_QUERY or OP_COMPRESSED with responseTo 0. */
static __always_inline bool mongo_request(const __u8 *p)
{
	__u32 op = l7_le32(p + 12);
	__u32 size = l7_le32(p);

	return (op == 2013 || op == 2004 || op == 2012) && l7_le32(p + 8) == 0 && size >= 16 &&
	       size <= 48 * 1024 * 1024;
}

/* Kafka request header: size, api_key <= 74, api_version <= 20, client id length -1..255. */
static __always_inline bool kafka_request(const __u8 *p)
{
	__u16 client_id_len = l7_be16(p + 12);

	return p[0] == 0 && l7_be16(p + 4) <= 74 && l7_be16(p + 6) <= 20 &&
	       (client_id_len == 0xffff || client_id_len <= 255);
}

/* memcached text commands, by their first four bytes (little-endian words). */
static __always_inline bool memcached_command(const __u8 *p)
{
	switch (l7_le32(p)) {
	case 0x20746567: /* "get " */
	case 0x73746567: /* "gets" */
	case 0x20746573: /* "set " */
	case 0x20646461: /* "add " */
	case 0x20736163: /* "cas " */
	case 0x656c6564: /* "dele" */
	case 0x72636e69: /* "incr" */
	case 0x72636564: /* "decr" */
	case 0x63756f74: /* "touc" */
	case 0x65707061: /* "appe" */
	case 0x70657270: /* "prep" */
	case 0x6c706572: /* "repl" */
	case 0x20746167: /* "gat " */
	case 0x73746167: /* "gats" */
		return true;
	}
	/* Meta commands: "mg ", "ms ", "md ", "ma ", "mn\r" */
	return p[0] == 'm' && (p[1] == 'g' || p[1] == 's' || p[1] == 'd' || p[1] == 'a' || p[1] == 'n') &&
	       (p[2] == ' ' || p[2] == '\r');
}

/*
 * The protocol of a connection's first payload (`len` bytes, `p` its first L7_HEAD_BYTES, zero
 * padded). Start-of-connection signatures are strict; mid-stream ones (a connection that was
 * open before sonde started) require the message to fill the segment exactly.
 */
static __always_inline struct l7_detection l7_detect(const __u8 *p, __u32 len, __u16 local_port,
						     __u16 remote_port, __u16 dns_port)
{
	struct l7_detection d = { L7_PROTOCOL_UNKNOWN, L7_SIGNATURE_NONE };
	int http1;

	if (dns_port != 0 && (local_port == dns_port || remote_port == dns_port)) {
		/* DNS over TCP: the side that connected to the DNS port asks. */
		d.protocol = L7_PROTOCOL_DNS;
		d.signature = remote_port == dns_port ? L7_SIGNATURE_CLIENT : L7_SIGNATURE_SERVER;
		return d;
	}
	if (len < 5)
		return d;
	http1 = len >= 7 ? http1_start(p) : HTTP1_NONE;
	if (http1 != HTTP1_NONE) {
		d.protocol = L7_PROTOCOL_HTTP1;
		d.signature = http1 == HTTP1_REQUEST ? L7_SIGNATURE_CLIENT : L7_SIGNATURE_SERVER;
		return d;
	}
	d.signature = L7_SIGNATURE_CLIENT;
	/* "PRI * HTTP/2.0": the HTTP/2 connection preface. */
	if (l7_le32(p) == 0x20495250 && p[4] == '*') {
		d.protocol = L7_PROTOCOL_HTTP2;
		return d;
	}
	/* Before Kafka's looser request check, which a SETTINGS frame also passes. */
	if (h2_server_settings(p, len)) {
		d.protocol = L7_PROTOCOL_HTTP2;
		d.signature = L7_SIGNATURE_SERVER;
		return d;
	}
	if (redis_command(p)) {
		d.protocol = L7_PROTOCOL_REDIS;
		return d;
	}
	if (memcached_command(p)) {
		d.protocol = L7_PROTOCOL_MEMCACHED;
		return d;
	}
	if (len >= 8) {
		__u32 code = l7_be32(p + 4);

		/* StartupMessage (3.0), SSLRequest, GSSENCRequest: length first, then the code. */
		if (l7_be32(p) == len && (code == 0x00030000 || code == 80877103 || code == 80877104)) {
			d.protocol = L7_PROTOCOL_POSTGRESQL;
			return d;
		}
	}
	if (postgres_request(p) && l7_be32(p + 1) + 1 == len) {
		d.protocol = L7_PROTOCOL_POSTGRESQL;
		return d;
	}
	if (((__u32)p[0] | ((__u32)p[1] << 8) | ((__u32)p[2] << 16)) + 4 == len) {
		if (p[3] == 0 && p[4] == 0x0a && len > 40) {
			/* The server greeting: protocol version 10. */
			d.protocol = L7_PROTOCOL_MYSQL;
			d.signature = L7_SIGNATURE_SERVER;
			return d;
		}
		if (mysql_command(p)) {
			d.protocol = L7_PROTOCOL_MYSQL;
			return d;
		}
	}
	if (len >= 16) {
		if (mongo_request(p) && l7_le32(p) >= len) {
			d.protocol = L7_PROTOCOL_MONGODB;
			return d;
		}
		if (kafka_request(p) && l7_be32(p) + 4 >= len && p[1] == 0) {
			d.protocol = L7_PROTOCOL_KAFKA;
			return d;
		}
	}
	d.signature = L7_SIGNATURE_NONE;
	return d;
}

/* Whether a segment (sent in the request direction) starts a request of `protocol`. */
static __always_inline bool l7_request_start(__u8 protocol, const __u8 *p, __u32 len)
{
	if (len < 5)
		return false;
	switch (protocol) {
	case L7_PROTOCOL_HTTP1:
		return len >= 7 && http1_start(p) == HTTP1_REQUEST;
	case L7_PROTOCOL_POSTGRESQL:
		return postgres_request(p);
	case L7_PROTOCOL_MYSQL:
		return mysql_command(p);
	case L7_PROTOCOL_REDIS:
		return redis_command(p);
	case L7_PROTOCOL_MEMCACHED:
		return memcached_command(p);
	case L7_PROTOCOL_MONGODB:
		return len >= 16 && mongo_request(p);
	case L7_PROTOCOL_KAFKA:
		return len >= 16 && kafka_request(p);
	}
	/* HTTP/2 (HPACK state) and DNS are never paused mid-connection. */
	return false;
}

#endif
