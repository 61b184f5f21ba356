/* The baseline for ringkit's benchmarks: a plain C consumer of the same object
 * (bpf/bench.bpf.o) that uses libbpf's own ring_buffer API and nothing of
 * ringkit's, so the addon's figures can be read against what libbpf alone does
 * with the same program, topology and wakeup policy.
 *
 * Usage: see `usage` below (or run with --help).
 *
 * stdout: one line, BENCH_RESULT {"ns": <producing window>, "items": <events consumed>};
 * with --report cpu, "ns" is instead the consumer thread's CPU time over the window and
 * the final drain (CLOCK_THREAD_CPUTIME_ID: the producers and the BPF program excluded).
 * stderr: a human summary. Exit 2 on a bad command line, 1 when the object cannot
 * be loaded, attached or consumed (e.g. not permitted). Needs root (or CAP_BPF
 * and CAP_PERFMON). */
#define _GNU_SOURCE /* pthread affinity, syscall(), getopt_long */

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ringkit_abi.h"

#define EXIT_USAGE 2
#define EXIT_RUNTIME 1
#define MAX_THREADS 1024
#define BENCH_PROGRAM "ringkit_bench"
/* Producers look at the clock only every this many flat-out calls, so the clock
 * read costs well under a nanosecond per call and stays out of the figures. */
#define DEADLINE_CHECK_EVERY 256

static const char usage[] =
    "usage: c_consumer [options] path/to/bench.bpf.o\n"
    "  --topology shared|percpu    one RINGBUF, or one per possible CPU (default percpu)\n"
    "  --policy adaptive|timer|watermark                                (default timer)\n"
    "  --period-ms N               timer: drain period; adaptive, watermark: poll timeout "
    "(default 1)\n"
    "  --watermark-bytes N         watermark: wake at every multiple of N unread bytes "
    "(default ring/4)\n"
    "  --ring-bytes N              bytes per ring, a power of two >= the page size "
    "(default 4 MiB)\n"
    "  --threads P                 producers, pinned round robin to our CPUs (default 2)\n"
    "  --seconds D                 length of the producing window (default 3)\n"
    "  --rate R                    getpgid() calls/s per thread, 0 = flat out (default 0)\n"
    "  --events-per-syscall K      1..64 (default 1)\n"
    "  --events-per-record R       1..16 (default 1)\n"
    "  --no-attach                 leave the program detached (producer cost baseline)\n"
    "  --report window|cpu         BENCH_RESULT ns: the producing window, or the consumer\n"
    "                              thread's CPU time (default window)\n"
    "  --verbose                   let libbpf's own messages through\n";

struct options {
  bool per_cpu;
  uint32_t policy;
  uint32_t period_ms;
  uint32_t watermark_bytes; /* 0: a quarter of ring_bytes */
  uint32_t ring_bytes;
  uint32_t threads;
  double seconds;
  uint64_t rate;
  uint32_t events_per_syscall;
  uint32_t events_per_record;
  bool attach;
  bool report_cpu;
  bool verbose;
  const char* object_path;
};

/* What the producers share with the main thread. The window starts when the
 * main thread passes the barrier; each producer stops itself at the deadline
 * (or when `stop` is set on a failure), so a consumer that falls behind -- libbpf
 * 1.1's ring_buffer__consume keeps going while new records arrive -- cannot
 * stretch the window. */
struct run {
  pthread_barrier_t start_line;
  uint64_t start_ns;
  uint64_t deadline_ns;
  uint64_t rate;
  atomic_bool stop;
  atomic_int running;
};

struct producer {
  pthread_t thread;
  struct run* run;
  int cpu;
  uint64_t calls;
  uint64_t end_ns; /* after its last call */
};

static bool verbose_libbpf;

