#include "bpf_link.hpp"

#include <bpf/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string_view>

#include "bpffs.hpp"
#include "errors.hpp"
#include "privileges.hpp"

namespace ringkit::bpf {
namespace {

// A fd the kernel says is a link: anon inodes are named after what they hold, "bpf_link"
// when the link was made and "bpf-link" when it was reopened from a pin.
bool is_link_fd(int fd) {
  char target[64] = {};
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t length = readlink(link.c_str(), target, sizeof target - 1);
  const std::string_view name(target, length > 0 ? static_cast<std::size_t>(length) : 0);
  return name == "anon_inode:bpf_link" || name == "anon_inode:bpf-link";
}

std::uint32_t link_id(int fd) {
  bpf_link_info info{};
  std::uint32_t length = sizeof info;
  return bpf_obj_get_info_by_fd(fd, &info, &length) == 0 ? info.id : 0;
}

Failure detached_failure(const std::string& subject, const char* doing) {
  return Failure("CLOSED", std::string("cannot ") + doing + " " + subject +
                               ": it was detached (or its object closed); attach it again");
}

}  // namespace

std::unique_ptr<BpfLink> BpfLink::open_pinned(const std::string& path) {
  const std::string doing = "opening the pinned link " + path;
  bpf_link* link = bpf_link__open(path.c_str());
  if (link == nullptr) {
    const int errnum = errno;
    if (errnum == ENOENT)
      throw Failure("PIN_NOT_FOUND", "nothing is pinned at " + path +
                                         ": pin the link there first (link.pin(path)), or check "
                                         "the path and that its bpffs is mounted");
    // The pin is a file: its owner and mode decide, which CAP_BPF does not override.
    if (errnum == EACCES)
      throw Failure("NOT_PERMITTED", doing + " is not permitted for this process (uid " +
                                         std::to_string(getuid()) + ", " + errno_text(errnum) +
                                         "): run as root, or give this user read and write "
                                         "access to the pin (chown or chmod " +
                                         path + ")");
    if (is_permission_error(errnum)) throw not_permitted(errnum, doing.c_str());
    throw Failure("PIN_NOT_FOUND", doing + " failed (" + errno_text(errnum) +
                                       "): pass the path of a link pinned on a bpffs");
  }
  if (!is_link_fd(bpf_link__fd(link))) {
    bpf_link__destroy(link);
    throw Failure("INVALID_OPTIONS", "what is pinned at " + path +
                                         " is not a link (a map or program?): pass the path "
                                         "of a pinned link");
  }
  auto self = std::make_unique<BpfLink>(std::vector<bpf_link*>{link}, "the link pinned at " + path);
  self->pinned_path_ = path;
  return self;
}

bpf_link* BpfLink::single_link(const char* doing) const {
  if (links_.empty()) throw detached_failure(subject_, doing);
  if (links_.size() != 1)
    throw Failure("PIN_FAILED", std::string("cannot ") + doing + " " + subject_ + ": it is " +
                                    std::to_string(links_.size()) +
                                    " links, one per CPU; attach with cpus: [n] to get one "
                                    "link per handle, and pin each");
  return links_.front();
}

void BpfLink::pin(const std::string& path) {
  const int fd = bpf_link__fd(single_link("pin"));
  if (!on_bpffs(path))
    throw Failure("PIN_FAILED", "cannot pin " + subject_ + " at " + path +
                                    ": its folder is not on a bpffs (mount one with mount -t bpf "
                                    "bpf /sys/fs/bpf, and pin under it)");
  if (bpf_obj_pin(fd, path.c_str()) != 0) {
    const int errnum = errno;
    if (errnum == EEXIST)
      throw Failure("PIN_FAILED", "cannot pin " + subject_ + " at " + path +
                                      ": something is pinned there already (unpin it, or choose "
                                      "another path)");
    if (is_permission_error(errnum))
      throw not_permitted(errnum, ("pinning " + subject_ + " at " + path).c_str());
    throw Failure("PIN_FAILED", "pinning " + subject_ + " at " + path + " failed (" +
                                    errno_text(errnum) + "): check that its folder exists");
  }
  pinned_path_ = path;
}

void BpfLink::unpin(const std::string& path) {
  const int fd = bpf_link__fd(single_link("unpin"));
  const std::string& target = path.empty() ? pinned_path_ : path;
  if (target.empty())
    throw Failure("PIN_NOT_FOUND",
                  subject_ + " was not pinned by this handle: pass the path to unpin");
  const int pinned = bpf_obj_get(target.c_str());
  if (pinned < 0) {
    const int errnum = errno;
    if (is_permission_error(errnum))
      throw not_permitted(errnum, ("unpinning " + subject_ + " from " + target).c_str());
    throw Failure("PIN_NOT_FOUND", "nothing is pinned at " + target + " (" + errno_text(errnum) +
                                       "): there is nothing to unpin");
  }
  // Only this link's own pin goes: unlinking another's would detach what it runs.
  const bool ours = is_link_fd(pinned) && link_id(pinned) == link_id(fd);
  ::close(pinned);
  if (!ours)
    throw Failure("PIN_FAILED", target + " pins another BPF object, not " + subject_ +
                                    ": pass the path this link is pinned at");
  if (unlink(target.c_str()) != 0) {
    const int errnum = errno;
    if (is_permission_error(errnum))
      throw not_permitted(errnum, ("unpinning " + subject_ + " from " + target).c_str());
    throw Failure("PIN_FAILED", "unpinning " + subject_ + " from " + target + " failed (" +
                                    errno_text(errnum) + ")");
  }
  if (target == pinned_path_) pinned_path_.clear();
}

void BpfLink::detach() noexcept {
  if (links_.empty()) return;
  // A pin holds the link too: left in place, the program would keep running.
  if (!pinned_path_.empty()) {
    try {
      unpin("");
    } catch (const Failure&) {
      // Unpinned or replaced by someone else since: nothing of ours is left there.
    }
  }
  // Kernels refuse BPF_LINK_DETACH for the perf-event and raw tracepoint links this makes
  // (EOPNOTSUPP); closing the last fd then detaches them.
  for (bpf_link* link : links_) bpf_link__detach(link);
  release();
}

void BpfLink::release() noexcept {
  for (bpf_link* link : links_) bpf_link__destroy(link);
  links_.clear();
}

}  // namespace ringkit::bpf
