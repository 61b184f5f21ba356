// A backend the test drives by hand: submitted fences wait until the test
// completes or fails them, so every wait and every statistic is scripted.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ringkit/cmdring/backend.hpp"

namespace cmdring_test {

class ManualBackend final : public ringkit::cmdring::Backend {
 public:
  std::string_view name() const noexcept override { return "manual"; }

  void start(ringkit::cmdring::CompletionSink& sink, std::uint32_t slot_count) override {
    sink_ = &sink;
    slot_count_ = slot_count;
  }

  void begin_slot(std::uint32_t) noexcept override {
    std::lock_guard lock(mutex_);
    ++slots_begun_;
  }

  ringkit::cmdring::Status submit(std::uint32_t slot, std::uint64_t fence) override {
    std::lock_guard lock(mutex_);
    if (fail_submit_of_ == fence) {
      return ringkit::cmdring::make_error(
          ringkit::cmdring::error_code::kCommandFailed,
          "manual: submit of fence " + std::to_string(fence) + " refused");
    }
    in_flight_.push_back({slot, fence});
    submitted_.push_back(fence);
    return std::nullopt;
  }

  void shutdown(bool abandon) noexcept override {
    std::lock_guard lock(mutex_);
    ++shutdowns_;
    abandoned_ = abandon;
  }

  // Completes (or fails) the oldest submitted fence, as a device's completion
  // thread would; the ring's callbacks run on the calling thread.
  std::uint64_t complete_next() { return settle_next(std::nullopt); }
  std::uint64_t fail_next(std::string message) { return settle_next(std::move(message)); }

  void fail_submit_of(std::uint64_t fence) {
    std::lock_guard lock(mutex_);
    fail_submit_of_ = fence;
  }
  std::vector<std::uint64_t> submitted() const {
    std::lock_guard lock(mutex_);
    return submitted_;
  }
  std::size_t in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_.size();
  }
  int shutdowns() const {
    std::lock_guard lock(mutex_);
    return shutdowns_;
  }
  bool abandoned() const {
    std::lock_guard lock(mutex_);
    return abandoned_;
  }
  std::uint32_t slot_count() const { return slot_count_; }

 private:
  struct Submission {
    std::uint32_t slot;
    std::uint64_t fence;
  };

  std::uint64_t settle_next(std::optional<std::string> failure) {
    Submission next{};
    {
      std::lock_guard lock(mutex_);
      if (in_flight_.empty()) return 0;
      next = in_flight_.front();
      in_flight_.pop_front();
    }
    if (failure) {
      sink_->on_failed(next.fence, ringkit::cmdring::make_error(
                                       ringkit::cmdring::error_code::kCommandFailed,
                                       "fence " + std::to_string(next.fence) + ": " + *failure));
    } else {
      sink_->on_completed(next.fence);
    }
    return next.fence;
  }

  mutable std::mutex mutex_;
  ringkit::cmdring::CompletionSink* sink_ = nullptr;
  std::uint32_t slot_count_ = 0;
  std::deque<Submission> in_flight_;
  std::vector<std::uint64_t> submitted_;
  std::uint64_t fail_submit_of_ = 0;
  int slots_begun_ = 0;
  int shutdowns_ = 0;
  bool abandoned_ = false;
};

}  // namespace cmdring_test
