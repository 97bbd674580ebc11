/*
 * Scheduling class of the calling thread. The agent parses L7 batches at SCHED_IDLE: that work
 * then runs only on CPU time the workload leaves idle and never preempts it, while flows,
 * metrics and the API run at the normal class (docs/resources.md).
 *
 * A thread at SCHED_IDLE on CPUs the workload saturates gets almost no time, so it could not
 * even reach the point where it goes back to the normal class: the API once stalled for the
 * whole of a 10 s load. A watchdog thread therefore brings the watched thread back to
 * SCHED_OTHER once it has been idle-class for longer than a limit, and its companions with it:
 * node's helper threads, which the watched thread waits for inside garbage collection (left at
 * SCHED_IDLE, a starved helper held the promoted thread on a futex for up to 2.8 s), and the
 * ring buffer consumers, which must drain the kernel's rings once the agent gets a turn.
 */
/* SCHED_IDLE is a GNU extension in <sched.h>. */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

/* CLOCK_MONOTONIC ns when the watched thread last entered SCHED_IDLE; 0 while it is not there. */
static _Atomic int64_t idle_since_ns;
static _Atomic int64_t watchdog_limit_ns;
static _Atomic uint64_t promotions;
static pid_t watched_tid;
static bool watchdog_started;

#define MAX_COMPANIONS 64
/* Written by the watched thread only; the watchdog reads companion_count first (acquire). */
static pid_t companions[MAX_COMPANIONS];
static _Atomic int companion_count;

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int set_class(pid_t tid, bool idle)
{
	struct sched_param param = { .sched_priority = 0 };

	return sched_setscheduler(tid, idle ? SCHED_IDLE : SCHED_OTHER, &param);
}

/*
 * The watchdog parks on this while the watched thread is not at SCHED_IDLE: an agent with nothing
 * to parse costs no watchdog wake-ups. `parked` is read and written under the mutex, so a thread
 * entering SCHED_IDLE either sees it parked and signals, or the watchdog sees idle_since_ns set.
 */
static pthread_mutex_t park_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;
static bool parked;

static void *watchdog_main(void *arg)
{
	(void)arg;
	for (;;) {
		int64_t since = atomic_load(&idle_since_ns);
		int64_t left;

		if (since == 0) {
			pthread_mutex_lock(&park_mu);
			parked = true;
			while (atomic_load(&idle_since_ns) == 0)
				pthread_cond_wait(&park_cond, &park_mu);
			parked = false;
			pthread_mutex_unlock(&park_mu);
			continue;
		}
		/* Asleep until this slice would be over its limit; a slice started since has a later one. */
		left = since + atomic_load(&watchdog_limit_ns) - monotonic_ns();
		if (left > 0) {
			struct timespec nap = { .tv_sec = left / 1000000000, .tv_nsec = left % 1000000000 };

			nanosleep(&nap, NULL);
			continue;
		}
		/* The exchange fails if the thread left (0) or entered SCHED_IDLE again meanwhile. */
		if (atomic_compare_exchange_strong(&idle_since_ns, &since, 0) && set_class(watched_tid, false) == 0) {
			int n = atomic_load_explicit(&companion_count, memory_order_acquire);

			/* A companion that exited since fails with ESRCH: nothing to do for it. */
			for (int i = 0; i < n; i++)
				set_class(companions[i], false);
			atomic_fetch_add(&promotions, 1);
		}
	}
	return NULL;
}

/* The watched thread entered SCHED_IDLE: a parked watchdog starts timing it. */
static void wake_watchdog(void)
{
	pthread_mutex_lock(&park_mu);
	if (parked)
		pthread_cond_signal(&park_cond);
	pthread_mutex_unlock(&park_mu);
}

/*
 * threadSetIdle(idle, tid = 0): SCHED_IDLE for a thread of this process (0: the calling one),
 * or back to SCHED_OTHER.
 */
