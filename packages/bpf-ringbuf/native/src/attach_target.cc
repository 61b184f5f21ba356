#include "attach_target.hpp"

#include <linux/perf_event.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "errors.hpp"
#include "libbpf_log.hpp"
#include "privileges.hpp"
#include "tracefs.hpp"

namespace ringkit::bpf {
namespace {

// The kernel's ENOTSUPP (include/linux/errno.h): unknown to strerror.
constexpr int kKernelNotSupported = 524;

// Where a kernel with kprobes lists their perf event type.
constexpr const char* kKprobePmu = "/sys/bus/event_source/devices/kprobe";

bool type_fits(bpf_prog_type type, AttachKind kind) {
  switch (kind) {
    case AttachKind::kTracepoint:
      return type == BPF_PROG_TYPE_TRACEPOINT;
    case AttachKind::kRawTracepoint:
      return type == BPF_PROG_TYPE_RAW_TRACEPOINT || type == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE;
    case AttachKind::kPerfEvent:
      return type == BPF_PROG_TYPE_PERF_EVENT;
    default:  // kprobes, uprobes and USDT probes all run kprobe programs
      return type == BPF_PROG_TYPE_KPROBE;
  }
}

// What a program of `type` attaches as, for the sentence that refuses another kind.
const char* kinds_for(bpf_prog_type type) {
  switch (type) {
    case BPF_PROG_TYPE_TRACEPOINT:
      return "'tracepoint'";
    case BPF_PROG_TYPE_RAW_TRACEPOINT:
    case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
      return "'raw_tracepoint'";
    case BPF_PROG_TYPE_PERF_EVENT:
      return "'perf_event'";
    case BPF_PROG_TYPE_KPROBE:
      return "'kprobe', 'kretprobe', 'uprobe', 'uretprobe' or 'usdt'";
    default:
      return "none of the kinds attach() knows (let its section attach it)";
  }
}

std::string program_type_name(bpf_prog_type type) {
  const char* name = libbpf_bpf_prog_type_str(type);
  return name != nullptr ? name : "type " + std::to_string(type);
}

bool file_exists(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0;
}

// Whether /proc/kallsyms lists `function` (a kprobe's target must be a kernel symbol).
bool kernel_has_symbol(const std::string& function) {
  std::ifstream symbols("/proc/kallsyms");
  std::string line;
  while (std::getline(symbols, line)) {
    // "ADDRESS TYPE NAME[\t[MODULE]]"
    const std::size_t name = line.find(' ', line.find(' ') + 1);
    if (name == std::string::npos) continue;
    const std::size_t end = line.find('\t', name + 1);
    if (line.compare(name + 1, end == std::string::npos ? std::string::npos : end - name - 1,
                     function) == 0)
      return true;
  }
  return false;
}

// /sys/devices/system/cpu/online ("0-3,6"): a perf event can only open on an online CPU.
std::vector<int> online_cpus() {
  std::ifstream file("/sys/devices/system/cpu/online");
  std::string text;
  std::getline(file, text);
  std::vector<int> cpus;
  std::stringstream ranges(text);
  std::string range;
  while (std::getline(ranges, range, ',')) {
    const std::size_t dash = range.find('-');
    const int first = std::stoi(range.substr(0, dash));
    const int last = dash == std::string::npos ? first : std::stoi(range.substr(dash + 1));
    for (int cpu = first; cpu <= last; cpu++) cpus.push_back(cpu);
  }
  return cpus;
}

Failure not_found(const std::string& what, const std::string& how_to_list) {
  return Failure("ATTACH_TARGET_NOT_FOUND", what + ": " + how_to_list);
}

// Why libbpf (or the kernel) refused, as the parenthesis of a sentence.
std::string because(int errnum, const std::string& detail = "") {
  char text[128] = {};
  libbpf_strerror(errnum, text, sizeof text);
  const std::string said = libbpf_log::last_lines(1);
  return std::string("(") + text + (detail.empty() ? "" : ": " + detail) +
         (said.empty() ? "" : "; libbpf: " + said) + ")";
}

// A failure no target-specific check explained: privilege, or the kernel's refusal.
Failure attach_failure(const bpf_program* program, const AttachTarget& target, int errnum,
                       const std::string& detail = "") {
  const std::string doing =
      "attaching program '" + std::string(bpf_program__name(program)) + "' to " + describe(target);
  if (is_permission_error(errnum)) return not_permitted(errnum, doing.c_str());
  if (errnum == EOPNOTSUPP || errnum == kKernelNotSupported)
    return Failure("ATTACH_FAILED", doing + " failed " + because(errnum, detail) +
                                        ": this kernel does not support that hook");
  return Failure("ATTACH_FAILED", doing + " failed " + because(errnum, detail) +
                                      ": check that this kernel has the hook");
}

bpf_link* attach_tracepoint(bpf_program* program, const AttachTarget& target,
                            const std::string& tracefs_path) {
  if (target.category.empty() || target.name.empty())
    throw Failure("INVALID_OPTIONS", "a tracepoint target needs a category and a name, got '" +
                                         target.category + "/" + target.name +
                                         "': pass e.g. { category: 'syscalls', name: "
                                         "'sys_enter_openat' }");
  ensure_tracefs(tracefs_path);
  std::string detail;
  bpf_link* link =
      attach_tracepoint_named(program, tracefs_path, target.category + "/" + target.name, detail);
  if (link != nullptr) return link;
  const int errnum = errno;
  if (errnum == ENOENT)
    throw not_found("tracepoint " + target.category + "/" + target.name + " is not in " +
                        tracefs_path + "/events",
                    "list what exists with ls " + tracefs_path + "/events/" + target.category);
  throw attach_failure(program, target, errnum, detail);
}

bpf_link* attach_raw_tracepoint(bpf_program* program, const AttachTarget& target) {
  bpf_link* link = bpf_program__attach_raw_tracepoint(program, target.name.c_str());
  if (link != nullptr) return link;
  const int errnum = errno;
  if (errnum == ENOENT)
    throw not_found("raw tracepoint '" + target.name + "' is not in this kernel",
                    "list what exists with cat /sys/kernel/tracing/available_events (the "
                    "name after the colon)");
  throw attach_failure(program, target, errnum);
}

bpf_link* attach_kprobe(bpf_program* program, const AttachTarget& target) {
  LIBBPF_OPTS(bpf_kprobe_opts, options, .offset = static_cast<size_t>(target.offset),
              .retprobe = target.kind == AttachKind::kKretprobe);
  bpf_link* link = bpf_program__attach_kprobe_opts(program, target.function.c_str(), &options);
  if (link != nullptr) return link;
  const int errnum = errno;
  if ((errnum == ENOENT || errnum == EINVAL) && !kernel_has_symbol(target.function))
    throw not_found("kernel function '" + target.function + "' does not exist in this kernel",
                    "list the functions a kprobe can attach to with grep " + target.function +
                        " /sys/kernel/tracing/available_filter_functions");
  // libbpf tries the kprobe PMU, then tracefs's kprobe_events: a kernel without either
  // was built without CONFIG_KPROBES, and every kprobe fails with ENOENT.
  if (errnum == ENOENT && !file_exists(kKprobePmu))
    throw Failure("ATTACH_FAILED", "attaching program '" + std::string(bpf_program__name(program)) +
                                       "' to " + describe(target) + " failed: this kernel has " +
                                       "no kprobes (built without CONFIG_KPROBES, so " +
                                       kKprobePmu + " is missing); attach to a tracepoint or " +
                                       "raw tracepoint instead");
  throw attach_failure(program, target, errnum);
}

void check_binary(const AttachTarget& target) {
  // A bare name ("libc.so.6") is libbpf's to resolve; a path must exist.
  if (target.binary.find('/') != std::string::npos && !file_exists(target.binary))
    throw not_found("binary " + target.binary + " does not exist",
                    "pass the path of an executable or shared library (e.g. $(command -v NAME))");
}

bpf_link* attach_uprobe(bpf_program* program, const AttachTarget& target) {
  check_binary(target);
  LIBBPF_OPTS(bpf_uprobe_opts, options, .retprobe = target.kind == AttachKind::kUretprobe,
              .func_name = target.function.empty() ? nullptr : target.function.c_str());
  bpf_link* link = bpf_program__attach_uprobe_opts(program, target.pid, target.binary.c_str(),
                                                   static_cast<size_t>(target.offset), &options);
  if (link != nullptr) return link;
  const int errnum = errno;
  if (errnum == ENOENT && !target.function.empty())
    throw not_found("function '" + target.function + "' is not a symbol of " + target.binary,
                    "list its symbols with readelf -Ws " + target.binary);
  if (errnum == ENOENT)
    throw not_found("binary " + target.binary + " was not found",
                    "pass its path (e.g. $(command -v NAME))");
  throw attach_failure(program, target, errnum);
}

bpf_link* attach_usdt(bpf_program* program, const AttachTarget& target) {
  check_binary(target);
  bpf_link* link = bpf_program__attach_usdt(program, target.pid, target.binary.c_str(),
                                            target.provider.c_str(), target.name.c_str(), nullptr);
  if (link != nullptr) return link;
  const int errnum = errno;
  if (errnum == ENOENT)
    throw not_found(
        "USDT probe " + target.provider + ":" + target.name + " is not in " + target.binary,
        "list its probes with readelf -n " + target.binary + " (stapsdt notes)");
  if (errnum == ESRCH)  // libbpf found no __bpf_usdt_specs map in the object
    throw Failure("INVALID_OBJECT", "program '" + std::string(bpf_program__name(program)) +
                                        "' cannot attach to USDT probes: its object lacks "
                                        "libbpf's USDT maps, #include <bpf/usdt.bpf.h> in it");
  throw attach_failure(program, target, errnum);
}

// Closes the perf events and links made so far when a later CPU fails.
struct PartialLinks {
  std::vector<bpf_link*> links;
  ~PartialLinks() {
    for (bpf_link* link : links) bpf_link__destroy(link);
  }
};

std::vector<bpf_link*> attach_perf_event(bpf_program* program, const AttachTarget& target) {
  if ((target.frequency == 0) == (target.period == 0))
    throw Failure("INVALID_OPTIONS",
                  "a perf_event target needs a frequency (samples per second) or a period "
                  "(nanoseconds of CPU time between samples), not both or neither: pass e.g. "
                  "{ frequency: 99 }");
  // A pid alone follows the process on whichever CPU it runs.
  const std::vector<int> cpus =
      target.cpus ? *target.cpus : (target.pid >= 0 ? std::vector<int>{-1} : online_cpus());
  PartialLinks made;
  for (int cpu : cpus) {
    perf_event_attr attr{};
    attr.type = PERF_TYPE_SOFTWARE;
    attr.size = sizeof attr;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.freq = target.frequency != 0;
    if (attr.freq)
      attr.sample_freq = target.frequency;
    else
      attr.sample_period = target.period;
    const int fd = static_cast<int>(
        syscall(SYS_perf_event_open, &attr, target.pid, cpu, -1, PERF_FLAG_FD_CLOEXEC));
    if (fd < 0) {
      const int errnum = errno;
      if (errnum == ESRCH)
        throw not_found("process " + std::to_string(target.pid) + " does not exist",
                        "pass the pid of a running process, or no pid for every process");
      if (errnum == ENODEV || (errnum == EINVAL && cpu >= 0 && target.cpus))
        throw Failure("INVALID_OPTIONS", "CPU " + std::to_string(cpu) +
                                             " is not online: choose among the CPUs in "
                                             "/sys/devices/system/cpu/online");
      if (errnum == EINVAL && attr.freq)
        throw Failure("INVALID_OPTIONS", "frequency " + std::to_string(target.frequency) +
                                             " is above this kernel's limit: choose at most "
                                             "/proc/sys/kernel/perf_event_max_sample_rate");
      throw attach_failure(program, target, errnum,
                           "perf_event_open on CPU " + std::to_string(cpu));
    }
    bpf_link* link = bpf_program__attach_perf_event(program, fd);
    if (link == nullptr) {
      const int errnum = errno;
      ::close(fd);  // the link owns the perf event only once it exists
      throw attach_failure(program, target, errnum);
    }
    made.links.push_back(link);
  }
  return std::move(made.links);
}

}  // namespace

const char* kind_name(AttachKind kind) {
  switch (kind) {
    case AttachKind::kTracepoint:
      return "tracepoint";
    case AttachKind::kRawTracepoint:
      return "raw_tracepoint";
    case AttachKind::kKprobe:
      return "kprobe";
    case AttachKind::kKretprobe:
      return "kretprobe";
    case AttachKind::kUprobe:
      return "uprobe";
    case AttachKind::kUretprobe:
      return "uretprobe";
    case AttachKind::kUsdt:
      return "usdt";
    case AttachKind::kPerfEvent:
      return "perf_event";
  }
  return "?";
}

std::string describe(const AttachTarget& target) {
  const std::string kind = kind_name(target.kind);
  const std::string pid = target.pid >= 0 ? " of process " + std::to_string(target.pid) : "";
  switch (target.kind) {
    case AttachKind::kTracepoint:
      return kind + " " + target.category + "/" + target.name;
    case AttachKind::kRawTracepoint:
      return kind + " " + target.name;
    case AttachKind::kKprobe:
    case AttachKind::kKretprobe:
      return kind + " " + target.function + "+" + std::to_string(target.offset);
    case AttachKind::kUprobe:
    case AttachKind::kUretprobe:
      return kind + " " + target.binary + ":" +
             (target.function.empty() ? "" : target.function + "+") +
             std::to_string(target.offset) + pid;
    case AttachKind::kUsdt:
      return kind + " " + target.provider + ":" + target.name + " in " + target.binary + pid;
    case AttachKind::kPerfEvent:
      return kind +
             (target.frequency != 0 ? " at " + std::to_string(target.frequency) + " Hz"
                                    : " every " + std::to_string(target.period) + " ns") +
             pid;
  }
  return kind;
}

std::vector<bpf_link*> attach_to(bpf_program* program, const AttachTarget& target,
                                 const std::string& tracefs_path) {
  const bpf_prog_type type = bpf_program__type(program);
  if (!type_fits(type, target.kind))
    throw Failure("WRONG_PROGRAM_TYPE",
                  "program '" + std::string(bpf_program__name(program)) + "' is " +
                      with_article(program_type_name(type)) + " program (section " +
                      bpf_program__section_name(program) + "), which cannot attach as '" +
                      kind_name(target.kind) + "': attach it as " + kinds_for(type) +
                      ", or use a program whose section fits the hook");
  libbpf_log::clear();
  switch (target.kind) {
    case AttachKind::kTracepoint:
      return {attach_tracepoint(program, target, tracefs_path)};
    case AttachKind::kRawTracepoint:
      return {attach_raw_tracepoint(program, target)};
    case AttachKind::kKprobe:
    case AttachKind::kKretprobe:
      return {attach_kprobe(program, target)};
    case AttachKind::kUprobe:
    case AttachKind::kUretprobe:
      return {attach_uprobe(program, target)};
    case AttachKind::kUsdt:
      return {attach_usdt(program, target)};
    case AttachKind::kPerfEvent:
      return attach_perf_event(program, target);
  }
  return {};
}

}  // namespace ringkit::bpf
