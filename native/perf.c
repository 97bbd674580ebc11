/* perf_event_open for sampling programs (profiler, doctor). */
#include "common.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* perfEventOpen(type, config, sampleFreq, pid, cpu) -> fd; sampleFreq 0 means count only. */
static napi_value perf_event_open(napi_env env, napi_callback_info info)
{
	int64_t type, config, freq, pid, cpu;
	struct perf_event_attr attr;
	long fd;
	SONDE_ARGS(5);
	if (!sonde_arg_int64(env, argv[0], &type, "type") || !sonde_arg_int64(env, argv[1], &config, "config") ||
	    !sonde_arg_int64(env, argv[2], &freq, "sampleFreq") || !sonde_arg_int64(env, argv[3], &pid, "pid") ||
	    !sonde_arg_int64(env, argv[4], &cpu, "cpu"))
		return NULL;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (uint32_t)type;
	attr.config = (uint64_t)config;
	if (freq > 0) {
		attr.freq = 1;
		attr.sample_freq = (uint64_t)freq;
	}
	fd = syscall(__NR_perf_event_open, &attr, (pid_t)pid, (int)cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		sonde_throw(env, "perf_event_open", errno, NULL);
		return NULL;
	}
	return sonde_int(env, fd);
}

static napi_value close_fd(napi_env env, napi_callback_info info)
{
	int64_t fd;
	SONDE_ARGS(1);
	if (!sonde_arg_int64(env, argv[0], &fd, "fd"))
		return NULL;
	close((int)fd);
	return sonde_undefined(env);
}

void sonde_init_perf(napi_env env, napi_value exports)
{
	sonde_register(env, exports, "perfEventOpen", perf_event_open);
	sonde_register(env, exports, "closeFd", close_fd);
}
