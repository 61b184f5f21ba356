/* Two rings in one object: getpgid() entries go to one ring and exits, with their
 * return value, to another, each with its own drops counter. Its own maps, not
 * ringkit's: read with openObject(path, { maps: { ring: 'entries' } }) and
 * read({ rings: ['entries', 'exits'] }), or each ring by a reader of its own.
 * `target_tgid` (.rodata, set with openObject's `globals`) picks the process;
 * 0 traces every process. */
// <linux/bpf.h> first: it brings the types libbpf's helpers need.
// clang-format off
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
// clang-format on

#include "ringkit_abi.h"

char LICENSE[] SEC("license") = "GPL";

/* An exit of getpgid(): what the entry has, and what the call returned. 32 bytes. */
struct syscall_exit_event {
  __u64 timestamp_ns;
  __u32 cpu;
  __u32 pid;
  __u32 tid;
  __s32 syscall_nr;
  __s64 ret;
};

const volatile __u32 target_tgid = 0;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} entries SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} exits SEC(".maps");

/* Key 0: events its ring had no room for, on this CPU. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} entry_drops SEC(".maps"), exit_drops SEC(".maps");

/* The events reach the rings only through reservations, which BTF does not record:
 * these keep both structs in the object's BTF for schemaFromBtf(). */
struct ringkit_syscall_event ringkit_syscall_event_btf_anchor;
struct syscall_exit_event syscall_exit_event_btf_anchor;

/* tracefs's records: the common header, then the syscall number (and the return value). */
struct sys_enter_args {
  __u64 common;
  __s32 syscall_nr;
};

struct sys_exit_args {
  __u64 common;
  __s32 syscall_nr;
  __s64 ret;
};

static __always_inline void count_drop(void* drops) {
  __u32 zero = 0;
  __u64* count = bpf_map_lookup_elem(drops, &zero);
  if (count) (*count)++; /* per-CPU: no other writer */
}

SEC("tp/syscalls/sys_enter_getpgid")
int ringkit_getpgid_entry(struct sys_enter_args* ctx) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  if (target_tgid && (__u32)(pid_tgid >> 32) != target_tgid) return 0;
  struct ringkit_syscall_event* event = bpf_ringbuf_reserve(&entries, sizeof(*event), 0);
  if (!event) {
    count_drop(&entry_drops);
    return 0;
  }
  event->timestamp_ns = bpf_ktime_get_ns();
  event->cpu = bpf_get_smp_processor_id();
  event->pid = (__u32)(pid_tgid >> 32);
  event->tid = (__u32)pid_tgid;
  event->syscall_nr = ctx->syscall_nr;
  bpf_ringbuf_submit(event, 0);
  return 0;
}

SEC("tp/syscalls/sys_exit_getpgid")
int ringkit_getpgid_exit(struct sys_exit_args* ctx) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  if (target_tgid && (__u32)(pid_tgid >> 32) != target_tgid) return 0;
  struct syscall_exit_event* event = bpf_ringbuf_reserve(&exits, sizeof(*event), 0);
  if (!event) {
    count_drop(&exit_drops);
    return 0;
  }
  event->timestamp_ns = bpf_ktime_get_ns();
  event->cpu = bpf_get_smp_processor_id();
  event->pid = (__u32)(pid_tgid >> 32);
  event->tid = (__u32)pid_tgid;
  event->syscall_nr = ctx->syscall_nr;
  event->ret = ctx->ret;
  bpf_ringbuf_submit(event, 0);
  return 0;
}
