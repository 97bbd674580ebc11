/* Object lifecycle: open, configure before load, load, attach, close. */
#define _GNU_SOURCE /* pipe2 */
#include "common.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sonde_object {
	struct bpf_object *obj;
};

struct sonde_link {
	struct bpf_link *link;
};

static struct sonde_object *get_object(napi_env env, napi_value v)
{
	struct sonde_object *so = NULL;
	if (!sonde_arg_external(env, v, (void **)&so, "object"))
		return NULL;
	if (!so->obj) {
		sonde_throw_type(env, "object is closed");
		return NULL;
	}
	return so;
}

static struct bpf_program *get_program(napi_env env, struct sonde_object *so, napi_value name_v)
{
	char name[256];
	struct bpf_program *prog;
	if (!sonde_arg_string(env, name_v, name, sizeof(name), "program name"))
		return NULL;
	prog = bpf_object__find_program_by_name(so->obj, name);
	if (!prog)
		sonde_throw(env, "find_program", ENOENT, name);
	return prog;
}

static struct bpf_map *get_map(napi_env env, struct sonde_object *so, napi_value name_v)
{
	char name[256];
	struct bpf_map *map;
	if (!sonde_arg_string(env, name_v, name, sizeof(name), "map name"))
		return NULL;
	map = bpf_object__find_map_by_name(so->obj, name);
	if (!map)
		sonde_throw(env, "find_map", ENOENT, name);
	return map;
}

/* open(path) -> object handle */
static napi_value object_open(napi_env env, napi_callback_info info)
{
	char path[4096];
	struct sonde_object *so;
	struct bpf_object *obj;
	napi_value out;
	long err;
	SONDE_ARGS(1);

	if (!sonde_arg_string(env, argv[0], path, sizeof(path), "path"))
		return NULL;
	sonde_log_begin();
	obj = bpf_object__open_file(path, NULL);
	err = libbpf_get_error(obj);
	if (err) {
		sonde_throw(env, "open", (int)err, path);
		return NULL;
	}
	so = calloc(1, sizeof(*so));
	so->obj = obj;
	napi_create_external(env, so, NULL, NULL, &out);
	return out;
}

static napi_value object_close(napi_env env, napi_callback_info info)
{
	struct sonde_object *so = NULL;
	SONDE_ARGS(1);
	if (!sonde_arg_external(env, argv[0], (void **)&so, "object"))
		return NULL;
	if (so->obj) {
		bpf_object__close(so->obj);
		so->obj = NULL;
	}
	return sonde_undefined(env);
}

static napi_value object_load(napi_env env, napi_callback_info info)
{
	struct sonde_object *so;
	int err;
	SONDE_ARGS(1);
	if (!(so = get_object(env, argv[0])))
		return NULL;
	sonde_log_begin();
	err = bpf_object__load(so->obj);
	if (err) {
		sonde_throw(env, "load", err, bpf_object__name(so->obj));
		return NULL;
	}
	return sonde_undefined(env);
}

/* objectLoadAsync: the verifier's work on libuv's pool, so other loading can go on meanwhile. */
struct load_work {
	napi_async_work work;
	napi_deferred deferred;
	napi_ref keep; /* the object's handle, alive until the load is done */
	struct sonde_object *so;
	int err;
	char *log;
	char name[64];
};

static void load_execute(napi_env env, void *data)
{
	struct load_work *w = data;
	(void)env;
	sonde_log_begin();
	w->err = bpf_object__load(w->so->obj);
	if (w->err)
		w->log = strdup(sonde_log_text());
}

static void load_complete(napi_env env, napi_status status, void *data)
{
	struct load_work *w = data;

	if (status != napi_ok && !w->err)
		w->err = -ECANCELED;
	if (w->err)
		napi_reject_deferred(env, w->deferred, sonde_error(env, "load", w->err, w->name, w->log));
	else
		napi_resolve_deferred(env, w->deferred, sonde_undefined(env));
	napi_delete_reference(env, w->keep);
	napi_delete_async_work(env, w->work);
	free(w->log);
	free(w);
}

