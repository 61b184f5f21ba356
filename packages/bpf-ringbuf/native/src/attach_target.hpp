// Attaching one loaded program to a hook named by the caller rather than by its
// section (src/attach.ts's AttachTarget): tracepoint, raw tracepoint, kprobe and
// kretprobe, uprobe and uretprobe, USDT, perf_event sampling. Plain C++: every
// failure is a Failure (errors.hpp) naming the program and the target.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ringkit::bpf {

enum class AttachKind {
  kTracepoint,
  kRawTracepoint,
  kKprobe,
  kKretprobe,
  kUprobe,
  kUretprobe,
  kUsdt,
  kPerfEvent,
};

// src/native-binding.ts's RawAttachTarget; each kind reads only its own fields.
struct AttachTarget {
  AttachKind kind = AttachKind::kTracepoint;
  std::string category;  // tracepoint
  std::string name;      // tracepoint, raw tracepoint, USDT probe
  std::string function;  // kprobe; uprobe ('' with an offset: the offset alone)
  std::uint64_t offset = 0;
  std::string binary;    // uprobe, USDT
  std::string provider;  // USDT
  int pid = -1;          // uprobe, USDT, perf_event: -1 is every process
  // perf_event: samples per second, or else one sample every `period` nanoseconds of CPU clock.
  std::uint64_t frequency = 0;
  std::uint64_t period = 0;
  std::optional<std::vector<int>> cpus;  // perf_event: nullopt is every online CPU
};

// The kind as JavaScript spells it: 'kprobe', 'raw_tracepoint', ...
const char* kind_name(AttachKind kind);

// "kprobe do_sys_openat2+0", "usdt ringkit:tick in /tmp/x": what a sentence calls the target.
std::string describe(const AttachTarget& target);

// The links that run `program` on `target`: one, or one per CPU for perf_event sampling.
// ATTACH_TARGET_NOT_FOUND, WRONG_PROGRAM_TYPE, NOT_PERMITTED, INVALID_OPTIONS or ATTACH_FAILED.
std::vector<bpf_link*> attach_to(bpf_program* program, const AttachTarget& target,
                                 const std::string& tracefs_path);

}  // namespace ringkit::bpf
