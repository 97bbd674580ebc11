/*
 * Ring buffer consumer on its own thread. Every wake-up's records are packed into one buffer
 * (8-byte aligned) plus an index of (offset, length) pairs and handed to JavaScript in a
 * single call, so the cost per event in JS is a DataView read, not a function call.
 *
 * Pacing: an empty ring costs no wake-ups. The thread sleeps in epoll until the kernel wakes it
 * for the first record after the ring went empty (producers submit with the default, adaptive
 * flag: the kernel wakes the consumer only for a record at the consumer's position). With
 * intervalMs > 0 it then lets records gather for intervalMs, cut short only by a producer's
 * forced wake-up, and takes them all: records arrive in few, large batches, and a ring that
 * stays busy is drained every intervalMs without the kernel waking anyone.
 *
 * Backpressure: the thread-safe function's queue is bounded (queueDepth batches); when
 * JavaScript falls behind the consumer thread blocks, the kernel ring fills, and the BPF side
 * sheds or counts its reserve failures. Each queued batch holds memory: a shallow queue keeps
 * a stalled agent's backlog in the kernel ring instead of in this process.
 *
 * Acknowledged mode: a batch counts against queueDepth until JavaScript releases it
 * (ringbufRelease), not only until its callback returned. Node runs a thread-safe function's
 * queued calls back to back while the queue refills, so without this a consumer that keeps up
 * only just would never let the event loop reach its timers and sockets.
 */
/* pthread_setname_np */
#define _GNU_SOURCE
#include "common.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define INITIAL_DATA_CAP (64 * 1024)
/*
 * A batch is handed over once it holds this much, even mid-drain: what JavaScript builds from
 * one batch is live at once, so a backlog (after a stall) must not arrive as one huge batch.
 * The L7 pipeline holds up to four batches ahead of its parser: at 1 MiB each, a saturated
 * agent's backlog held 4 MiB of the C heap that the kernel's ring can hold for free (the ring is
 * mapped, and resident, whatever it holds). Under load a batch is tens of KiB; only a backlog
 * fills one (docs/resources.md).
 */
#define BATCH_CAP (256 * 1024)
/* What on_sample returns to stop libbpf's drain at a full batch (the sample is kept). */
#define BATCH_FULL (-ENOSPC)
#define INITIAL_INDEX_CAP 256
/*
 * Longest sleep on an empty ring: a safety net only. Every record the kernel commits at the
 * consumer's position wakes the thread; one submitted with BPF_RB_NO_WAKEUP would not.
 */
#define IDLE_WAIT_MS 1000

struct batch {
	uint8_t *data;
	size_t len, cap;
	uint32_t *index; /* pairs: offset, length */
	size_t records, index_cap;
	/* The ring was empty after this batch was taken (false: cut at BATCH_CAP, more waits). */
	bool drained;
};

/*
 * The kernel's ring, read in place. libbpf's consumer maps the data area twice in a row, so that
 * a record wrapping past the end reads as one piece; the kernel populates every page of the
 * mapping at mmap, so that doubled the rings' share of RSS (24 MiB for sonde's 12 MiB of
 * rings). Records are copied into a batch anyway: here the data is mapped once and a wrapping
 * record is copied in two pieces. The protocol is the kernel's (kernel/bpf/ringbuf.c): an
 * 8-byte header per record whose length word carries BUSY until it is committed and DISCARD
 * if it was discarded; positions only grow; the consumer position is published with release
 * semantics once the records before it are read.
 */
struct ring {
	int epoll_fd;
	int stop_fd; /* eventfd, in epoll_fd's set: written once to end every wait at stop */
	size_t page_size;
	uint64_t mask;
	unsigned long *consumer_pos; /* read-write page */
	unsigned long *producer_pos; /* read-only: producer page, then the data */
	const uint8_t *data;
};

static void ring_free(struct ring *r)
{
	if (!r)
		return;
	if (r->consumer_pos)
		munmap(r->consumer_pos, r->page_size);
	if (r->producer_pos)
		munmap(r->producer_pos, r->page_size + r->mask + 1);
	if (r->epoll_fd >= 0)
		close(r->epoll_fd);
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	free(r);
}

