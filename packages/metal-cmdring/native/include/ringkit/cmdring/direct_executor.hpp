// The overhead gate's baseline: an executor thread doing the cpu backend's busy
// work, fed one op at a time with nothing of the ring — no slots, fences,
// statistics or completion queue. run() hands the op over and waits for it, as a
// caller without a ring would. Both sides of a wait use the ring's policy: poll
// for up to `spin_us`, then sleep, so the comparison is of the ring, not of
// different waiting strategies.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "ringkit/cmdring/busy_work.hpp"

namespace ringkit::cmdring {

class DirectExecutor {
 public:
  explicit DirectExecutor(double spin_us = 50)
      : spin_(std::chrono::nanoseconds(static_cast<std::int64_t>(spin_us * 1000))),
        thread_([this] { serve(); }) {}

  ~DirectExecutor() {
    {
      std::lock_guard lock(mutex_);
      stopping_.store(true, std::memory_order_relaxed);
    }
    changed_.notify_all();
    thread_.join();
  }

  DirectExecutor(const DirectExecutor&) = delete;
  DirectExecutor& operator=(const DirectExecutor&) = delete;

  // Busy work for `microseconds` on the executor thread; returns when it is done.
  void run(std::uint32_t microseconds) {
    const std::uint64_t ticket = posted_.load(std::memory_order_relaxed) + 1;
    microseconds_.store(microseconds, std::memory_order_relaxed);
    bool wake;
    {
      std::lock_guard lock(mutex_);
      posted_.store(ticket, std::memory_order_release);
      wake = executor_sleeping_;
    }
    if (wake) changed_.notify_all();
    if (poll([&] { return done_.load(std::memory_order_acquire) >= ticket; })) return;
    std::unique_lock lock(mutex_);
    caller_sleeping_ = true;
    changed_.wait(lock, [&] { return done_.load(std::memory_order_acquire) >= ticket; });
    caller_sleeping_ = false;
  }

 private:
  template <typename Ready>
  bool poll(Ready ready) const {
    const auto end = std::chrono::steady_clock::now() + spin_;
    do {
      if (ready()) return true;
    } while (std::chrono::steady_clock::now() < end);
    return ready();
  }

  void serve() {
    std::uint64_t taken = 0;
    for (;;) {
      auto work_waiting = [&] {
        return posted_.load(std::memory_order_acquire) > taken ||
               stopping_.load(std::memory_order_relaxed);
      };
      if (!poll(work_waiting)) {
        std::unique_lock lock(mutex_);
        executor_sleeping_ = true;
        changed_.wait(lock, work_waiting);
        executor_sleeping_ = false;
      }
      if (stopping_.load(std::memory_order_relaxed)) return;
      taken = posted_.load(std::memory_order_acquire);
      sink_ ^= busy_work_for(
          std::chrono::microseconds(microseconds_.load(std::memory_order_relaxed)), stopping_);
      bool wake;
      {
        std::lock_guard lock(mutex_);
        done_.store(taken, std::memory_order_release);
        wake = caller_sleeping_;
      }
      if (wake) changed_.notify_all();
    }
  }

  const std::chrono::nanoseconds spin_;
  std::atomic<std::uint64_t> posted_{0};
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::uint32_t> microseconds_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  bool executor_sleeping_ = false;  // under mutex_
  bool caller_sleeping_ = false;    // under mutex_
  std::uint64_t sink_ = 0;          // executor thread only
  std::thread thread_;
};

}  // namespace ringkit::cmdring
