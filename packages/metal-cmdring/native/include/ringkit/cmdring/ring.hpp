// The command ring: N slots handed out in order, each reused only after the
// device has completed the fence of its last use. `submitted` and `completed`
// are monotonic fence counters; acquisition k waits for completed ≥ k + 1 − N.
//
// With priority levels (config.priority_levels > 1) each commit names a level and
// the backend runs the highest non-empty level first, so fences retire out of
// order across levels (within a level, in fence order). Fences are still handed
// out in acquisition order and reach the backend in fence order; what changes:
// a slot is free when its own last fence retired (acquires take the slot free
// longest), `completed` is the watermark below which every fence retired, and
// each fence above it is settled on its own (wait_for_fence, callbacks and
// completion records say what that fence did). LAYOUT.md spells out the rules.
//
//   acquire ──▶ record ops into the slot ──▶ commit ──▶ device ──▶ completion
//      ▲                                                               │
//      └──────────── the slot is free again (completed ≥ its fence) ◀──┘
//
// Two ways to wait for a slot: acquire() blocks the calling thread (workers,
// tests); acquire_async() never blocks and settles a callback from whichever
// thread frees the slot (the Node addon forwards it through a thread-safe
// function). Both queue in one FIFO, so slots go out in request order.
//
// Callbacks run without the ring's lock held and may call back into the ring
// (commit, acquire_async), but must not wait on it: a blocking acquire there
// could wait for a completion only that thread delivers, and close() would
// join the thread it runs on (it refuses with INVALID_STATE).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <stop_token>
#include <vector>

#include "ringkit/cmdring/backend.hpp"
#include "ringkit/cmdring/completion_ring.hpp"
#include "ringkit/cmdring/config.hpp"
#include "ringkit/cmdring/errors.hpp"
#include "ringkit/cmdring/result.hpp"
#include "ringkit/cmdring/slot.hpp"
#include "ringkit/cmdring/statistics.hpp"

namespace ringkit::cmdring {

// Settles a pending acquire_async exactly once: a slot, or ACQUIRE_TIMEOUT,
// ABORTED, POISONED (cause: the failed command) or CLOSED.
using AcquireCallback = std::function<void(Result<Slot>)>;
// Once per committed fence, before its slot can be handed out again (so the
// slot's results are stable for the duration of the call: copy what you need).
// `error` is null on success.
using CompletionCallback = std::function<void(std::uint64_t fence, const Error* error)>;
// Where log_wait_events goes; without one, a line on stderr.
using WaitLog = std::function<void(const WaitEvent&)>;

using WaiterId = std::uint64_t;

// How soon a batch of callbacks must reach the thread they are forwarded to.
enum class BatchWake : std::uint8_t {
  // Wake it now: any error, close, timeout or abort; a fence's outcome with no
  // acquire waiting (someone may be waiting for that very fence); a slot while
  // the device is about to run dry.
  kNow,
  // The batch hands slots to waiting acquires (with the fences that freed them,
  // or that completed while a held-back slot waits) while more than half the ring
  // is still in flight: the device has that much work queued past this wake-up,
  // so waking now buys no device time. It may wait for the next batch, which the
  // next completion delivers — within one command, and with kNow at the latest
  // once half the ring or less is in flight (so never for a ring of 1 or 2), even
  // if that completion has nothing of its own to deliver. One wake-up then hands
  // out several slots: up to half the ring.
  kWithNext,
};

struct AsyncAcquire {
  // Set when the acquire settled at once (a free slot, or a poisoned or closed
  // ring); the callback is then never called.
  std::optional<Result<Slot>> settled;
  // Otherwise the pending acquire, to end early with expire_acquire / abort_acquire.
  WaiterId waiter = 0;
};

class Ring final : private CompletionSink {
 public:
  // Starts the backend with ring_size slots. `statistics_memory` (layout.hpp)
  // receives the statistics; without it the ring keeps them in its own memory.
  // `completion_memory`, when given, is a completion ring (completion_ring.hpp)
  // that receives one record per fence the device reports.
  // Throws Failure(INVALID_OPTIONS) for a bad config or memory block, or whatever
  // the backend throws when it cannot start.
  Ring(const RingConfig& config, std::unique_ptr<Backend> backend,
       std::span<std::byte> statistics_memory = {}, WaitLog wait_log = {},
       std::span<std::byte> completion_memory = {});
  // Closes the ring if close() was not called, waiting for in-flight work up to
  // config.timeout_ms (0: without limit, as for acquires).
  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  // The next slot, waiting while its last fence is in flight: polling for up to
  // config.spin_us, then asleep. `timeout_ms` overrides config.timeout_ms (0
  // waits without limit); `abort` ends the wait with ABORTED. Errors: ACQUIRE_TIMEOUT (counted),
  // ABORTED, POISONED, CLOSED, INVALID_OPTIONS for a bad timeout.
  Result<Slot> acquire(std::optional<double> timeout_ms = std::nullopt, std::stop_token abort = {});

