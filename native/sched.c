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

/* threadSetIdle(idle): SCHED_IDLE for the calling thread, or back to SCHED_OTHER. */
static napi_value thread_set_idle(napi_env env, napi_callback_info info)
{
	struct sched_param param = { .sched_priority = 0 };
	bool idle;
	SONDE_ARGS(1);
	if (!sonde_arg_bool(env, argv[0], &idle, "idle"))
		return NULL;
	/* pid 0: the calling thread (Linux scheduling is per thread). */
	if (sched_setscheduler(0, idle ? SCHED_IDLE : SCHED_OTHER, &param) != 0) {
		sonde_throw(env, "sched_setscheduler", errno, NULL);
		return NULL;
	}
	return sonde_undefined(env);
}

void sonde_init_sched(napi_env env, napi_value exports)
{
	sonde_register(env, exports, "threadSetIdle", thread_set_idle);
}