static int print_libbpf(enum libbpf_print_level level, const char* format, va_list args) {
  /* libbpf is chatty (and prints whole verifier logs); we say one sentence
   * ourselves unless asked for the details. */
  if (!verbose_libbpf || level == LIBBPF_DEBUG) return 0;
  return vfprintf(stderr, format, args);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t ns) {
  struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

static _Noreturn void usage_error(const char* format, ...) {
  va_list args;
  va_start(args, format);
  fputs("c_consumer: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(EXIT_USAGE);
}

/* A decimal integer in [min, max]; strtoull alone would accept "-1" and "12x". */
static uint64_t parse_uint(const char* name, const char* text, uint64_t min, uint64_t max) {
  char* end = NULL;
  errno = 0;
  unsigned long long value = strtoull(text, &end, 10);
  if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || value < min || value > max)
    usage_error("--%s must be an integer from %" PRIu64 " to %" PRIu64 ", not '%s'.", name, min,
                max, text);
  return value;
}

static void parse_options(int argc, char** argv, struct options* options) {
  enum {
    OPT_TOPOLOGY = 1,
    OPT_POLICY,
    OPT_PERIOD_MS,
    OPT_WATERMARK_BYTES,
    OPT_RING_BYTES,
    OPT_THREADS,
    OPT_SECONDS,
    OPT_RATE,
    OPT_EVENTS_PER_SYSCALL,
    OPT_EVENTS_PER_RECORD,
    OPT_NO_ATTACH,
    OPT_REPORT,
    OPT_VERBOSE,
    OPT_HELP,
  };
  static const struct option long_options[] = {
      {"topology", required_argument, NULL, OPT_TOPOLOGY},
      {"policy", required_argument, NULL, OPT_POLICY},
      {"period-ms", required_argument, NULL, OPT_PERIOD_MS},
      {"watermark-bytes", required_argument, NULL, OPT_WATERMARK_BYTES},
      {"ring-bytes", required_argument, NULL, OPT_RING_BYTES},
      {"threads", required_argument, NULL, OPT_THREADS},
      {"seconds", required_argument, NULL, OPT_SECONDS},
      {"rate", required_argument, NULL, OPT_RATE},
      {"events-per-syscall", required_argument, NULL, OPT_EVENTS_PER_SYSCALL},
      {"events-per-record", required_argument, NULL, OPT_EVENTS_PER_RECORD},
      {"no-attach", no_argument, NULL, OPT_NO_ATTACH},
      {"report", required_argument, NULL, OPT_REPORT},
      {"verbose", no_argument, NULL, OPT_VERBOSE},
      {"help", no_argument, NULL, OPT_HELP},
      {NULL, 0, NULL, 0},
  };
  *options = (struct options){
      .per_cpu = true,
      .policy = RINGKIT_POLICY_TIMER,
      .period_ms = 1,
      .watermark_bytes = 0,
      .ring_bytes = 4u << 20,
      .threads = 2,
      .seconds = 3.0,
      .rate = 0,
      .events_per_syscall = 1,
      .events_per_record = 1,
      .attach = true,
  };
  long page = sysconf(_SC_PAGESIZE);
  opterr = 0; /* we word the errors ourselves */
  int option;
  while ((option = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
    switch (option) {
      case OPT_TOPOLOGY:
        if (strcmp(optarg, "shared") == 0)
          options->per_cpu = false;
        else if (strcmp(optarg, "percpu") == 0)
          options->per_cpu = true;
        else
          usage_error("--topology must be shared or percpu, not '%s'.", optarg);
        break;
      case OPT_POLICY:
        if (strcmp(optarg, "adaptive") == 0)
          options->policy = RINGKIT_POLICY_ADAPTIVE;
        else if (strcmp(optarg, "timer") == 0)
          options->policy = RINGKIT_POLICY_TIMER;
        else if (strcmp(optarg, "watermark") == 0)
          options->policy = RINGKIT_POLICY_WATERMARK;
        else
          usage_error("--policy must be adaptive, timer or watermark, not '%s'.", optarg);
        break;
      case OPT_PERIOD_MS:
        options->period_ms = (uint32_t)parse_uint("period-ms", optarg, 1, 60000);
        break;
      case OPT_WATERMARK_BYTES:
        options->watermark_bytes = (uint32_t)parse_uint("watermark-bytes", optarg, 1, 1u << 30);
        break;
      case OPT_RING_BYTES: {
        uint64_t bytes = parse_uint("ring-bytes", optarg, (uint64_t)page, 1u << 30);
        /* The kernel's rule for BPF_MAP_TYPE_RINGBUF max_entries. */
        if ((bytes & (bytes - 1)) != 0 || bytes % (uint64_t)page != 0)
          usage_error(
              "--ring-bytes must be a power of two and a multiple of the page size (%ld), "
              "not '%s'.",
              page, optarg);
        options->ring_bytes = (uint32_t)bytes;
        break;
      }
      case OPT_THREADS:
        options->threads = (uint32_t)parse_uint("threads", optarg, 1, MAX_THREADS);
        break;
      case OPT_SECONDS: {
        char* end = NULL;
        errno = 0;
        double seconds = strtod(optarg, &end);
        if (end == optarg || *end != '\0' || errno != 0 || !(seconds > 0.0 && seconds <= 3600.0))
          usage_error("--seconds must be a number greater than 0 and at most 3600, not '%s'.",
                      optarg);
        options->seconds = seconds;
        break;
      }
      case OPT_RATE:
        options->rate = parse_uint("rate", optarg, 0, 1000000000);
        break;
      case OPT_EVENTS_PER_SYSCALL:
        options->events_per_syscall = (uint32_t)parse_uint("events-per-syscall", optarg, 1,
                                                           RINGKIT_BENCH_MAX_EVENTS_PER_SYSCALL);
        break;
      case OPT_EVENTS_PER_RECORD:
        options->events_per_record = (uint32_t)parse_uint("events-per-record", optarg, 1,
                                                          RINGKIT_BENCH_MAX_EVENTS_PER_RECORD);
        break;
      case OPT_NO_ATTACH:
        options->attach = false;
        break;
      case OPT_REPORT:
        if (strcmp(optarg, "window") == 0)
          options->report_cpu = false;
        else if (strcmp(optarg, "cpu") == 0)
          options->report_cpu = true;
        else
          usage_error("--report must be window or cpu, not '%s'.", optarg);
        break;
      case OPT_VERBOSE:
        options->verbose = true;
        break;
      case OPT_HELP:
        fputs(usage, stdout);
        exit(0);
      case ':':
        usage_error("%s needs a value.", argv[optind - 1]);
      default:
        usage_error("unknown option '%s' (see --help).", argv[optind - 1]);
    }
  }
  if (optind != argc - 1)
    usage_error("give exactly one argument, the path of bench.bpf.o, after the options.");
  options->object_path = argv[optind];
  if (options->watermark_bytes == 0) options->watermark_bytes = options->ring_bytes / 4;
  if (options->watermark_bytes > options->ring_bytes)
    usage_error("--watermark-bytes (%" PRIu32 ") must not exceed --ring-bytes (%" PRIu32 ").",
                options->watermark_bytes, options->ring_bytes);
}

/* Runtime failure: one sentence, exit 1. errno_value picks the hint. */
static _Noreturn void fail(int errno_value, const char* what) {
  if (errno_value == EPERM || errno_value == EACCES)
    fprintf(stderr,
            "c_consumer: %s: not permitted; run as root (or with CAP_BPF and CAP_PERFMON).\n",
            what);
  else
    fprintf(stderr, "c_consumer: %s: %s.\n", what, strerror(errno_value));
  exit(EXIT_RUNTIME);
}

/* What the consumer keeps: the events it read, and a checksum of every field so
 * that the reads are done (the JS consumer reads the same fields). */
struct tally {
  uint64_t events;
  uint64_t checksum;
};

/* The ring record holds events_per_record events back to back; counting by size
 * also counts the last, shorter batch of a call right. */
static int count_events(void* context, void* data, size_t size) {
  struct tally* tally = context;
  const struct ringkit_bench_event* events = data;
  size_t count = size / sizeof *events;
  for (size_t i = 0; i < count; i++)
    tally->checksum +=
        events[i].timestamp_ns + events[i].cpu + events[i].tid + events[i].index + events[i].call;
  tally->events += count;
  return 0;
}

static uint64_t thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void* produce(void* argument) {
  struct producer* self = argument;
  struct run* run = self->run;
  pthread_barrier_wait(&run->start_line);
  uint64_t calls = 0;
  if (run->rate == 0) {
    /* Flat out: nothing but the syscall in the loop. */
    for (;;) {
      for (int i = 0; i < DEADLINE_CHECK_EVERY; i++) syscall(SYS_getpgid, 0);
      calls += DEADLINE_CHECK_EVERY;
      if (atomic_load_explicit(&run->stop, memory_order_relaxed) || now_ns() >= run->deadline_ns)
        break;
    }
  } else {
    /* Paced on an absolute schedule from the window's start, so oversleeping
     * once is made up by the next calls instead of lowering the rate. */
    double interval_ns = 1e9 / (double)run->rate;
    for (;;) {
      uint64_t due = run->start_ns + (uint64_t)((double)calls * interval_ns);
      if (due >= run->deadline_ns || atomic_load_explicit(&run->stop, memory_order_relaxed)) break;
      if (now_ns() < due) sleep_until(due);
      syscall(SYS_getpgid, 0);
      calls++;
    }
  }
  self->end_ns = now_ns();
  self->calls = calls;
  atomic_fetch_sub(&run->running, 1);
  return NULL;
}

/* The CPUs this process may run on, in order: producers go round robin over them
 * (CPUs 0..P-1 where the whole machine is ours). */
static int allowed_cpus(int* cpus, int capacity) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  int count = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && count < capacity; cpu++)
    if (CPU_ISSET(cpu, &set)) cpus[count++] = cpu;
  return count;
}

