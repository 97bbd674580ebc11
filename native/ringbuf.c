/*
 * Ring buffer consumer on its own thread. Every wake-up's records are packed into one buffer
 * (8-byte aligned) plus an index of (offset, length) pairs and handed to JavaScript in a
 * single call, so the cost per event in JS is a DataView read, not a function call.
 *
 * Pacing: with intervalMs > 0 the thread wakes at most every intervalMs unless the producer
 * forces a wake-up, so records arrive in few, large batches.
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

#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INITIAL_DATA_CAP (64 * 1024)
/*
 * A batch is handed over once it holds this much, even mid-drain: what JavaScript builds from
 * one batch is live at once, so a backlog (after a stall) must not arrive as one huge batch.
 */
#define BATCH_CAP (1024 * 1024)
/* What on_sample returns to stop libbpf's drain at a full batch (the sample is kept). */
#define BATCH_FULL (-ENOSPC)
#define INITIAL_INDEX_CAP 256

struct batch {
	uint8_t *data;
	size_t len, cap;
	uint32_t *index; /* pairs: offset, length */
	size_t records, index_cap;
	/* The ring was empty after this batch was taken (false: cut at BATCH_CAP, more waits). */
	bool drained;
};

struct consumer {
	struct ring_buffer *rb;
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

static int on_sample(void *ctx, void *data, size_t size)
{
	struct consumer *c = ctx;
	struct batch *b = c->cur;
	size_t at = (b->len + 7) & ~(size_t)7;

	if (at + size > b->cap) {
		while (at + size > b->cap)
			b->cap *= 2;
		b->data = realloc(b->data, b->cap);
	}
	if (b->records == b->index_cap) {
		b->index_cap *= 2;
		b->index = realloc(b->index, b->index_cap * 2 * sizeof(uint32_t));
	}
	memcpy(b->data + at, data, size);
	b->index[b->records * 2] = (uint32_t)at;
	b->index[b->records * 2 + 1] = (uint32_t)size;
	b->records++;
	b->len = at + size;
	return b->len >= BATCH_CAP ? BATCH_FULL : 0;
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

static void *consume(void *arg)
{
	struct consumer *c = arg;

	bool full = false;

	while (!atomic_load(&c->stop)) {
		/* After a full batch, what is left is taken at once, without waiting for a wake-up. */
		int n = full ? 0 : ring_buffer__poll(c->rb, c->interval_ms > 0 ? c->interval_ms : 100);
		/*
		 * Producers may submit without a wake-up (BPF_RB_NO_WAKEUP) and rely on this loop
		 * coming back on its timeout: consume whatever is there either way.
		 */
		if (n >= 0) {
			int m = ring_buffer__consume(c->rb);
			n = m < 0 ? m : n + m;
		}
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
	/* Abort first: a consumer blocked on a full queue must not wait for this (JS) thread. */
	napi_release_threadsafe_function(c->tsfn, napi_tsfn_abort);
	pthread_join(c->thread, NULL);
	ring_buffer__free(c->rb);
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
	c->rb = ring_buffer__new((int)fd, on_sample, c, NULL);
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
		ring_buffer__free(c->rb);
		batch_free(c->cur);
		free(c);
		return NULL; /* exception pending (callback not a function) */
	}
	err = pthread_create(&c->thread, NULL, consume, c);
	if (!err)
		pthread_setname_np(c->thread, "sonde-ringbuf"); /* for top -H and /proc/<pid>/task */
	if (err) {
		napi_release_threadsafe_function(c->tsfn, napi_tsfn_abort);
		ring_buffer__free(c->rb);
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