/* NULL with errno set when `fd` is no ring buffer map or cannot be mapped. */
static struct ring *ring_open(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	/*
	 * Edge-triggered: a wait ends on a new wake-up from the kernel, not because records are
	 * there, so the wait that lets a batch gather is not cut short by the batch itself.
	 */
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	struct epoll_event stop_ev = { .events = EPOLLIN };
	struct ring *r;
	void *p;
	int err;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return NULL;
	if (info.type != BPF_MAP_TYPE_RINGBUF || info.max_entries == 0 || (info.max_entries & (info.max_entries - 1))) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->epoll_fd = -1;
	r->stop_fd = -1;
	r->page_size = (size_t)sysconf(_SC_PAGESIZE);
	r->mask = info.max_entries - 1;
	p = mmap(NULL, r->page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	r->consumer_pos = p;
	p = mmap(NULL, r->page_size + info.max_entries, PROT_READ, MAP_SHARED, fd, (off_t)r->page_size);
	if (p == MAP_FAILED)
		goto fail;
	r->producer_pos = p;
	r->data = (const uint8_t *)p + r->page_size;
	r->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	r->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->epoll_fd < 0 || r->stop_fd < 0 || epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, fd, &ev) ||
	    epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, r->stop_fd, &stop_ev))
		goto fail;
	return r;
fail:
	err = errno;
	ring_free(r);
	errno = err;
	return NULL;
}

struct consumer {
	struct ring *rb;
	pthread_t thread;
	napi_threadsafe_function tsfn;
	atomic_bool stop;
	bool running;
	int interval_ms;
	struct batch *cur;
	atomic_uint_fast64_t records, batches, bytes, poll_errors;
	int last_error;
	bool acknowledged;
	size_t depth;
	pthread_mutex_t mu;
	pthread_cond_t released;
	size_t unreleased; /* under mu */
};

/* Acknowledged mode: waits until fewer than `depth` batches are unreleased. False when stopping. */
static bool wait_for_release(struct consumer *c)
{
	bool go;

	if (!c->acknowledged)
		return true;
	pthread_mutex_lock(&c->mu);
	while (c->unreleased >= c->depth && !atomic_load(&c->stop))
		pthread_cond_wait(&c->released, &c->mu);
	go = !atomic_load(&c->stop);
	if (go)
		c->unreleased++;
	pthread_mutex_unlock(&c->mu);
	return go;
}

static struct batch *batch_new(void)
{
	struct batch *b = calloc(1, sizeof(*b));
	b->cap = INITIAL_DATA_CAP;
	b->data = malloc(b->cap);
	b->index_cap = INITIAL_INDEX_CAP;
	b->index = malloc(b->index_cap * 2 * sizeof(uint32_t));
	return b;
}

static void batch_free(struct batch *b)
{
	if (!b)
		return;
	free(b->data);
	free(b->index);
	free(b);
}

/*
 * Appends one record, given as up to two pieces (a record that wraps past the ring's end);
 * BATCH_FULL once the batch is big enough to hand over (the record is in it).
 */
static int on_sample(struct consumer *c, const uint8_t *first, size_t first_len, const uint8_t *rest, size_t rest_len)
{
	struct batch *b = c->cur;
	size_t at = (b->len + 7) & ~(size_t)7;
	size_t size = first_len + rest_len;

	if (at + size > b->cap) {
		while (at + size > b->cap)
			b->cap *= 2;
		b->data = realloc(b->data, b->cap);
	}
	if (b->records == b->index_cap) {
		b->index_cap *= 2;
		b->index = realloc(b->index, b->index_cap * 2 * sizeof(uint32_t));
	}
	memcpy(b->data + at, first, first_len);
	if (rest_len)
		memcpy(b->data + at + first_len, rest, rest_len);
	b->index[b->records * 2] = (uint32_t)at;
	b->index[b->records * 2 + 1] = (uint32_t)size;
	b->records++;
	b->len = at + size;
	return b->len >= BATCH_CAP ? BATCH_FULL : 0;
}

/*
 * Takes every committed record into the current batch, as libbpf's consumer would: the number
 * taken, or BATCH_FULL when the batch filled (the rest waits for the next call).
 */
static int ring_consume(struct consumer *c)
{
	struct ring *r = c->rb;
	uint64_t size = r->mask + 1;
	unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
	int taken = 0;
	bool again = true;

	while (again) {
		unsigned long prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);

		again = false;
		while (cons < prod) {
			const uint32_t *hdr = (const uint32_t *)(r->data + (cons & r->mask));
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			uint32_t body = len & ~(uint32_t)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			uint64_t at = (cons + BPF_RINGBUF_HDR_SZ) & r->mask;
			int ret = 0;

			if (len & BPF_RINGBUF_BUSY_BIT)
				return taken; /* reserved, not committed yet: later records wait behind it */
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				size_t first = at + body > size ? (size_t)(size - at) : body;

				ret = on_sample(c, r->data + at, first, r->data, body - first);
				taken++;
			}
			cons += (BPF_RINGBUF_HDR_SZ + body + 7) & ~7UL;
			__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
			if (ret == BATCH_FULL)
				return BATCH_FULL;
			again = true;
		}
	}
	return taken;
}

static void free_data(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	free(data);
}

