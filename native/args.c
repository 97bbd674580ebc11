#include "common.h"

#include <stdio.h>

static bool fail(napi_env env, const char *what, const char *expected)
{
	char message[256];
	snprintf(message, sizeof(message), "%s must be %s", what, expected);
	sonde_throw_type(env, message);
	return false;
}

bool sonde_arg_string(napi_env env, napi_value v, char *out, size_t cap, const char *what)
{
	size_t len;
	if (napi_get_value_string_utf8(env, v, out, cap, &len) != napi_ok)
		return fail(env, what, "a string");
	if (len >= cap - 1)
		return fail(env, what, "a shorter string");
	return true;
}

bool sonde_arg_int64(napi_env env, napi_value v, int64_t *out, const char *what)
{
	if (napi_get_value_int64(env, v, out) != napi_ok)
		return fail(env, what, "a number");
	return true;
}

bool sonde_arg_bool(napi_env env, napi_value v, bool *out, const char *what)
{
	if (napi_get_value_bool(env, v, out) != napi_ok)
		return fail(env, what, "a boolean");
	return true;
}

bool sonde_arg_buffer(napi_env env, napi_value v, void **data, size_t *len, const char *what)
{
	bool ok = false;
	napi_is_buffer(env, v, &ok);
	if (!ok || napi_get_buffer_info(env, v, data, len) != napi_ok)
		return fail(env, what, "a Buffer");
	return true;
}

bool sonde_arg_external(napi_env env, napi_value v, void **out, const char *what)
{
	napi_valuetype t;
	if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
	    napi_get_value_external(env, v, out) != napi_ok || !*out)
		return fail(env, what, "a live native handle");
	return true;
}

napi_value sonde_int(napi_env env, int64_t v)
{
	napi_value out;
	napi_create_int64(env, v, &out);
	return out;
}

napi_value sonde_undefined(napi_env env)
{
	napi_value out;
	napi_get_undefined(env, &out);
	return out;
}

void sonde_register(napi_env env, napi_value exports, const char *name, napi_callback fn)
{
	napi_value f;
	napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f);
	napi_set_named_property(env, exports, name, f);
}
