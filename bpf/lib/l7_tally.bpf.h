/*
 * Tallies of paused connections. Over the segment budget a connection stops being copied to
 * user space (see "shed" in l7.bpf.c), but its exchanges must still be counted: metrics count
 * every exchange. While a connection is paused, each request start remembers its time and what it
 * asked (first token, and a hash of its path or SQL text); the first segment back in the
 * response direction closes the exchange into `l7_tallies`, keyed by socket, operation, detail
 * and status, with a latency histogram. User space drains the map about once a second and turns
 * each entry into metric observations, with the socket's identity resolved there.
 *
 * What is exact and what is not (docs/l7-capture.md): every request start seen in a segment is
 * counted; several pipelined requests in one segment count as one, but for Redis and PostgreSQL,
 * whose segments are walked message by message (l7.bpf.c); the latency is first request byte to
 * first response byte.
 *
 * The hashes here have twins in src/correlate/tally-key.ts (user space learns hash -> route and
 * hash -> table from the exchanges it does parse): change both together.
 */
#ifndef SONDE_L7_TALLY_BPF_H
#define SONDE_L7_TALLY_BPF_H

#include "../l7.h"
#include "l7_detect.bpf.h"

/* Bytes of a request segment looked at (a power of two: indexes are masked with it). */
#define L7_TALLY_HEAD 128
/*
 * Bytes of path or SQL text looked at for the detail, and of SQL text hashed (digits and quoted
 * literals are skipped, so their lengths must not move the window).
 */
#define L7_TALLY_SCAN_BYTES 96
#define L7_TALLY_DETAIL_BYTES 64
#define L7_TALLY_MAX_ENTRIES 32768
/* Commands named in a tally head (a power of two); more count under the first one's name. */
#define L7_TALLY_HEAD_NAMES 16
#define L7_NO_OPERATION 0xff
#define L7_FNV_OFFSET 2166136261U
#define L7_FNV_PRIME 16777619U

/*
 * Commands of a Redis pipeline other than the first one's, counted under their own names: a
 * transaction (MULTI, SET, INCR, EXEC) in one write is four operations, not four MULTIs. Past
 * L7_TALLY_OTHERS different names, the rest count under the first.
 */
#define L7_TALLY_OTHERS 3

/* 24 bytes, so that every name is 8-byte aligned: names are compared as two __u64. */
struct l7_tally_other {
	char operation[SONDE_L7_TALLY_OPERATION];
	__u32 requests;
	__u32 pad;
};

/*
 * The request being tallied on a paused socket (in its sk_storage) or TLS object (in its
 * entry): when it started (0: none), how many are in flight, and what it asked.
 */
struct l7_tally_pending {
	__u64 start_ns;
	__u32 detail;
	__u16 requests;
	__u8 message;
	__u8 pad;
	char operation[SONDE_L7_TALLY_OPERATION];
	struct l7_tally_other others[L7_TALLY_OTHERS];
};

static __always_inline void tally_clear_others(struct l7_tally_pending *p)
{
	__builtin_memset(p->others, 0, sizeof(p->others));
}

static __always_inline __u16 tally_add_requests(__u16 have, __u32 more)
{
	__u32 sum = have + more;

	return sum > 0xffff ? 0xffff : sum;
}

/*
 * One more request of an open exchange, named `name` (16 bytes, NUL-padded; all zero: no name
 * read): under the exchange's own operation when it is the same (or unnamed, or nothing was
 * counted yet: then it becomes the operation), else under the first free or matching other.
 */
static __always_inline void tally_count_named(struct l7_tally_pending *p, const __u64 *name)
{
	__u64 *first = (__u64 *)p->operation;

	if ((name[0] == 0 && name[1] == 0) || (first[0] == name[0] && first[1] == name[1])) {
		p->requests = tally_add_requests(p->requests, 1);
		return;
	}
	if (p->requests == 0) {
		first[0] = name[0];
		first[1] = name[1];
		p->requests = 1;
		return;
	}
#pragma unroll
	for (int i = 0; i < L7_TALLY_OTHERS; i++) {
		struct l7_tally_other *o = &p->others[i];
		__u64 *op = (__u64 *)o->operation;

		if (o->requests == 0) {
			op[0] = name[0];
			op[1] = name[1];
			o->requests = 1;
			return;
		}
		if (op[0] == name[0] && op[1] == name[1]) {
			o->requests = tally_add_requests(o->requests, 1);
			return;
		}
	}
	p->requests = tally_add_requests(p->requests, 1);
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, L7_TALLY_MAX_ENTRIES);
	__type(key, struct sonde_l7_tally_key);
	__type(value, struct sonde_l7_tally);
} l7_tallies SEC(".maps");

