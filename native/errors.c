#include "common.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Large enough for a verifier log tail; libbpf prints the log it got from the kernel. */
#define LOG_CAP (256 * 1024)

/* Per thread: objects load on a worker thread too (objectLoadAsync). Allocated on first use. */
static __thread char *log_buf;
static __thread size_t log_len;
static bool log_to_stderr;
static napi_ref error_class;

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	int n;

	if (level == LIBBPF_DEBUG && !log_to_stderr)
		return 0;
	if (log_to_stderr) {
		va_list copy;
		va_copy(copy, args);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (!log_buf || log_len >= LOG_CAP - 1)
		return 0;
	n = vsnprintf(log_buf + log_len, LOG_CAP - log_len, fmt, args);
	if (n > 0)
		log_len += (size_t)n < LOG_CAP - log_len ? (size_t)n : LOG_CAP - log_len - 1;
	return 0;
}

void sonde_log_install(void)
{
	const char *debug = getenv("SONDE_LIBBPF_DEBUG");
	log_to_stderr = debug && *debug && strcmp(debug, "0") != 0;
	libbpf_set_print(capture_print);
}

void sonde_log_begin(void)
{
	if (!log_buf)
		log_buf = malloc(LOG_CAP);
	log_len = 0;
	if (log_buf)
		log_buf[0] = 0;
}

const char *sonde_log_text(void)
{
	return log_buf ? log_buf : "";
}

static const char *errno_code(int err)
{
	switch (err) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case 524: return "ENOTSUPP"; /* kernel-internal, leaks out of some BPF paths */
	case ESTALE: return "ESTALE";
	default: return "EUNKNOWN";
	}
}

napi_value sonde_set_error_class(napi_env env, napi_callback_info info)
{
	SONDE_ARGS(1);
	if (error_class)
		napi_delete_reference(env, error_class);
	napi_create_reference(env, argv[0], 1, &error_class);
	return sonde_undefined(env);
}

static void set_prop(napi_env env, napi_value obj, const char *name, napi_value v)
{
	napi_set_named_property(env, obj, name, v);
}

void sonde_throw(napi_env env, const char *op, int err, const char *detail)
{
	napi_throw(env, sonde_error(env, op, err, detail, sonde_log_text()));
}

napi_value sonde_error(napi_env env, const char *op, int err, const char *detail, const char *log)
{
	char message[1024];
	napi_value msg, error = NULL, ctor, str, props, argv[2];
	const char *code;

	if (err < 0)
		err = -err;
	code = errno_code(err);
	snprintf(message, sizeof(message), "%s: %s (%s)", op, detail ? detail : "failed", err ? strerror(err) : "unknown error");
	napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);

	napi_create_object(env, &props);
	napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &str);
	set_prop(env, props, "code", str);
	set_prop(env, props, "errno", sonde_int(env, err));
	napi_create_string_utf8(env, op, NAPI_AUTO_LENGTH, &str);
	set_prop(env, props, "op", str);
	napi_create_string_utf8(env, log ? log : "", NAPI_AUTO_LENGTH, &str);
	set_prop(env, props, "log", str);

	if (error_class && napi_get_reference_value(env, error_class, &ctor) == napi_ok && ctor) {
		argv[0] = msg;
		argv[1] = props;
		if (napi_new_instance(env, ctor, 2, argv, &error) != napi_ok)
			error = NULL;
	}
	if (!error) {
		napi_create_error(env, NULL, msg, &error);
		set_prop(env, error, "code", sonde_int(env, err));
	}
	return error;
}

void sonde_throw_type(napi_env env, const char *message)
{
	napi_throw_type_error(env, "ERR_INVALID_ARG", message);
}
