/* A CPU profiler in the spirit of bcc's `profile`: attached to a perf_event that
 * samples every CPU (99 Hz by default in examples/profile.mjs), it stores the kernel
 * and user stacks of whatever runs in the stack-trace map `stacks` and counts each
 * (process, kernel stack, user stack) in the hash map `counts`, which JavaScript reads
 * and empties. No ring: one sample costs a map update, not an event.
 * `target_tgid` (.rodata, set with openObject's `globals`) picks the process; 0
 * samples every process. The idle task (pid 0) is never counted. */
// <linux/bpf.h> first: it brings the types libbpf's helpers need.
// clang-format off
#include <linux/bpf.h>
#include <linux/bpf_perf_event.h>
#include <bpf/bpf_helpers.h>
// clang-format on

char LICENSE[] SEC("license") = "GPL";

/* The deepest stack kept, as perf's default (kernel.perf_event_max_stack). */
#define PROFILE_MAX_STACK_DEPTH 127

/* One counted sample kind. A stack id < 0 is the error bpf_get_stackid returned:
 * -EFAULT (-14) for no stack of that kind (a kernel stack of a sample taken in user
 * mode), -EEXIST (-17) for a hash collision, -ENOMEM for a full map. 32 bytes. */
struct profile_key {
  __u32 pid;
  __s32 kernel_stack_id;
  __s32 user_stack_id;
  __u32 reserved;
  char comm[16];
};

const volatile __u32 target_tgid = 0;

struct {
  __uint(type, BPF_MAP_TYPE_STACK_TRACE);
  __uint(max_entries, 16384);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, PROFILE_MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

/* Samples per key since JavaScript last emptied it. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, struct profile_key);
  __type(value, __u64);
} counts SEC(".maps");

SEC("perf_event")
int ringkit_profile(struct bpf_perf_event_data* ctx) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  __u32 tgid = (__u32)(pid_tgid >> 32);
  if (tgid == 0 || (target_tgid && tgid != target_tgid)) return 0;
  struct profile_key key = {};
  key.pid = tgid;
  key.kernel_stack_id = bpf_get_stackid(ctx, &stacks, 0);
  key.user_stack_id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
  bpf_get_current_comm(&key.comm, sizeof(key.comm));
  __u64* count = bpf_map_lookup_elem(&counts, &key);
  if (count) {
    __sync_fetch_and_add(count, 1);
    return 0;
  }
  __u64 one = 1;
  /* Another CPU may add the key between the lookup and here: then count on its entry. */
  if (bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST) != 0) {
    count = bpf_map_lookup_elem(&counts, &key);
    if (count) __sync_fetch_and_add(count, 1);
  }
  return 0;
}
