/* Every syscall entry: timestamp, CPU, process, thread and syscall number. A raw
 * tracepoint, not tracefs's syscalls/sys_enter_*: one program for all syscalls at
 * the lowest cost per event. */
#include "ringkit.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Events reach the ring only through reservations, which BTF does not record: this
 * keeps struct ringkit_syscall_event in the object's BTF for schemaFromBtf(). */
struct ringkit_syscall_event ringkit_syscall_event_btf_anchor;

SEC("raw_tp/sys_enter")
int ringkit_syscalls(struct bpf_raw_tracepoint_args* ctx) {
  const struct ringkit_config* config = ringkit_get_config();
  if (!config) return 0;
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  if (config->target_tgid && (__u32)(pid_tgid >> 32) != config->target_tgid) return 0;
  void* rb;
  __u64 flags = 0;
  struct ringkit_syscall_event* event =
      ringkit_reserve(config, rb, flags, sizeof(struct ringkit_syscall_event));
  if (!event) return 0;
  event->timestamp_ns = bpf_ktime_get_ns();
  event->cpu = bpf_get_smp_processor_id();
  event->pid = (__u32)(pid_tgid >> 32);
  event->tid = (__u32)pid_tgid;
  event->syscall_nr = (__s32)ctx->args[1];
  ringkit_submit(event, flags);
  return 0;
}