/* objectLoadAsync(obj) -> Promise<void>: the object must not be used until it settles. */
static napi_value object_load_async(napi_env env, napi_callback_info info)
{
	struct sonde_object *so;
	struct load_work *w;
	napi_value promise, name;
	SONDE_ARGS(1);
	if (!(so = get_object(env, argv[0])))
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w) {
		sonde_throw(env, "load", ENOMEM, NULL);
		return NULL;
	}
	w->so = so;
	snprintf(w->name, sizeof(w->name), "%s", bpf_object__name(so->obj));
	napi_create_reference(env, argv[0], 1, &w->keep);
	napi_create_promise(env, &w->deferred, &promise);
	napi_create_string_utf8(env, "sonde-object-load", NAPI_AUTO_LENGTH, &name);
	napi_create_async_work(env, NULL, name, load_execute, load_complete, w, &w->work);
	napi_queue_async_work(env, w->work);
	return promise;
}

static void set_str(napi_env env, napi_value obj, const char *key, const char *value)
{
	napi_value v;
	napi_create_string_utf8(env, value ? value : "", NAPI_AUTO_LENGTH, &v);
	napi_set_named_property(env, obj, key, v);
}

static void set_int(napi_env env, napi_value obj, const char *key, int64_t value)
{
	napi_set_named_property(env, obj, key, sonde_int(env, value));
}

/* programs(obj) -> [{ name, section, type, autoload }] */
static napi_value object_programs(napi_env env, napi_callback_info info)
{
	struct sonde_object *so;
	struct bpf_program *prog;
	napi_value list, item, b;
	uint32_t i = 0;
	SONDE_ARGS(1);
	if (!(so = get_object(env, argv[0])))
		return NULL;
	napi_create_array(env, &list);
	bpf_object__for_each_program(prog, so->obj) {
		napi_create_object(env, &item);
		set_str(env, item, "name", bpf_program__name(prog));
		set_str(env, item, "section", bpf_program__section_name(prog));
		set_str(env, item, "type", libbpf_bpf_prog_type_str(bpf_program__type(prog)));
		napi_get_boolean(env, bpf_program__autoload(prog), &b);
		napi_set_named_property(env, item, "autoload", b);
		napi_set_element(env, list, i++, item);
	}
	return list;
}

/* maps(obj) -> [{ name, type, keySize, valueSize, maxEntries, fd }] (fd is -1 before load) */
static napi_value object_maps(napi_env env, napi_callback_info info)
{
	struct sonde_object *so;
	struct bpf_map *map;
	napi_value list, item;
	uint32_t i = 0;
	SONDE_ARGS(1);
	if (!(so = get_object(env, argv[0])))
		return NULL;
	napi_create_array(env, &list);
	bpf_object__for_each_map(map, so->obj) {
		napi_create_object(env, &item);
		set_str(env, item, "name", bpf_map__name(map));
		set_str(env, item, "type", libbpf_bpf_map_type_str(bpf_map__type(map)));
		set_int(env, item, "keySize", bpf_map__key_size(map));
		set_int(env, item, "valueSize", bpf_map__value_size(map));
		set_int(env, item, "maxEntries", bpf_map__max_entries(map));
		set_int(env, item, "fd", bpf_map__fd(map));
		napi_set_element(env, list, i++, item);
	}
	return list;
}

static napi_value object_set_autoload(napi_env env, napi_callback_info info)
{
	struct sonde_object *so;
	struct bpf_program *prog;
	bool autoload;
	int err;
	SONDE_ARGS(3);
	if (!(so = get_object(env, argv[0])) || !(prog = get_program(env, so, argv[1])) ||
	    !sonde_arg_bool(env, argv[2], &autoload, "autoload"))
		return NULL;
	err = bpf_program__set_autoload(prog, autoload);
	if (err) {
		sonde_throw(env, "set_autoload", err, bpf_program__name(prog));
		return NULL;
	}
	return sonde_undefined(env);
}

