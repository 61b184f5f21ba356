#include "privileges.hpp"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace ringkit::bpf {
namespace {

// capget directly: libcap is not a dependency worth adding for one bit.
bool has_effective_capability(unsigned capability) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  const unsigned word = capability / 32;
  if (word >= _LINUX_CAPABILITY_U32S_3) return false;
  return (data[word].effective & (1u << (capability % 32))) != 0;
}

}  // namespace

bool is_permission_error(int errnum) {
  if (errnum == EPERM) return true;
  if (errnum != EACCES) return false;
  return !has_effective_capability(CAP_BPF) && !has_effective_capability(CAP_SYS_ADMIN);
}

Failure not_permitted(int errnum, const char* doing) {
  return Failure("NOT_PERMITTED",
                 std::string(doing) + " is not permitted for this process (uid " +
                     std::to_string(getuid()) + ", " + errno_text(errnum) +
                     "): run as root or grant CAP_BPF and CAP_PERFMON (e.g. setcap "
                     "cap_bpf,cap_perfmon+ep $(command -v node))");
}

}  // namespace ringkit::bpf
