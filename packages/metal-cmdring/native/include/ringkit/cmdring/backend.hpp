// What the ring needs from a device: per-slot resources, a way to hand a slot's
// recorded work over, and a completion report per fence, in fence order (within
// each priority level, when the ring runs several). The ring owns the order and
// the waiting; a backend never blocks a caller on device work.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "ringkit/cmdring/errors.hpp"
#include "ringkit/cmdring/result.hpp"

namespace ringkit::cmdring {

// What a backend knows of one command besides its outcome: when it ran, in
// nanoseconds of the host's steady clock (CLOCK_MONOTONIC on Linux, the clock
// Node's process.hrtime reads), and how many ops it held. Zero where unknown.
struct CommandReport {
  std::uint64_t start_ns = 0;
  std::uint64_t end_ns = 0;
  std::uint32_t op_count = 0;
};

// A steady-clock instant as CommandReport counts it.
inline std::uint64_t steady_clock_ns(std::chrono::steady_clock::time_point when) noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count());
}

// The ring's side of completion. Called from the backend's completion thread, one
// fence at a time: in the order the fences were submitted within one priority level
// (with one level, that is fence order); never while the backend holds a lock that
// submit() needs.
class CompletionSink {
 public:
  virtual void on_completed(std::uint64_t fence, const CommandReport& report = {}) = 0;
  // `error` is COMMAND_FAILED and says which fence, slot and op failed and why.
  virtual void on_failed(std::uint64_t fence, Error error, const CommandReport& report = {}) = 0;

 protected:
  ~CompletionSink() = default;
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual std::string_view name() const noexcept = 0;

  // Before start(), only when the ring runs `levels` (2 or more) priority levels:
  // the backend keeps one submission queue per level and, at each pick, runs the
  // oldest fence of the highest non-empty level. A backend that cannot throws
  // Failure(INVALID_OPTIONS) saying so; this default does.
  virtual void use_priority_levels(std::uint32_t levels) {
    throw Failure(error_code::kInvalidOptions,
                  std::string(name()) + " backend: allocation_strategy priority (" +
                      std::to_string(levels) +
                      " levels) is not supported here; use round-robin or the cpu or cuda backend");
  }

  // Once, before anything else: makes `slot_count` slots' resources and starts the
  // completion path. Throws Failure when the device cannot provide them.
  virtual void start(CompletionSink& sink, std::uint32_t slot_count) = 0;

  // The slot was just handed to a caller for a new fence: drop what it recorded
  // last time (and, where the API demands it, begin a fresh command buffer).
  // Runs under the ring's lock, so it must be short.
  virtual void begin_slot(std::uint32_t slot) = 0;

  // Hands the slot's recorded work to the device, to signal `fence` when done, at
  // `priority` (0, the lowest, unless use_priority_levels was called; then below
  // its `levels`). Must not wait for the work. Runs under the ring's lock, in fence
  // order. An error here (nothing reached the device) is returned rather than
  // reported, so the sink is never re-entered under that lock.
  [[nodiscard]] virtual Status submit(std::uint32_t slot, std::uint64_t fence,
                                      std::uint32_t priority) = 0;

  // Stops the completion path and joins every thread the backend started. With
  // `abandon`, work still queued or running is dropped as soon as the device
  // allows and its fences are not reported. Called once, never from a callback.
  virtual void shutdown(bool abandon) noexcept = 0;
};

}  // namespace ringkit::cmdring