static napi_value object_set_max_entries(napi_env env, napi_callback_info info)
{
	struct sonde_object *so;
	struct bpf_map *map;
	int64_t n;
	int err;
	SONDE_ARGS(3);
	if (!(so = get_object(env, argv[0])) || !(map = get_map(env, so, argv[1])) ||
	    !sonde_arg_int64(env, argv[2], &n, "maxEntries"))
		return NULL;
	if (n <= 0 || n > UINT32_MAX) {
		sonde_throw_type(env, "maxEntries must be between 1 and 2^32-1");
		return NULL;
	}
	err = bpf_map__set_max_entries(map, (uint32_t)n);
	if (err) {
		sonde_throw(env, "set_max_entries", err, bpf_map__name(map));
		return NULL;
	}
	return sonde_undefined(env);
}

/*
 * setGlobal(obj, name, bytes): writes a `const volatile` (or plain) global before load. The
 * variable is found by name in the object's BTF data sections, so user space never needs to
 * know section offsets.
 */
static napi_value object_set_global(napi_env env, napi_callback_info info)
{
	struct sonde_object *so;
	char name[256];
	void *bytes;
	size_t len;
	struct btf *btf;
	int n, id;
	SONDE_ARGS(3);
	if (!(so = get_object(env, argv[0])) || !sonde_arg_string(env, argv[1], name, sizeof(name), "global name") ||
	    !sonde_arg_buffer(env, argv[2], &bytes, &len, "value"))
		return NULL;
	btf = bpf_object__btf(so->obj);
	if (!btf) {
		sonde_throw(env, "set_global", ENOENT, "object has no BTF");
		return NULL;
	}
	n = (int)btf__type_cnt(btf);
	for (id = 1; id < n; id++) {
		const struct btf_type *sec = btf__type_by_id(btf, id);
		const struct btf_var_secinfo *vs;
		const char *sec_name;
		struct bpf_map *map;
		int i;

		if (!btf_is_datasec(sec))
			continue;
		sec_name = btf__name_by_offset(btf, sec->name_off);
		vs = btf_var_secinfos(sec);
		for (i = 0; i < btf_vlen(sec); i++, vs++) {
			const struct btf_type *var = btf__type_by_id(btf, vs->type);
			size_t map_size;
			void *data;

			if (strcmp(btf__name_by_offset(btf, var->name_off), name) != 0)
				continue;
			if (vs->size != len) {
				char detail[512];
				snprintf(detail, sizeof(detail), "%s is %u bytes, got %zu", name, vs->size, len);
				sonde_throw(env, "set_global", EINVAL, detail);
				return NULL;
			}
			bpf_object__for_each_map(map, so->obj) {
				const char *map_name = bpf_map__name(map);
				size_t ml = strlen(map_name), sl = strlen(sec_name);
				if (ml < sl || strcmp(map_name + ml - sl, sec_name) != 0)
					continue;
				data = (void *)bpf_map__initial_value(map, &map_size);
				if (!data || vs->offset + len > map_size) {
					sonde_throw(env, "set_global", EINVAL, "section not writable (already loaded?)");
					return NULL;
				}
				memcpy((char *)data + vs->offset, bytes, len);
				return sonde_undefined(env);
			}
		}
	}
	sonde_throw(env, "set_global", ENOENT, name);
	return NULL;
}

static napi_value object_map_fd(napi_env env, napi_callback_info info)
{
	struct sonde_object *so;
	struct bpf_map *map;
	SONDE_ARGS(2);
	if (!(so = get_object(env, argv[0])) || !(map = get_map(env, so, argv[1])))
		return NULL;
	return sonde_int(env, bpf_map__fd(map));
}

static napi_value wrap_link(napi_env env, struct bpf_link *link, const char *op, const char *what)
{
	long err = libbpf_get_error(link);
	struct sonde_link *sl;
	napi_value out;
	if (err) {
		sonde_throw(env, op, (int)err, what);
		return NULL;
	}
	sl = calloc(1, sizeof(*sl));
	sl->link = link;
	napi_create_external(env, sl, NULL, NULL, &out);
	return out;
}