  // Never blocks. Either settles at once or queues `on_settled`, which runs on the
  // thread that frees the slot (the backend's completion thread), or on the
  // thread that calls expire_acquire / abort_acquire / close, or on the one whose
  // failed command poisons the ring.
  AsyncAcquire acquire_async(AcquireCallback on_settled);
  // End a pending acquire_async with ACQUIRE_TIMEOUT (counted) or ABORTED; the
  // callback runs on this thread before the call returns. False when it had
  // already settled (its callback has run or is running elsewhere).
  bool expire_acquire(WaiterId waiter, double timeout_ms);
  bool abort_acquire(WaiterId waiter);

  // Hands the slot back: its recorded work goes to the device in fence order (a
  // slot committed before an earlier one is held until that one is committed),
  // at `priority` (0, the lowest, to priority_levels − 1). Never waits for the
  // device. An error (INVALID_SLOT, INVALID_OPTIONS for a priority out of range,
  // POISONED, CLOSED) means the commit was refused and `on_complete` will not be
  // called; otherwise it is called once, with the fence's outcome.
  [[nodiscard]] Status commit(Slot slot, CompletionCallback on_complete = {},
                              std::uint32_t priority = 0);

  // Blocks until `fence` is done: empty when it completed, else COMMAND_FAILED
  // (it failed), POISONED (an earlier one failed), CLOSED (never submitted before
  // close) or CLOSE_TIMEOUT (close gave up on it). Or the wait ends first:
  // WAIT_TIMEOUT, ABORTED; INVALID_SLOT for a fence no acquire handed out.
  [[nodiscard]] Status wait_for_fence(std::uint64_t fence,
                                      std::optional<double> timeout_ms = std::nullopt,
                                      std::stop_token abort = {});

  // Refuses new acquires, settles pending ones with CLOSED, waits up to
  // `timeout_ms` (0: without limit) for in-flight fences, then stops the backend
  // and joins its threads. On timeout the remaining fences settle with
  // CLOSE_TIMEOUT and so does the result. Idempotent: later calls (or a second
  // thread's) return the first call's result. INVALID_STATE from a callback.
  Status close(double timeout_ms = 0);
  // The fences close gave up on: each settled (its callback, wait_for_fence) with
  // CLOSE_TIMEOUT, even one the device finished afterwards. 0 until close gives up.
  std::uint64_t abandoned_fences() const;

  std::uint64_t submitted() const noexcept { return submitted_.load(std::memory_order_acquire); }
  // Every fence up to this one retired. Round-robin: the highest fence retired;
  // with priorities a later fence may have retired too (wait_for_fence asks one).
  std::uint64_t completed() const noexcept { return completed_.load(std::memory_order_acquire); }
  // How many fences retired (the statistics' completed_fences): completed() in
  // round-robin, and at least that with priorities.
  std::uint64_t retired() const;
  // Acquires queued for a slot right now (both kinds).
  std::size_t pending_acquires() const;
  // The COMMAND_FAILED error that poisoned the ring, if one did.
  std::optional<Error> poison() const;
  // Called on the callbacks' thread after each batch of callbacks (the ones one
  // event settles: a fence's completion and the acquire it frees, say), so a
  // binding that forwards callbacks to another thread can wake it once per
  // batch rather than once per callback, and with kWithNext, once per several
  // batches (BatchWake). Set before the first acquire.
  void on_callbacks_delivered(std::function<void(BatchWake)> hook) {
    callbacks_delivered_ = std::move(hook);
  }
  Statistics statistics() const noexcept { return statistics_.snapshot(); }
  const RingConfig& config() const noexcept { return config_; }
  Backend& backend() noexcept { return *backend_; }