/* Runs on the JS thread. env is NULL when the function is being torn down. */
static void call_js(napi_env env, napi_value callback, void *context, void *data)
{
	struct batch *b = data;
	napi_value buffer, index_ab, index, argv[3], global;
	void *index_data;
	(void)context;

	if (!env || !callback) {
		batch_free(b);
		return;
	}
	if (napi_create_external_arraybuffer(env, b->data, b->len ? b->len : 1, free_data, NULL, &buffer) != napi_ok) {
		batch_free(b);
		return;
	}
	b->data = NULL; /* now owned by the ArrayBuffer */
	napi_create_arraybuffer(env, b->records * 2 * sizeof(uint32_t), &index_data, &index_ab);
	memcpy(index_data, b->index, b->records * 2 * sizeof(uint32_t));
	napi_create_typedarray(env, napi_uint32_array, b->records * 2, index_ab, 0, &index);
	argv[0] = buffer;
	argv[1] = index;
	napi_get_boolean(env, b->drained, &argv[2]);
	napi_get_global(env, &global);
	batch_free(b);
	/* An exception thrown by the callback surfaces as uncaughtException in JS. */
	napi_call_function(env, global, callback, 3, argv, NULL);
}

/* No record committed or reserved past the consumer's position. */
static bool ring_empty(const struct ring *r)
{
	return __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE) == __atomic_load_n(r->consumer_pos, __ATOMIC_RELAXED);
}

/* One epoll wait: 0, or -errno for a failure other than EINTR. Which fd woke it does not matter: the caller looks at the ring and the stop flag. */
static int wait_events(const struct ring *r, int timeout_ms)
{
	struct epoll_event ev[2];

	return epoll_wait(r->epoll_fd, ev, 2, timeout_ms) < 0 && errno != EINTR ? -errno : 0;
}