/* attach(obj, prog): attaches by section name (tp/, tp_btf/, raw_tp/, kprobe/, fentry/ ...). */
static napi_value object_attach(napi_env env, napi_callback_info info)
{
	struct sonde_object *so;
	struct bpf_program *prog;
	SONDE_ARGS(2);
	if (!(so = get_object(env, argv[0])) || !(prog = get_program(env, so, argv[1])))
		return NULL;
	sonde_log_begin();
	return wrap_link(env, bpf_program__attach(prog), "attach", bpf_program__name(prog));
}

/* attachUprobe(obj, prog, binary, funcName, pid, retprobe) */
static napi_value object_attach_uprobe(napi_env env, napi_callback_info info)
{
	struct sonde_object *so;
	struct bpf_program *prog;
	char binary[4096], func[256];
	int64_t pid;
	bool retprobe;
	LIBBPF_OPTS(bpf_uprobe_opts, opts);
	SONDE_ARGS(6);
	if (!(so = get_object(env, argv[0])) || !(prog = get_program(env, so, argv[1])) ||
	    !sonde_arg_string(env, argv[2], binary, sizeof(binary), "binary") ||
	    !sonde_arg_string(env, argv[3], func, sizeof(func), "function name") ||
	    !sonde_arg_int64(env, argv[4], &pid, "pid") || !sonde_arg_bool(env, argv[5], &retprobe, "retprobe"))
		return NULL;
	opts.func_name = func;
	opts.retprobe = retprobe;
	sonde_log_begin();
	return wrap_link(env, bpf_program__attach_uprobe_opts(prog, (pid_t)pid, binary, 0, &opts),
			 "attach_uprobe", func);
}

/* attachPerfEvent(obj, prog, perfFd): the link owns the fd from then on. */
static napi_value object_attach_perf_event(napi_env env, napi_callback_info info)
{
	struct sonde_object *so;
	struct bpf_program *prog;
	int64_t fd;
	SONDE_ARGS(3);
	if (!(so = get_object(env, argv[0])) || !(prog = get_program(env, so, argv[1])) ||
	    !sonde_arg_int64(env, argv[2], &fd, "perf event fd"))
		return NULL;
	sonde_log_begin();
	return wrap_link(env, bpf_program__attach_perf_event(prog, (int)fd), "attach_perf_event",
			 bpf_program__name(prog));
}

/* attachCgroup(obj, prog, cgroupPath): a BPF link, so it detaches when the agent dies. */
static napi_value object_attach_cgroup(napi_env env, napi_callback_info info)
{
	struct sonde_object *so;
	struct bpf_program *prog;
	char path[4096];
	struct bpf_link *link;
	int fd, saved;
	SONDE_ARGS(3);
	if (!(so = get_object(env, argv[0])) || !(prog = get_program(env, so, argv[1])) ||
	    !sonde_arg_string(env, argv[2], path, sizeof(path), "cgroup path"))
		return NULL;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		sonde_throw(env, "open_cgroup", errno, path);
		return NULL;
	}
	sonde_log_begin();
	link = bpf_program__attach_cgroup(prog, fd);
	saved = errno;
	close(fd);
	errno = saved;
	return wrap_link(env, link, "attach_cgroup", bpf_program__name(prog));
}

static napi_value link_destroy(napi_env env, napi_callback_info info)
{
	struct sonde_link *sl = NULL;
	SONDE_ARGS(1);
	if (!sonde_arg_external(env, argv[0], (void **)&sl, "link"))
		return NULL;
	if (sl->link) {
		bpf_link__destroy(sl->link);
		sl->link = NULL;
	}
	return sonde_undefined(env);
}

/* Closes every fd from `from` up except those in `keep` (sorted ascending); async-signal-safe. */
static void close_all_but(const int *keep, uint32_t n, int from)
{
	int next = from;

	for (uint32_t i = 0; i <= n; i++) {
		int end = i < n ? keep[i] - 1 : (int)(~0U >> 1);

		if (end >= next && syscall(SYS_close_range, next, end, 0) != 0) {
			/* No close_range (before Linux 5.9): one by one, up to a bound. */
			int last = end < 65536 ? end : 65536;

			for (int fd = next; fd <= last; fd++)
				close(fd);
		}
		if (i < n)
			next = keep[i] + 1;
	}
}

