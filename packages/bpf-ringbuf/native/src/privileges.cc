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
  const std::string what = std::string(doing) + " is not permitted for this process (uid " +
                           std::to_string(getuid()) + ", " + errno_text(errnum) + ")";
  // A process that holds the capabilities and is still refused is up against
  // policy, not privilege: telling it to become root would send it in circles.
  const bool privileged =
      has_effective_capability(CAP_SYS_ADMIN) ||
      (has_effective_capability(CAP_BPF) && has_effective_capability(CAP_PERFMON));
  if (privileged)
    return Failure("NOT_PERMITTED", what +
                                        " although it holds CAP_BPF and CAP_PERFMON: the kernel "
                                        "forbids this program or attach type here (kernel "
                                        "lockdown or a security module; see dmesg)");
  return Failure("NOT_PERMITTED", what +
                                      ": run as root or grant CAP_BPF and CAP_PERFMON (e.g. setcap "
                                      "cap_bpf,cap_perfmon+ep $(command -v node))");
}

}  // namespace ringkit::bpf
