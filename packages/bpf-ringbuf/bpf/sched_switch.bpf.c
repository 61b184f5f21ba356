/* Every context switch: which thread left the CPU (and in what state), which one
 * came on. A BTF raw tracepoint reading task_struct through CO-RE, so it needs a
 * kernel with BTF but no tracefs and no kernel headers. */
// ringkit.bpf.h first: it brings the kernel's types that libbpf's headers need.
// clang-format off
#include "ringkit.bpf.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
// clang-format on

char LICENSE[] SEC("license") = "GPL";

/* Events reach the ring only through reservations, which BTF does not record: this
 * keeps struct ringkit_sched_switch_event in the object's BTF for schemaFromBtf(). */
struct ringkit_sched_switch_event ringkit_sched_switch_event_btf_anchor;

/* Only the fields read here; CO-RE finds their offsets in the running kernel. */
struct task_struct {
  int pid;
  int tgid;
  char comm[16];
} __attribute__((preserve_access_index));

SEC("tp_btf/sched_switch")
int BPF_PROG(ringkit_sched_switch, _Bool preempt, struct task_struct* prev,
             struct task_struct* next, unsigned int prev_state) {
  const struct ringkit_config* config = ringkit_get_config();
  if (!config) return 0;
  if (config->target_tgid && BPF_CORE_READ(prev, tgid) != (int)config->target_tgid &&
      BPF_CORE_READ(next, tgid) != (int)config->target_tgid)
    return 0;
  void* rb;
  __u64 flags = 0;
  struct ringkit_sched_switch_event* event =
      ringkit_reserve(config, rb, flags, sizeof(struct ringkit_sched_switch_event));
  if (!event) return 0;
  event->timestamp_ns = bpf_ktime_get_ns();
  event->cpu = bpf_get_smp_processor_id();
  event->prev_pid = BPF_CORE_READ(prev, pid);
  event->next_pid = BPF_CORE_READ(next, pid);
  event->prev_state = prev_state;
  BPF_CORE_READ_STR_INTO(&event->prev_comm, prev, comm);
  BPF_CORE_READ_STR_INTO(&event->next_comm, next, comm);
  ringkit_submit(event, flags);
  return 0;
}