 private:
  using Clock = std::chrono::steady_clock;

  // kRetiring: retire() took the fence's callback and is delivering it outside
  // the lock; close can no longer abandon it, and the slot is not free yet.
  // kAbandoned: close gave up on the fence (it settled with CLOSE_TIMEOUT); a late
  // report still frees the slot. In flight → retiring and in flight → abandoned are
  // compare-exchanges, so a retire without the lock and close agree on who settles it.
  enum class SlotState : std::uint8_t {
    kFree,
    kAcquired,
    kCommitted,
    kInFlight,
    kRetiring,
    kAbandoned,
  };

  // What the JS thread and the completion thread write, each on lines of its own: the
  // acquiring thread fills slot k while the executor retires slot k − 1.
  static constexpr std::size_t kLineBytes = 128;

  struct alignas(kLineBytes) SlotRecord {
    std::atomic<SlotState> state{SlotState::kFree};
    std::uint64_t fence = 0;
    std::uint32_t priority = 0;
    CompletionCallback on_complete;
  };

  struct Waiter {
    WaiterId id = 0;
    Clock::time_point since;
    AcquireCallback callback;                        // acquire_async
    std::condition_variable* wake = nullptr;         // acquire: the waiting thread's own
    std::optional<Result<Slot>>* outcome = nullptr;  // acquire: where the settler writes
    std::atomic<bool>* settled = nullptr;            // acquire: what it polls before sleeping
    bool sleeping = false;                           // acquire: needs a notify, not just `settled`
  };

  // Work found under the lock and done after releasing it, so callbacks and logs
  // never run with the lock held.
  struct Deferred {
    std::vector<std::pair<AcquireCallback, Result<Slot>>> acquires;
    std::vector<std::pair<CompletionCallback, std::pair<std::uint64_t, Status>>> completions;
    std::vector<WaitEvent> waits;
  };

  void on_completed(std::uint64_t fence, const CommandReport& report) override;
  void on_failed(std::uint64_t fence, Error error, const CommandReport& report) override;
  void retire(std::uint64_t fence, Status failure, const CommandReport& report);
  // retire()'s common case (round-robin, success, attention_ clear) without the lock; false
  // when the fence needs the locked path after all.
  bool retire_unlocked(std::uint64_t fence, const CommandReport& report);
  // kWithNext or kNow for a batch (BatchWake): `slot_waiting`, a slot granted now or held back.
  BatchWake batch_wake(bool slot_waiting, bool quiet) const noexcept;
  // Publishes whether a retire must take the lock: someone waits (an acquire, a fence
  // waiter, close) or the ring is closing or poisoned.
  void update_attention_locked() noexcept;
  // retire()'s second half: frees the slot, moves the watermark, grants waiters; says how
  // the batch's delivery should wake JS.
  BatchWake free_retired_locked(SlotRecord& record, std::uint64_t fence, const Status& outcome,
                                bool wake_owed, Deferred& deferred);