/* The epoch tallies are written under (0 or 1); user space flips it before draining the other. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} l7_tally_epoch SEC(".maps");

#define L7_DETAIL_NONE 0
#define L7_DETAIL_PATH 1
#define L7_DETAIL_SQL 2

struct l7_tally_head {
	__u8 bytes[L7_TALLY_HEAD];
	/*
	 * What to hash, stored and read back through `volatile`: the verifier then knows them only
	 * by range, so the hash loops are verified once instead of once per constant start offset.
	 */
	__u32 detail_kind;
	__u32 detail_start;
	/* SQL bytes hashed so far: kept in memory, so it is no constant the verifier tracks per iteration. */
	__u32 hashed;
	/* The request's first token's length. */
	__u32 token_len;
	/* l7_redis_whole_commands and l7_pg_whole_messages walk `bytes` here, in memory for the reason above. */
	__u32 walk_pos;
	__u32 walk_args_left;
	__u32 walk_commands;
	/* Redis: the next bulk string is a command's name; where each command's name starts. */
	__u32 walk_first_arg;
	__u8 name_at[L7_TALLY_HEAD_NAMES];
	__u8 name_len[L7_TALLY_HEAD_NAMES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct l7_tally_head);
} l7_tally_scratch SEC(".maps");

/* A new entry is assembled here: too big for the BPF stack beside the caller's frame. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sonde_l7_tally);
} l7_tally_fresh SEC(".maps");

static const __u64 l7_tally_bounds_ns[SONDE_L7_TALLY_BOUNDS] = {
	50000ULL,      100000ULL,     250000ULL,     500000ULL,      1000000ULL,
	5000000ULL,    10000000ULL,   25000000ULL,   50000000ULL,    75000000ULL,
	100000000ULL,  250000000ULL,  500000000ULL,  750000000ULL,   1000000000ULL,
	2500000000ULL, 5000000000ULL, 7500000000ULL, 10000000000ULL,
};


/*
 * Where the request's first token starts in `p` (`len` bytes), and its message type; 
 * L7_NO_OPERATION when the request has no token we read (user space names it by `message`).
 */
static __always_inline __u32 tally_operation_offset(__u8 protocol, const __u8 *p, __u32 len, __u8 *message)
{
	__u32 star_end, name;

	*message = 0;
	switch (protocol) {
	case L7_PROTOCOL_HTTP1:
	case L7_PROTOCOL_MEMCACHED:
		return 0;
	case L7_PROTOCOL_REDIS:
		/* "*<n>\r\n$<len>\r\n<name>": one or two digits in each count. */
		star_end = p[2] == '\r' ? 4 : 5;
		if (p[star_end & (L7_TALLY_HEAD - 1)] != '$')
			return L7_NO_OPERATION;
		name = p[(star_end + 2) & (L7_TALLY_HEAD - 1)] == '\r' ? star_end + 4 : star_end + 5;
		return name;
	case L7_PROTOCOL_POSTGRESQL:
		*message = p[0];
		if (p[0] == 'Q')
			return 5;
		/* Parse of the unnamed statement: an empty name, then the SQL. */
		if (p[0] == 'P' && p[5] == 0)
			return 6;
		return L7_NO_OPERATION;
	case L7_PROTOCOL_MYSQL:
		*message = p[4];
		/* COM_QUERY and COM_STMT_PREPARE carry the SQL right after the command byte. */
		return p[4] == 0x03 || p[4] == 0x16 ? 5 : L7_NO_OPERATION;
	case L7_PROTOCOL_KAFKA:
		*message = p[5]; /* API key (<= 74: its low byte) */
		return L7_NO_OPERATION;
	}
	return L7_NO_OPERATION;
}

/* Byte classes for the hashes, read from a table: see tally_path_detail. */
#define L7_BYTE_DIGIT 1
#define L7_BYTE_PATH_END 2 /* ' ', '?', '#', CR, NUL */
#define L7_BYTE_QUOTE 4
#define L7_BYTE_NUL 8
#define L7_BYTE_TOKEN_END 16 /* ' ', CR, LF, TAB, NUL, ';', '(' */