static int compare_fds(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * linksReleaseDetached([link, ...]): detaches the links without waiting for the kernel. Uprobe
 * detaches wait for RCU grace periods one after another under a kernel mutex (~35 ms each idle,
 * seconds under load: the agent took over ten seconds to stop on a busy host). A reaper process
 * (double-forked, so init reaps it) keeps only the links' fds and exits: the last reference, and
 * with it the slow detach, goes with it. This process then drops its own references at once.
 * The programs keep running until the reaper is done (a few seconds at most).
 */
static napi_value links_release_detached(napi_env env, napi_callback_info info)
{
	uint32_t length = 0, count = 0;
	bool is_array = false;
	struct bpf_link **links;
	int *fds, done[2] = { -1, -1 };
	pid_t child;

	SONDE_ARGS(1);
	if (napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[0], &length) != napi_ok) {
		sonde_throw_type(env, "links must be an array");
		return NULL;
	}
	links = calloc(length + 1, sizeof(*links));
	fds = calloc(length + 2, sizeof(*fds));
	if (!links || !fds) {
		free(links);
		free(fds);
		sonde_throw_type(env, "out of memory");
		return NULL;
	}
	for (uint32_t i = 0; i < length; i++) {
		napi_value item;
		struct sonde_link *sl = NULL;

		if (napi_get_element(env, argv[0], i, &item) != napi_ok || !sonde_arg_external(env, item, (void **)&sl, "link")) {
			free(links);
			free(fds);
			return NULL;
		}
		if (!sl->link)
			continue;
		links[count] = sl->link;
		fds[count] = bpf_link__fd(sl->link);
		sl->link = NULL;
		count++;
	}
	/*
	 * The reaper must hold its references until this process has dropped its own, or this
	 * process's close would be the last one (and the slow one): it waits for EOF on a pipe
	 * whose write end is closed here once the links are destroyed.
	 */
	child = -1;
	if (count > 0 && pipe2(done, O_CLOEXEC) == 0) {
		fds[count] = done[0];
		qsort(fds, count + 1, sizeof(*fds), compare_fds);
		child = fork();
		if (child == 0) {
			char byte;

			/* Only async-signal-safe calls from here: this is a copy of a multithreaded process. */
			if (fork() != 0)
				_exit(0);
			close_all_but(fds, count + 1, 0);
			while (read(done[0], &byte, 1) > 0)
				;
			_exit(0);
		}
		close(done[0]);
		if (child > 0)
			waitpid(child, NULL, 0);
	}
	/* Without a reaper (no pipe or fork) this is where the kernel's wait happens, as before. */
	for (uint32_t i = 0; i < count; i++)
		bpf_link__destroy(links[i]);
	if (done[1] >= 0)
		close(done[1]);
	free(links);
	free(fds);
	return sonde_undefined(env);
}

void sonde_init_object(napi_env env, napi_value exports)
{
	sonde_register(env, exports, "objectOpen", object_open);
	sonde_register(env, exports, "objectClose", object_close);
	sonde_register(env, exports, "objectLoad", object_load);
	sonde_register(env, exports, "objectLoadAsync", object_load_async);
	sonde_register(env, exports, "objectPrograms", object_programs);
	sonde_register(env, exports, "objectMaps", object_maps);
	sonde_register(env, exports, "objectSetAutoload", object_set_autoload);
	sonde_register(env, exports, "objectSetMaxEntries", object_set_max_entries);
	sonde_register(env, exports, "objectSetGlobal", object_set_global);
	sonde_register(env, exports, "objectMapFd", object_map_fd);
	sonde_register(env, exports, "attach", object_attach);
	sonde_register(env, exports, "attachUprobe", object_attach_uprobe);
	sonde_register(env, exports, "attachPerfEvent", object_attach_perf_event);
	sonde_register(env, exports, "attachCgroup", object_attach_cgroup);
	sonde_register(env, exports, "linkDestroy", link_destroy);
	sonde_register(env, exports, "linksReleaseDetached", links_release_detached);
}
