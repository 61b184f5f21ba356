#include "ringkit/cmdring/cpu_backend.hpp"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "ringkit/cmdring/busy_work.hpp"
#include "ringkit/cmdring/config.hpp"
#include "ringkit/cmdring/spin_wait.hpp"
#include "text.hpp"

namespace ringkit::cmdring {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kMaxBuffersPerSlot = 1024;
constexpr std::size_t kMaxBufferBytes = std::size_t{1} << 30;
constexpr std::uint32_t kMaxResultsPerSlot = 4096;

template <typename... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
template <typename... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

const CpuBackendOptions& checked(const CpuBackendOptions& options) {
  auto refuse = [](const std::string& what, std::size_t value, std::size_t limit) {
    throw Failure(error_code::kInvalidOptions, "cpu backend: " + what + " must be between 1 and " +
                                                   std::to_string(limit) + ", " + what + "=" +
                                                   std::to_string(value));
  };
  if (options.buffers_per_slot < 1 || options.buffers_per_slot > kMaxBuffersPerSlot) {
    refuse("buffers_per_slot", options.buffers_per_slot, kMaxBuffersPerSlot);
  }
  if (options.buffer_bytes < 1 || options.buffer_bytes > kMaxBufferBytes) {
    refuse("buffer_bytes", options.buffer_bytes, kMaxBufferBytes);
  }
  if (options.results_per_slot < 1 || options.results_per_slot > kMaxResultsPerSlot) {
    refuse("results_per_slot", options.results_per_slot, kMaxResultsPerSlot);
  }
  if (!std::isfinite(options.idle_spin_us) || options.idle_spin_us < 0 ||
      options.idle_spin_us > kMaxSpinUs) {
    throw Failure(error_code::kInvalidOptions,
                  "cpu backend: idle_spin_us must be between 0 and " + format_number(kMaxSpinUs) +
                      ", idle_spin_us=" + format_number(options.idle_spin_us));
  }
  return options;
}

std::uint64_t fnv1a64(std::span<const std::byte> bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (const std::byte byte : bytes) {
    hash ^= static_cast<std::uint8_t>(byte);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

}  // namespace

CpuBackend::CpuBackend(CpuBackendOptions options) : options_(checked(options)) {}

CpuBackend::~CpuBackend() {
  shutdown(true);
}

CpuBackend::SlotWork& CpuBackend::recording(Slot slot) {
  if (slot.index >= slots_.size()) {
    throw Failure(error_code::kInvalidOp, "slot index " + std::to_string(slot.index) +
                                              " is out of range for " +
                                              std::to_string(slots_.size()) + " slots");
  }
  return slots_[slot.index];
}

void CpuBackend::check_buffer(std::uint32_t buffer, const char* role) const {
  if (buffer >= options_.buffers_per_slot) {
    throw Failure(error_code::kInvalidOp, std::string(role) + " buffer " + std::to_string(buffer) +
                                              " does not exist: a slot has buffers 0.." +
                                              std::to_string(options_.buffers_per_slot - 1));
  }
}

void CpuBackend::busy_for_us(Slot slot, std::uint32_t microseconds) {
  SlotWork& work = recording(slot);
  if (microseconds > kMaxBusyMicroseconds) {
    throw Failure(error_code::kInvalidOp,
                  "busy_for_us takes at most " + std::to_string(kMaxBusyMicroseconds) +
                      " µs (one minute), microseconds=" + std::to_string(microseconds));
  }
  work.ops.emplace_back(BusyFor{microseconds});
}

void CpuBackend::fill(Slot slot, std::uint32_t buffer, std::uint8_t byte) {
  SlotWork& work = recording(slot);
  check_buffer(buffer, "fill");
  work.ops.emplace_back(Fill{buffer, byte});
}

void CpuBackend::copy(Slot slot, std::uint32_t source, std::uint32_t destination,
                      std::size_t bytes) {
  SlotWork& work = recording(slot);
  check_buffer(source, "copy source");
  check_buffer(destination, "copy destination");
  if (bytes > options_.buffer_bytes) {
    throw Failure(error_code::kInvalidOp,
                  "copy of " + std::to_string(bytes) + " bytes overruns the slot's " +
                      std::to_string(options_.buffer_bytes) + "-byte buffers");
  }
  work.ops.emplace_back(Copy{source, destination, bytes});
}

std::uint32_t CpuBackend::checksum(Slot slot, std::uint32_t buffer) {
  SlotWork& work = recording(slot);
  check_buffer(buffer, "checksum");
  if (work.results_used == options_.results_per_slot) {
    throw Failure(error_code::kInvalidOp, "slot " + std::to_string(slot.index) + " already holds " +
                                              std::to_string(options_.results_per_slot) +
                                              " checksum results (results_per_slot=" +
                                              std::to_string(options_.results_per_slot) + ")");
  }
  const std::uint32_t result = work.results_used++;
  work.ops.emplace_back(Checksum{buffer, result});
  return result;
}

void CpuBackend::fail(Slot slot, std::string message) {
  recording(slot).ops.emplace_back(Fail{std::move(message)});
}

std::span<std::byte> CpuBackend::buffer(Slot slot, std::uint32_t buffer) {
  SlotWork& work = recording(slot);
  check_buffer(buffer, "requested");
  return {work.buffers.get() + std::size_t{buffer} * options_.buffer_bytes, options_.buffer_bytes};
}

std::uint64_t CpuBackend::result(Slot slot, std::uint32_t index) const {
  if (slot.index >= slots_.size() || index >= options_.results_per_slot) {
    throw Failure(
        error_code::kInvalidOp,
        "result " + std::to_string(index) + " of slot " + std::to_string(slot.index) +
            " does not exist (results_per_slot=" + std::to_string(options_.results_per_slot) + ")");
  }
  return slots_[slot.index].results[index];
}

void CpuBackend::start(CompletionSink& sink, std::uint32_t slot_count) {
  sink_ = &sink;
  slots_.resize(slot_count);
  for (SlotWork& work : slots_) {
    work.buffers = std::make_unique<std::byte[]>(std::size_t{options_.buffers_per_slot} *
                                                 options_.buffer_bytes);
    work.results.assign(options_.results_per_slot, 0);
    work.ops.reserve(8);
  }
  submissions_ = std::make_unique<SubmissionLevels>(slot_count, priority_levels_);
  executor_ = std::thread([this] { run_executor(); });
  pthread_setname_np(executor_.native_handle(), "cmdring-cpu");
}

void CpuBackend::begin_slot(std::uint32_t slot) noexcept {
  SlotWork& work = slots_[slot];
  work.ops.clear();  // keeps its capacity: no allocation in steady state
  work.results_used = 0;
}

Status CpuBackend::submit(std::uint32_t slot, std::uint64_t fence, std::uint32_t priority) {
  const auto op_count = static_cast<std::uint32_t>(slots_[slot].ops.size());
  if (!submissions_->push(priority, SubmissionRecord{fence, slot, op_count})) {
    return make_error(error_code::kCommandFailed,
                      "cpu backend: fence " + std::to_string(fence) +
                          " found the submission ring full; the ring submitted more than "
                          "ring_size fences (a bug)");
  }
  return std::nullopt;
}

void CpuBackend::shutdown(bool abandon) noexcept {
  if (!submissions_) return;  // never started
  // Relaxed: the close below is sequentially consistent and the executor reads
  // this after it wakes.
  if (abandon) abandon_.store(true, std::memory_order_relaxed);
  submissions_->close();
  if (executor_.joinable()) executor_.join();
}

void CpuBackend::run_executor() {
  const auto idle_spin = spin_budget_us(options_.idle_spin_us);
  for (;;) {
    // The highest level first, each in fence order: the priority rings' promise.
    const std::optional<LeveledSubmission> picked = submissions_->wait_next(idle_spin, abandon_);
    if (!picked || abandon_.load(std::memory_order_relaxed)) return;
    submissions_->pop(picked->level);
    const SubmissionRecord* const next = &picked->record;
    preempted_ = std::chrono::nanoseconds{0};
    const auto started = Clock::now();
    Status failure = execute(next->slot, next->fence);
    const auto ended = Clock::now();
    const auto ran = std::chrono::duration_cast<std::chrono::nanoseconds>(ended - started);
    busy_ns_.fetch_add(std::max(ran - preempted_, std::chrono::nanoseconds{0}).count(),
                       std::memory_order_relaxed);
    // Close gave up on this work: nobody is left to tell.
    if (abandon_.load(std::memory_order_relaxed)) return;
    const CommandReport report{steady_clock_ns(started), steady_clock_ns(ended), next->op_count};
    if (failure) {
      sink_->on_failed(next->fence, std::move(*failure), report);
    } else {
      sink_->on_completed(next->fence, report);
    }
  }
}

Status CpuBackend::execute(std::uint32_t slot, std::uint64_t fence) {
  SlotWork& work = slots_[slot];
  std::byte* const buffers = work.buffers.get();
  const std::size_t buffer_bytes = options_.buffer_bytes;
  auto buffer_at = [&](std::uint32_t index) { return buffers + std::size_t{index} * buffer_bytes; };
  for (std::size_t i = 0; i < work.ops.size(); ++i) {
    if (abandon_.load(std::memory_order_relaxed)) return std::nullopt;
    Status failure =
        std::visit(Overloaded{
                       [&](const BusyFor& op) -> Status {
                         const auto length = std::chrono::microseconds(op.microseconds);
                         spin_result_ ^= busy_work_for(length, abandon_, preempted_);
                         return std::nullopt;
                       },
                       [&](const Fill& op) -> Status {
                         std::memset(buffer_at(op.buffer), op.byte, buffer_bytes);
                         return std::nullopt;
                       },
                       [&](const Copy& op) -> Status {
                         std::memmove(buffer_at(op.destination), buffer_at(op.source), op.bytes);
                         return std::nullopt;
                       },
                       [&](const Checksum& op) -> Status {
                         work.results[op.result] = fnv1a64({buffer_at(op.buffer), buffer_bytes});
                         return std::nullopt;
                       },
                       [&](const Fail& op) -> Status {
                         return make_error(error_code::kCommandFailed,
                                           "fence " + std::to_string(fence) + " (slot " +
                                               std::to_string(slot) + ") failed at op " +
                                               std::to_string(i) + ": " + op.message);
                       },
                   },
                   work.ops[i]);
    if (failure) return failure;
  }
  return std::nullopt;
}

}  // namespace ringkit::cmdring