static const __u8 l7_byte_class[256] = {
	[0] = L7_BYTE_PATH_END | L7_BYTE_NUL | L7_BYTE_TOKEN_END,
	[' '] = L7_BYTE_PATH_END | L7_BYTE_TOKEN_END,
	['?'] = L7_BYTE_PATH_END,
	['#'] = L7_BYTE_PATH_END,
	['\r'] = L7_BYTE_PATH_END | L7_BYTE_TOKEN_END,
	['\n'] = L7_BYTE_TOKEN_END,
	['\t'] = L7_BYTE_TOKEN_END,
	[';'] = L7_BYTE_TOKEN_END,
	['('] = L7_BYTE_TOKEN_END,
	['\''] = L7_BYTE_QUOTE,
	['0'] = L7_BYTE_DIGIT, ['1'] = L7_BYTE_DIGIT, ['2'] = L7_BYTE_DIGIT, ['3'] = L7_BYTE_DIGIT,
	['4'] = L7_BYTE_DIGIT, ['5'] = L7_BYTE_DIGIT, ['6'] = L7_BYTE_DIGIT, ['7'] = L7_BYTE_DIGIT,
	['8'] = L7_BYTE_DIGIT, ['9'] = L7_BYTE_DIGIT,
};

/*
 * FNV-1a of the path (from `start` up to ' ', '?', '#', CR, NUL or L7_TALLY_SCAN_BYTES bytes)
 * by segments: each '/' folds the hash of the segment before it into the result, and a segment
 * holding a digit folds as 0, so /users/42 and /users/43 share a key (user space's route
 * normaliser turns both into one route anyway). The head is zero past the segment's end.
 *
 * The flags come from a table lookup rather than comparisons: the verifier then knows them only
 * by range and walks each iteration once, where 0/1 constants made it walk every combination (a
 * quarter of a million instructions for this program). The loop stops at the path's end: it ran
 * all L7_TALLY_SCAN_BYTES before, a fifth of a paused request's kernel time for "GET / ...".
 */
static __always_inline __u32 tally_path_detail(const __u8 *p, __u32 start)
{
	__u32 h = L7_FNV_OFFSET, seg = L7_FNV_OFFSET, digit = 0, stop = 0;

	for (int i = 0; i < L7_TALLY_SCAN_BYTES; i++) {
		__u8 c = p[(start + i) & (L7_TALLY_HEAD - 1)];
		__u8 class = l7_byte_class[c];

		stop |= class & L7_BYTE_PATH_END;
		if (stop)
			break;
		if (c == '/') {
			h = (h ^ (digit ? 0 : seg)) * L7_FNV_PRIME;
			seg = L7_FNV_OFFSET;
			digit = 0;
			continue;
		}
		seg = (seg ^ c) * L7_FNV_PRIME;
		digit |= class & L7_BYTE_DIGIT;
	}
	return (h ^ (digit ? 0 : seg)) * L7_FNV_PRIME;
}

/*
 * FNV-1a of the SQL text (from `start`, within L7_TALLY_SCAN_BYTES bytes, before a NUL) leaving
 * out digits and what is inside single quotes, up to L7_TALLY_DETAIL_BYTES hashed bytes: the
 * same statement with other literals gets the same key. Flags as in tally_path_detail.
 */
static __always_inline __u32 tally_sql_detail(struct l7_tally_head *hd, __u32 start)
{
	__u32 h = L7_FNV_OFFSET, quoted = 0, stop = 0;
	const __u8 *p = hd->bytes;

	hd->hashed = 0;
	for (int i = 0; i < L7_TALLY_SCAN_BYTES; i++) {
		__u8 c = p[(start + i) & (L7_TALLY_HEAD - 1)];
		__u8 class = l7_byte_class[c];

		stop |= class & L7_BYTE_NUL;
		if (stop || *(volatile __u32 *)&hd->hashed >= L7_TALLY_DETAIL_BYTES)
			break;
		quoted ^= class & L7_BYTE_QUOTE;
		if (quoted || (class & (L7_BYTE_DIGIT | L7_BYTE_QUOTE)))
			continue;
		h = (h ^ c) * L7_FNV_PRIME;
		*(volatile __u32 *)&hd->hashed += 1;
	}
	return h;
}

/*
 * Copies the token at `off` (L7_NO_OPERATION: none) into `dst`, NUL-padded, up to a
 * token-ending byte (the head is zero past the segment's end); its length is left in
 * `hd->token_len`, in memory for the reason given at tally_path_detail.
 */
