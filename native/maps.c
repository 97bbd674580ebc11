/* Map access by fd. Keys and values are Buffers; TypeScript owns their layout. */
#include "common.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool get_fd(napi_env env, napi_value v, int *fd)
{
	int64_t n;
	if (!sonde_arg_int64(env, v, &n, "map fd"))
		return false;
	if (n < 0) {
		sonde_throw_type(env, "map fd must be >= 0 (is the object loaded?)");
		return false;
	}
	*fd = (int)n;
	return true;
}

static napi_value map_lookup(napi_env env, napi_callback_info info)
{
	int fd;
	void *key, *value;
	size_t key_len;
	int64_t value_size;
	napi_value out;
	SONDE_ARGS(3);
	if (!get_fd(env, argv[0], &fd) || !sonde_arg_buffer(env, argv[1], &key, &key_len, "key") ||
	    !sonde_arg_int64(env, argv[2], &value_size, "value size"))
		return NULL;
	if (napi_create_buffer(env, (size_t)value_size, &value, &out) != napi_ok)
		return NULL;
	if (bpf_map_lookup_elem(fd, key, value)) {
		if (errno == ENOENT) {
			napi_get_null(env, &out);
			return out;
		}
		sonde_throw(env, "map_lookup", errno, NULL);
		return NULL;
	}
	return out;
}

static napi_value map_update(napi_env env, napi_callback_info info)
{
	int fd;
	void *key, *value;
	size_t key_len, value_len;
	int64_t flags;
	SONDE_ARGS(4);
	if (!get_fd(env, argv[0], &fd) || !sonde_arg_buffer(env, argv[1], &key, &key_len, "key") ||
	    !sonde_arg_buffer(env, argv[2], &value, &value_len, "value") ||
	    !sonde_arg_int64(env, argv[3], &flags, "flags"))
		return NULL;
	if (bpf_map_update_elem(fd, key, value, (uint64_t)flags)) {
		sonde_throw(env, "map_update", errno, NULL);
		return NULL;
	}
	return sonde_undefined(env);
}

static napi_value map_delete(napi_env env, napi_callback_info info)
{
	int fd;
	void *key;
	size_t key_len;
	napi_value out;
	SONDE_ARGS(2);
	if (!get_fd(env, argv[0], &fd) || !sonde_arg_buffer(env, argv[1], &key, &key_len, "key"))
		return NULL;
	if (bpf_map_delete_elem(fd, key)) {
		if (errno != ENOENT) {
			sonde_throw(env, "map_delete", errno, NULL);
			return NULL;
		}
		napi_get_boolean(env, false, &out);
		return out;
	}
	napi_get_boolean(env, true, &out);
	return out;
}

/* mapNextKey(fd, key | null, keySize) -> Buffer | null at the end */
static napi_value map_next_key(napi_env env, napi_callback_info info)
{
	int fd;
	void *key = NULL, *next;
	size_t key_len;
	int64_t key_size;
	napi_valuetype t;
	napi_value out;
	SONDE_ARGS(3);
	if (!get_fd(env, argv[0], &fd) || !sonde_arg_int64(env, argv[2], &key_size, "key size"))
		return NULL;
	napi_typeof(env, argv[1], &t);
	if (t != napi_null && t != napi_undefined && !sonde_arg_buffer(env, argv[1], &key, &key_len, "key"))
		return NULL;
	if (napi_create_buffer(env, (size_t)key_size, &next, &out) != napi_ok)
		return NULL;
	if (bpf_map_get_next_key(fd, key, next)) {
		if (errno == ENOENT) {
			napi_get_null(env, &out);
			return out;
		}
		sonde_throw(env, "map_next_key", errno, NULL);
		return NULL;
	}
	return out;
}

/* mapCount(fd, keySize): walks keys in C, so occupancy costs one call, not one per key. */
static napi_value map_count(napi_env env, napi_callback_info info)
{
	int fd;
	int64_t key_size, count = 0;
	char *a, *b, *tmp;
	void *prev = NULL;
	SONDE_ARGS(2);
	if (!get_fd(env, argv[0], &fd) || !sonde_arg_int64(env, argv[1], &key_size, "key size"))
		return NULL;
	a = calloc(1, (size_t)key_size);
	b = calloc(1, (size_t)key_size);
	while (bpf_map_get_next_key(fd, prev, b) == 0) {
		count++;
		tmp = a;
		a = b;
		b = tmp;
		prev = a;
	}
	free(a);
	free(b);
	return sonde_int(env, count);
}

/*
 * mapDump(fd, keySize, valueSize, max) -> { keys: Buffer, values: Buffer, count }
 * Uses BPF_MAP_LOOKUP_BATCH where the map type has it; falls back to key iteration.
 */
static napi_value map_dump(napi_env env, napi_callback_info info)
{
	int fd, err = 0;
	int64_t key_size, value_size, max;
	char *keys, *values;
	uint32_t count = 0;
	napi_value out, kb, vb;
	void *kdata, *vdata;
	SONDE_ARGS(4);
	if (!get_fd(env, argv[0], &fd) || !sonde_arg_int64(env, argv[1], &key_size, "key size") ||
	    !sonde_arg_int64(env, argv[2], &value_size, "value size") || !sonde_arg_int64(env, argv[3], &max, "max"))
		return NULL;
	keys = calloc((size_t)max + 1, (size_t)key_size);
	values = calloc((size_t)max + 1, (size_t)value_size);
	{
		uint64_t in_batch = 0, out_batch = 0;
		bool first = true;
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		while (count < max) {
			uint32_t n = (uint32_t)(max - count);
			err = bpf_map_lookup_batch(fd, first ? NULL : &in_batch, &out_batch,
						   keys + count * key_size, values + count * value_size, &n, &opts);
			if (err && errno != ENOENT)
				break;
			count += n;
			first = false;
			in_batch = out_batch;
			if (err) { /* ENOENT: walked the whole map */
				err = 0;
				break;
			}
		}
	}
	if (err && (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP || errno == 524)) {
		/* No batch support for this map type: iterate. */
		void *prev = NULL;
		err = 0;
		count = 0;
		while (count < max && bpf_map_get_next_key(fd, prev, keys + count * key_size) == 0) {
			if (bpf_map_lookup_elem(fd, keys + count * key_size, values + count * value_size) == 0) {
				prev = keys + count * key_size;
				count++;
			}
		}
	}
	if (err) {
		int saved = errno;
		free(keys);
		free(values);
		sonde_throw(env, "map_dump", saved, NULL);
		return NULL;
	}
	napi_create_buffer_copy(env, count * key_size, keys, &kdata, &kb);
	napi_create_buffer_copy(env, count * value_size, values, &vdata, &vb);
	free(keys);
	free(values);
	napi_create_object(env, &out);
	napi_set_named_property(env, out, "keys", kb);
	napi_set_named_property(env, out, "values", vb);
	napi_set_named_property(env, out, "count", sonde_int(env, count));
	return out;
}

void sonde_init_maps(napi_env env, napi_value exports)
{
	sonde_register(env, exports, "mapLookup", map_lookup);
	sonde_register(env, exports, "mapUpdate", map_update);
	sonde_register(env, exports, "mapDelete", map_delete);
	sonde_register(env, exports, "mapNextKey", map_next_key);
	sonde_register(env, exports, "mapCount", map_count);
	sonde_register(env, exports, "mapDump", map_dump);
}
