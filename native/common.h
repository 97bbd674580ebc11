/* Shared declarations of the sonde addon: a thin Node-API layer over the system libbpf. */
#ifndef SONDE_NATIVE_COMMON_H
#define SONDE_NATIVE_COMMON_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Throws the injected error class (or Error) with code, errno, op and any captured libbpf log. */
void sonde_throw(napi_env env, const char *op, int err, const char *detail);
void sonde_throw_type(napi_env env, const char *message);

/* libbpf messages are captured per call so load failures carry the verifier log. */
void sonde_log_begin(void);
const char *sonde_log_text(void);
/* The error sonde_throw throws, with a given libbpf log (for promises rejected off-thread). */
napi_value sonde_error(napi_env env, const char *op, int err, const char *detail, const char *log);
void sonde_log_install(void);

napi_value sonde_set_error_class(napi_env env, napi_callback_info info);

/* Argument helpers: each throws a TypeError and returns false on bad input. */
bool sonde_arg_string(napi_env env, napi_value v, char *out, size_t cap, const char *what);
bool sonde_arg_int64(napi_env env, napi_value v, int64_t *out, const char *what);
bool sonde_arg_bool(napi_env env, napi_value v, bool *out, const char *what);
bool sonde_arg_buffer(napi_env env, napi_value v, void **data, size_t *len, const char *what);
bool sonde_arg_external(napi_env env, napi_value v, void **out, const char *what);
napi_value sonde_int(napi_env env, int64_t v);
napi_value sonde_undefined(napi_env env);

#define SONDE_ARGS(n)                                                                          \
	size_t argc = (n);                                                                     \
	napi_value argv[(n) > 0 ? (n) : 1];                                                    \
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok)                   \
		return NULL;

void sonde_register(napi_env env, napi_value exports, const char *name, napi_callback fn);

void sonde_init_object(napi_env env, napi_value exports);
void sonde_init_maps(napi_env env, napi_value exports);
void sonde_init_ringbuf(napi_env env, napi_value exports);
void sonde_init_perf(napi_env env, napi_value exports);
void sonde_init_sched(napi_env env, napi_value exports);

#endif