static __always_inline void tally_copy_token(char *dst, struct l7_tally_head *hd, __u32 off)
{
	__u32 done = off == L7_NO_OPERATION;

	hd->token_len = 0;
#pragma unroll
	for (int i = 0; i < SONDE_L7_TALLY_OPERATION; i++) {
		__u8 c = hd->bytes[(off + i) & (L7_TALLY_HEAD - 1)];

		done |= l7_byte_class[c] & L7_BYTE_TOKEN_END;
		dst[i] = done ? 0 : c;
		if (!done)
			*(volatile __u32 *)&hd->token_len += 1;
	}
}

/* This CPU's scratch for a request's first bytes, zeroed: a short load leaves zeros past its end. */
static __always_inline struct l7_tally_head *tally_scratch(void)
{
	__u32 zero = 0;
	struct l7_tally_head *head = bpf_map_lookup_elem(&l7_tally_scratch, &zero);

	/* Stale bytes of an earlier request must not complete a short one's signature or hash. */
	if (head)
		__builtin_memset(head->bytes, 0, L7_TALLY_HEAD);
	return head;
}

/* `n` bytes clamped to 1..L7_TALLY_HEAD, spelled so the verifier sees the bounds. */
static __always_inline __u32 tally_head_len(__u32 n)
{
	__u32 len = n < L7_TALLY_HEAD ? n : L7_TALLY_HEAD;

	return ((len - 1) & (L7_TALLY_HEAD - 1)) + 1;
}

/*
 * A request start (its first `len` bytes in `head`) while paused: remember when and what it
 * asked. `hash_detail` also hashes its path or SQL text; the TLS programs pass false, so the
 * hash loops are neither in them nor verified for each of them.
 */
static __always_inline void tally_open(struct l7_tally_pending *p, struct l7_tally_head *head, __u32 len, __u8 protocol,
				       bool hash_detail, __u64 now)
{
	__u32 off, token;
	__u8 message;

	if (p->start_ns != 0) {
		/* Pipelined: another request before the first answer. */
		if (p->requests < 0xffff)
			p->requests++;
		return;
	}
	off = tally_operation_offset(protocol, head->bytes, len, &message);
	tally_copy_token(p->operation, head, off);
	/* Only Redis pipelines count commands under other names (see l7_tally's close). */
	if (protocol == L7_PROTOCOL_REDIS)
		tally_clear_others(p);
	token = *(volatile __u32 *)&head->token_len;
	p->message = message;
	p->detail = 0;
	if (hash_detail) {
		head->detail_kind = L7_DETAIL_NONE;
		if (protocol == L7_PROTOCOL_HTTP1 && token > 0) {
			head->detail_kind = L7_DETAIL_PATH;
			head->detail_start = token + 1;
		} else if (off != L7_NO_OPERATION && (protocol == L7_PROTOCOL_POSTGRESQL || protocol == L7_PROTOCOL_MYSQL)) {
			/* To the NUL that ends PostgreSQL's text, or the segment's end (MySQL's packet). */
			head->detail_kind = L7_DETAIL_SQL;
			head->detail_start = off;
		}
		{
			__u32 kind = *(volatile __u32 *)&head->detail_kind;
			__u32 start = *(volatile __u32 *)&head->detail_start & (L7_TALLY_HEAD - 1);

			if (kind == L7_DETAIL_PATH)
				p->detail = tally_path_detail(head->bytes, start);
			else if (kind == L7_DETAIL_SQL)
				p->detail = tally_sql_detail(head, start);
		}
	}
	p->start_ns = now;
	p->requests = 1;
}

