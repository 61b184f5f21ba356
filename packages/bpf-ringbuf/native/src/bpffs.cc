#include "bpffs.hpp"

#include <linux/magic.h>
#include <sys/statfs.h>

namespace ringkit::bpf {

bool on_bpffs(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::string folder =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  struct statfs info {};
  return statfs(folder.c_str(), &info) == 0 &&
         static_cast<unsigned long>(info.f_type) == BPF_FS_MAGIC;
}

}  // namespace ringkit::bpf
