// The always-available backend: one executor thread runs each committed slot's
// ops in fence order on the slot's own buffers, standing in for a device. With
// priority levels it runs the oldest fence of the highest non-empty level next
// (a running command is never interrupted). Tests
// use it for every ring behaviour; benchmarks use busy_for_us as "device time".
//
// Record into a slot only between its acquire and its commit; read its buffers
// and results in its completion callback (or after waiting for its fence, before
// the slot is acquired again).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "ringkit/cmdring/backend.hpp"
#include "ringkit/cmdring/slot.hpp"
#include "ringkit/cmdring/submission_levels.hpp"

namespace ringkit::cmdring {

struct CpuBackendOptions {
  std::uint32_t buffers_per_slot = 2;
  std::size_t buffer_bytes = 64 * 1024;
  std::uint32_t results_per_slot = 8;  // checksum results a slot can hold
  // How long the executor polls for the next submission before it sleeps: a
  // commit that arrives meanwhile needs no wake-up (a system call on the
  // committing thread) and starts at once.
  double idle_spin_us = 50;
};

class CpuBackend final : public Backend {
 public:
  // Longest single busy_for_us: a guard against a unit mistake (ms for µs).
  static constexpr std::uint32_t kMaxBusyMicroseconds = 60'000'000;

  // Throws Failure(INVALID_OPTIONS) naming a zero or oversized option.
  explicit CpuBackend(CpuBackendOptions options = {});
  ~CpuBackend() override;

  // Recording: each throws Failure(INVALID_OP) naming a bad argument, so a bad op
  // is refused where it is written instead of poisoning the ring later.
  // Spins doing arithmetic (not sleeping) for `microseconds` of executor time.
  void busy_for_us(Slot slot, std::uint32_t microseconds);
  void fill(Slot slot, std::uint32_t buffer, std::uint8_t byte);
  void copy(Slot slot, std::uint32_t source, std::uint32_t destination, std::size_t bytes);
  // FNV-1a 64 of the whole buffer, into the slot's next result; returns its index.
  std::uint32_t checksum(Slot slot, std::uint32_t buffer);
  // Fails when executed, with `message`: the injected failure that poisons a ring.
  void fail(Slot slot, std::string message);

  std::span<std::byte> buffer(Slot slot, std::uint32_t buffer);
  std::uint64_t result(Slot slot, std::uint32_t index) const;

  // Nanoseconds the executor spent running ops, for utilisation figures: wall
  // time around each command, less the pauses its busy_for_us loops saw
  // (kPreemptionGap or longer: the thread preempted), so a busy figure does not
  // count time the executor was not running.
  std::uint64_t busy_ns() const noexcept { return busy_ns_.load(std::memory_order_relaxed); }
  const CpuBackendOptions& options() const noexcept { return options_; }

  std::string_view name() const noexcept override { return "cpu"; }
  void use_priority_levels(std::uint32_t levels) override { priority_levels_ = levels; }
  void start(CompletionSink& sink, std::uint32_t slot_count) override;
  void begin_slot(std::uint32_t slot) noexcept override;
  Status submit(std::uint32_t slot, std::uint64_t fence, std::uint32_t priority) override;
  void shutdown(bool abandon) noexcept override;

 private:
  struct BusyFor {
    std::uint32_t microseconds;
  };
  struct Fill {
    std::uint32_t buffer;
    std::uint8_t byte;
  };
  struct Copy {
    std::uint32_t source;
    std::uint32_t destination;
    std::size_t bytes;
  };
  struct Checksum {
    std::uint32_t buffer;
    std::uint32_t result;
  };
  struct Fail {
    std::string message;
  };
  using Op = std::variant<BusyFor, Fill, Copy, Checksum, Fail>;

  struct SlotWork {
    std::vector<Op> ops;
    std::unique_ptr<std::byte[]> buffers;
    std::vector<std::uint64_t> results;
    std::uint32_t results_used = 0;
  };

  SlotWork& recording(Slot slot);
  void check_buffer(std::uint32_t buffer, const char* role) const;
  void run_executor();
  // Empty when every op ran.
  Status execute(std::uint32_t slot, std::uint64_t fence);

  const CpuBackendOptions options_;
  CompletionSink* sink_ = nullptr;
  std::vector<SlotWork> slots_;

  std::uint32_t priority_levels_ = 1;
  // Committed fences on their way to the executor, one ring per level: no lock between them.
  std::unique_ptr<SubmissionLevels> submissions_;
  // Read inside busy loops, so relaxed: it only needs to be seen eventually.
  std::atomic<bool> abandon_{false};
  std::atomic<std::uint64_t> busy_ns_{0};
  std::uint64_t spin_result_ = 0;  // executor thread only: keeps busy work from being optimised out
  std::chrono::nanoseconds preempted_{0};  // executor thread only: within the current command
  std::thread executor_;
};

}  // namespace ringkit::cmdring
