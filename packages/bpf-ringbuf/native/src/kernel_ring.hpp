// Our consumer's view of one kernel BPF ring buffer (BPF_MAP_TYPE_RINGBUF), mapped
// directly. The layout is the kernel's stable ABI (kernel/bpf/ringbuf.c; drawn in LAYOUT.md,
// "The kernel ring, as the reader maps it"), so we need nothing from libbpf's ring API
// (ring__* only exists from libbpf 1.3 on) and we decide ourselves when the consumer
// position is published: once per drained run instead of once per record.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "reader.hpp"

namespace ringkit::bpf {

// The kernel declares both positions unsigned long; we only build for LP64.
static_assert(sizeof(unsigned long) == 8, "the kernel ring positions are 64-bit here");

// Bytes a record whose header word is `word` occupies in the ring (header included).
constexpr std::uint64_t framed_record_bytes(std::uint32_t word) noexcept {
  const std::uint64_t length =
      word & ~(layout::kernel_record::kBusyBit | layout::kernel_record::kDiscardBit);
  return (length + layout::kernel_record::kHeaderBytes + 7) & ~std::uint64_t{7};
}

class KernelRing {
 public:
  KernelRing() = default;
  KernelRing(const KernelRing&) = delete;
  KernelRing& operator=(const KernelRing&) = delete;
  KernelRing(KernelRing&& other) noexcept { *this = std::move(other); }
  KernelRing& operator=(KernelRing&& other) noexcept {
    if (this != &other) {
      unmap();
      consumer_page_ = std::exchange(other.consumer_page_, nullptr);
      producer_area_ = std::exchange(other.producer_area_, nullptr);
      page_bytes_ = other.page_bytes_;
      bytes_ = other.bytes_;
    }
    return *this;
  }
  ~KernelRing() { unmap(); }

  // Maps the ring of map `fd` (max_entries `bytes`). On failure returns false
  // with one sentence in `error`; nothing stays mapped.
  bool map(int fd, std::uint32_t bytes, std::string& error) {
    unmap();
    const long page = sysconf(_SC_PAGESIZE);
    page_bytes_ = page > 0 ? static_cast<std::size_t>(page) : 4096;
    bytes_ = bytes;
    void* consumer = mmap(nullptr, page_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (consumer == MAP_FAILED) return fail(fd, bytes, error);
    consumer_page_ = consumer;
    // Read-only: the kernel refuses a writable mapping past the consumer page.
    void* producer = mmap(nullptr, producer_area_bytes(), PROT_READ, MAP_SHARED, fd,
                          static_cast<off_t>(page_bytes_));
    if (producer == MAP_FAILED) return fail(fd, bytes, error);
    producer_area_ = producer;
    return true;
  }

  std::uint32_t bytes() const noexcept { return bytes_; }
  std::size_t page_bytes() const noexcept { return page_bytes_; }

  // The two mappings as they are, for a consumer that reads them itself (ring_mapping.cc
  // hands them to JavaScript): the consumer page, and the producer page with the data
  // mapped twice after it.
  void* consumer_page() const noexcept { return consumer_page_; }
  void* producer_area() const noexcept { return producer_area_; }
  std::size_t producer_area_bytes() const noexcept {
    return page_bytes_ + 2 * static_cast<std::size_t>(bytes_);
  }

  // Acquire: pairs with the kernel's release store at reserve time, so the busy
  // headers of every record below it are visible.
  std::uint64_t producer_position() const noexcept {
    return __atomic_load_n(static_cast<const unsigned long*>(producer_area_), __ATOMIC_ACQUIRE);
  }

  std::uint64_t consumer_position() const noexcept {
    return __atomic_load_n(static_cast<const unsigned long*>(consumer_page_), __ATOMIC_ACQUIRE);
  }

  // Release: the kernel may overwrite everything below `position` once it sees it,
  // so every copy out of those bytes must be done first.
  void publish_consumer_position(std::uint64_t position) noexcept {
    __atomic_store_n(static_cast<unsigned long*>(consumer_page_), position, __ATOMIC_RELEASE);
  }

  // The header word of the record at `position`. Acquire: pairs with the
  // kernel's xchg at commit, which follows the payload writes.
  std::uint32_t header(std::uint64_t position) const noexcept {
    return __atomic_load_n(reinterpret_cast<const std::uint32_t*>(at(position)), __ATOMIC_ACQUIRE);
  }

  // The record bytes at `position`: contiguous for up to `bytes()` bytes, thanks
  // to the double mapping.
  const std::byte* at(std::uint64_t position) const noexcept {
    return static_cast<const std::byte*>(producer_area_) + page_bytes_ + (position & (bytes_ - 1));
  }

 private:
  bool fail(int fd, std::uint32_t bytes, std::string& error) {
    const int code = errno;
    unmap();
    error = "mapping BPF ring buffer fd " + std::to_string(fd) + " (" + std::to_string(bytes) +
            " bytes) failed: " + std::strerror(code) + ".";
    return false;
  }

  void unmap() noexcept {
    if (consumer_page_ != nullptr) munmap(consumer_page_, page_bytes_);
    if (producer_area_ != nullptr) munmap(producer_area_, producer_area_bytes());
    consumer_page_ = nullptr;
    producer_area_ = nullptr;
  }

  void* consumer_page_ = nullptr;
  void* producer_area_ = nullptr;
  std::size_t page_bytes_ = 4096;
  std::uint32_t bytes_ = 0;
};

}  // namespace ringkit::bpf
