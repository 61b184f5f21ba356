// The ring's overhead gate's baseline: the cpu backend driven by a tight C++
// loop, with nothing of the ring (no slot states, waiters, statistics, completion
// records or callbacks) and no JavaScript. It keeps up to `slots` commands queued,
// as a ring of that size does; when they are all queued it waits — poll for
// `spin_us`, then sleep — until half of them are done, and the executor wakes it
// once for that, not once per command, so the baseline is the backend at its best.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>

#include "ringkit/cmdring/cpu_backend.hpp"
#include "ringkit/cmdring/spin_wait.hpp"

namespace ringkit::cmdring {

class BackendLoop final : private CompletionSink {
 public:
  // Starts a cpu backend of `slots` slots (its executor thread), kept for every run.
  explicit BackendLoop(std::uint32_t slots, double spin_us = 50)
      : slots_(slots), spin_(spin_budget_us(spin_us)) {
    backend_.start(*this, slots);
  }
  ~BackendLoop() { backend_.shutdown(false); }
  BackendLoop(const BackendLoop&) = delete;
  BackendLoop& operator=(const BackendLoop&) = delete;

  // Runs `commands` commands of one busy_for_us(`microseconds`) op each and returns
  // the wall time from the first submit to the last completion. Throws
  // std::runtime_error if a command fails.
  std::chrono::nanoseconds run(std::uint64_t commands, std::uint32_t microseconds) {
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t last = next_fence_ + commands - 1;
    for (; next_fence_ <= last; ++next_fence_) {
      const std::uint64_t fence = next_fence_;
      // Full: refill once half the slots are free (one wake-up per half ring).
      if (fence > slots_ && completed_.load(std::memory_order_acquire) < fence - slots_) {
        wait_for(fence - slots_ + slots_ / 2);
      }
      const auto slot = static_cast<std::uint32_t>((fence - 1) % slots_);
      backend_.begin_slot(slot);
      backend_.busy_for_us(Slot{slot, fence}, microseconds);
      if (backend_.submit(slot, fence, 0)) {
        throw std::runtime_error("the cpu backend refused a submit");
      }
    }
    wait_for(last);
    if (failed_.load(std::memory_order_relaxed)) {
      throw std::runtime_error("a command failed in the backend loop");
    }
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                start);
  }

 private:
  void on_completed(std::uint64_t fence, const CommandReport&) override {
    // Sequentially consistent with wait_for's store of wake_at_ and load of
    // completed_: either it sees this count or this sees its target, never neither.
    completed_.store(fence);
    const std::uint64_t wake_at = wake_at_.load();
    if (wake_at != 0 && fence >= wake_at) completed_.notify_one();
  }
  void on_failed(std::uint64_t fence, Error, const CommandReport& report) override {
    failed_.store(true, std::memory_order_relaxed);
    on_completed(fence, report);
  }

  void wait_for(std::uint64_t fence) {
    if (spin_until([&] { return completed_.load(std::memory_order_acquire) >= fence; }, spin_)) {
      return;
    }
    wake_at_.store(fence);
    for (std::uint64_t seen; (seen = completed_.load()) < fence;) completed_.wait(seen);
    wake_at_.store(0, std::memory_order_relaxed);
  }

  const std::uint32_t slots_;
  const std::chrono::nanoseconds spin_;
  CpuBackend backend_;
  std::uint64_t next_fence_ = 1;
  std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> wake_at_{0};  // the count the sleeping loop waits for; 0: awake
  std::atomic<bool> failed_{false};
};

}  // namespace ringkit::cmdring