static const char* policy_name(uint32_t policy) {
  switch (policy) {
    case RINGKIT_POLICY_ADAPTIVE:
      return "adaptive";
    case RINGKIT_POLICY_TIMER:
      return "timer";
    default:
      return "watermark";
  }
}

int main(int argc, char** argv) {
  struct options options;
  parse_options(argc, argv, &options);
  verbose_libbpf = options.verbose;
  libbpf_set_print(print_libbpf);

  int possible_cpus = libbpf_num_possible_cpus();
  if (possible_cpus <= 0) fail(-possible_cpus, "cannot count the possible CPUs");
  uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);

  struct bpf_object* object = bpf_object__open_file(options.object_path, NULL);
  if (!object) fail(errno, "cannot open the BPF object");
  struct bpf_map* config_map = bpf_object__find_map_by_name(object, RINGKIT_CONFIG_MAP);
  struct bpf_map* shared_ring = bpf_object__find_map_by_name(object, RINGKIT_SHARED_RING_MAP);
  struct bpf_map* rings = bpf_object__find_map_by_name(object, RINGKIT_PER_CPU_RINGS_MAP);
  struct bpf_map* drops_map = bpf_object__find_map_by_name(object, RINGKIT_DROPS_MAP);
  struct bpf_program* program = bpf_object__find_program_by_name(object, BENCH_PROGRAM);
  if (!config_map || !shared_ring || !rings || !drops_map || !program) {
    fprintf(stderr,
            "c_consumer: %s lacks the ringkit_bench program or ringkit's maps; give the "
            "path of bench.bpf.o.\n",
            options.object_path);
    return EXIT_RUNTIME;
  }

  /* Size both topologies before load: the one in use gets --ring-bytes, the other
   * one page, so it costs nothing. Per-CPU: the outer map gets a slot per possible
   * CPU (the program looks its ring up by CPU) and an inner-map template the size
   * of the rings we create after load. libbpf 1.1 cannot resize the template it
   * built from the object: bpf_map__set_max_entries(bpf_map__inner_map(rings))
   * dereferences the template's NULL object pointer and crashes. So we hand it a
   * template of our own; the kernel copies the template's shape into the outer
   * map and keeps no reference, so we close it after load. */
  int err = bpf_map__set_max_entries(shared_ring, options.per_cpu ? page : options.ring_bytes);
  if (!err) err = bpf_map__set_max_entries(rings, options.per_cpu ? (uint32_t)possible_cpus : 1);
  if (err) fail(-err, "cannot size the ring maps");
  int template_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ringkit_inner", 0, 0,
                                   options.per_cpu ? options.ring_bytes : page, NULL);
  if (template_fd < 0) fail(-template_fd, "cannot create the inner-map template of ringkit_rings");
  err = bpf_map__set_inner_map_fd(rings, template_fd);
  if (err) fail(-err, "cannot set the inner-map template of ringkit_rings");

  err = bpf_object__load(object);
  if (err) fail(-err, "cannot load the BPF object");
  close(template_fd);

  /* Per-CPU: one RINGBUF per possible CPU, at key = CPU. The outer map holds a
   * reference, but we keep our fds for ring_buffer__add. */
  int ring_count = options.per_cpu ? possible_cpus : 1;
  int* ring_fds = calloc((size_t)ring_count, sizeof *ring_fds);
  if (!ring_fds) fail(ENOMEM, "cannot allocate");
  if (options.per_cpu) {
    for (int cpu = 0; cpu < possible_cpus; cpu++) {
      char name[32]; /* libbpf cuts it to the kernel's 15 characters */
      snprintf(name, sizeof name, "ringkit_cpu%d", cpu);
      ring_fds[cpu] = bpf_map_create(BPF_MAP_TYPE_RINGBUF, name, 0, 0, options.ring_bytes, NULL);
      if (ring_fds[cpu] < 0) fail(-ring_fds[cpu], "cannot create a per-CPU ring buffer");
      __u32 key = (__u32)cpu;
      err = bpf_map_update_elem(bpf_map__fd(rings), &key, &ring_fds[cpu], BPF_ANY);
      if (err) fail(-err, "cannot put a per-CPU ring buffer into ringkit_rings");
    }
  } else {
    ring_fds[0] = bpf_map__fd(shared_ring);
  }

  /* The config goes in after load and before attach (ringkit_abi.h); without it
   * the program does nothing. target_tgid keeps other processes' getpgid out. */
  struct ringkit_config config = {
      .policy = options.policy,
      .watermark_bytes = options.watermark_bytes,
      .per_cpu = options.per_cpu ? 1 : 0,
      .target_tgid = (__u32)getpid(),
      .bench_syscall_nr = SYS_getpgid,
      .events_per_syscall = options.events_per_syscall,
      .events_per_record = options.events_per_record,
  };
  __u32 zero = 0;
  err = bpf_map__update_elem(config_map, &zero, sizeof zero, &config, sizeof config, BPF_ANY);
  if (err) fail(-err, "cannot write ringkit_config");

  struct tally tally = {0};
  struct ring_buffer* consumer = ring_buffer__new(ring_fds[0], count_events, &tally, NULL);
  if (!consumer) fail(errno, "cannot set up libbpf's ring_buffer");
  for (int i = 1; i < ring_count; i++) {
    err = ring_buffer__add(consumer, ring_fds[i], count_events, &tally);
    if (err) fail(-err, "cannot add a ring to libbpf's ring_buffer");
  }

  struct bpf_link* link = NULL;
  if (options.attach) {
    link = bpf_program__attach(program);
    if (!link) fail(errno, "cannot attach the bench program to raw_tp/sys_enter");
  }

  int cpus[CPU_SETSIZE];
  int cpu_count = allowed_cpus(cpus, CPU_SETSIZE);
  struct producer* producers = calloc(options.threads, sizeof *producers);
  if (!producers) fail(ENOMEM, "cannot allocate");
  struct run run = {.rate = options.rate};
  atomic_init(&run.stop, false);
  atomic_init(&run.running, (int)options.threads);
  err = pthread_barrier_init(&run.start_line, NULL, options.threads + 1);
  if (err) fail(err, "cannot set up the producers' start line");
  for (uint32_t i = 0; i < options.threads; i++) {
    producers[i].run = &run;
    producers[i].cpu = cpu_count > 0 ? cpus[i % (uint32_t)cpu_count] : -1;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    if (producers[i].cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(producers[i].cpu, &set);
      pthread_attr_setaffinity_np(&attributes, sizeof set, &set);
    }
    err = pthread_create(&producers[i].thread, &attributes, produce, &producers[i]);
    pthread_attr_destroy(&attributes);
    if (err) fail(err, "cannot start a producer thread");
  }

  run.start_ns = now_ns();
  run.deadline_ns = run.start_ns + (uint64_t)(options.seconds * 1e9);
  pthread_barrier_wait(&run.start_line); /* publishes start_ns and deadline_ns */
  uint64_t consumer_cpu_start = thread_cpu_ns();

  /* Consume until every producer has stopped. */
  int failure = 0;
  if (options.policy == RINGKIT_POLICY_TIMER) {
    /* The program never wakes us (BPF_RB_NO_WAKEUP): drain every period_ms,
     * start to start, so a long drain shortens the next sleep. */
    uint64_t period_ns = (uint64_t)options.period_ms * 1000000u;
    uint64_t drain_start = now_ns();
    while (atomic_load(&run.running) > 0) {
      sleep_until(drain_start + period_ns);
      drain_start = now_ns();
      int n = ring_buffer__consume(consumer);
      if (n < 0) {
        failure = n;
        break;
      }
    }
  } else {
    /* Adaptive and watermark: the kernel wakes us through epoll. libbpf's
     * ring_buffer__poll drains only the rings epoll reported, so a timeout alone
     * drains nothing; the backstop (ringkit.bpf.h: "the reader's timer is the
     * backstop") is a ring_buffer__consume of every ring when none has run for
     * period_ms. Without it, records below the next multiple of the mark wait
     * for more traffic, and with the first watermark program (wake only on
     * crossing the mark itself) a crossing lost to two CPUs racing on the shared
     * ring left the consumer asleep while the ring filled and most events dropped. */
    uint64_t period_ns = (uint64_t)options.period_ms * 1000000u;
    uint64_t next_backstop = now_ns() + period_ns;
    while (atomic_load(&run.running) > 0) {
      int n = ring_buffer__poll(consumer, (int)options.period_ms);
      if (n < 0 && n != -EINTR) {
        failure = n;
        break;
      }
      uint64_t now = now_ns();
      if (now >= next_backstop) {
        n = ring_buffer__consume(consumer);
        if (n < 0) {
          failure = n;
          break;
        }
        next_backstop = now + period_ns;
      }
    }
  }
  if (failure) atomic_store(&run.stop, true);

  uint64_t calls = 0, end_ns = run.start_ns;
  for (uint32_t i = 0; i < options.threads; i++) {
    pthread_join(producers[i].thread, NULL);
    calls += producers[i].calls;
    if (producers[i].end_ns > end_ns) end_ns = producers[i].end_ns;
  }
  if (failure) fail(-failure, "cannot consume the ring buffers");

  /* Every record is committed by the time its syscall returns, so after the join
   * one more pass takes whatever is left. */
  int n;
  while ((n = ring_buffer__consume(consumer)) > 0) {
  }
  if (n < 0) fail(-n, "cannot drain the ring buffers");
  uint64_t consumer_cpu_ns = thread_cpu_ns() - consumer_cpu_start;
  uint64_t consumed = tally.events;

  uint64_t dropped = 0;
  uint64_t* per_cpu_drops = calloc((size_t)possible_cpus, sizeof *per_cpu_drops);
  if (!per_cpu_drops) fail(ENOMEM, "cannot allocate");
  err = bpf_map__lookup_elem(drops_map, &zero, sizeof zero, per_cpu_drops,
                             (size_t)possible_cpus * sizeof *per_cpu_drops, 0);
  if (err) fail(-err, "cannot read ringkit_drops");
  for (int cpu = 0; cpu < possible_cpus; cpu++) dropped += per_cpu_drops[cpu];

  bpf_link__destroy(link);
  ring_buffer__free(consumer);
  if (options.per_cpu)
    for (int i = 0; i < ring_count; i++) close(ring_fds[i]);
  bpf_object__close(object);
  pthread_barrier_destroy(&run.start_line);

  uint64_t window_ns = end_ns - run.start_ns;
  double seconds = (double)window_ns / 1e9;
  uint64_t produced = options.attach ? calls * options.events_per_syscall : 0;
  printf("BENCH_RESULT {\"ns\": %" PRIu64 ", \"items\": %" PRIu64 "}\n",
         options.report_cpu ? consumer_cpu_ns : window_ns, consumed);

  fprintf(stderr,
          "c_consumer: %s ring%s of %" PRIu32 " B, %s policy (period %" PRIu32
          " ms, watermark %" PRIu32 " B), %" PRIu32 " event(s)/syscall, %" PRIu32
          " event(s)/record%s\n",
          options.per_cpu ? "per-CPU" : "one shared", options.per_cpu ? "s" : "",
          options.ring_bytes, policy_name(options.policy), options.period_ms,
          options.watermark_bytes, options.events_per_syscall, options.events_per_record,
          options.attach ? "" : ", program NOT attached");
  if (options.rate)
    fprintf(stderr,
            "  window    %.3f s, %" PRIu32 " producer thread(s) at %" PRIu64 " calls/s each\n",
            seconds, options.threads, options.rate);
  else
    fprintf(stderr, "  window    %.3f s, %" PRIu32 " producer thread(s) flat out\n", seconds,
            options.threads);
  fprintf(stderr, "  produced  %" PRIu64 " events (%" PRIu64 " getpgid calls)\n", produced, calls);
  fprintf(stderr, "  consumed  %" PRIu64 " events, %.3f M events/s\n", consumed,
          (double)consumed / seconds / 1e6);
  fprintf(stderr, "  dropped   %" PRIu64 " events (BPF, no room in the ring)\n", dropped);
  fprintf(
      stderr,
      "  consumer  %.2f ns of CPU per event (its thread, window and final drain; checksum %" PRIu64
      ")\n",
      consumed ? (double)consumer_cpu_ns / (double)consumed : 0.0, tally.checksum % 1000);
  if (produced != consumed + dropped)
    fprintf(stderr, "  MISMATCH  produced - consumed - dropped = %" PRId64 "\n",
            (int64_t)(produced - consumed - dropped));
  for (uint32_t i = 0; i < options.threads; i++)
    fprintf(
        stderr, "  thread %-3" PRIu32 "CPU %-3d %.3f M getpgid calls/s\n", i, producers[i].cpu,
        (double)producers[i].calls / ((double)(producers[i].end_ns - run.start_ns) / 1e9) / 1e6);
  free(per_cpu_drops);
  free(producers);
  free(ring_fds);
  return 0;
}
