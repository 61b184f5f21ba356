// Zeroed, page-aligned memory for the benchmarks' rings and queues, as a user's ring
// gets it (shared memory is mapped in pages, a SharedArrayBuffer's store is aligned).
// A std::vector's bytes start wherever malloc puts them: 16-byte aligned, and whether a
// 128 KiB block comes from mmap or the heap depends on glibc's adaptive mmap threshold,
// so in some runs every other 32-byte slot straddled two cache lines and in others none
// did — the twin against the plain queue read 0.40x in one run and 0.98x in the next.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

namespace ringkit::bench {

class PageMemory {
 public:
  static constexpr std::size_t kPageBytes = 4096;

  explicit PageMemory(std::size_t bytes)
      : size_(bytes),
        data_(static_cast<std::byte*>(
            std::aligned_alloc(kPageBytes, (bytes + kPageBytes - 1) / kPageBytes * kPageBytes))) {
    if (data_ == nullptr) throw std::bad_alloc();
    std::memset(data_, 0, bytes);
  }
  ~PageMemory() { std::free(data_); }
  PageMemory(const PageMemory&) = delete;
  PageMemory& operator=(const PageMemory&) = delete;

  std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::byte& operator[](std::size_t index) const noexcept { return data_[index]; }

 private:
  std::size_t size_;
  std::byte* data_;
};

}  // namespace ringkit::bench
