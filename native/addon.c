#include "common.h"

#include <bpf/libbpf.h>

static napi_value num_possible_cpus(napi_env env, napi_callback_info info)
{
	(void)info;
	int n = libbpf_num_possible_cpus();
	if (n < 0) {
		sonde_throw(env, "num_possible_cpus", n, NULL);
		return NULL;
	}
	return sonde_int(env, n);
}

static napi_value init(napi_env env, napi_value exports)
{
	sonde_log_install();
	sonde_register(env, exports, "setErrorClass", sonde_set_error_class);
	sonde_register(env, exports, "numPossibleCpus", num_possible_cpus);
	sonde_init_object(env, exports);
	sonde_init_maps(env, exports);
	sonde_init_ringbuf(env, exports);
	sonde_init_perf(env, exports);
	sonde_init_sched(env, exports);
	return exports;
}

NAPI_MODULE(sonde_native, init)
