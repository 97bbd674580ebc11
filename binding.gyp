{
  "targets": [
    {
      "target_name": "sonde_native",
      "sources": [
        "native/addon.c",
        "native/args.c",
        "native/errors.c",
        "native/object.c",
        "native/maps.c",
        "native/ringbuf.c",
        "native/perf.c",
        "native/sched.c"
      ],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror"],
      "libraries": ["-lbpf", "-lelf", "-lz", "-lpthread"]
    }
  ]
}