/* The outcome of a response, from its first bytes: the HTTP status, else 0 answered / 1 failed. */
static __always_inline __u16 tally_status(__u8 protocol, const __u8 *p, __u32 len)
{
	switch (protocol) {
	case L7_PROTOCOL_HTTP1:
		if (len < 12 || http1_start(p) != HTTP1_RESPONSE || !l7_digit(p[9]) || !l7_digit(p[10]) || !l7_digit(p[11]))
			return 0;
		return (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	case L7_PROTOCOL_REDIS:
		return p[0] == '-' || p[0] == '!';
	case L7_PROTOCOL_POSTGRESQL:
		return p[0] == 'E';
	case L7_PROTOCOL_MYSQL:
		return len > 4 && p[4] == 0xff;
	case L7_PROTOCOL_MEMCACHED:
		/* ERROR, CLIENT_ERROR, SERVER_ERROR */
		return (p[0] == 'E' && p[1] == 'R' && p[2] == 'R') || (p[0] == 'C' && p[1] == 'L' && p[6] == '_') ||
		       (p[0] == 'S' && p[1] == 'E' && p[6] == '_');
	}
	return 0;
}

static __always_inline __u32 tally_bucket(__u64 latency)
{
	__u32 i;

#pragma unroll
	for (i = 0; i < SONDE_L7_TALLY_BOUNDS; i++)
		if (latency <= l7_tally_bounds_ns[i])
			return i;
	return SONDE_L7_TALLY_BOUNDS;
}

/* Who a tally entry is about: written into the entry when it is made. */
struct l7_tally_identity {
	__u8 local_addr[16];
	__u8 remote_addr[16];
	__u32 pid;
	__u32 peer_pid;
	__u16 local_port;
	__u16 remote_port;
	__u8 protocol;
	__u8 family;
	__u8 server;
	__u8 tls;
};

/*
 * Adds `count` exchanges of `latency` to the entry of `key` (its epoch is filled in here),
 * making the entry from `id` when it is new.
 */
static __always_inline void tally_add(struct sonde_l7_tally_key *key, const struct l7_tally_identity *id, __u64 latency,
				      __u64 count, struct sonde_l7_stats *s)
{
	struct sonde_l7_tally *t;
	__u32 zero = 0, bucket, *epoch;

	epoch = bpf_map_lookup_elem(&l7_tally_epoch, &zero);
	key->epoch = epoch ? (__u8)(*epoch & 1) : 0;
	bucket = tally_bucket(latency);
	if (bucket >= SONDE_L7_TALLY_BUCKETS)
		return;
	t = bpf_map_lookup_elem(&l7_tallies, key);
	if (!t) {
		struct sonde_l7_tally *fresh = bpf_map_lookup_elem(&l7_tally_fresh, &zero);

		if (!fresh)
			return;
		__builtin_memset(fresh, 0, sizeof(*fresh));
		fresh->pid = id->pid;
		fresh->peer_pid = id->peer_pid;
		fresh->protocol = id->protocol;
		fresh->family = id->family;
		fresh->server = id->server;
		fresh->tls = id->tls;
		fresh->local_port = id->local_port;
		fresh->remote_port = id->remote_port;
		__builtin_memcpy(fresh->local_addr, id->local_addr, 16);
		__builtin_memcpy(fresh->remote_addr, id->remote_addr, 16);
		/* Another CPU may have made it meanwhile: then add to theirs. */
		bpf_map_update_elem(&l7_tallies, key, fresh, BPF_NOEXIST);
		t = bpf_map_lookup_elem(&l7_tallies, key);
		if (!t) {
			if (s)
				s->tally_dropped += count;
			return;
		}
	}
	__sync_fetch_and_add(&t->bucket_counts[bucket], count);
	__sync_fetch_and_add(&t->bucket_sum_ns[bucket], latency * count);
	if (s)
		s->exchanges_tallied += count;
}

/*
 * A segment or call in the response direction (its first L7_HEAD_BYTES bytes in `head`, `len`
 * in all). When it answers the pending request: fills `key` but for its cookie and epoch, sets
 * `latency`, and returns how many exchanges it closes; else 0. An HTTP interim (1xx) response
 * does not end the exchange, and the rest of a response was counted with its first segment.
 */
static __always_inline __u64 tally_close(struct l7_tally_pending *p, __u8 protocol, const __u8 *head, __u32 len, __u64 now,
					 struct sonde_l7_tally_key *key, __u64 *latency)
{
	__u64 count;
	__u16 status;

	if (p->start_ns == 0)
		return 0;
	if (protocol == L7_PROTOCOL_HTTP1 && (len < 12 || http1_start(head) != HTTP1_RESPONSE))
		return 0;
	status = tally_status(protocol, head, len);
	if (protocol == L7_PROTOCOL_HTTP1 && status >= 100 && status < 200)
		return 0;
	*latency = now > p->start_ns ? now - p->start_ns : 0;
	count = p->requests ? p->requests : 1;
	p->start_ns = 0;
	p->requests = 0;
	key->detail = p->detail;
	key->status = status;
	key->message = p->message;
	__builtin_memcpy(key->operation, p->operation, SONDE_L7_TALLY_OPERATION);
	return count;
}

#endif
