/* What every ringkit BPF program shares: the maps the consumer knows by name and
 * one way to reserve, submit and count. Include it in your own program to get the
 * same topologies, wakeup policies and drop counting as the built-in ones. */
#ifndef RINGKIT_BPF_H
#define RINGKIT_BPF_H

// The kernel's types first: libbpf's helper declarations use them.
// clang-format off
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
// clang-format on

#include "ringkit_abi.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ringkit_config);
} ringkit_config SEC(".maps");

/* The loader sizes both topologies' maps; the one not in use is left at its minimum. */
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} ringkit_ring SEC(".maps");

struct ringkit_inner_ring {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 1);
  __type(key, __u32);
  __array(values, struct ringkit_inner_ring);
} ringkit_rings SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} ringkit_drops SEC(".maps");

static __always_inline const struct ringkit_config* ringkit_get_config(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&ringkit_config, &zero);
}

/* Counts events that found no room: per CPU, so no two CPUs write one counter. */
static __always_inline void ringkit_count_drops(__u64 events) {
  __u32 zero = 0;
  __u64* drops = bpf_map_lookup_elem(&ringkit_drops, &zero);
  if (drops) *drops += events;
}

/* The submit flags for a record of `bytes` about to be written to ring `rb`.
 * Watermark: wake for the record that makes unread bytes cross a multiple of the
 * mark (8 = the kernel's record header). Multiples, not the mark alone: on a
 * shared ring two CPUs can both see "below" and reserve past it together, and a
 * consumer that is still behind must be woken again as the backlog grows. The
 * reader's timer is the backstop. */
static __always_inline __u64 ringkit_wakeup_flags(void* rb, const struct ringkit_config* config,
                                                  __u32 bytes) {
  if (config->policy == RINGKIT_POLICY_TIMER) return BPF_RB_NO_WAKEUP;
  if (config->policy != RINGKIT_POLICY_WATERMARK) return 0;
  __u64 mark = config->watermark_bytes;
  if (mark == 0) return 0;
  __u64 unread = bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA);
  __u64 record = ((__u64)bytes + 8 + 7) & ~7ULL;
  return unread / mark != (unread + record) / mark ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* The ring this CPU writes to: its own under per-CPU, else the shared one. NULL
 * when the loader gave this CPU no ring (callers count that as a drop). */
static __always_inline void* ringkit_ring_for_cpu(const struct ringkit_config* config) {
  if (!config->per_cpu) return &ringkit_ring;
  __u32 cpu = bpf_get_smp_processor_id();
  return bpf_map_lookup_elem(&ringkit_rings, &cpu);
}

/* Copies `bytes` from `data` into one record with the policy's wakeup flags;
 * counts `events` as dropped when it finds no room. 0 on success. */
static __always_inline int ringkit_output(const struct ringkit_config* config, void* data,
                                          __u32 bytes, __u64 events) {
  void* rb = ringkit_ring_for_cpu(config);
  if (!rb || bpf_ringbuf_output(rb, data, bytes, ringkit_wakeup_flags(rb, config, bytes)) != 0) {
    ringkit_count_drops(events);
    return -1;
  }
  return 0;
}

/* Zero-copy form: reserve a record of the constant size `bytes` in place. Returns
 * the record (fill it, then ringkit_submit) or NULL, counting one dropped event. */
#define ringkit_reserve(config, rb_out, flags_out, bytes)              \
  ({                                                                   \
    void* record_ = 0;                                                 \
    (rb_out) = ringkit_ring_for_cpu(config);                           \
    if (rb_out) {                                                      \
      (flags_out) = ringkit_wakeup_flags((rb_out), (config), (bytes)); \
      record_ = bpf_ringbuf_reserve((rb_out), (bytes), 0);             \
    }                                                                  \
    if (!record_) ringkit_count_drops(1);                              \
    record_;                                                           \
  })

#define ringkit_submit(record, flags) bpf_ringbuf_submit((record), (flags))

#endif
