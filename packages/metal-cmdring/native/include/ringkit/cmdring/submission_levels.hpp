// The submission rings of one backend: one SubmissionRing per priority level, and
// the pick rule a priority ring promises — the oldest record of the highest
// non-empty level. With one level it is the plain submission ring, waited on
// through its own futex, so round-robin rings pay nothing for priorities.
//
// With several levels the consumer cannot sleep on one ring's futex, so the
// producer also rings a doorbell: a push count the consumer sleeps on, notified
// only while it sleeps.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ringkit/cmdring/spin_wait.hpp"
#include "ringkit/cmdring/submission_ring.hpp"

namespace ringkit::cmdring {

// A record and the level it was pushed at (pop() needs the level back).
struct LeveledSubmission {
  SubmissionRecord record;
  std::uint32_t level;
};

class SubmissionLevels {
 public:
  // `levels` rings, each with room for every fence a ring of `slot_count` slots can
  // have in flight (all of them may be at one level).
  SubmissionLevels(std::uint32_t slot_count, std::uint32_t levels) {
    rings_.reserve(levels);
    for (std::uint32_t level = 0; level < levels; ++level) {
      rings_.push_back(std::make_unique<SubmissionRing>(slot_count));
    }
  }

  std::uint32_t levels() const noexcept { return static_cast<std::uint32_t>(rings_.size()); }

  // Producer (under the ring's lock): false when that level is full, which a ring
  // never makes happen. `level` is below levels(): the ring checked it at commit.
  [[nodiscard]] bool push(std::uint32_t level, const SubmissionRecord& record) noexcept {
    if (!rings_[level]->push(record)) return false;
    if (rings_.size() > 1) ring_doorbell();
    return true;
  }

  // Producer, once, after the last push: the consumer drains what is left, then ends.
  void close() noexcept {
    for (auto& ring : rings_) ring->close();
    if (rings_.size() > 1) {
      closed_.store(true);  // after the last push: a consumer that sees it sees every push
      ring_doorbell();
    }
  }

  // Consumer: the next record to run — the oldest of the highest non-empty level —
  // left in its ring until pop(). Polls for `spin`, then sleeps. Empty once closed
  // and drained, or when `stop` is set (with several levels a sleeper sees `stop` at
  // the next push or close; the backends set it only just before close()).
  std::optional<LeveledSubmission> wait_next(std::chrono::nanoseconds spin,
                                             const std::atomic<bool>& stop) {
    if (rings_.size() == 1) {
      const std::optional<SubmissionRecord> record = rings_[0]->wait_oldest(spin, stop);
      if (!record) return std::nullopt;
      return LeveledSubmission{*record, 0};
    }
    for (;;) {
      if (stop.load(std::memory_order_relaxed)) return std::nullopt;
      if (auto next = highest()) return next;
      if (spin_until([&] { return has_any() || stop.load(std::memory_order_relaxed); }, spin)) {
        continue;
      }
      // Sequentially consistent with ring_doorbell: either the producer sees
      // `sleeping_` and notifies, or this sees its push in `pushes_` (or the ring).
      sleeping_.store(true);
      const std::uint64_t seen = pushes_.load();
      // Closed read before the rings: if it is set, the rings hold every record.
      const bool closed = closed_.load();
      const bool ready = has_any() || stop.load(std::memory_order_relaxed);
      if (!ready && closed) {
        sleeping_.store(false, std::memory_order_relaxed);
        return std::nullopt;  // closed and drained
      }
      if (!ready) pushes_.wait(seen);
      sleeping_.store(false, std::memory_order_relaxed);
    }
  }

  // Consumer: drops the record wait_next or next returned.
  void pop(std::uint32_t level) noexcept { rings_[level]->pop(); }

  // Consumer: the oldest record of each level that has one, without waiting, highest level
  // first (the cuda completer, which watches every level's oldest fence at once).
  template <typename Visit>
  void for_each_oldest(Visit&& visit) noexcept {
    for (std::uint32_t level = levels(); level-- > 0;) {
      if (auto record = rings_[level]->oldest()) visit(LeveledSubmission{*record, level});
    }
  }

  // Consumer, several levels only, for one that polls records itself: read pushes(),
  // then closed() (when set, the rings already hold every record), then look at the
  // rings; finding nothing, wait_for_push(seen) sleeps until a push or the close.
  std::uint64_t pushes() const noexcept { return pushes_.load(); }
  bool closed() const noexcept { return closed_.load(); }
  void wait_for_push(std::uint64_t seen) noexcept {
    sleeping_.store(true);
    if (pushes_.load() == seen) pushes_.wait(seen);
    sleeping_.store(false, std::memory_order_relaxed);
  }

 private:
  std::optional<LeveledSubmission> highest() noexcept {
    for (std::uint32_t level = levels(); level-- > 0;) {
      if (auto record = rings_[level]->oldest()) return LeveledSubmission{*record, level};
    }
    return std::nullopt;
  }

  bool has_any() noexcept {
    for (auto& ring : rings_) {
      if (ring->oldest()) return true;
    }
    return false;
  }

  void ring_doorbell() noexcept {
    pushes_.fetch_add(1);
    // Only a sleeper costs the producer a system call.
    if (sleeping_.load()) pushes_.notify_one();
  }

  std::vector<std::unique_ptr<SubmissionRing>> rings_;
  std::atomic<std::uint64_t> pushes_{0};
  std::atomic<bool> sleeping_{false};
  std::atomic<bool> closed_{false};
};

}  // namespace ringkit::cmdring