static void *consume(void *arg)
{
	struct consumer *c = arg;

	bool full = false;

	while (!atomic_load(&c->stop)) {
		int n = 0;

		/*
		 * After a full batch, what is left is taken at once. Otherwise: sleep while the ring is
		 * empty (a record committed between the check and the wait still ends the wait: its
		 * wake-up is queued on the epoll set), then give the batch intervalMs to gather.
		 */
		if (!full) {
			if (ring_empty(c->rb)) {
				n = wait_events(c->rb, IDLE_WAIT_MS);
				if (n == 0 && ring_empty(c->rb))
					continue;
			} else if (c->interval_ms > 0) {
				/* A wake-up left over from the last drain must not cut this gathering short. */
				n = wait_events(c->rb, 0);
			}
			if (n == 0 && c->interval_ms > 0 && !atomic_load(&c->stop))
				n = wait_events(c->rb, c->interval_ms);
		}
		if (atomic_load(&c->stop))
			break;
		if (n == 0)
			n = ring_consume(c);
		full = n == BATCH_FULL;
		if (full)
			n = 0;
		if (n < 0 && n != -EINTR) {
			c->last_error = -n;
			atomic_fetch_add(&c->poll_errors, 1);
			struct timespec ts = { 0, 100 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			continue;
		}
		if (c->cur->records == 0)
			continue;
		struct batch *ready = c->cur;
		ready->drained = !full;
		atomic_fetch_add(&c->records, ready->records);
		atomic_fetch_add(&c->bytes, ready->len);
		atomic_fetch_add(&c->batches, 1);
		c->cur = batch_new();
		if (!wait_for_release(c)) {
			batch_free(ready);
			break;
		}
		if (napi_call_threadsafe_function(c->tsfn, ready, napi_tsfn_blocking) != napi_ok) {
			batch_free(ready);
			break; /* closing */
		}
	}
	return NULL;
}

static void consumer_stop(struct consumer *c)
{
	if (!c->running)
		return;
	c->running = false;
	pthread_mutex_lock(&c->mu);
	atomic_store(&c->stop, true);
	pthread_cond_broadcast(&c->released);
	pthread_mutex_unlock(&c->mu);
	{
		uint64_t one = 1;
		/* Ends the consumer's epoll wait now (an idle ring's wait is long). */
		if (write(c->rb->stop_fd, &one, sizeof(one)) < 0) { /* a full counter still wakes it */ }
	}
	/* Abort first: a consumer blocked on a full queue must not wait for this (JS) thread. */
	napi_release_threadsafe_function(c->tsfn, napi_tsfn_abort);
	pthread_join(c->thread, NULL);
	ring_free(c->rb);
	c->rb = NULL;
	batch_free(c->cur);
	c->cur = NULL;
}

static void cleanup_hook(void *arg)
{
	consumer_stop(arg);
}

/*
 * ringbufOpen(mapFd, callback(buffer: ArrayBuffer, index: Uint32Array, drained: boolean),
 * intervalMs, queueDepth, acknowledged) -> handle
 */
static napi_value ringbuf_open(napi_env env, napi_callback_info info)
{
	int64_t fd, interval, depth;
	struct consumer *c;
	napi_value name, out;
	int err;
	bool acknowledged;
	SONDE_ARGS(5);
	if (!sonde_arg_int64(env, argv[0], &fd, "map fd") || !sonde_arg_int64(env, argv[2], &interval, "intervalMs") ||
	    !sonde_arg_int64(env, argv[3], &depth, "queueDepth") || !sonde_arg_bool(env, argv[4], &acknowledged, "acknowledged"))
		return NULL;
	if (depth < 1 || depth > 1024) {
		napi_throw_range_error(env, NULL, "queueDepth must be 1..1024");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	c->interval_ms = (int)interval;
	c->acknowledged = acknowledged;
	c->depth = (size_t)depth;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->released, NULL);
	c->cur = batch_new();
	sonde_log_begin();
	c->rb = ring_open((int)fd);
	if (!c->rb) {
		err = errno;
		batch_free(c->cur);
		free(c);
		sonde_throw(env, "ringbuf_open", err, NULL);
		return NULL;
	}
	napi_create_string_utf8(env, "sonde-ringbuf", NAPI_AUTO_LENGTH, &name);
	if (napi_create_threadsafe_function(env, argv[1], NULL, name, (size_t)depth, 1, NULL, NULL, c, call_js,
					    &c->tsfn) != napi_ok) {
		ring_free(c->rb);
		batch_free(c->cur);
		free(c);
		return NULL; /* exception pending (callback not a function) */
	}
	err = pthread_create(&c->thread, NULL, consume, c);
	if (!err)
		pthread_setname_np(c->thread, "sonde-ringbuf"); /* for top -H and /proc/<pid>/task */
	if (err) {
		napi_release_threadsafe_function(c->tsfn, napi_tsfn_abort);
		ring_free(c->rb);
		batch_free(c->cur);
		free(c);
		sonde_throw(env, "ringbuf_thread", err, NULL);
		return NULL;
	}
	c->running = true;
	napi_add_env_cleanup_hook(env, cleanup_hook, c);
	napi_create_external(env, c, NULL, NULL, &out);
	return out;
}

static napi_value ringbuf_close(napi_env env, napi_callback_info info)
{
	struct consumer *c = NULL;
	SONDE_ARGS(1);
	if (!sonde_arg_external(env, argv[0], (void **)&c, "ring buffer"))
		return NULL;
	if (c->running) {
		consumer_stop(c);
		napi_remove_env_cleanup_hook(env, cleanup_hook, c);
	}
	return sonde_undefined(env);
}

/* ringbufRelease(handle): JavaScript is done with one batch (acknowledged mode). */
static napi_value ringbuf_release(napi_env env, napi_callback_info info)
{
	struct consumer *c = NULL;
	SONDE_ARGS(1);
	if (!sonde_arg_external(env, argv[0], (void **)&c, "ring buffer"))
		return NULL;
	pthread_mutex_lock(&c->mu);
	if (c->unreleased > 0)
		c->unreleased--;
	pthread_cond_signal(&c->released);
	pthread_mutex_unlock(&c->mu);
	return sonde_undefined(env);
}

/* ringbufStats(handle) -> { records, batches, bytes, pollErrors, lastError } (user-space side) */
static napi_value ringbuf_stats(napi_env env, napi_callback_info info)
{
	struct consumer *c = NULL;
	napi_value out;
	SONDE_ARGS(1);
	if (!sonde_arg_external(env, argv[0], (void **)&c, "ring buffer"))
		return NULL;
	napi_create_object(env, &out);
	napi_set_named_property(env, out, "records", sonde_int(env, (int64_t)atomic_load(&c->records)));
	napi_set_named_property(env, out, "batches", sonde_int(env, (int64_t)atomic_load(&c->batches)));
	napi_set_named_property(env, out, "bytes", sonde_int(env, (int64_t)atomic_load(&c->bytes)));
	napi_set_named_property(env, out, "pollErrors", sonde_int(env, (int64_t)atomic_load(&c->poll_errors)));
	napi_set_named_property(env, out, "lastError", sonde_int(env, c->last_error));
	return out;
}

void sonde_init_ringbuf(napi_env env, napi_value exports)
{
	sonde_register(env, exports, "ringbufOpen", ringbuf_open);
	sonde_register(env, exports, "ringbufClose", ringbuf_close);
	sonde_register(env, exports, "ringbufStats", ringbuf_stats);
	sonde_register(env, exports, "ringbufRelease", ringbuf_release);
}
