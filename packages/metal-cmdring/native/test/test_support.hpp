// Helpers the test files share.
#pragma once

#include <dirent.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "check.hpp"
#include "manual_backend.hpp"
#include "ringkit/cmdring/completion_ring.hpp"
#include "ringkit/cmdring/ring.hpp"

namespace cmdring_test {

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Polls `condition` until it holds or `limit_ms` passes; whether it held.
inline bool eventually(const std::function<bool()>& condition, double limit_ms = 5000) {
  const auto start = Clock::now();
  while (!condition()) {
    if (ms_since(start) > limit_ms) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

// The next slot, or the test fails with the ring's sentence.
inline ringkit::cmdring::Slot must_acquire(ringkit::cmdring::Ring& ring) {
  ringkit::cmdring::Result<ringkit::cmdring::Slot> slot = ring.acquire();
  if (!slot.ok()) throw CheckFailed("acquire failed: " + slot.error().message);
  return slot.value();
}

inline void must_commit(ringkit::cmdring::Ring& ring, ringkit::cmdring::Slot slot,
                        ringkit::cmdring::CompletionCallback callback = {}) {
  if (ringkit::cmdring::Status refused = ring.commit(slot, std::move(callback))) {
    throw CheckFailed("commit failed: " + refused->message);
  }
}

// A value handed from one thread to another once. Unlike std::promise, set()
// notifies while holding the lock, so the receiver may destroy this as soon as
// get() returns: the setting thread touches nothing after it unlocks.
template <typename T>
class OneShot {
 public:
  void set(T value) {
    std::lock_guard lock(mutex_);
    value_.emplace(std::move(value));
    changed_.notify_one();
  }
  T get() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return value_.has_value(); });
    return std::move(*value_);
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<T> value_;
};

// A completion ring in memory of its own, as JavaScript's createRing makes one, and its reader.
class CompletionRingMemory {
 public:
  explicit CompletionRingMemory(
      std::uint32_t capacity = ringkit::cmdring::layout::completion::kCapacity)
      : config_{ringkit::layout::kind::kFixed,
                capacity,
                ringkit::cmdring::layout::completion::kRecordBytes,
                0,
                ringkit::layout::wait_domain::kOs,
                false},
        bytes_(ringkit::Ring::byte_length(config_)),
        memory_(new (std::align_val_t{128}) std::byte[bytes_]()) {
    if (ringkit::Ring::initialise(memory_.get(), bytes_, config_) != ringkit::RingStatus::kOk ||
        ringkit::Ring::attach(memory_.get(), bytes_, ring_) != ringkit::RingStatus::kOk) {
      throw CheckFailed("could not create a completion ring");
    }
    consumer_.emplace(ring_);
  }

  std::span<std::byte> memory() { return {memory_.get(), bytes_}; }

  // Every record published so far, consumed.
  std::vector<ringkit::cmdring::CompletionRecord> drain() {
    std::vector<ringkit::cmdring::CompletionRecord> records;
    ringkit::cmdring::CompletionRecord record;
    while (consumer_->try_pop(&record)) records.push_back(record);
    return records;
  }
  ringkit::RingStats stats() const {
    ringkit::RingStats stats{};
    static_cast<void>(ring_.stats(stats));
    return stats;
  }
  bool closed() { return consumer_->ended(); }

 private:
  struct AlignedDelete {
    void operator()(std::byte* bytes) const { ::operator delete[](bytes, std::align_val_t{128}); }
  };
  ringkit::RingConfig config_;
  std::size_t bytes_;
  std::unique_ptr<std::byte[], AlignedDelete> memory_;
  ringkit::Ring ring_;
  std::optional<ringkit::FixedConsumer> consumer_;
};

// Records every completion callback: fence and error code ("" for success).
class CompletionLog {
 public:
  ringkit::cmdring::CompletionCallback callback() {
    return [this](std::uint64_t fence, const ringkit::cmdring::Error* error) {
      std::lock_guard lock(mutex_);
      entries_.emplace_back(fence, error != nullptr ? error->code : "");
    };
  }
  std::string code_of(std::uint64_t fence) const {
    std::lock_guard lock(mutex_);
    for (const auto& [logged, code] : entries_) {
      if (logged == fence) return code;
    }
    return "(not called)";
  }
  int count(std::string_view code) const {
    std::lock_guard lock(mutex_);
    int matching = 0;
    for (const auto& entry : entries_) matching += entry.second == code ? 1 : 0;
    return matching;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::uint64_t, std::string>> entries_;
};

// A ring over a ManualBackend, with the backend still reachable.
struct ManualRing {
  explicit ManualRing(ringkit::cmdring::RingConfig config, ringkit::cmdring::WaitLog wait_log = {},
                      std::span<std::byte> completion_memory = {}) {
    auto owned = std::make_unique<ManualBackend>();
    backend = owned.get();
    ring = std::make_unique<ringkit::cmdring::Ring>(
        config, std::move(owned), std::span<std::byte>{}, std::move(wait_log), completion_memory);
  }
  // Completes what the test left in flight, so the ring's destructor (which
  // waits for in-flight fences) returns.
  ~ManualRing() {
    while (backend->in_flight() > 0) backend->complete_next();
  }
  ManualRing(const ManualRing&) = delete;
  ManualRing& operator=(const ManualRing&) = delete;
  ManualBackend* backend = nullptr;
  std::unique_ptr<ringkit::cmdring::Ring> ring;
};

inline ringkit::cmdring::RingConfig ring_of(std::uint32_t size) {
  ringkit::cmdring::RingConfig config;
  config.ring_size = size;
  return config;
}

// Threads of this process right now (Linux: /proc/self/task).
inline int thread_count() {
  int count = 0;
  if (DIR* tasks = opendir("/proc/self/task")) {
    while (const dirent* entry = readdir(tasks)) {
      if (entry->d_name[0] != '.') ++count;
    }
    closedir(tasks);
  }
  return count;
}

// Threads of this process once there are `expected` of them, or after `within`. A join returns
// when the kernel clears the thread's id, a moment before it removes its /proc/self/task entry:
// a count right after the join can still see the thread that ended (CI saw 3 for 2 once).
inline int thread_count_once(int expected,
                             std::chrono::milliseconds within = std::chrono::milliseconds(2000)) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  int count = thread_count();
  while (count != expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    count = thread_count();
  }
  return count;
}

}  // namespace cmdring_test
