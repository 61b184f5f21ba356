#include "tracefs.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/perf_event.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "errors.hpp"

namespace ringkit::bpf {
namespace {

constexpr std::string_view kPrefixes[] = {"tp/", "tracepoint/"};

bool is_tracefs(const std::string& path) {
  struct statfs info {};
  return statfs(path.c_str(), &info) == 0 &&
         static_cast<unsigned long>(info.f_type) == TRACEFS_MAGIC;
}

// "CATEGORY/NAME" after the prefix, or '' when the section names no tracepoint.
std::string tracepoint_of(std::string_view section) {
  for (std::string_view prefix : kPrefixes)
    if (section.starts_with(prefix)) {
      const std::string_view rest = section.substr(prefix.size());
      const std::size_t slash = rest.find('/');
      if (slash == 0 || slash == std::string_view::npos || slash + 1 == rest.size()) return "";
      return std::string(rest);
    }
  return "";
}

// The tracepoint's id from <tracefs>/events/CATEGORY/NAME/id; -1 with errno set.
long tracepoint_id(const std::string& tracefs_path, const std::string& tracepoint) {
  const std::string file = tracefs_path + "/events/" + tracepoint + "/id";
  const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char text[32] = {};
  const ssize_t length = read(fd, text, sizeof text - 1);
  const int saved = errno;
  close(fd);
  if (length <= 0) {
    errno = length < 0 ? saved : EINVAL;
    return -1;
  }
  char* end = nullptr;
  const long id = std::strtol(text, &end, 10);
  if (end == text || id < 0) {
    errno = EINVAL;
    return -1;
  }
  return id;
}

}  // namespace

bool is_tracefs_section(const char* section) {
  if (section == nullptr) return false;
  const std::string_view text(section);
  for (std::string_view prefix : kPrefixes)
    if (text.starts_with(prefix)) return true;
  return false;
}

void ensure_tracefs(const std::string& path) {
  if (is_tracefs(path)) return;
  if (mount("nodev", path.c_str(), "tracefs", 0, nullptr) == 0 && is_tracefs(path)) return;
  const int errnum = errno;
  throw Failure("TRACEFS_UNAVAILABLE", "tracefs is not mounted at " + path +
                                           " and mounting it failed (" + errno_text(errnum) +
                                           "): run `mount -t tracefs nodev " + path + "` as root");
}

bpf_link* attach_tracepoint(const bpf_program* program, const std::string& tracefs_path,
                            std::string& detail) {
  const std::string tracepoint = tracepoint_of(bpf_program__section_name(program));
  if (tracepoint.empty()) {
    detail = "its section names no CATEGORY/NAME tracepoint";
    errno = EINVAL;
    return nullptr;
  }
  return attach_tracepoint_named(program, tracefs_path, tracepoint, detail);
}

bpf_link* attach_tracepoint_named(const bpf_program* program, const std::string& tracefs_path,
                                  const std::string& tracepoint, std::string& detail) {
  const long id = tracepoint_id(tracefs_path, tracepoint);
  if (id < 0) {
    if (errno == ENOENT) detail = "tracepoint " + tracepoint + " is not in " + tracefs_path;
    return nullptr;
  }
  perf_event_attr attr{};
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.size = sizeof attr;
  attr.config = static_cast<__u64>(id);
  // One event on CPU 0 for every process is how libbpf does it: a tracepoint
  // program runs wherever the tracepoint fires.
  const int pfd =
      static_cast<int>(syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC));
  if (pfd < 0) {
    detail = "perf_event_open";
    return nullptr;
  }
  bpf_link* link = bpf_program__attach_perf_event(program, pfd);
  if (link == nullptr) {
    const int saved = errno;
    close(pfd);  // the link owns the perf event only once it exists
    errno = saved;
  }
  return link;
}

}  // namespace ringkit::bpf
