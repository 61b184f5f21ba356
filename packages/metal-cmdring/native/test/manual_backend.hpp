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

  // Takes any number of levels: the test settles fences in the order it chooses.
  void use_priority_levels(std::uint32_t levels) override { priority_levels_ = levels; }

  ringkit::cmdring::Status submit(std::uint32_t slot, std::uint64_t fence,
                                  std::uint32_t priority) override {
    std::lock_guard lock(mutex_);
    priorities_.push_back(priority);
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
  // Completes (or fails) one submitted fence out of order, as a device running a
  // higher priority level first would. False when it is not in flight.
  bool complete(std::uint64_t fence) { return settle(fence, std::nullopt); }
  bool fail(std::uint64_t fence, std::string message) { return settle(fence, std::move(message)); }
  std::vector<std::uint32_t> priorities() const {
    std::lock_guard lock(mutex_);
    return priorities_;
  }
  std::uint32_t priority_levels() const { return priority_levels_; }

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

  bool settle(std::uint64_t fence, std::optional<std::string> failure) {
    {
      std::lock_guard lock(mutex_);
      auto it = in_flight_.begin();
      while (it != in_flight_.end() && it->fence != fence) ++it;
      if (it == in_flight_.end()) return false;
      in_flight_.erase(it);
    }
    if (failure) {
      sink_->on_failed(
          fence, ringkit::cmdring::make_error(ringkit::cmdring::error_code::kCommandFailed,
                                              "fence " + std::to_string(fence) + ": " + *failure));
    } else {
      sink_->on_completed(fence);
    }
    return true;
  }

  mutable std::mutex mutex_;
  std::uint32_t priority_levels_ = 1;
  std::vector<std::uint32_t> priorities_;
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
