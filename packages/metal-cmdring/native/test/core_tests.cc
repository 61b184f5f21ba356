// The ring's behaviour over a hand-driven backend: every wait, completion and
// failure happens when the test says, so the figures are exact.
#include <cmath>
#include <cstring>
#include <future>
#include <limits>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "check.hpp"
#include "ringkit/cmdring/backends.hpp"
#include "ringkit/cmdring/layout.hpp"
#include "ringkit/cmdring/ring.hpp"
#include "test_support.hpp"

using namespace ringkit::cmdring;
using namespace cmdring_test;

namespace {

// An acquire_async whose outcome the test can wait for.
struct PendingAcquire {
  std::promise<Result<Slot>> promise;
  std::future<Result<Slot>> future = promise.get_future();
  WaiterId waiter = 0;

  void start(Ring& ring) {
    AsyncAcquire attempt =
        ring.acquire_async([this](Result<Slot> outcome) { promise.set_value(std::move(outcome)); });
    if (attempt.settled) {
      promise.set_value(std::move(*attempt.settled));
    } else {
      waiter = attempt.waiter;
    }
  }
  bool settled() { return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }
  Result<Slot> get() {
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      throw CheckFailed("an async acquire did not settle within 10 s");
    }
    return future.get();
  }
};

}  // namespace