static napi_value thread_set_idle(napi_env env, napi_callback_info info)
{
	int64_t tid = 0;
	bool idle, watched;
	size_t argc = 2;
	napi_value argv[2];

	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
		napi_throw_type_error(env, NULL, "threadSetIdle(idle, tid?)");
		return NULL;
	}
	if (!sonde_arg_bool(env, argv[0], &idle, "idle"))
		return NULL;
	if (argc > 1 && !sonde_arg_int64(env, argv[1], &tid, "tid"))
		return NULL;
	watched = watchdog_started && (tid == 0 ? gettid() : (pid_t)tid) == watched_tid;
	/*
	 * The clock starts before the class changes: once at SCHED_IDLE, the thread may not run
	 * again for a long time, so nothing may be left to do after the switch.
	 */
	if (watched) {
		atomic_store(&idle_since_ns, idle ? monotonic_ns() : 0);
		if (idle)
			wake_watchdog();
	}
	/* Linux schedules threads: a tid names one (0: the caller). */
	if (set_class((pid_t)tid, idle) != 0) {
		if (watched)
			atomic_store(&idle_since_ns, 0);
		sonde_throw(env, "sched_setscheduler", errno, NULL);
		return NULL;
	}
	return sonde_undefined(env);
}

/*
 * idleWatchdog(limitMs): watches the calling thread from now on; while it is at SCHED_IDLE
 * (entered through threadSetIdle) for longer than limitMs, it is put back to SCHED_OTHER.
 * Calling again changes the limit. The watchdog thread is named sonde-watchdog.
 */
static napi_value idle_watchdog(napi_env env, napi_callback_info info)
{
	int64_t limit_ms;
	pthread_attr_t attr;
	pthread_t thread;
	int err;
	SONDE_ARGS(1);

	if (argc < 1 || !sonde_arg_int64(env, argv[0], &limit_ms, "limitMs"))
		return argc < 1 ? (sonde_throw_type(env, "idleWatchdog(limitMs)"), NULL) : NULL;
	if (limit_ms < 1 || limit_ms > 60000) {
		sonde_throw_type(env, "idleWatchdog: limitMs must be 1..60000");
		return NULL;
	}
	atomic_store(&watchdog_limit_ns, limit_ms * 1000000);
	if (watchdog_started)
		return sonde_undefined(env);
	watched_tid = gettid();
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&thread, &attr, watchdog_main, NULL);
	pthread_attr_destroy(&attr);
	if (err != 0) {
		sonde_throw(env, "pthread_create", err, NULL);
		return NULL;
	}
	pthread_setname_np(thread, "sonde-watchdog");
	watchdog_started = true;
	return sonde_undefined(env);
}

/*
 * watchdogCompanions(tids): threads of this process the watchdog puts back at SCHED_OTHER along
 * with the watched thread (replacing the previous list; at most 64).
 */
static napi_value watchdog_companions(napi_env env, napi_callback_info info)
{
	uint32_t len;
	bool is_array = false;
	SONDE_ARGS(1);

	if (argc < 1 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array) {
		sonde_throw_type(env, "watchdogCompanions(tids: number[])");
		return NULL;
	}
	if (napi_get_array_length(env, argv[0], &len) != napi_ok)
		return NULL;
	if (len > MAX_COMPANIONS) {
		sonde_throw_type(env, "watchdogCompanions: at most 64 threads");
		return NULL;
	}
	/* Shrink first, so the watchdog never reads an entry being rewritten. */
	atomic_store_explicit(&companion_count, 0, memory_order_release);
	for (uint32_t i = 0; i < len; i++) {
		napi_value v;
		int64_t tid;

		if (napi_get_element(env, argv[0], i, &v) != napi_ok || !sonde_arg_int64(env, v, &tid, "tid"))
			return NULL;
		if (tid <= 0 || tid > INT32_MAX) {
			sonde_throw_type(env, "watchdogCompanions: a tid must be a positive thread id");
			return NULL;
		}
		companions[i] = (pid_t)tid;
	}
	atomic_store_explicit(&companion_count, (int)len, memory_order_release);
	return sonde_undefined(env);
}

/* idlePromotions(): how many times the watchdog brought the watched thread back. */
static napi_value idle_promotions(napi_env env, napi_callback_info info)
{
	(void)info;
	return sonde_int(env, (int64_t)atomic_load(&promotions));
}

void sonde_init_sched(napi_env env, napi_value exports)
{
	sonde_register(env, exports, "threadSetIdle", thread_set_idle);
	sonde_register(env, exports, "idleWatchdog", idle_watchdog);
	sonde_register(env, exports, "idlePromotions", idle_promotions);
	sonde_register(env, exports, "watchdogCompanions", watchdog_companions);
}
