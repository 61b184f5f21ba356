/* The benchmark and test producer: on every getpgid() call (of the target
 * process) it writes events_per_syscall events, events_per_record to a record,
 * so tests can count exactly and benchmarks can vary both. */
#include "ringkit.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Events reach the ring only through reservations, which BTF does not record: this
 * keeps struct ringkit_bench_event in the object's BTF for schemaFromBtf(). */
struct ringkit_bench_event ringkit_bench_event_btf_anchor;

/* One batch of events per CPU: bpf_ringbuf_output copies it as one record. */
struct bench_scratch {
  struct ringkit_bench_event events[RINGKIT_BENCH_MAX_EVENTS_PER_RECORD];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bench_scratch);
} bench_scratch SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} bench_calls SEC(".maps");

static __always_inline void fill(struct ringkit_bench_event* event, __u64 now, __u32 cpu, __u32 tid,
                                 __u32 index, __u32 call) {
  event->timestamp_ns = now;
  event->cpu = cpu;
  event->tid = tid;
  event->index = index;
  event->call = call;
}

/* What one call's loop iterations share (bpf_loop keeps the verifier's work
 * independent of events_per_syscall). */
struct bench_call {
  __u64 now;
  __u32 cpu;
  __u32 tid;
  __u32 call;
  __u32 events;
  __u32 per_record;
  __u32 filled;
};

/* One event per record: reserve in place, no copy. */
static long emit_reserved(__u32 index, void* context) {
  struct bench_call* call = context;
  const struct ringkit_config* config = ringkit_get_config();
  if (!config) return 1;
  void* rb;
  __u64 flags = 0;
  struct ringkit_bench_event* event =
      ringkit_reserve(config, rb, flags, sizeof(struct ringkit_bench_event));
  if (!event) return 0;
  fill(event, call->now, call->cpu, call->tid, index, call->call);
  ringkit_submit(event, flags);
  return 0;
}

/* Several events per record: gather them in this CPU's scratch, then copy the batch once. */
static long emit_batched(__u32 index, void* context) {
  struct bench_call* call = context;
  __u32 zero = 0;
  const struct ringkit_config* config = ringkit_get_config();
  struct bench_scratch* scratch = bpf_map_lookup_elem(&bench_scratch, &zero);
  if (!config || !scratch) return 1;
  __u32 slot = call->filled & (RINGKIT_BENCH_MAX_EVENTS_PER_RECORD - 1);
  fill(&scratch->events[slot], call->now, call->cpu, call->tid, index, call->call);
  call->filled = slot + 1;
  if (call->filled == call->per_record || index + 1 == call->events) {
    __u32 events = call->filled;
    if (events > RINGKIT_BENCH_MAX_EVENTS_PER_RECORD) events = RINGKIT_BENCH_MAX_EVENTS_PER_RECORD;
    ringkit_output(config, scratch, events * sizeof(struct ringkit_bench_event), events);
    call->filled = 0;
  }
  return 0;
}

SEC("raw_tp/sys_enter")
int ringkit_bench(struct bpf_raw_tracepoint_args* ctx) {
  const struct ringkit_config* config = ringkit_get_config();
  if (!config || (long)ctx->args[1] != (long)config->bench_syscall_nr) return 0;
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  if (config->target_tgid && (__u32)(pid_tgid >> 32) != config->target_tgid) return 0;

  __u32 zero = 0;
  __u32* calls = bpf_map_lookup_elem(&bench_calls, &zero);
  if (!calls) return 0;
  struct bench_call call = {
      .now = bpf_ktime_get_ns(),
      .cpu = bpf_get_smp_processor_id(),
      .tid = (__u32)pid_tgid,
      .call = (*calls)++,
      .events = config->events_per_syscall,
      .per_record = config->events_per_record,
      .filled = 0,
  };
  if (call.events > RINGKIT_BENCH_MAX_EVENTS_PER_SYSCALL)
    call.events = RINGKIT_BENCH_MAX_EVENTS_PER_SYSCALL;
  if (call.per_record < 1) call.per_record = 1;
  if (call.per_record > RINGKIT_BENCH_MAX_EVENTS_PER_RECORD)
    call.per_record = RINGKIT_BENCH_MAX_EVENTS_PER_RECORD;
  if (call.events == 1 && call.per_record == 1) {
    emit_reserved(0, &call);
    return 0;
  }
  bpf_loop(call.events, call.per_record == 1 ? emit_reserved : emit_batched, &call, 0);
  return 0;
}