CMDRING_TEST("core",
             "statistics are exact for a scripted sequence of acquires, waits and commits") {
  ManualRing manual(ring_of(2));
  Ring& ring = *manual.ring;

  const Slot first = must_acquire(ring);
  CHECK_EQ(first.index, 0u);
  CHECK_EQ(first.fence, 1u);
  must_commit(ring, first);
  const Slot second = must_acquire(ring);
  CHECK_EQ(second.index, 1u);
  CHECK_EQ(second.fence, 2u);
  must_commit(ring, second);

  // Both slots in flight: the third acquisition waits for fence 1.
  PendingAcquire third;
  third.start(ring);
  CHECK(!third.settled());
  CHECK_EQ(ring.pending_acquires(), 1u);
  CHECK_EQ(manual.backend->complete_next(), 1u);
  Result<Slot> third_slot = third.get();
  CHECK(third_slot.ok());
  CHECK_EQ(third_slot.value().index, 0u);
  CHECK_EQ(third_slot.value().fence, 3u);
  must_commit(ring, third_slot.value());

  // A blocking acquire waits for fence 2 for at least 20 ms.
  std::promise<Result<Slot>> fourth_promise;
  std::jthread fourth_thread([&] { fourth_promise.set_value(ring.acquire()); });
  CHECK(eventually([&] { return ring.pending_acquires() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_EQ(manual.backend->complete_next(), 2u);
  fourth_thread.join();
  Result<Slot> fourth = fourth_promise.get_future().get();
  CHECK(fourth.ok());
  CHECK_EQ(fourth.value().index, 1u);
  CHECK_EQ(fourth.value().fence, 4u);
  must_commit(ring, fourth.value());

  CHECK_EQ(manual.backend->complete_next(), 3u);
  CHECK_EQ(manual.backend->complete_next(), 4u);
  const Slot fifth = must_acquire(ring);  // slot 0 is free: no wait
  CHECK_EQ(fifth.fence, 5u);

  const Statistics stats = ring.statistics();
  CHECK_EQ(stats.total_acquisitions, 5u);
  CHECK_EQ(stats.total_releases, 4u);
  CHECK_EQ(stats.wait_events, 2u);
  CHECK_EQ(stats.reuse_rate, 1.0 - 2.0 / 5.0);
  CHECK_EQ(stats.ring_size, 2u);
  CHECK_EQ(stats.current_index, 1u);  // acquisition 6 would get slot 1
  CHECK_EQ(stats.acquire_timeouts, 0u);
  CHECK_EQ(stats.submitted_fences, 4u);
  CHECK_EQ(stats.completed_fences, 4u);
  CHECK_MSG(stats.total_wait_ms >= 20 && stats.total_wait_ms < 5000,
            "total_wait_ms=" << stats.total_wait_ms);
  CHECK_EQ(stats.avg_wait_ms, stats.total_wait_ms / 2);
  CHECK_EQ(ring.submitted(), 4u);
  CHECK_EQ(ring.completed(), 4u);
}

CMDRING_TEST("core",
             "the statistics block in caller memory reads back field by field at the "
             "documented offsets") {
  alignas(8) std::byte memory[layout::kByteLength];
  std::memset(memory, 0xff, sizeof memory);
  auto backend = std::make_unique<ManualBackend>();
  ManualBackend* manual = backend.get();
  Ring ring(ring_of(3), std::move(backend), memory);
  must_commit(ring, must_acquire(ring));
  manual->complete_next();
  static_cast<void>(must_acquire(ring));

  auto u32_at = [&](std::size_t offset) {
    std::uint32_t value;
    std::memcpy(&value, memory + offset, 4);
    return value;
  };
  auto f64_at = [&](std::size_t offset) {
    double value;
    std::memcpy(&value, memory + offset, 8);
    return value;
  };
  namespace counter = layout::counter;
  CHECK_EQ(u32_at(layout::word::kMagic), layout::kMagic);
  CHECK_EQ(u32_at(layout::word::kVersion), layout::kVersion);
  CHECK_EQ(u32_at(layout::word::kRingSize), 3u);
  CHECK_EQ(u32_at(layout::word::kFlags), layout::flags::kTrackStatistics);
  CHECK_EQ(f64_at(counter::kTotalAcquisitions), 2.0);
  CHECK_EQ(f64_at(counter::kTotalReleases), 1.0);
  CHECK_EQ(f64_at(counter::kWaitEvents), 0.0);
  CHECK_EQ(f64_at(counter::kTotalWaitMs), 0.0);
  CHECK_EQ(f64_at(counter::kAcquireTimeouts), 0.0);
  CHECK_EQ(f64_at(counter::kCurrentIndex), 2.0);
  CHECK_EQ(f64_at(counter::kSubmittedFences), 1.0);
  CHECK_EQ(f64_at(counter::kCompletedFences), 1.0);

  // What the addon hands to test/layout.test.ts names every constant once (the fields' order,
  // spacing and bounds are static_asserts in layout.hpp).
  std::set<std::string_view> names;
  std::size_t constants = 0;
  layout::for_each_constant([&](const char* name, double) {
    ++constants;
    CHECK_MSG(names.insert(name).second, "duplicate name " << name);
  });
  CHECK_EQ(names.size(), constants);
}

CMDRING_TEST("core", "with track_statistics off the counters stay at zero but fences are kept") {
  RingConfig config = ring_of(1);
  config.track_statistics = false;
  ManualRing manual(config);
  must_commit(*manual.ring, must_acquire(*manual.ring));
  PendingAcquire waiting;
  waiting.start(*manual.ring);
  manual.backend->complete_next();
  CHECK(waiting.get().ok());
  const Statistics stats = manual.ring->statistics();
  CHECK_EQ(stats.total_acquisitions, 0u);
  CHECK_EQ(stats.total_releases, 0u);
  CHECK_EQ(stats.wait_events, 0u);
  CHECK_EQ(stats.reuse_rate, 1.0);
  CHECK_EQ(stats.submitted_fences, 1u);
  CHECK_EQ(stats.completed_fences, 1u);
}

CMDRING_TEST("core",
             "an acquire that gets no slot in time fails with ACQUIRE_TIMEOUT and is "
             "counted") {
  RingConfig config = ring_of(1);
  config.timeout_ms = 25;  // the default for acquires that pass none
  ManualRing manual(config);
  Ring& ring = *manual.ring;
  must_commit(ring, must_acquire(ring));

  auto start = Clock::now();
  Result<Slot> by_argument = ring.acquire(40.0);
  double waited = ms_since(start);
  CHECK(!by_argument.ok());
  CHECK_EQ(by_argument.error().code, error_code::kAcquireTimeout);
  CHECK_MSG(by_argument.error().message.find("40 ms") != std::string::npos,
            by_argument.error().message);
  CHECK_MSG(waited >= 40 && waited < 2000, "waited " << waited << " ms");

  start = Clock::now();
  Result<Slot> by_config = ring.acquire();
  waited = ms_since(start);
  CHECK_EQ(by_config.error().code, error_code::kAcquireTimeout);
  CHECK_MSG(waited >= 25 && waited < 2000, "waited " << waited << " ms");

  // Polling before sleeping never outlasts the timeout.
  ManualRing spinning([] {
    RingConfig spin_config = ring_of(1);
    spin_config.spin_us = kMaxSpinUs;
    return spin_config;
  }());
  must_commit(*spinning.ring, must_acquire(*spinning.ring));
  start = Clock::now();
  CHECK_EQ(spinning.ring->acquire(30.0).error().code, error_code::kAcquireTimeout);
  waited = ms_since(start);
  CHECK_MSG(waited >= 30 && waited < 500, "waited " << waited << " ms with spin_us=1e6");

  PendingAcquire pending;
  pending.start(ring);
  CHECK(!pending.settled());
  CHECK(ring.expire_acquire(pending.waiter, 100));
  CHECK(pending.settled());  // the callback ran on this thread, inside expire_acquire
  CHECK_EQ(pending.get().error().code, error_code::kAcquireTimeout);
  CHECK(!ring.expire_acquire(pending.waiter, 100));  // settled already

  const Statistics stats = ring.statistics();
  CHECK_EQ(stats.acquire_timeouts, 3u);
  CHECK_EQ(stats.total_acquisitions, 1u);
  CHECK_EQ(stats.wait_events, 0u);
  CHECK_EQ(ring.pending_acquires(), 0u);
  // The ring still works once the slot comes back.
  manual.backend->complete_next();
  CHECK(ring.acquire().ok());
}

CMDRING_TEST("core", "an abort signal ends a waiting acquire with ABORTED") {
  ManualRing manual(ring_of(1));
  Ring& ring = *manual.ring;
  must_commit(ring, must_acquire(ring));

  std::stop_source abort;
  std::promise<Result<Slot>> outcome;
  std::jthread waiter([&] { outcome.set_value(ring.acquire(std::nullopt, abort.get_token())); });
  CHECK(eventually([&] { return ring.pending_acquires() == 1; }));
  abort.request_stop();
  waiter.join();
  Result<Slot> aborted = outcome.get_future().get();
  CHECK_EQ(aborted.error().code, error_code::kAborted);

  // Already aborted: refused without waiting, even with a slot in flight.
  Result<Slot> refused = ring.acquire(std::nullopt, abort.get_token());
  CHECK_EQ(refused.error().code, error_code::kAborted);

  PendingAcquire pending;
  pending.start(ring);
  CHECK(ring.abort_acquire(pending.waiter));
  CHECK_EQ(pending.get().error().code, error_code::kAborted);
  CHECK(!ring.abort_acquire(pending.waiter));
  CHECK_EQ(ring.pending_acquires(), 0u);
  CHECK_EQ(ring.statistics().acquire_timeouts, 0u);
}

CMDRING_TEST("core",
             "a failed command poisons the ring: its own callback gets the failure, "
             "pending and later acquires get POISONED with it as the cause") {
  ManualRing manual(ring_of(2));
  Ring& ring = *manual.ring;
  CompletionLog log;
  must_commit(ring, must_acquire(ring), log.callback());
  must_commit(ring, must_acquire(ring), log.callback());
  PendingAcquire async_waiter;
  async_waiter.start(ring);
  std::promise<Result<Slot>> sync_outcome;
  std::jthread sync_waiter([&] { sync_outcome.set_value(ring.acquire()); });
  CHECK(eventually([&] { return ring.pending_acquires() == 2; }));

  manual.backend->fail_next("injected failure");
  sync_waiter.join();

  CHECK_EQ(log.code_of(1), error_code::kCommandFailed);
  for (const Result<Slot>& rejected : {async_waiter.get(), sync_outcome.get_future().get()}) {
    CHECK_EQ(rejected.error().code, error_code::kPoisoned);
    CHECK(rejected.error().cause != nullptr);
    CHECK_EQ(rejected.error().cause->code, error_code::kCommandFailed);
    CHECK_MSG(rejected.error().cause->message.find("injected failure") != std::string::npos,
              rejected.error().cause->message);
  }
  // Fence 2 was already on the device: it completes, but reports the poison.
  manual.backend->complete_next();
  CHECK_EQ(log.code_of(2), error_code::kPoisoned);

  Result<Slot> later = ring.acquire();
  CHECK_EQ(later.error().code, error_code::kPoisoned);
  CHECK(later.error().cause != nullptr);
  AsyncAcquire later_async = ring.acquire_async([](Result<Slot>) {});
  CHECK(later_async.settled.has_value());
  CHECK_EQ(later_async.settled->error().code, error_code::kPoisoned);

  CHECK(ring.poison().has_value());
  CHECK_EQ(ring.wait_for_fence(1)->code, error_code::kCommandFailed);
  CHECK_EQ(ring.wait_for_fence(2)->code, error_code::kPoisoned);
  CHECK(!ring.close().has_value());
}

CMDRING_TEST("core",
             "a submit the backend refuses poisons the ring through the commit's "
             "callback") {
  ManualRing manual(ring_of(2));
  Ring& ring = *manual.ring;
  CompletionLog log;
  manual.backend->fail_submit_of(2);
  must_commit(ring, must_acquire(ring), log.callback());
  const Slot second = must_acquire(ring);
  CHECK(!ring.commit(second, log.callback()).has_value());  // accepted; the outcome is a callback
  CHECK_EQ(log.code_of(2), error_code::kCommandFailed);
  CHECK_EQ(ring.acquire().error().code, error_code::kPoisoned);
  CHECK_EQ(ring.wait_for_fence(2)->code, error_code::kCommandFailed);
  manual.backend->complete_next();
  CHECK_EQ(log.code_of(1), "");
  CHECK(!ring.wait_for_fence(1).has_value());
}

CMDRING_TEST("core", "slots committed out of order reach the backend in fence order") {
  ManualRing manual(ring_of(3));
  Ring& ring = *manual.ring;
  const Slot a = must_acquire(ring);
  const Slot b = must_acquire(ring);
  const Slot c = must_acquire(ring);
  must_commit(ring, c);
  must_commit(ring, b);
  CHECK(manual.backend->submitted().empty());
  CHECK_EQ(ring.submitted(), 0u);
  must_commit(ring, a);
  CHECK(manual.backend->submitted() == std::vector<std::uint64_t>({1, 2, 3}));
  CHECK_EQ(ring.submitted(), 3u);
  CHECK_EQ(ring.statistics().total_releases, 3u);
}

CMDRING_TEST("core", "commit refuses a slot that is not held, naming it") {
  ManualRing manual(ring_of(2));
  Ring& ring = *manual.ring;
  const Slot slot = must_acquire(ring);
  must_commit(ring, slot);
  Status twice = ring.commit(slot);
  CHECK_EQ(twice->code, error_code::kInvalidSlot);
  CHECK_MSG(twice->message.find("slot 0 with fence 1") != std::string::npos, twice->message);
  Status wrong_fence = ring.commit(Slot{1, 7});
  CHECK_EQ(wrong_fence->code, error_code::kInvalidSlot);
  Status out_of_range = ring.commit(Slot{9, 1});
  CHECK_EQ(out_of_range->code, error_code::kInvalidSlot);
  CHECK_MSG(out_of_range->message.find("slot index 9") != std::string::npos, out_of_range->message);
  CHECK_EQ(ring.statistics().total_releases, 1u);
}

CMDRING_TEST("core",
             "wait_for_fence returns when the fence completes, times out, and refuses "
             "fences never handed out") {
  ManualRing manual(ring_of(2));
  Ring& ring = *manual.ring;
  const Slot slot = must_acquire(ring);
  must_commit(ring, slot);
  Status timed_out = ring.wait_for_fence(slot.fence, 20.0);
  CHECK_EQ(timed_out->code, error_code::kWaitTimeout);
  std::jthread completer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    manual.backend->complete_next();
  });
  CHECK(!ring.wait_for_fence(slot.fence).has_value());
  completer.join();
  CHECK(!ring.wait_for_fence(0).has_value());
  CHECK_EQ(ring.wait_for_fence(5)->code, error_code::kInvalidSlot);
  std::stop_source abort;
  abort.request_stop();
  const Slot held = must_acquire(ring);
  must_commit(ring, held);
  CHECK_EQ(ring.wait_for_fence(held.fence, std::nullopt, abort.get_token())->code,
           error_code::kAborted);
}

CMDRING_TEST("core", "log_wait_events reports slot, fence and milliseconds for each wait") {
  RingConfig config = ring_of(1);
  config.log_wait_events = true;
  std::mutex mutex;
  std::vector<WaitEvent> events;
  ManualRing manual(config, [&](const WaitEvent& event) {
    std::lock_guard lock(mutex);
    events.push_back(event);
  });
  Ring& ring = *manual.ring;
  must_commit(ring, must_acquire(ring));
  PendingAcquire waiting;
  waiting.start(ring);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  manual.backend->complete_next();
  CHECK(waiting.get().ok());
  std::lock_guard lock(mutex);
  CHECK_EQ(events.size(), 1u);
  CHECK_EQ(events[0].slot, 0u);
  CHECK_EQ(events[0].fence, 2u);
  CHECK_MSG(events[0].wait_ms >= 5, "wait_ms=" << events[0].wait_ms);
}

CMDRING_TEST("core",
             "close settles pending acquires with CLOSED, waits for in-flight fences, "
             "then refuses everything") {
  ManualRing manual(ring_of(1));
  Ring& ring = *manual.ring;
  CompletionLog log;
  must_commit(ring, must_acquire(ring), log.callback());
  PendingAcquire pending;
  pending.start(ring);

  std::promise<Status> closed;
  std::jthread closer([&] { closed.set_value(ring.close()); });
  CHECK_EQ(pending.get().error().code, error_code::kClosed);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK_EQ(manual.backend->shutdowns(), 0);  // still waiting for fence 1
  manual.backend->complete_next();
  closer.join();
  CHECK(!closed.get_future().get().has_value());
  CHECK_EQ(log.code_of(1), "");
  CHECK_EQ(manual.backend->shutdowns(), 1);
  CHECK(!manual.backend->abandoned());

  CHECK_EQ(ring.acquire().error().code, error_code::kClosed);
  CHECK_EQ(ring.commit(Slot{0, 2})->code, error_code::kClosed);
  CHECK(!ring.close().has_value());  // idempotent
  CHECK_EQ(manual.backend->shutdowns(), 1);
}

CMDRING_TEST("core",
             "close gives up after its timeout: in-flight fences and the result are "
             "CLOSE_TIMEOUT, and a late completion is ignored") {
  ManualRing manual(ring_of(2));
  Ring& ring = *manual.ring;
  CompletionLog log;
  must_commit(ring, must_acquire(ring), log.callback());
  const Slot held = must_acquire(ring);  // acquired, never committed
  const auto start = Clock::now();
  Status closed = ring.close(30);
  const double waited = ms_since(start);
  CHECK(closed.has_value());
  CHECK_EQ(closed->code, error_code::kCloseTimeout);
  CHECK_MSG(closed->message.find("1 fence(s) still in flight") != std::string::npos,
            closed->message);
  CHECK_MSG(waited >= 30 && waited < 2000, "waited " << waited << " ms");
  CHECK_EQ(log.code_of(1), error_code::kCloseTimeout);
  CHECK(manual.backend->abandoned());
  CHECK_EQ(ring.wait_for_fence(1)->code, error_code::kCloseTimeout);
  CHECK_EQ(ring.wait_for_fence(held.fence)->code, error_code::kClosed);
  CHECK_EQ(ring.abandoned_fences(), 1u);
  manual.backend->complete_next();  // a backend that reports anyway changes nothing
  CHECK_EQ(log.size(), 1u);
  CHECK_EQ(ring.close()->code, error_code::kCloseTimeout);
  CHECK_EQ(ring.wait_for_fence(1)->code, error_code::kCloseTimeout);
  CHECK_EQ(ring.abandoned_fences(), 1u);
}

CMDRING_TEST("core",
             "close does not abandon a fence whose completion is being delivered when it gives "
             "up: it counts and rejects exactly the fences after it") {
  ManualRing manual(ring_of(3));
  Ring& ring = *manual.ring;
  CompletionLog log;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  must_commit(ring, must_acquire(ring), [&](std::uint64_t fence, const Error* error) {
    entered.set_value();
    released.wait();  // fence 1 is being delivered while close gives up
    log.callback()(fence, error);
  });
  must_commit(ring, must_acquire(ring), log.callback());
  must_commit(ring, must_acquire(ring), log.callback());
  std::jthread completion([&] { manual.backend->complete_next(); });
  entered.get_future().wait();

  Status closed = ring.close(20);
  CHECK(closed.has_value());
  CHECK_EQ(closed->code, error_code::kCloseTimeout);
  CHECK_MSG(closed->message.find("with 2 fence(s) still in flight") != std::string::npos,
            closed->message);
  CHECK_EQ(ring.abandoned_fences(), 2u);
  release.set_value();
  completion.join();
  CHECK_EQ(log.code_of(1), "");
  CHECK_EQ(log.code_of(2), error_code::kCloseTimeout);
  CHECK_EQ(log.code_of(3), error_code::kCloseTimeout);
  CHECK_EQ(log.count(error_code::kCloseTimeout), 2);
  CHECK(!ring.wait_for_fence(1).has_value());
  CHECK_EQ(ring.wait_for_fence(2)->code, error_code::kCloseTimeout);
}

CMDRING_TEST("core",
             "close whose deadline finds only a fence being delivered abandons nothing: it "
             "drained") {
  ManualRing manual(ring_of(2));
  Ring& ring = *manual.ring;
  CompletionLog log;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  must_commit(ring, must_acquire(ring), [&](std::uint64_t fence, const Error* error) {
    entered.set_value();
    released.wait();  // fence 1 is being delivered while close's deadline passes
    log.callback()(fence, error);
  });
  std::jthread completion([&] { manual.backend->complete_next(); });
  entered.get_future().wait();

  const Status closed = ring.close(20);
  const std::uint64_t abandoned = ring.abandoned_fences();
  release.set_value();  // before any check: a failed one must not leave the delivery blocked
  completion.join();
  CHECK_MSG(!closed.has_value(), (closed ? closed->message : std::string()));
  CHECK_EQ(abandoned, 0u);
  CHECK_EQ(log.code_of(1), "");
  CHECK(!ring.wait_for_fence(1).has_value());
}

CMDRING_TEST("core", "close called from a completion callback is refused with INVALID_STATE") {
  ManualRing manual(ring_of(1));
  Ring& ring = *manual.ring;
  Status from_callback;
  must_commit(ring, must_acquire(ring),
              [&](std::uint64_t, const Error*) { from_callback = ring.close(); });
  manual.backend->complete_next();
  CHECK(from_callback.has_value());
  CHECK_EQ(from_callback->code, error_code::kInvalidState);
  CHECK(!ring.close().has_value());
}

CMDRING_TEST("core", "bad options are refused with one sentence that names the value") {
  auto refusal = [](RingConfig config) -> std::string {
    try {
      Ring ring(config, std::make_unique<ManualBackend>());
    } catch (const Failure& failure) {
      if (failure.code() != error_code::kInvalidOptions) return "wrong code " + failure.code();
      return failure.what();
    }
    return "accepted";
  };
  RingConfig config = ring_of(0);
  CHECK_MSG(refusal(config).find("ring_size=0") != std::string::npos, refusal(config));
  config = ring_of(65);
  CHECK_MSG(refusal(config).find("ring_size=65") != std::string::npos, refusal(config));
  CHECK_MSG(refusal(config).find("between 1 and 64") != std::string::npos, refusal(config));
  config = ring_of(3);
  config.timeout_ms = -1;
  CHECK_MSG(refusal(config).find("timeout_ms=-1") != std::string::npos, refusal(config));
  config.timeout_ms = std::numeric_limits<double>::quiet_NaN();
  CHECK_MSG(refusal(config).find("timeout_ms=nan") != std::string::npos, refusal(config));
  config.timeout_ms = std::numeric_limits<double>::infinity();
  CHECK_MSG(refusal(config).find("timeout_ms=inf") != std::string::npos, refusal(config));
  config.timeout_ms = 0;
  config.spin_us = -1;
  CHECK_MSG(refusal(config).find("spin_us=-1") != std::string::npos, refusal(config));
  CHECK_EQ(refusal(ring_of(1)), "accepted");
  CHECK_EQ(refusal(ring_of(64)), "accepted");

  try {
    Ring ring(ring_of(2), nullptr);
    CHECK_MSG(false, "a ring without a backend was accepted");
  } catch (const Failure& failure) {
    CHECK_EQ(failure.code(), error_code::kInvalidOptions);
  }

  alignas(8) std::byte memory[layout::kByteLength + 8];
  for (auto [bytes, offset, expected] :
       {std::tuple{std::size_t{64}, std::size_t{0}, "got 64"},
        std::tuple{layout::kByteLength, std::size_t{4}, "4 bytes past one"}}) {
    try {
      Ring ring(ring_of(2), std::make_unique<ManualBackend>(),
                std::span<std::byte>(memory + offset, bytes));
      CHECK_MSG(false, "statistics memory of " << bytes << " bytes was accepted");
    } catch (const Failure& failure) {
      CHECK_EQ(failure.code(), error_code::kInvalidOptions);
      CHECK_MSG(std::string(failure.what()).find(expected) != std::string::npos, failure.what());
    }
  }

  ManualRing manual(ring_of(2));
  Result<Slot> negative = manual.ring->acquire(-5.0);
  CHECK_EQ(negative.error().code, error_code::kInvalidOptions);
  CHECK_MSG(negative.error().message.find("timeout_ms=-5") != std::string::npos,
            negative.error().message);
  CHECK_EQ(manual.ring->close(-1)->code, error_code::kInvalidOptions);

  try {
    static_cast<void>(create_backend("gpu"));
    CHECK_MSG(false, "backend 'gpu' was accepted");
  } catch (const Failure& failure) {
    CHECK_EQ(failure.code(), error_code::kInvalidOptions);
    CHECK_MSG(std::string(failure.what()).find("backend='gpu'") != std::string::npos,
              failure.what());
  }
  CpuBackendOptions no_bytes;
  no_bytes.buffer_bytes = 0;
  CpuBackendOptions negative_spin;
  negative_spin.idle_spin_us = -2;
  for (auto [options, expected] :
       {std::pair{no_bytes, "buffer_bytes=0"}, std::pair{negative_spin, "idle_spin_us=-2"}}) {
    try {
      CpuBackend backend(options);
      CHECK_MSG(false, expected << " was accepted");
    } catch (const Failure& failure) {
      CHECK_EQ(failure.code(), error_code::kInvalidOptions);
      CHECK_MSG(std::string(failure.what()).find(expected) != std::string::npos, failure.what());
    }
  }
}

CMDRING_TEST("core",
             "backends() lists cpu as available and says in one sentence why any "
             "other is not") {
  const std::vector<BackendInfo> list = backends();
  CHECK_EQ(list.size(), 3u);
  CHECK_EQ(list[0].name, "cpu");
  CHECK(list[0].availability.available);
  for (const BackendInfo& info : list) {
    std::printf("      backend %-5s %s%s\n", std::string(info.name).c_str(),
                info.availability.available ? "available" : "unavailable: ",
                info.availability.reason.c_str());
    if (!info.availability.available) {
      CHECK_MSG(!info.availability.reason.empty(), info.name << " has no reason");
      CHECK_MSG(info.availability.reason.back() == '.', info.availability.reason);
    }
  }
  std::unique_ptr<Backend> chosen = create_backend("auto");
  CHECK(chosen != nullptr);
  if (!list[1].availability.available && !list[2].availability.available) {
    CHECK_EQ(chosen->name(), "cpu");
  }
}

CMDRING_TEST("core",
             "each reported fence leaves one completion record, in fence order, with its slot "
             "and status; the ring closes the completion ring when it closes") {
  CompletionRingMemory completions;
  ManualRing manual(ring_of(2), {}, completions.memory());
  Ring& ring = *manual.ring;
  must_commit(ring, must_acquire(ring));
  must_commit(ring, must_acquire(ring));
  CHECK_EQ(manual.backend->complete_next(), 1u);
  must_commit(ring, must_acquire(ring));
  CHECK_EQ(manual.backend->fail_next("boom"), 2u);  // fence 3 completes, but after the failure
  std::vector<CompletionRecord> records = completions.drain();
  CHECK_EQ(records.size(), 2u);
  CHECK_EQ(records[0].fence, 1u);
  CHECK_EQ(records[0].slot, 0u);
  CHECK_EQ(records[0].status, layout::completion::kCompleted);
  CHECK_EQ(records[0].error_code, layout::completion::kNoError);
  CHECK_EQ(records[1].fence, 2u);
  CHECK_EQ(records[1].slot, 1u);
  CHECK_EQ(records[1].status, layout::completion::kFailed);
  CHECK_EQ(records[1].error_code, layout::completion::kCommandFailed);
  CHECK_EQ(manual.backend->complete_next(), 3u);
  records = completions.drain();
  CHECK_EQ(records.size(), 1u);
  CHECK_EQ(records[0].fence, 3u);
  CHECK_EQ(records[0].status, layout::completion::kCompleted);  // what the device did
  CHECK(!completions.closed());
  CHECK(!ring.close().has_value());
  CHECK(completions.closed());
}

CMDRING_TEST("core",
             "a completion ring nobody reads never holds the ring up: the records that do not "
             "fit are dropped and counted") {
  CompletionRingMemory completions(2);
  ManualRing manual(ring_of(1), {}, completions.memory());
  Ring& ring = *manual.ring;
  for (int i = 0; i < 5; ++i) {
    must_commit(ring, must_acquire(ring));
    manual.backend->complete_next();
  }
  CHECK_EQ(ring.completed(), 5u);
  const ringkit::RingStats stats = completions.stats();
  CHECK_EQ(stats.pushed, 2u);
  CHECK_EQ(stats.dropped, 3u);
  std::vector<CompletionRecord> records = completions.drain();
  CHECK_EQ(records.size(), 2u);
  CHECK_EQ(records[1].fence, 2u);
}

CMDRING_TEST("core", "memory that is not a completion ring is refused with INVALID_OPTIONS") {
  std::vector<std::byte> zeros(4096);
  try {
    ManualRing manual(ring_of(1), {}, zeros);
    CHECK_MSG(false, "a ring opened over zeroed memory");
  } catch (const Failure& failure) {
    CHECK_EQ(failure.code(), error_code::kInvalidOptions);
    CHECK_MSG(failure.error().message.find("not a completion ring") != std::string::npos,
              failure.error().message);
  }
}

namespace {

// Drives a ring of `size` the way the event loop does (every slot committed — with a
// completion callback, as commit() does, or without, as submit() does — then one
// acquire_async waiting) and returns the wake each batch asked for, in order, until
// the ring is empty.
std::vector<BatchWake> wakes_while_draining(std::uint32_t size, bool with_callbacks = true) {
  std::vector<BatchWake> wakes;  // before the ring: its close may still report
  ManualRing manual(ring_of(size));
  Ring& ring = *manual.ring;
  ring.on_callbacks_delivered([&](BatchWake wake) { wakes.push_back(wake); });
  for (std::uint32_t i = 0; i < size; ++i) {
    CompletionCallback callback;
    if (with_callbacks) callback = [](std::uint64_t, const Error*) {};
    must_commit(ring, must_acquire(ring), std::move(callback));
  }
  PendingAcquire waiting;
  waiting.start(ring);
  CHECK(!waiting.settled());
  manual.backend->complete_next();  // frees the slot the waiter needs
  CHECK(waiting.get().ok());
  while (manual.backend->in_flight() > 0) manual.backend->complete_next();
  return wakes;
}

}  // namespace

CMDRING_TEST("core",
             "a slot granted while more than half the ring is in flight may share the next "
             "batch's wake-up; once half the ring is free, the next batch wakes at once") {
  // Ring of 4: fence 1 frees the waiter's slot with fences 2–4 (3 > 4 / 2) queued.
  const std::vector<BatchWake> wakes = wakes_while_draining(4);
  CHECK_EQ(wakes.size(), 4u);
  CHECK(wakes[0] == BatchWake::kWithNext);
  for (std::size_t i = 1; i < wakes.size(); ++i) CHECK(wakes[i] == BatchWake::kNow);
}

CMDRING_TEST("core",
             "a larger ring holds the wake-up back until half of it is free, so one wake-up "
             "hands out half the ring") {
  // Ring of 8: fences 1–3 complete with 7, 6, 5 (> 4) still queued; fence 4 leaves 4.
  const std::vector<BatchWake> wakes = wakes_while_draining(8);
  CHECK_EQ(wakes.size(), 8u);
  for (std::size_t i = 0; i < wakes.size(); ++i) {
    CHECK_MSG(wakes[i] == (i < 3 ? BatchWake::kWithNext : BatchWake::kNow), "batch " << i);
  }
}

CMDRING_TEST("core",
             "a held-back slot is woken for by a later completion that delivers nothing itself "
             "(submitted without a callback)") {
  // Ring of 3: fence 1 grants the slot with 2 (> 1) queued and is held back; fence 2,
  // which has no callback, still wakes for it; fence 3 has nothing to wake for.
  const std::vector<BatchWake> wakes = wakes_while_draining(3, false);
  CHECK_EQ(wakes.size(), 2u);
  CHECK(wakes[0] == BatchWake::kWithNext);
  CHECK(wakes[1] == BatchWake::kNow);
}

CMDRING_TEST("core",
             "rings of 1 and 2 never hold a granted slot back: the device would run dry before "
             "the next completion") {
  for (std::uint32_t size : {1u, 2u}) {
    for (const BatchWake wake : wakes_while_draining(size)) CHECK(wake == BatchWake::kNow);
  }
}

CMDRING_TEST("core", "a batch that holds an error wakes at once, however much is in flight") {
  std::vector<BatchWake> wakes;
  ManualRing manual(ring_of(4));
  Ring& ring = *manual.ring;
  ring.on_callbacks_delivered([&](BatchWake wake) { wakes.push_back(wake); });
  for (int i = 0; i < 4; ++i) {
    must_commit(ring, must_acquire(ring), [](std::uint64_t, const Error*) {});
  }
  PendingAcquire waiting;
  waiting.start(ring);
  manual.backend->fail_next("boom");
  CHECK(!waiting.get().ok());  // POISONED
  CHECK(!wakes.empty());
  for (const BatchWake wake : wakes) CHECK(wake == BatchWake::kNow);
}
