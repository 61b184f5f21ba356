/* The contract between ringkit's BPF programs and the native consumer: the
 * configuration record, the map names and the wakeup policies. Plain C with
 * fixed-width types, included by the BPF programs (bpf/NAME.bpf.c) and by the addon
 * (native/src), so both sides compile against one definition; a test checks the
 * TypeScript side (src/layout.ts) against the addon's view of it. */
#ifndef RINGKIT_ABI_H
#define RINGKIT_ABI_H

#include <linux/types.h>

/* Wakeup policies: what the program passes to bpf_ringbuf_submit/output.
 * ADAPTIVE: flags 0, the kernel wakes the consumer when it had caught up.
 * TIMER: BPF_RB_NO_WAKEUP, the consumer drains every N ms.
 * WATERMARK: force a wakeup when unread bytes cross a multiple of watermark_bytes. */
#define RINGKIT_POLICY_ADAPTIVE 0
#define RINGKIT_POLICY_TIMER 1
#define RINGKIT_POLICY_WATERMARK 2

/* One entry (key 0) of the ARRAY map RINGKIT_CONFIG_MAP, written by the loader
 * after load and before attach. 32 bytes. */
struct ringkit_config {
  __u32 policy;             /* RINGKIT_POLICY_* */
  __u32 watermark_bytes;    /* watermark policy: unread bytes that trigger a wakeup */
  __u32 per_cpu;            /* 1: write to this CPU's ring in RINGKIT_PER_CPU_RINGS_MAP */
  __u32 target_tgid;        /* 0: every process; otherwise only this process */
  __u32 bench_syscall_nr;   /* bench program: the syscall it answers (getpgid) */
  __u32 events_per_syscall; /* bench program: events produced per call */
  __u32 events_per_record;  /* bench program: events batched into one ring record */
  __u32 reserved;
};

#define RINGKIT_CONFIG_MAP "ringkit_config"
/* The shared topology's one ring buffer. */
#define RINGKIT_SHARED_RING_MAP "ringkit_ring"
/* The per-CPU topology: ARRAY_OF_MAPS, key = CPU, value = that CPU's ring buffer. */
#define RINGKIT_PER_CPU_RINGS_MAP "ringkit_rings"
/* PERCPU_ARRAY, key 0: events the program could not reserve room for (drops). */
#define RINGKIT_DROPS_MAP "ringkit_drops"

/* The most events the bench program batches into one record. */
#define RINGKIT_BENCH_MAX_EVENTS_PER_RECORD 16
/* The most events the bench program produces per syscall. */
#define RINGKIT_BENCH_MAX_EVENTS_PER_SYSCALL 64

/* Event records of the built-in programs (all little-endian, 8-byte aligned). */
struct ringkit_syscall_event { /* 24 bytes */
  __u64 timestamp_ns;          /* bpf_ktime_get_ns: CLOCK_MONOTONIC */
  __u32 cpu;
  __u32 pid; /* the process (tgid) */
  __u32 tid; /* the thread */
  __s32 syscall_nr;
};

struct ringkit_sched_switch_event { /* 56 bytes */
  __u64 timestamp_ns;
  __u32 cpu;
  __u32 prev_pid; /* thread ids, as the kernel's sched_switch reports them */
  __u32 next_pid;
  __u32 prev_state;
  char prev_comm[16];
  char next_comm[16];
};

struct ringkit_bench_event { /* 24 bytes */
  __u64 timestamp_ns;
  __u32 cpu;
  __u32 tid;
  __u32 index; /* 0 .. events_per_syscall - 1 within one call */
  __u32 call;  /* calls seen on this CPU (wraps), for ordering checks */
};

#endif
