/*
 * Scheduling class of the calling thread. The agent parses L7 batches at SCHED_IDLE: that work
 * then runs only on CPU time the workload leaves idle and never preempts it, while flows,
 * metrics and the API run at the normal class (docs/resources.md).
 */
/* SCHED_IDLE is a GNU extension in <sched.h>. */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <sched.h>

/*
 * threadSetIdle(idle, tid = 0): SCHED_IDLE for a thread of this process (0: the calling one),
 * or back to SCHED_OTHER.
 */
static napi_value thread_set_idle(napi_env env, napi_callback_info info)
{
	struct sched_param param = { .sched_priority = 0 };
	int64_t tid = 0;
	bool idle;
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
	/* Linux schedules threads: a tid names one (0: the caller). */
	if (sched_setscheduler((pid_t)tid, idle ? SCHED_IDLE : SCHED_OTHER, &param) != 0) {
		sonde_throw(env, "sched_setscheduler", errno, NULL);
		return NULL;
	}
	return sonde_undefined(env);
}

void sonde_init_sched(napi_env env, napi_value exports)
{
	sonde_register(env, exports, "threadSetIdle", thread_set_idle);
}
