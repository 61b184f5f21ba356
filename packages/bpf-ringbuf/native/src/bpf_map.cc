#include "bpf_map.hpp"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "bpf_object.hpp"
#include "bpffs.hpp"
#include "errors.hpp"
#include "privileges.hpp"

namespace ringkit::bpf {
namespace {

// The kernel's ENOTSUPP (include/linux/errno.h), which leaks to user space from a few BPF
// commands: not ENOTSUP/EOPNOTSUPP, and unknown to strerror.
constexpr int kKernelNotSupported = 524;

// Bytes for the kernel's batch cursor: a bucket index for hashes, a key for arrays.
constexpr std::size_t kCursorMinBytes = 8;

bool is_per_cpu_type(bpf_map_type type) {
  return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
         type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

bool is_array_type(bpf_map_type type) {
  return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

// A key as a sentence shows it: hex bytes in memory order, cut after 16.
std::string key_text(std::span<const std::uint8_t> key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text = "0x";
  for (std::size_t index = 0; index < std::min<std::size_t>(key.size(), 16); index++) {
    text += kDigits[key[index] >> 4];
    text += kDigits[key[index] & 15];
  }
  return key.size() > 16 ? text + "…" : text;
}

std::string bytes_text(std::size_t bytes) {
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

// A fd the kernel says is a map: anon inodes are named after what they hold.
bool is_map_fd(int fd) {
  char target[64] = {};
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t length = readlink(link.c_str(), target, sizeof target - 1);
  return length > 0 && std::string_view(target, static_cast<std::size_t>(length)) ==
                           std::string_view("anon_inode:bpf-map");
}

std::uint32_t map_id(int fd) {
  bpf_map_info info{};
  std::uint32_t length = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0) return 0;
  return info.id;
}

}  // namespace

std::unique_ptr<BpfMap> BpfMap::of_object(const bpf_map* map) {
  std::unique_ptr<BpfMap> self(new BpfMap());
  self->name_ = bpf_map__name(map);
  // A duplicate: closing the object (or this map) never pulls the fd from under the other.
  const int fd = bpf_map__fd(map);
  if (fd < 0)
    throw Failure("MAP_FAILED", "map '" + self->name_ +
                                    "' was not created when its object loaded: there is "
                                    "nothing to open");
  self->fd_ = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (self->fd_ < 0)
    throw Failure("MAP_FAILED", "opening map '" + self->name_ + "' failed (" + errno_text(errno) +
                                    "): the process may be out of file descriptors");
  self->type_ = bpf_map__type(map);
  self->key_size_ = bpf_map__key_size(map);
  self->value_size_ = bpf_map__value_size(map);
  self->max_entries_ = bpf_map__max_entries(map);
  if (is_per_cpu_type(self->type_)) self->cpus_ = possible_cpus();
  return self;
}

std::unique_ptr<BpfMap> BpfMap::open_pinned(const std::string& path) {
  std::unique_ptr<BpfMap> self(new BpfMap());
  self->fd_ = bpf_obj_get(path.c_str());
  if (self->fd_ < 0) {
    const int errnum = errno;
    const std::string doing = "opening the pinned map " + path;
    if (errnum == ENOENT)
      throw Failure("PIN_NOT_FOUND", "nothing is pinned at " + path +
                                         ": pin the map there first (map.pin(path)), or check "
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
                                       "): pass the path of a map pinned on a bpffs");
  }
  if (!is_map_fd(self->fd_))
    throw Failure("INVALID_OPTIONS", "what is pinned at " + path +
                                         " is not a map (a program or link?): pass the path "
                                         "of a pinned map");
  bpf_map_info info{};
  std::uint32_t length = sizeof info;
  if (bpf_obj_get_info_by_fd(self->fd_, &info, &length) != 0)
    throw Failure("MAP_FAILED", "reading what the map pinned at " + path + " is failed (" +
                                    errno_text(errno) + ")");
  self->name_ = info.name;
  self->type_ = static_cast<bpf_map_type>(info.type);
  self->key_size_ = info.key_size;
  self->value_size_ = info.value_size;
  self->max_entries_ = info.max_entries;
  self->pinned_path_ = path;
  if (is_per_cpu_type(self->type_)) self->cpus_ = possible_cpus();
  return self;
}

std::string BpfMap::type_name() const {
  const char* name = libbpf_bpf_map_type_str(type_);
  return name != nullptr ? name : "type " + std::to_string(type_);
}

std::string BpfMap::subject() const {
  return "map '" + name_ + "'";
}

void BpfMap::check_open() const {
  if (fd_ < 0) throw Failure("CLOSED", subject() + " is closed: open it again");
}

void BpfMap::check_key(std::span<const std::uint8_t> key) const {
  if (key_size_ == 0)
    throw Failure("WRONG_MAP_TYPE", subject() + " is " + with_article(type_name()) +
                                        " map, which has no keys (a ring is read with "
                                        "object.read())");
  if (key.size() != key_size_)
    throw Failure("INVALID_KEY", "a key of " + bytes_text(key.size()) + " for " + subject() +
                                     ", whose keys are " + bytes_text(key_size_) +
                                     ": pass exactly " + bytes_text(key_size_));
}

bool BpfMap::lookup(std::span<const std::uint8_t> key, std::span<std::uint8_t> value) const {
  check_open();
  check_key(key);
  if (value.size() != lookup_bytes())
    throw Failure("INVALID_VALUE", "a lookup of " + subject() + " needs room for " +
                                       bytes_text(lookup_bytes()) + ", got " +
                                       bytes_text(value.size()));
  if (bpf_map_lookup_elem(fd_, key.data(), value.data()) == 0) return true;
  const int errnum = errno;
  if (errnum == ENOENT) return false;
  const std::string doing = "reading " + subject();
  if (is_permission_error(errnum)) throw not_permitted(errnum, doing.c_str());
  if (errnum == EOPNOTSUPP || errnum == EINVAL)
    throw Failure("WRONG_MAP_TYPE", subject() + " is " + with_article(type_name()) +
                                        " map, whose values cannot be looked up from user "
                                        "space (" +
                                        errno_text(errnum) + "): read it another way");
  throw Failure("MAP_FAILED",
                doing + " at key " + key_text(key) + " failed (" + errno_text(errnum) + ")");
}

void BpfMap::update(std::span<const std::uint8_t> key,
                    const std::vector<std::span<const std::uint8_t>>& values,
                    UpdateFlag flag) const {
  check_open();
  check_key(key);
  const std::size_t count = values.size();
  if (per_cpu() ? count != 1 && count != cpus_ : count != 1)
    throw Failure("INVALID_VALUE",
                  std::to_string(count) + " values for " + subject() + ": pass " +
                      (per_cpu() ? "one value for every CPU or one per possible CPU (" +
                                       std::to_string(cpus_) + ")"
                                 : std::string("one value")));
  for (std::size_t index = 0; index < count; index++)
    if (values[index].size() != value_size_)
      throw Failure("INVALID_VALUE", "a value of " + bytes_text(values[index].size()) + " for " +
                                         subject() + ", whose values are " +
                                         bytes_text(value_size_) + ": pass exactly " +
                                         bytes_text(value_size_));
  // Per-CPU values travel as one buffer, each CPU's at an 8-byte stride.
  std::vector<std::uint8_t> packed(lookup_bytes(), 0);
  for (std::uint32_t cpu = 0; cpu < value_count(); cpu++) {
    const auto& value = values[count == 1 ? 0 : cpu];
    std::memcpy(packed.data() + static_cast<std::size_t>(cpu) * value_stride(), value.data(),
                value.size());
  }
  if (bpf_map_update_elem(fd_, key.data(), packed.data(), static_cast<std::uint64_t>(flag)) == 0)
    return;
  const int errnum = errno;
  const std::string at = subject() + " at key " + key_text(key);
  if (is_permission_error(errnum)) throw not_permitted(errnum, ("writing " + subject()).c_str());
  if (errnum == EEXIST)
    throw Failure("KEY_EXISTS",
                  "key " + key_text(key) + " is already in " + subject() +
                      (is_array_type(type_) ? " (every key of an array map exists)" : "") +
                      ": update it with flag 'any' or 'exist', or delete it first");
  if (errnum == ENOENT)
    throw Failure("KEY_NOT_FOUND", "key " + key_text(key) + " is not in " + subject() +
                                       ": flag 'exist' only replaces a value; use 'any' or "
                                       "'noexist' to add it");
  if (errnum == E2BIG && is_array_type(type_))
    throw Failure("KEY_NOT_FOUND", "key " + key_text(key) + " is beyond " + subject() +
                                       ", an array of " + std::to_string(max_entries_) +
                                       " entries: use an index from 0 to " +
                                       std::to_string(max_entries_ - 1));
  if (errnum == E2BIG || errnum == ENOMEM)
    throw Failure("MAP_FULL", subject() + " is full (" + std::to_string(max_entries_) +
                                  " entries): delete entries first, or declare it larger");
  if (errnum == EINVAL || errnum == EOPNOTSUPP)
    throw Failure("WRONG_MAP_TYPE", subject() + " is " + with_article(type_name()) +
                                        " map, which cannot be updated from user space (" +
                                        errno_text(errnum) + ")");
  throw Failure("MAP_FAILED", "writing " + at + " failed (" + errno_text(errnum) + ")");
}

void BpfMap::remove(std::span<const std::uint8_t> key) const {
  check_open();
  check_key(key);
  if (bpf_map_delete_elem(fd_, key.data()) == 0) return;
  const int errnum = errno;
  if (is_permission_error(errnum))
    throw not_permitted(errnum, ("deleting from " + subject()).c_str());
  if (errnum == ENOENT)
    throw Failure("KEY_NOT_FOUND", "key " + key_text(key) + " is not in " + subject() +
                                       ": there is nothing to delete (lookup() returns "
                                       "undefined for it)");
  if (errnum == EINVAL || errnum == EOPNOTSUPP)
    throw Failure("WRONG_MAP_TYPE",
                  subject() + " is " + with_article(type_name()) +
                      " map, whose entries cannot be deleted" +
                      (is_array_type(type_) ? ": write zeros with update() instead" : ""));
  throw Failure("MAP_FAILED", "deleting key " + key_text(key) + " from " + subject() + " failed (" +
                                  errno_text(errnum) + ")");
}

bool BpfMap::next_key(std::span<const std::uint8_t> key, std::span<std::uint8_t> next) const {
  check_open();
  if (!key.empty()) check_key(key);
  if (bpf_map_get_next_key(fd_, key.empty() ? nullptr : key.data(), next.data()) == 0) return true;
  const int errnum = errno;
  if (errnum == ENOENT) return false;
  if (is_permission_error(errnum))
    throw not_permitted(errnum, ("listing the keys of " + subject()).c_str());
  throw Failure("MAP_FAILED",
                "listing the keys of " + subject() + " failed (" + errno_text(errnum) + ")");
}

std::optional<BatchPage> BpfMap::lookup_batch(std::span<const std::uint8_t> cursor,
                                              std::uint32_t count) const {
  check_open();
  const std::size_t cursor_bytes = std::max<std::size_t>(key_size_, kCursorMinBytes);
  std::vector<std::uint8_t> in(cursor.begin(), cursor.end());
  in.resize(cursor_bytes);
  std::vector<std::uint8_t> out(cursor_bytes);
  for (;;) {
    BatchPage page;
    page.keys.resize(static_cast<std::size_t>(count) * key_size_);
    page.values.resize(static_cast<std::size_t>(count) * lookup_bytes());
    std::uint32_t got = count;
    LIBBPF_OPTS(bpf_map_batch_opts, options);
    const int result = bpf_map_lookup_batch(fd_, cursor.empty() ? nullptr : in.data(), out.data(),
                                            page.keys.data(), page.values.data(), &got, &options);
    const int errnum = result == 0 ? 0 : errno;
    if (result != 0 && errnum != ENOENT) {
      // A hash bucket holds more entries than `count`: ask again with room for it.
      if (errnum == ENOSPC && count < max_entries_) {
        count = std::min(count * 2, max_entries_);
        continue;
      }
      if (errnum == EINVAL || errnum == EOPNOTSUPP || errnum == kKernelNotSupported)
        return std::nullopt;
      if (is_permission_error(errnum))
        throw not_permitted(errnum, ("reading " + subject()).c_str());
      throw Failure("MAP_FAILED",
                    "a batch lookup of " + subject() + " failed (" + errno_text(errnum) + ")");
    }
    page.count = got;
    page.keys.resize(static_cast<std::size_t>(got) * key_size_);
    page.values.resize(static_cast<std::size_t>(got) * lookup_bytes());
    if (result == 0) page.next = std::move(out);  // ENOENT: the walk is complete
    return page;
  }
}

std::optional<std::vector<std::uint64_t>> BpfMap::stack_trace(std::uint32_t stack_id) const {
  check_open();
  if (type_ != BPF_MAP_TYPE_STACK_TRACE)
    throw Failure("WRONG_MAP_TYPE", subject() + " is " + with_article(type_name()) +
                                        " map, not a stack_trace map: read it with lookup()");
  std::vector<std::uint64_t> frames(value_size_ / sizeof(std::uint64_t));
  if (bpf_map_lookup_elem(fd_, &stack_id, frames.data()) != 0) {
    const int errnum = errno;
    if (errnum == ENOENT) return std::nullopt;
    if (is_permission_error(errnum)) throw not_permitted(errnum, ("reading " + subject()).c_str());
    throw Failure("MAP_FAILED", "reading stack " + std::to_string(stack_id) + " of " + subject() +
                                    " failed (" + errno_text(errnum) + ")");
  }
  // The kernel zero-fills the frames after the deepest one.
  frames.erase(std::find(frames.begin(), frames.end(), 0), frames.end());
  return frames;
}

void BpfMap::pin(const std::string& path) {
  check_open();
  if (!on_bpffs(path))
    throw Failure("PIN_FAILED", "cannot pin " + subject() + " at " + path +
                                    ": its folder is not on a bpffs (mount one with mount -t bpf "
                                    "bpf /sys/fs/bpf, and pin under it)");
  if (bpf_obj_pin(fd_, path.c_str()) != 0) {
    const int errnum = errno;
    if (errnum == EEXIST)
      throw Failure("PIN_FAILED", "cannot pin " + subject() + " at " + path +
                                      ": something is pinned there already (unpin it, or choose "
                                      "another path)");
    if (is_permission_error(errnum))
      throw not_permitted(errnum, ("pinning " + subject() + " at " + path).c_str());
    throw Failure("PIN_FAILED", "pinning " + subject() + " at " + path + " failed (" +
                                    errno_text(errnum) + "): check that its folder exists");
  }
  pinned_path_ = path;
}

void BpfMap::unpin(const std::string& path) {
  check_open();
  const std::string& target = path.empty() ? pinned_path_ : path;
  if (target.empty())
    throw Failure("PIN_NOT_FOUND",
                  subject() + " was not pinned by this handle: pass the path to unpin");
  const int pinned = bpf_obj_get(target.c_str());
  if (pinned < 0) {
    const int errnum = errno;
    if (is_permission_error(errnum))
      throw not_permitted(errnum, ("unpinning " + subject() + " from " + target).c_str());
    throw Failure("PIN_NOT_FOUND", "nothing is pinned at " + target + " (" + errno_text(errnum) +
                                       "): there is nothing to unpin");
  }
  // Only this map's own pin goes: unlinking another map's would lose that map's state.
  const bool ours = is_map_fd(pinned) && map_id(pinned) == map_id(fd_);
  ::close(pinned);
  if (!ours)
    throw Failure("PIN_FAILED", target + " pins another BPF object, not " + subject() +
                                    ": pass the path this map is pinned at");
  if (unlink(target.c_str()) != 0) {
    const int errnum = errno;
    if (is_permission_error(errnum))
      throw not_permitted(errnum, ("unpinning " + subject() + " from " + target).c_str());
    throw Failure("PIN_FAILED", "unpinning " + subject() + " from " + target + " failed (" +
                                    errno_text(errnum) + ")");
  }
  if (target == pinned_path_) pinned_path_.clear();
}

void BpfMap::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace ringkit::bpf