  bool prioritised() const noexcept { return config_.priority_levels > 1; }
  bool slot_free_locked(std::uint64_t ticket) const noexcept;
  bool slot_available_locked() const noexcept;
  void free_slot_locked(SlotRecord& record);
  bool fence_retired_locked(std::uint64_t fence) const;
  std::uint32_t index_of(const SlotRecord& record) const noexcept {
    return static_cast<std::uint32_t>(&record - slots_.data());
  }
  Slot take_slot_locked(std::optional<Clock::time_point> waited_since, Deferred& deferred);
  void grant_waiters_locked(Deferred& deferred);
  void settle_waiter_locked(std::list<Waiter>::iterator waiter, Result<Slot> outcome,
                            Deferred& deferred);
  void flush_committed_locked(Deferred& deferred);
  void poison_locked(Error failure, std::uint64_t fence, Deferred& deferred);
  std::optional<Error> refusal_locked() const;
  Error poisoned_error_locked() const;
  Status fence_outcome_locked(std::uint64_t fence) const;
  bool fence_settled_locked(std::uint64_t fence) const noexcept;
  void wake_fence_waiters_locked();
  // `delivered_before`: a callback already ran outside `deferred` (retire's own).
  void run(Deferred& deferred, bool delivered_before = false, BatchWake wake = BatchWake::kNow);
  // The slot record holding `fence` (acquired, committed, in flight or retiring),
  // or null when no slot holds it.
  SlotRecord* holding_locked(std::uint64_t fence) noexcept;

  const RingConfig config_;
  const std::unique_ptr<Backend> backend_;
  std::unique_ptr<std::byte[]> owned_statistics_;
  StatisticsBlock statistics_;
  WaitLog wait_log_;
  std::function<void(BatchWake)> callbacks_delivered_;
  // The last batch went to the hook with kWithNext: a later completion owes it a
  // wake-up even if that completion delivers nothing itself (a submit's fence).
  std::atomic<bool> wake_owed_{false};
  // Written under mutex_ (the one producer), as fences retire.
  std::optional<CompletionProducer> completions_;

  // Locked: acquires, commits, waiters, poison and close decide together (the backend's
  // submission ring below it and the completion ring take no lock). The executor's
  // common retire takes no lock (retire_unlocked): it moves its slot in flight →
  // retiring → free with atomics and publishes `completed_`; it takes the lock only when
  // `attention_` says someone must hear of it. Dekker's pattern keeps that check
  // honest: a waiter publishes attention_ and then re-reads completed_, the retire
  // publishes completed_ and then reads attention_ (both sequentially consistent), so
  // at least one of them sees the other.
  alignas(kLineBytes) mutable std::mutex mutex_;
  // Read by every retire, written only when it changes.
  alignas(kLineBytes) std::atomic<bool> attention_{false};
  std::vector<SlotRecord> slots_;
  std::list<Waiter> waiters_;  // FIFO: the front gets the next slot
  WaiterId next_waiter_id_ = 1;
  std::uint64_t next_ticket_ = 0;  // acquisitions handed out; the next gets fence next_ticket_ + 1
  // Fences retired, in any order. Written by the completion thread only (with or
  // without the lock), read anywhere.
  alignas(kLineBytes) std::atomic<std::uint64_t> retired_{0};
  // Priority levels only. The free slots, freed longest ago first (round-robin
  // needs none: its slots free in turn). The fences above completed_ that retired
  // already; the watermark moves up through them.
  std::deque<std::uint32_t> free_slots_;
  std::set<std::uint64_t> retired_ahead_;
  // Fences after the poisoning one that retired before it failed: they did complete,
  // and said so, so they never read POISONED.
  std::set<std::uint64_t> retired_past_poison_;
  // submitted_ is written under mutex_; completed_ by the completion thread, under mutex_
  // or (retire_unlocked) not. Both are read without it by submitted()/completed().
  alignas(kLineBytes) std::atomic<std::uint64_t> submitted_{0};
  alignas(kLineBytes) std::atomic<std::uint64_t> completed_{0};
  std::shared_ptr<const Error> poison_;  // the COMMAND_FAILED error, once one happened
  std::uint64_t poison_fence_ = 0;
  // One condition for fence waiters and close(); notified only when someone waits.
  std::condition_variable fence_changed_;
  std::uint32_t fence_waiters_ = 0;
  bool closing_ = false;
  std::atomic<bool> closed_{false};  // read by retire_unlocked
  std::optional<Error> abandoned_;   // close gave up: in-flight fences settle with this
  // The abandoned fences, decided once under the lock (every fence in flight but
  // not retiring), so the report never depends on completions that come later.
  std::set<std::uint64_t> abandoned_fences_;
  Status close_result_;
};

}  // namespace ringkit::cmdring
