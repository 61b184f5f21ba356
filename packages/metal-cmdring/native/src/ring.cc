#include "ringkit/cmdring/ring.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "ringkit/cmdring/spin_wait.hpp"
#include "text.hpp"

namespace ringkit::cmdring {

namespace {

using Clock = std::chrono::steady_clock;

// Longer than this is no limit at all, and keeps deadline arithmetic from overflowing.
constexpr double kUnboundedMs = 1e10;

// Non-zero while this thread runs a ring callback: close() there would join itself.
thread_local int callback_depth = 0;

struct CallbackScope {
  CallbackScope() { ++callback_depth; }
  ~CallbackScope() { --callback_depth; }
  CallbackScope(const CallbackScope&) = delete;
  CallbackScope& operator=(const CallbackScope&) = delete;
};

std::optional<Clock::time_point> deadline_after(Clock::time_point start, double timeout_ms) {
  if (timeout_ms <= 0 || timeout_ms > kUnboundedMs) return std::nullopt;
  return start + std::chrono::duration_cast<Clock::duration>(
                     std::chrono::duration<double, std::milli>(timeout_ms));
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

Error aborted_error(const std::string& what) {
  return make_error(error_code::kAborted, what + " was aborted by its abort signal");
}

void log_to_stderr(const WaitEvent& event) {
  std::fprintf(stderr, "[ringkit/cmdring] waited %.2f ms for slot %u (fence %llu)\n", event.wait_ms,
               event.slot, static_cast<unsigned long long>(event.fence));
}

const RingConfig& checked(const RingConfig& config) {
  validate(config);
  return config;
}

std::unique_ptr<Backend> required(std::unique_ptr<Backend> backend) {
  if (!backend) throw Failure(error_code::kInvalidOptions, "a ring needs a backend, got none");
  return backend;
}

}  // namespace

Ring::Ring(const RingConfig& config, std::unique_ptr<Backend> backend,
           std::span<std::byte> statistics_memory, WaitLog wait_log,
           std::span<std::byte> completion_memory)
    : config_(checked(config)),
      backend_(required(std::move(backend))),
      owned_statistics_(
          statistics_memory.empty() ? std::make_unique<std::byte[]>(layout::kByteLength) : nullptr),
      statistics_(statistics_memory.empty()
                      ? std::span<std::byte>(owned_statistics_.get(), layout::kByteLength)
                      : statistics_memory),
      wait_log_(wait_log ? std::move(wait_log) : WaitLog(log_to_stderr)),
      slots_(config.ring_size) {
  statistics_.initialise(config_.ring_size, config_.track_statistics);
  if (!completion_memory.empty()) completions_.emplace(completion_memory);
  if (prioritised()) {
    backend_->use_priority_levels(config_.priority_levels);
    for (std::uint32_t slot = 0; slot < config_.ring_size; ++slot) free_slots_.push_back(slot);
  }
  backend_->start(*this, config_.ring_size);
}

Ring::~Ring() {
  static_cast<void>(close(config_.timeout_ms));
}

std::size_t Ring::pending_acquires() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

std::optional<Error> Ring::poison() const {
  std::lock_guard lock(mutex_);
  if (!poison_) return std::nullopt;
  return *poison_;
}

std::uint64_t Ring::retired() const {
  return retired_.load(std::memory_order_acquire);
}

void Ring::update_attention_locked() noexcept {
  const bool needed = !waiters_.empty() || fence_waiters_ > 0 || closing_ || poison_ != nullptr;
  // Stored only when it changes: every retire reads its line. Only lock holders write it, so
  // the relaxed read is the current value; the store stays sequentially consistent (Dekker).
  if (attention_.load(std::memory_order_relaxed) != needed) {
    attention_.store(needed, std::memory_order_seq_cst);
  }
}

Ring::SlotRecord* Ring::holding_locked(std::uint64_t fence) noexcept {
  if (fence == 0) return nullptr;
  if (!prioritised()) {
    // Round-robin: fence f can only be in slot (f − 1) mod N.
    SlotRecord& record = slots_[(fence - 1) % config_.ring_size];
    return record.state.load() != SlotState::kFree && record.fence == fence ? &record : nullptr;
  }
  for (SlotRecord& record : slots_) {
    if (record.state.load() != SlotState::kFree && record.fence == fence) return &record;
  }
  return nullptr;
}

bool Ring::slot_available_locked() const noexcept {
  return prioritised() ? !free_slots_.empty() : slot_free_locked(next_ticket_);
}

void Ring::free_slot_locked(SlotRecord& record) {
  record.state.store(SlotState::kFree, std::memory_order_release);
  if (prioritised()) free_slots_.push_back(index_of(record));
}

bool Ring::fence_retired_locked(std::uint64_t fence) const {
  // Sequentially consistent: a waiter reads it after publishing attention_ (Dekker).
  if (completed_.load(std::memory_order_seq_cst) >= fence) return true;
  return retired_ahead_.contains(fence);
}

bool Ring::slot_free_locked(std::uint64_t ticket) const noexcept {
  // Ticket k reuses the slot of ticket k − N, whose fence is k − N + 1. Sequentially
  // consistent: a queued acquire re-reads it after publishing attention_ (Dekker).
  return ticket < config_.ring_size ||
         completed_.load(std::memory_order_seq_cst) >= ticket + 1 - config_.ring_size;
}

Slot Ring::take_slot_locked(std::optional<Clock::time_point> waited_since, Deferred& deferred) {
  const std::uint64_t ticket = next_ticket_++;
  std::uint32_t index = static_cast<std::uint32_t>(ticket % config_.ring_size);
  if (prioritised()) {
    index = free_slots_.front();
    free_slots_.pop_front();
  }
  const Slot slot{index, ticket + 1};
  SlotRecord& record = slots_[slot.index];
  // Relaxed: no retire touches a free slot; whoever else reads the state holds the lock.
  record.state.store(SlotState::kAcquired, std::memory_order_relaxed);
  record.fence = slot.fence;
  record.on_complete = nullptr;
  backend_->begin_slot(slot.index);

  const double wait_ms = waited_since ? ms_since(*waited_since) : 0;
  if (config_.track_statistics) {
    namespace counter = layout::counter;
    statistics_.add(counter::kTotalAcquisitions, 1);
    // With priorities: the slot the next acquisition would get now, ring_size when none is free.
    const std::uint64_t next_index =
        !prioritised() ? next_ticket_ % config_.ring_size
                       : (free_slots_.empty() ? config_.ring_size : free_slots_.front());
    statistics_.set(counter::kCurrentIndex, static_cast<double>(next_index));
    if (waited_since) {
      statistics_.add(counter::kWaitEvents, 1);
      statistics_.add(counter::kTotalWaitMs, wait_ms);
    }
  }
  if (waited_since && config_.log_wait_events) {
    deferred.waits.push_back({slot.index, slot.fence, wait_ms});
  }
  return slot;
}

void Ring::settle_waiter_locked(std::list<Waiter>::iterator waiter, Result<Slot> outcome,
                                Deferred& deferred) {
  if (waiter->wake != nullptr) {
    *waiter->outcome = std::move(outcome);
    // Relaxed: a polling waiter takes the lock before it reads the outcome.
    waiter->settled->store(true, std::memory_order_relaxed);
    // Only a sleeper costs a wake-up. Notify with the lock held: the condition
    // variable lives on the waiting thread's stack, and that thread may return
    // (destroying it) as soon as it can take the lock and see the outcome.
    if (waiter->sleeping) waiter->wake->notify_one();
  } else {
    deferred.acquires.emplace_back(std::move(waiter->callback), std::move(outcome));
  }
  waiters_.erase(waiter);
  update_attention_locked();
}

void Ring::grant_waiters_locked(Deferred& deferred) {
  while (!waiters_.empty() && !poison_ && !closing_ && slot_available_locked()) {
    const auto head = waiters_.begin();
    const Slot slot = take_slot_locked(head->since, deferred);
    settle_waiter_locked(head, slot, deferred);
  }
}

std::optional<Error> Ring::refusal_locked() const {
  if (closing_) return make_error(error_code::kClosed, "the ring is closed");
  if (poison_) return poisoned_error_locked();
  return std::nullopt;
}

Error Ring::poisoned_error_locked() const {
  return make_error(error_code::kPoisoned,
                    "the ring is poisoned by a failed command (" + poison_->message +
                        "); close it and create a new one",
                    poison_);
}

Result<Slot> Ring::acquire(std::optional<double> timeout_ms, std::stop_token abort) {
  const double limit_ms = timeout_ms.value_or(config_.timeout_ms);
  try {
    validate_timeout_ms(limit_ms, "timeout_ms");
  } catch (const Failure& failure) {
    return failure.error();
  }

  // Declared in this order so they are destroyed in reverse: the lock is released
  // before the abort callback is unregistered (its destructor waits for a running
  // callback, which takes the lock), and that callback is gone before `wake` is.
  std::condition_variable wake;
  std::optional<Result<Slot>> outcome;
  std::atomic<bool> settled{false};
  auto wake_on_abort = [this, &wake] {
    // Taking the lock orders this wake-up after the waiter's check of
    // stop_requested(): it is either asleep already or will see the request.
    std::lock_guard lock(mutex_);
    wake.notify_all();
  };
  std::optional<std::stop_callback<decltype(wake_on_abort)>> on_abort;
  if (abort.stop_possible()) on_abort.emplace(abort, wake_on_abort);
  Deferred deferred;
  std::unique_lock lock = lock_spinning(mutex_);

  if (auto refusal = refusal_locked()) return *refusal;
  if (abort.stop_requested()) return aborted_error("acquire");
  if (waiters_.empty() && slot_available_locked()) {
    return take_slot_locked(std::nullopt, deferred);
  }

  const auto since = Clock::now();
  const auto deadline = deadline_after(since, limit_ms);
  const auto self = waiters_.insert(
      waiters_.end(), Waiter{next_waiter_id_++, since, nullptr, &wake, &outcome, &settled});
  update_attention_locked();
  // A retire that freed the slot before it could see attention_ did not grant it: look again.
  if (self == waiters_.begin() && slot_available_locked()) {
    waiters_.erase(self);
    update_attention_locked();
    return take_slot_locked(std::nullopt, deferred);
  }
  if (config_.spin_us > 0) {
    // Queued (so the FIFO order holds), but polling without the lock first.
    auto budget = spin_budget_us(config_.spin_us);
    if (deadline) budget = std::min(budget, std::chrono::nanoseconds(*deadline - since));
    lock.unlock();
    spin_until([&] { return settled.load(std::memory_order_relaxed) || abort.stop_requested(); },
               budget);
    lock.lock();
  }
  // Still queued (so `self` is valid) unless settled: from here a settler must notify.
  if (!outcome) self->sleeping = true;
  // The predicate is re-checked after every wake-up, so spurious ones are harmless.
  while (!outcome) {
    if (abort.stop_requested()) {
      waiters_.erase(self);
      update_attention_locked();
      outcome = aborted_error("acquire");
    } else if (deadline && Clock::now() >= *deadline) {
      waiters_.erase(self);
      update_attention_locked();
      if (config_.track_statistics) statistics_.add(layout::counter::kAcquireTimeouts, 1);
      outcome = make_error(
          error_code::kAcquireTimeout,
          "acquire timed out after " + format_number(limit_ms) +
              " ms waiting for a free slot (ring_size=" + std::to_string(config_.ring_size) +
              ", submitted=" + std::to_string(submitted_.load(std::memory_order_relaxed)) +
              ", completed=" + std::to_string(completed_.load(std::memory_order_relaxed)) + ")");
    } else if (deadline) {
      wake.wait_until(lock, *deadline);
    } else {
      wake.wait(lock);
    }
  }
  return std::move(*outcome);
}

AsyncAcquire Ring::acquire_async(AcquireCallback on_settled) {
  Deferred deferred;
  AsyncAcquire result;
  const std::unique_lock lock = lock_spinning(mutex_);
  if (auto refusal = refusal_locked()) {
    result.settled = std::move(*refusal);
  } else if (waiters_.empty() && slot_available_locked()) {
    result.settled = take_slot_locked(std::nullopt, deferred);
  } else {
    result.waiter = next_waiter_id_++;
    waiters_.push_back(
        Waiter{result.waiter, Clock::now(), std::move(on_settled), nullptr, nullptr});
    update_attention_locked();
    // A retire that freed the slot before it could see attention_ did not grant it: look again.
    if (waiters_.size() == 1 && slot_available_locked()) {
      waiters_.pop_back();
      update_attention_locked();
      result.waiter = 0;
      result.settled = take_slot_locked(std::nullopt, deferred);
    }
  }
  return result;
}

bool Ring::expire_acquire(WaiterId waiter, double timeout_ms) {
  Deferred deferred;
  {
    std::lock_guard lock(mutex_);
    auto it = waiters_.begin();
    while (it != waiters_.end() && it->id != waiter) ++it;
    if (it == waiters_.end() || it->wake != nullptr) return false;
    if (config_.track_statistics) statistics_.add(layout::counter::kAcquireTimeouts, 1);
    settle_waiter_locked(
        it,
        make_error(
            error_code::kAcquireTimeout,
            "acquire timed out after " + format_number(timeout_ms) +
                " ms waiting for a free slot (ring_size=" + std::to_string(config_.ring_size) +
                ", submitted=" + std::to_string(submitted_.load(std::memory_order_relaxed)) +
                ", completed=" + std::to_string(completed_.load(std::memory_order_relaxed)) + ")"),
        deferred);
  }
  run(deferred);
  return true;
}

bool Ring::abort_acquire(WaiterId waiter) {
  Deferred deferred;
  {
    std::lock_guard lock(mutex_);
    auto it = waiters_.begin();
    while (it != waiters_.end() && it->id != waiter) ++it;
    if (it == waiters_.end() || it->wake != nullptr) return false;
    settle_waiter_locked(it, aborted_error("acquire"), deferred);
  }
  run(deferred);
  return true;
}

Status Ring::commit(Slot slot, CompletionCallback on_complete, std::uint32_t priority) {
  Deferred deferred;
  {
    // Locked: commit decides with close, poison and out-of-order commits at once; lock-free it
    // would need all three in one atomic word.
    const std::unique_lock lock = lock_spinning(mutex_);
    if (slot.index >= config_.ring_size) {
      return make_error(error_code::kInvalidSlot,
                        "slot index " + std::to_string(slot.index) +
                            " is out of range for ring_size=" + std::to_string(config_.ring_size));
    }
    if (priority >= config_.priority_levels) {
      return make_error(error_code::kInvalidOptions,
                        "commit priority " + std::to_string(priority) +
                            " is out of range: this ring has priority_levels=" +
                            std::to_string(config_.priority_levels) + ", so 0 (the lowest) to " +
                            std::to_string(config_.priority_levels - 1));
    }
    if (closing_) {
      return make_error(error_code::kClosed, "commit of fence " + std::to_string(slot.fence) +
                                                 " refused: the ring is closed");
    }
    if (poison_) return poisoned_error_locked();
    SlotRecord& record = slots_[slot.index];
    if (record.state.load() != SlotState::kAcquired || record.fence != slot.fence) {
      return make_error(error_code::kInvalidSlot,
                        "slot " + std::to_string(slot.index) + " with fence " +
                            std::to_string(slot.fence) +
                            " is not held by an acquire (it was committed already, or the "
                            "fence is wrong: the slot's current fence is " +
                            std::to_string(record.fence) + ")");
    }
    record.state.store(SlotState::kCommitted, std::memory_order_relaxed);
    record.priority = priority;
    record.on_complete = std::move(on_complete);
    if (config_.track_statistics) statistics_.add(layout::counter::kTotalReleases, 1);
    flush_committed_locked(deferred);
  }
  run(deferred);
  return std::nullopt;
}

void Ring::flush_committed_locked(Deferred& deferred) {
  // Fences reach the device in order: a slot committed ahead of an earlier,
  // still-held one waits here until that one is committed too.
  while (submitted_.load(std::memory_order_relaxed) < next_ticket_) {
    const std::uint64_t fence = submitted_.load(std::memory_order_relaxed) + 1;
    SlotRecord* record = holding_locked(fence);
    if (record == nullptr || record->state.load() != SlotState::kCommitted) return;
    // In flight before the backend can report it (retire_unlocked looks for that state without
    // the lock); the submit hands the slot, and this store, to the completion thread.
    record->state.store(SlotState::kInFlight, std::memory_order_relaxed);
    if (Status failure = backend_->submit(index_of(*record), fence, record->priority)) {
      record->state.store(SlotState::kCommitted, std::memory_order_relaxed);
      poison_locked(std::move(*failure), fence, deferred);
      return;
    }
    // Release: a lock-free reader of submitted() sees the slot's state change first.
    submitted_.store(fence, std::memory_order_release);
    statistics_.set(layout::counter::kSubmittedFences, static_cast<double>(fence));
  }
}

void Ring::poison_locked(Error failure, std::uint64_t fence, Deferred& deferred) {
  if (poison_) return;
  poison_ = std::make_shared<const Error>(std::move(failure));
  poison_fence_ = fence;
  update_attention_locked();
  // With priorities, later fences may have retired before this one failed.
  retired_past_poison_.insert(retired_ahead_.upper_bound(fence), retired_ahead_.end());
  while (!waiters_.empty())
    settle_waiter_locked(waiters_.begin(), poisoned_error_locked(), deferred);
  // Committed but never submitted: they will not run now. The failed fence itself
  // is one of these when its submit failed; it reports the failure, not the poison.
  for (SlotRecord& record : slots_) {
    if (record.state != SlotState::kCommitted) continue;
    Status outcome = record.fence == fence ? Status(*poison_) : Status(poisoned_error_locked());
    deferred.completions.emplace_back(std::move(record.on_complete),
                                      std::make_pair(record.fence, std::move(outcome)));
    record.on_complete = nullptr;
    free_slot_locked(record);
  }
  wake_fence_waiters_locked();
}

void Ring::on_completed(std::uint64_t fence, const CommandReport& report) {
  retire(fence, std::nullopt, report);
}

void Ring::on_failed(std::uint64_t fence, Error error, const CommandReport& report) {
  retire(fence, std::move(error), report);
}

bool Ring::retire_unlocked(std::uint64_t fence, const CommandReport& report) {
  // Only this thread moves completed_; in order, so fence f is in slot (f − 1) mod N.
  if (fence != completed_.load(std::memory_order_relaxed) + 1) return false;
  const std::uint32_t index = static_cast<std::uint32_t>((fence - 1) % config_.ring_size);
  SlotRecord& record = slots_[index];
  // The slot's fence and callback were written before the submit that brought the fence here.
  SlotState expected = SlotState::kInFlight;
  if (record.fence != fence || !record.state.compare_exchange_strong(expected, SlotState::kRetiring,
                                                                     std::memory_order_acquire)) {
    return false;  // not in flight (close abandoned it, say): the locked path decides
  }
  if (completions_ && !closed_.load(std::memory_order_acquire)) {
    completions_->push(index, fence, false, report);
  }
  CompletionCallback callback = std::move(record.on_complete);
  record.on_complete = nullptr;
  if (callback) {
    // The slot is not free yet, so nothing overwrites its results while the callback reads them.
    CallbackScope scope;
    callback(fence, nullptr);
  }
  const bool wake_owed = wake_owed_.load(std::memory_order_relaxed);
  record.state.store(SlotState::kFree, std::memory_order_relaxed);
  const std::uint64_t retired = retired_.load(std::memory_order_relaxed) + 1;
  retired_.store(retired, std::memory_order_release);
  statistics_.set(layout::counter::kCompletedFences, static_cast<double>(retired));
  // Publishes the slot free (and the callback's effects) to acquires, then looks for anyone
  // who must hear it: Dekker's pattern with update_attention_locked's store and the waiters'
  // re-read of completed_.
  completed_.store(fence, std::memory_order_seq_cst);
  Deferred deferred;
  BatchWake wake = batch_wake(wake_owed, true);
  if (attention_.load(std::memory_order_seq_cst)) {
    const std::unique_lock lock = lock_spinning(mutex_);
    grant_waiters_locked(deferred);
    wake_fence_waiters_locked();
    wake = batch_wake(!deferred.acquires.empty() || wake_owed,
                      deferred.completions.empty() && !poison_ && !closing_);
  }
  run(deferred, static_cast<bool>(callback) || wake_owed, wake);
  return true;
}

void Ring::retire(std::uint64_t fence, Status failure, const CommandReport& report) {
  if (!prioritised() && !failure && !attention_.load(std::memory_order_relaxed) &&
      retire_unlocked(fence, report)) {
    return;
  }
  Deferred deferred;
  CompletionCallback callback;
  Status outcome;
  SlotRecord* record = nullptr;
  BatchWake wake = BatchWake::kNow;
  bool wake_owed = false;
  {
    std::unique_lock lock = lock_spinning(mutex_);
    // Backends report each submitted fence once (round-robin: in order); anything
    // else is a late report after close gave up, and there is nothing left to settle.
    if (!prioritised() && (fence != completed_.load(std::memory_order_relaxed) + 1 ||
                           fence > submitted_.load(std::memory_order_relaxed))) {
      return;
    }
    record = holding_locked(fence);
    if (record == nullptr) return;
    const SlotState state = record->state.load();
    // An abandoned fence's late report still frees its slot (close settled its callback).
    if (state != SlotState::kInFlight && state != SlotState::kAbandoned) return;
    // What the device did, whatever close decided: records are the device's report.
    if (completions_ && !closed_.load()) {
      completions_->push(index_of(*record), fence, failure.has_value(), report);
    }
    if (failure) poison_locked(*failure, fence, deferred);
    callback = std::move(record->on_complete);
    record->on_complete = nullptr;
    record->state.store(SlotState::kRetiring);
    // A fence after the failed one that retires after it reads POISONED; one before
    // it (possible with priorities) completed and says so.
    if (poison_ && fence >= poison_fence_) {
      outcome = fence == poison_fence_ ? Status(*poison_) : Status(poisoned_error_locked());
    }
    // Without a callback there is nothing to run between the halves: one lock, not two,
    // so the executor takes the lock the submitting thread needs half as often.
    if (!callback) {
      wake_owed = wake_owed_.load(std::memory_order_relaxed);
      wake = free_retired_locked(*record, fence, outcome, wake_owed, deferred);
    }
  }
  if (callback) {
    // The slot is not free yet, so nothing overwrites its results while the
    // callback reads them.
    {
      CallbackScope scope;
      callback(fence, outcome ? &*outcome : nullptr);
    }
    wake_owed = wake_owed_.load(std::memory_order_relaxed);
    const std::unique_lock lock = lock_spinning(mutex_);
    wake = free_retired_locked(*record, fence, outcome, wake_owed, deferred);
  }
  // A completion record wakes its own reader (the completion ring's publish), not this hook.
  // A batch held back is owed its wake-up even when this completion delivers nothing.
  run(deferred, static_cast<bool>(callback) || wake_owed, wake);
}

BatchWake Ring::free_retired_locked(SlotRecord& record, std::uint64_t fence, const Status& outcome,
                                    bool wake_owed, Deferred& deferred) {
  free_slot_locked(record);
  const std::uint64_t retired = retired_.load(std::memory_order_relaxed) + 1;
  retired_.store(retired, std::memory_order_release);
  // The watermark: every fence up to it retired. Round-robin retires in order, so
  // it is this fence; with priorities it climbs through the fences that retired ahead.
  std::uint64_t watermark = completed_.load(std::memory_order_relaxed);
  if (fence == watermark + 1) {
    watermark = fence;
    while (!retired_ahead_.empty() && *retired_ahead_.begin() == watermark + 1) {
      watermark = *retired_ahead_.begin();
      retired_ahead_.erase(retired_ahead_.begin());
    }
  } else {
    retired_ahead_.insert(fence);
  }
  // Release: whoever sees the new count (a lock-free completed() reader) sees the
  // callback's effects too.
  completed_.store(watermark, std::memory_order_release);
  statistics_.set(layout::counter::kCompletedFences, static_cast<double>(retired));
  // With priorities the freed slot may be the next one out (a grant below moves it on).
  if (prioritised() && config_.track_statistics) {
    statistics_.set(layout::counter::kCurrentIndex, static_cast<double>(free_slots_.front()));
  }
  grant_waiters_locked(deferred);
  wake_fence_waiters_locked();
  return batch_wake(!deferred.acquires.empty() || wake_owed,
                    !outcome && deferred.completions.empty() && !poison_ && !closing_);
}

BatchWake Ring::batch_wake(bool slot_waiting, bool quiet) const noexcept {
  // A slot granted now or in a batch still held back, no error, and more than half
  // the ring still queued on the device (so another completion is coming): see
  // BatchWake::kWithNext. A fence may retire before its commit has counted it submitted.
  const std::uint64_t submitted = submitted_.load(std::memory_order_relaxed);
  const std::uint64_t retired = retired_.load(std::memory_order_relaxed);
  const std::uint64_t in_flight = submitted > retired ? submitted - retired : 0;
  return slot_waiting && quiet && in_flight > config_.ring_size / 2 ? BatchWake::kWithNext
                                                                    : BatchWake::kNow;
}

void Ring::wake_fence_waiters_locked() {
  if (fence_waiters_ > 0) fence_changed_.notify_all();
}

bool Ring::fence_settled_locked(std::uint64_t fence) const noexcept {
  const bool never_submitted = fence > submitted_.load(std::memory_order_relaxed);
  return fence_retired_locked(fence) || (never_submitted && (poison_ || closing_)) ||
         abandoned_.has_value();
}

Status Ring::fence_outcome_locked(std::uint64_t fence) const {
  if (poison_ && fence >= poison_fence_ && !retired_past_poison_.contains(fence)) {
    return fence == poison_fence_ ? Status(*poison_) : Status(poisoned_error_locked());
  }
  const bool submitted = fence <= submitted_.load(std::memory_order_relaxed);
  // An abandoned fence stays abandoned even if the device reports it later.
  if (abandoned_ && abandoned_fences_.contains(fence)) return abandoned_;
  if (fence_retired_locked(fence)) return std::nullopt;
  if (!submitted) {
    return make_error(error_code::kClosed, "fence " + std::to_string(fence) +
                                               " was never submitted: the ring closed first");
  }
  return abandoned_;
}

Status Ring::wait_for_fence(std::uint64_t fence, std::optional<double> timeout_ms,
                            std::stop_token abort) {
  const double limit_ms = timeout_ms.value_or(config_.timeout_ms);
  try {
    validate_timeout_ms(limit_ms, "timeout_ms");
  } catch (const Failure& failure) {
    return failure.error();
  }
  auto wake_on_abort = [this] {
    std::lock_guard lock(mutex_);
    fence_changed_.notify_all();
  };
  std::optional<std::stop_callback<decltype(wake_on_abort)>> on_abort;
  if (abort.stop_possible()) on_abort.emplace(abort, wake_on_abort);
  std::unique_lock lock(mutex_);

  if (fence > next_ticket_) {
    return make_error(error_code::kInvalidSlot,
                      "fence " + std::to_string(fence) +
                          " was never handed out (the last acquisition has fence " +
                          std::to_string(next_ticket_) + ")");
  }
  const auto deadline = deadline_after(Clock::now(), limit_ms);
  ++fence_waiters_;
  update_attention_locked();
  Status ended;
  while (!fence_settled_locked(fence)) {
    if (abort.stop_requested()) {
      ended = aborted_error("wait for fence " + std::to_string(fence));
      break;
    }
    if (deadline && Clock::now() >= *deadline) {
      ended = make_error(
          error_code::kWaitTimeout,
          "fence " + std::to_string(fence) + " did not complete within " + format_number(limit_ms) +
              " ms (completed=" + std::to_string(completed_.load(std::memory_order_relaxed)) + ")");
      break;
    }
    if (deadline) {
      fence_changed_.wait_until(lock, *deadline);
    } else {
      fence_changed_.wait(lock);
    }
  }
  --fence_waiters_;
  update_attention_locked();
  return ended ? ended : fence_outcome_locked(fence);
}

Status Ring::close(double timeout_ms) {
  if (callback_depth > 0) {
    return make_error(error_code::kInvalidState,
                      "close() was called from a ring callback, which runs on the thread close "
                      "must join; call it from another thread");
  }
  try {
    validate_timeout_ms(timeout_ms, "timeout_ms");
  } catch (const Failure& failure) {
    return failure.error();
  }
  Deferred deferred;
  std::unique_lock lock(mutex_);
  if (closing_) {
    // Another thread is closing: its result is ours.
    ++fence_waiters_;
    update_attention_locked();
    fence_changed_.wait(lock, [this] { return closed_.load(); });
    --fence_waiters_;
    update_attention_locked();
    return close_result_;
  }
  closing_ = true;
  update_attention_locked();
  while (!waiters_.empty()) {
    settle_waiter_locked(waiters_.begin(), make_error(error_code::kClosed, "the ring is closed"),
                         deferred);
  }
  for (SlotRecord& record : slots_) {
    if (record.state != SlotState::kCommitted) continue;
    deferred.completions.emplace_back(
        std::move(record.on_complete),
        std::make_pair(record.fence,
                       Status(make_error(error_code::kClosed,
                                         "fence " + std::to_string(record.fence) +
                                             " was never submitted: the ring closed first"))));
    record.on_complete = nullptr;
    free_slot_locked(record);
  }
  wake_fence_waiters_locked();
  // Rejected acquires and commits hear it now, not after the wait below.
  lock.unlock();
  run(deferred);
  deferred = Deferred{};
  lock.lock();

  const auto start = Clock::now();
  const auto deadline = deadline_after(start, timeout_ms);
  ++fence_waiters_;
  update_attention_locked();
  // Sequentially consistent: read after publishing attention_ (Dekker, see ring.hpp).
  while (completed_.load(std::memory_order_seq_cst) < submitted_.load(std::memory_order_relaxed)) {
    if (deadline && Clock::now() >= *deadline) break;
    if (deadline) {
      fence_changed_.wait_until(lock, *deadline);
    } else {
      fence_changed_.wait(lock);
    }
  }
  --fence_waiters_;
  update_attention_locked();

  const std::uint64_t submitted = submitted_.load(std::memory_order_relaxed);
  const std::uint64_t completed = completed_.load(std::memory_order_relaxed);
  // A fence retire() is delivering (kRetiring) keeps that outcome; every other
  // one in flight is abandoned, and exactly those get CLOSE_TIMEOUT. When the
  // deadline finds only retiring fences, nothing is abandoned: the close drained.
  if (completed < submitted) {
    for (SlotRecord& record : slots_) {
      // A compare-exchange: a retire that got there first (kRetiring) keeps its fence.
      SlotState expected = SlotState::kInFlight;
      if (record.state.compare_exchange_strong(expected, SlotState::kAbandoned)) {
        abandoned_fences_.insert(record.fence);
      }
    }
  }
  const bool gave_up = !abandoned_fences_.empty();
  if (gave_up) {
    abandoned_ =
        make_error(error_code::kCloseTimeout,
                   "close gave up after " + format_number(timeout_ms) + " ms with " +
                       std::to_string(abandoned_fences_.size()) +
                       " fence(s) still in flight (submitted=" + std::to_string(submitted) +
                       ", completed=" + std::to_string(completed) + ")");
    for (SlotRecord& record : slots_) {
      if (record.state.load() != SlotState::kAbandoned) continue;
      deferred.completions.emplace_back(std::move(record.on_complete),
                                        std::make_pair(record.fence, abandoned_));
      record.on_complete = nullptr;
    }
    wake_fence_waiters_locked();
  }
  lock.unlock();

  run(deferred);
  backend_->shutdown(gave_up);

  lock.lock();
  closed_.store(true);
  if (completions_) completions_->close();
  close_result_ = abandoned_;
  wake_fence_waiters_locked();
  return close_result_;
}

std::uint64_t Ring::abandoned_fences() const {
  std::lock_guard lock(mutex_);
  return abandoned_ ? abandoned_fences_.size() : 0;
}

void Ring::run(Deferred& deferred, bool delivered_before, BatchWake wake) {
  for (const WaitEvent& event : deferred.waits) wait_log_(event);
  for (auto& [callback, fence_and_outcome] : deferred.completions) {
    if (!callback) continue;
    CallbackScope scope;
    const Status& outcome = fence_and_outcome.second;
    callback(fence_and_outcome.first, outcome ? &*outcome : nullptr);
  }
  for (auto& [callback, outcome] : deferred.acquires) {
    CallbackScope scope;
    callback(std::move(outcome));
  }
  const bool delivered = delivered_before || !deferred.waits.empty() ||
                         !deferred.completions.empty() || !deferred.acquires.empty();
  if (delivered && callbacks_delivered_) {
    callbacks_delivered_(wake);
    // Relaxed: only a hint for retire(); a stale read delays one batch by one command at most.
    wake_owed_.store(wake == BatchWake::kWithNext, std::memory_order_relaxed);
  }
}

}  // namespace ringkit::cmdring
