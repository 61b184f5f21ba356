// The reader thread (contract: reader.hpp). One thread per reader: epoll over
// its kernel rings plus an eventfd for commands; each round drains every ring
// (capped), copies each drained run into the JS ring as one batch, publishes the
// JS ring once and only then gives the kernel its bytes back. Under merge the
// rounds hand the drained events to the timestamp merge (timestamp_merge.hpp)
// and write out what it says is old enough, in its order.
#include "reader.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <limits>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "kernel_ring.hpp"
#include "ringkit/spsc_ring.hpp"
#include "timestamp_merge.hpp"

namespace ringkit::bpf {
namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kCommandTag = std::numeric_limits<std::uint64_t>::max();
// A wait for room in the JS ring notices commands at least this often even if
// nobody wakes it.
constexpr double kSpaceTickMs = 10;
constexpr int kEventsPerWait = 64;

std::uint64_t monotonic_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(now.tv_nsec);
}

// One kernel ring and what the thread keeps about it.
struct Source {
  KernelRing ring;
  std::uint32_t index = 0;
  std::uint32_t event_bytes = 0;  // 0: one event per record
  // layout::ring_stats, published with the reader's stats block.
  std::array<double, layout::ring_stats::kWords> counters{};
  std::uint64_t consumer = 0;    // the next record to read; ahead of `published` within a round
  std::uint64_t published = 0;   // what the kernel last saw from us
  std::uint64_t limit = kNever;  // final drain: nothing committed after stop() is taken
};

// What one round saw; decides whether the next round follows at once.
struct Round {
  bool progress = false;  // consumed from a kernel ring or emitted into the JS ring
  bool capped = false;    // a drain stopped at a cap with records behind it
  bool stalled = false;   // a claim in the JS ring failed and we keep the records
  std::uint32_t wanted = 0;
};

// A walk over consecutive committed records of one ring.
struct Run {
  enum class End { kDrained, kBusy, kCapped, kOversized };
  std::uint64_t bytes = 0;  // framed, as they lie in the ring
  std::uint64_t records = 0;
  std::uint64_t discarded = 0;
  std::uint64_t payload = 0;
  std::uint64_t events = 0;
  End end = End::kDrained;
  std::uint64_t next_bytes = 0;  // kOversized: the record that stopped the walk
  bool next_discarded = false;
};

}  // namespace

struct Reader::State {
  ReaderOptions options;
  std::vector<Source> sources;
  std::optional<TimestampMerge> merge;  // options.merge: one queue per source
  ringkit::Ring js_ring;
  std::optional<ringkit::ByteProducer> producer;
  double* stats = nullptr;
  double* ring_stats = nullptr;  // null: nobody reads them
  std::array<double, layout::stats::kWords> own_stats{};
  std::array<double, layout::stats::kWords> counters{};
  int epoll_fd = -1;
  int command_fd = -1;
  std::thread thread;
  std::mutex join_mutex;
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> give_up{false};
  std::atomic<bool> pause_requested{false};
  // Set with every command and cleared by the thread before it reads them, so
  // waits that cannot watch the eventfd (room in the JS ring) still end.
  std::atomic<bool> attention{false};
  bool epoll_pwait2_missing = false;
  std::size_t first_source = 0;

  ~State() {
    if (epoll_fd >= 0) close(epoll_fd);
    if (command_fd >= 0) close(command_fd);
  }

  // ---- commands (JS thread) ----

  void notify() {
    attention.store(true, std::memory_order_seq_cst);
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = write(command_fd, &one, sizeof one);
    // The thread may be asleep waiting for room in the JS ring: a spurious
    // wake-up there is harmless and saves a tick.
    js_ring.wake_if_waiting(ringkit::layout::notification::kProducerWaiting,
                            ringkit::layout::notification::kSpaceSignal);
  }

  // ---- stats ----

  void publish_stats() {
    for (std::size_t word = 0; word < layout::stats::kWords; word++)
      std::atomic_ref<double>(stats[word]).store(counters[word], std::memory_order_relaxed);
    if (ring_stats == nullptr) return;
    for (std::size_t i = 0; i < sources.size(); i++)
      for (std::size_t word = 0; word < layout::ring_stats::kWords; word++)
        std::atomic_ref<double>(ring_stats[i * layout::ring_stats::kWords + word])
            .store(sources[i].counters[word], std::memory_order_relaxed);
  }

  void set_state(double value) {
    counters[layout::stats::kState] = value;
    std::atomic_ref<double>(stats[layout::stats::kState]).store(value, std::memory_order_relaxed);
  }

  // ---- the kernel side ----

  static std::uint64_t events_in(const Source& source, std::uint64_t length) {
    return source.event_bytes == 0 ? 1 : length / source.event_bytes;
  }

  // Counts a walked run as taken out of its ring: delivered, or `dropped` by the reader.
  static void count_taken(Source& source, const Run& run, bool dropped) {
    auto& words = source.counters;
    words[layout::ring_stats::kRecords] += static_cast<double>(run.records);
    words[layout::ring_stats::kEvents] += static_cast<double>(run.events);
    words[layout::ring_stats::kBytes] += static_cast<double>(run.payload);
    words[layout::ring_stats::kDiscarded] += static_cast<double>(run.discarded);
    if (!dropped) return;
    words[layout::ring_stats::kDroppedRecords] += static_cast<double>(run.records);
    words[layout::ring_stats::kDroppedEvents] += static_cast<double>(run.events);
  }

  // A record skipped because the program discarded it or it can never fit a batch.
  void count_skipped(Source& source, bool discarded) {
    counters[discarded ? layout::stats::kDiscarded : layout::stats::kOversized] += 1;
    source.counters[discarded ? layout::ring_stats::kDiscarded : layout::ring_stats::kOversized] +=
        1;
  }

  Run walk(const Source& source, std::uint64_t from, std::uint64_t end,
           std::uint64_t budget) const {
    Run run;
    while (from + run.bytes < end) {
      const std::uint64_t position = from + run.bytes;
      const std::uint32_t word = source.ring.header(position);
      if ((word & layout::kernel_record::kBusyBit) != 0) {
        run.end = Run::End::kBusy;  // records behind it wait: the ring is consumed in order
        break;
      }
      const std::uint64_t bytes = framed_record_bytes(word);
      // A record always ends at or before the producer position; a header saying
      // otherwise is not one we may copy through.
      if (bytes > end - position) {
        run.end = Run::End::kBusy;
        break;
      }
      if (bytes > options.max_batch_bytes) {
        run.end = Run::End::kOversized;
        run.next_bytes = bytes;
        run.next_discarded = (word & layout::kernel_record::kDiscardBit) != 0;
        break;
      }
      if (run.bytes + bytes > budget) {
        run.end = Run::End::kCapped;
        break;
      }
      run.bytes += bytes;
      if ((word & layout::kernel_record::kDiscardBit) != 0) {
        run.discarded++;
      } else {
        const std::uint64_t length =
            word & ~(layout::kernel_record::kBusyBit | layout::kernel_record::kDiscardBit);
        run.records++;
        run.payload += length;
        run.events += events_in(source, length);
      }
    }
    return run;
  }

  // Once per ring per round, after every copy out of it is done.
  void publish_consumer_positions() {
    for (Source& source : sources) {
      if (source.consumer == source.published) continue;
      source.ring.publish_consumer_position(source.consumer);
      source.published = source.consumer;
    }
    // The kernel's commit is xchg(header) then a load of the consumer position,
    // waking us only if that equals its record's. Our side is "store the position,
    // then look at the ring again": without a full fence x86 lets our load pass
    // our store and both sides can miss each other (a lost adaptive wake-up).
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }

  // Wake-ups are edges we must re-arm by catching up. Adaptive: the kernel wakes
  // us only for a record committed while we had caught up (a busy head will: its
  // commit sees our position equal to its own). Watermark: the program wakes us
  // only when unread bytes cross the mark, which never happens while what we
  // left behind is already past it.
  bool more_committed() const {
    for (const Source& source : sources) {
      const std::uint64_t end = std::min(source.ring.producer_position(), source.limit);
      if (source.consumer < end &&
          (source.ring.header(source.consumer) & layout::kernel_record::kBusyBit) == 0)
        return true;
    }
    return false;
  }

  // ---- the JS side ----

  void stall(Round& round, std::uint64_t length) {
    counters[layout::stats::kFullStalls] += 1;
    round.stalled = true;
    // Twice the framed record: enough even when it must wrap behind a padding record.
    const std::uint64_t wanted =
        2 * ringkit::layout::align_record(ringkit::layout::record::kHeaderBytes + length);
    round.wanted = static_cast<std::uint32_t>(std::min<std::uint64_t>(wanted, js_ring.capacity()));
  }

  // One batch holding `run`, which starts at source.consumer. False: stalled, and
  // the records stay in the kernel ring.
  bool deliver(Source& source, const Run& run, Round& round) {
    const auto length = static_cast<std::uint32_t>(layout::batch::kHeaderBytes + run.bytes);
    const ByteProducer::Claim claim = producer->try_claim(length);
    if (claim.payload == nullptr) {
      if (!options.drop_when_full) {
        stall(round, length);
        return false;
      }
      counters[layout::stats::kDroppedRecords] += static_cast<double>(run.records);
      counters[layout::stats::kDroppedEvents] += static_cast<double>(run.events);
      counters[layout::stats::kDiscarded] += static_cast<double>(run.discarded);
      count_taken(source, run, /*dropped=*/true);
      return true;
    }
    const std::uint32_t header[4] = {source.index, static_cast<std::uint32_t>(run.records),
                                     static_cast<std::uint32_t>(run.bytes), 0};
    std::memcpy(claim.payload, header, sizeof header);
    // One copy for the whole run: the double mapping makes a wrapped run contiguous.
    std::memcpy(claim.payload + layout::batch::kHeaderBytes, source.ring.at(source.consumer),
                run.bytes);
    producer->commit(layout::batch::kType, length, /*publish_now=*/false);
    counters[layout::stats::kBatches] += 1;
    counters[layout::stats::kRecords] += static_cast<double>(run.records);
    counters[layout::stats::kEvents] += static_cast<double>(run.events);
    counters[layout::stats::kBytes] += static_cast<double>(run.payload);
    counters[layout::stats::kDiscarded] += static_cast<double>(run.discarded);
    count_taken(source, run, /*dropped=*/false);
    source.counters[layout::ring_stats::kBatches] += 1;
    return true;
  }

  // ---- rounds without merge ----

  void drain(Source& source, Round& round) {
    const std::uint64_t end = std::min(source.ring.producer_position(), source.limit);
    std::uint64_t budget = options.max_batch_bytes;
    for (;;) {
      const Run run = walk(source, source.consumer, end, budget);
      if (run.bytes > 0) {
        if (!deliver(source, run, round)) return;
        budget -= run.bytes;
        source.consumer += run.bytes;
        round.progress = true;
      }
      if (run.end == Run::End::kOversized) {
        // It can never fit a batch; skipping it keeps the ring moving.
        count_skipped(source, run.next_discarded);
        source.consumer += run.next_bytes;
        round.progress = true;
        continue;
      }
      if (run.end == Run::End::kCapped) {
        counters[layout::stats::kCappedDrains] += 1;
        round.capped = true;
      }
      return;
    }
  }

  Round plain_round() {
    Round round;
    const std::size_t count = sources.size();
    std::size_t next_first = (first_source + 1) % count;
    for (std::size_t k = 0; k < count; k++) {
      const std::size_t i = (first_source + k) % count;
      drain(sources[i], round);
      if (round.stalled) {
        // Whoever found no room goes first next time, or small runs of other
        // rings could keep taking the room it waits for.
        next_first = i;
        break;
      }
    }
    first_source = next_first;
    producer->flush();
    publish_consumer_positions();
    return round;
  }

  // ---- rounds with merge ----

  // Hands what source `index` committed to the merge, as far as its queue's cap allows.
  void merge_drain(std::size_t index, Round& round) {
    Source& source = sources[index];
    merge->begin_intake(index);
    const std::uint64_t end = std::min(source.ring.producer_position(), source.limit);
    std::uint64_t position = source.consumer;
    while (position < end) {
      const std::uint32_t word = source.ring.header(position);
      if ((word & layout::kernel_record::kBusyBit) != 0) break;
      const std::uint64_t bytes = framed_record_bytes(word);
      if (bytes > end - position) break;
      if ((word & layout::kernel_record::kDiscardBit) != 0 || bytes > options.max_batch_bytes) {
        count_skipped(source, (word & layout::kernel_record::kDiscardBit) != 0);
        position += bytes;
        continue;
      }
      const std::uint64_t length =
          word & ~(layout::kernel_record::kBusyBit | layout::kernel_record::kDiscardBit);
      const std::size_t events = length / options.event_bytes;
      if (!merge->hold(index, source.ring.at(position) + layout::kernel_record::kHeaderBytes,
                       events)) {
        // The rest stays in the kernel ring: backpressure, as for a full JS ring.
        counters[layout::stats::kCappedDrains] += 1;
        round.capped = true;
        break;
      }
      // Merged events that find no room later are dropped in the reader's totals only:
      // by then they no longer belong to one ring's run.
      source.counters[layout::ring_stats::kRecords] += 1;
      source.counters[layout::ring_stats::kEvents] += static_cast<double>(events);
      source.counters[layout::ring_stats::kBytes] += static_cast<double>(length);
      position += bytes;
    }
    if (position != source.consumer) {
      source.consumer = position;
      round.progress = true;
    }
    merge->end_intake(index);
  }

  // Every held event the merge lets out up to `cutoff`, in its order, as merged
  // batches of at most max_batch_bytes.
  void emit(std::uint64_t cutoff, Round& round) {
    const std::uint64_t record_bytes = merge->record_bytes();
    const std::uint64_t per_batch = options.max_batch_bytes / record_bytes;
    for (std::uint64_t total = merge->start_output(cutoff); total > 0;) {
      const std::uint64_t count = std::min(total, per_batch);
      const auto length =
          static_cast<std::uint32_t>(layout::batch::kHeaderBytes + count * record_bytes);
      const ByteProducer::Claim claim = producer->try_claim(length);
      std::byte* out = nullptr;
      if (claim.payload != nullptr) {
        const std::uint32_t header[4] = {
            layout::batch::kMergedRingIndex, static_cast<std::uint32_t>(count),
            static_cast<std::uint32_t>(count * record_bytes), layout::batch::kMerged};
        std::memcpy(claim.payload, header, sizeof header);
        out = claim.payload + layout::batch::kHeaderBytes;
      } else if (!options.drop_when_full) {
        stall(round, length);  // the events stay held
        break;
      } else {
        counters[layout::stats::kDroppedRecords] += static_cast<double>(count);
        counters[layout::stats::kDroppedEvents] += static_cast<double>(count);
      }
      merge->write_oldest(count, out);
      if (out != nullptr) {
        producer->commit(layout::batch::kType, length, /*publish_now=*/false);
        counters[layout::stats::kBatches] += 1;
        counters[layout::stats::kRecords] += static_cast<double>(count);
        counters[layout::stats::kEvents] += static_cast<double>(count);
        counters[layout::stats::kBytes] += static_cast<double>(count * options.event_bytes);
      }
      total -= count;
      round.progress = true;
    }
    counters[layout::stats::kMergeHeld] = static_cast<double>(merge->end_output());
  }

  Round merge_round(bool final) {
    Round round;
    // Taken before any producer position is read: an event stamped at or before
    // now - slack was committed (and so drained below, or earlier) unless its
    // program took longer than the slack between its timestamp and its commit.
    const std::uint64_t now = monotonic_ns();
    for (std::size_t i = 0; i < sources.size(); i++) merge_drain(i, round);
    publish_consumer_positions();
    emit(merge->cutoff(now, final), round);
    producer->flush();
    return round;
  }

  Round round_once(bool final) {
    counters[layout::stats::kRounds] += 1;
    const Round round = merge ? merge_round(final) : plain_round();
    publish_stats();
    return round;
  }

  // ---- the thread ----

  int wait_events(epoll_event* events, std::int64_t timeout_ns) {
#ifdef SYS_epoll_pwait2
    // Nanosecond timeouts: epoll_wait's milliseconds would stretch a 1 ms timer period.
    if (!epoll_pwait2_missing) {
      timespec timeout{static_cast<time_t>(timeout_ns / 1'000'000'000),
                       static_cast<long>(timeout_ns % 1'000'000'000)};
      const long rc = syscall(SYS_epoll_pwait2, epoll_fd, events, kEventsPerWait,
                              timeout_ns < 0 ? nullptr : &timeout, nullptr, 0);
      if (rc >= 0 || (errno != ENOSYS && errno != EPERM)) return static_cast<int>(rc);
      epoll_pwait2_missing = true;  // an older kernel, or a seccomp filter that predates it
    }
#endif
    const int ms =
        timeout_ns < 0
            ? -1
            : static_cast<int>(std::min<std::int64_t>((timeout_ns + 999'999) / 1'000'000, INT_MAX));
    return epoll_wait(epoll_fd, events, kEventsPerWait, ms);
  }

  // Rounds back to back while they leave work they will not be woken for.
  void settle(std::uint64_t deadline) {
    for (;;) {
      const Round round = round_once(false);
      if (attention.load(std::memory_order_seq_cst)) return;
      if (round.stalled) {
        const std::uint64_t now = monotonic_ns();
        if (now >= deadline) return;
        const WaitOutcome outcome = producer->wait_for_space(
            round.wanted, static_cast<double>(deadline - now) / 1e6, &attention, kSpaceTickMs);
        if (outcome == WaitOutcome::kReady) continue;
        return;
      }
      if (!round.progress) return;
      if (round.capped) continue;
      if (options.policy != WakeupPolicy::kTimer && more_committed()) continue;
      return;
    }
  }

  // After stop(): everything committed until then, whatever the pause, waiting
  // for room while JS consumes but not forever (it may be the thread in join()).
  void final_drain() {
    for (Source& source : sources) source.limit = source.ring.producer_position();
    const std::uint64_t timeout = std::uint64_t{options.final_drain_timeout_ms} * 1'000'000;
    std::uint64_t last_progress = monotonic_ns();
    for (;;) {
      const Round round = round_once(true);
      const std::uint64_t now = monotonic_ns();
      if (round.progress) {
        last_progress = now;
        continue;
      }
      if (!round.stalled) break;  // drained up to the limit, or up to a record never committed
      attention.store(false, std::memory_order_seq_cst);
      if (give_up.load(std::memory_order_seq_cst) || now - last_progress >= timeout) break;
      producer->wait_for_space(round.wanted,
                               static_cast<double>(timeout - (now - last_progress)) / 1e6,
                               &attention, kSpaceTickMs);
    }
    drop_leftovers();
  }

  // What the final drain could not deliver: consumed and counted as dropped, so
  // the figures add up (delivered + dropped here + dropped by the program).
  void drop_leftovers() {
    for (Source& source : sources) {
      const std::uint64_t end = std::min(source.ring.producer_position(), source.limit);
      for (;;) {
        const Run run = walk(source, source.consumer, end, kNever);
        // Under merge every event would have been one record in the JS ring.
        counters[layout::stats::kDroppedRecords] +=
            static_cast<double>(merge ? run.events : run.records);
        counters[layout::stats::kDroppedEvents] += static_cast<double>(run.events);
        counters[layout::stats::kDiscarded] += static_cast<double>(run.discarded);
        count_taken(source, run, /*dropped=*/true);
        source.consumer += run.bytes;
        if (run.end != Run::End::kOversized) break;
        count_skipped(source, run.next_discarded);
        source.consumer += run.next_bytes;
      }
    }
    if (merge) {
      const auto held = static_cast<double>(merge->drop_all());
      counters[layout::stats::kDroppedRecords] += held;
      counters[layout::stats::kDroppedEvents] += held;
    }
    publish_consumer_positions();
    counters[layout::stats::kMergeHeld] = 0;
    publish_stats();
  }

  void finish(double state) {
    producer->close();
    publish_stats();
    set_state(state);
  }

  void run() {
    set_state(layout::reader_state::kRunning);
    const std::uint64_t period = std::uint64_t{options.period_ms} * 1'000'000;
    std::uint64_t deadline = monotonic_ns() + period;
    bool paused = false;
    // Kept across a command that interrupts the wait: with edge-triggered rings a
    // wake-up we skip is not reported again.
    bool notified = false;
    std::array<epoll_event, kEventsPerWait> events{};
    for (;;) {
      attention.store(false, std::memory_order_seq_cst);
      if (stop_requested.load(std::memory_order_seq_cst)) break;
      if (const bool pause = pause_requested.load(std::memory_order_seq_cst); pause != paused) {
        paused = pause;
        set_state(paused ? layout::reader_state::kPaused : layout::reader_state::kRunning);
        if (!paused) deadline = monotonic_ns();  // what waited in the kernel rings goes now
      }
      std::int64_t timeout_ns = -1;
      if (paused) {
        notified = false;  // resuming drains everything anyway
      } else {
        const std::uint64_t due = std::min(deadline, merge ? merge->next_due() : kNever);
        const std::uint64_t now = monotonic_ns();
        timeout_ns = due > now && !notified ? static_cast<std::int64_t>(due - now) : 0;
      }
      const int ready = wait_events(events.data(), timeout_ns);
      // Liveness for the JS side (LAYOUT.md): publishes beat only every 1024th time,
      // and an idle reader publishes nothing.
      js_ring.beat(kProducerSide);
      if (ready < 0) {
        if (errno == EINTR) continue;
        finish(layout::reader_state::kFailed);
        return;
      }
      for (int i = 0; i < ready; i++) {
        if (events[i].data.u64 == kCommandTag) {
          std::uint64_t value;
          [[maybe_unused]] const ssize_t got = read(command_fd, &value, sizeof value);
        } else {
          notified = true;
        }
      }
      if (paused || attention.load(std::memory_order_seq_cst)) continue;
      const std::uint64_t now = monotonic_ns();
      const bool due = now >= deadline || (merge && now >= merge->next_due());
      if (!notified && !due) continue;
      if (notified) counters[layout::stats::kWakeups] += 1;
      notified = false;
      if (options.policy != WakeupPolicy::kTimer) {
        deadline = now + period;  // a backstop: measured from the last round
      } else if (now >= deadline) {
        // Round start to round start; after an overrun, restart the cadence
        // instead of catching up with rounds back to back.
        deadline += period;
        if (deadline <= now) deadline = now + period;
      }
      settle(deadline);
    }
    final_drain();
    finish(layout::reader_state::kStopped);
  }
};

std::unique_ptr<Reader> Reader::start(const std::vector<KernelRingSource>& rings,
                                      const ReaderOptions& options, ringkit::Ring js_ring,
                                      double* stats, double* ring_stats, std::string& error) {
  const auto fail = [&error](std::string message) -> std::unique_ptr<Reader> {
    error = std::move(message);
    return nullptr;
  };
  if (rings.empty()) return fail("the reader needs at least one BPF ring buffer to consume.");
  if (js_ring.config().kind != ringkit::layout::kind::kBytes)
    return fail("the reader's JS ring must be a byte-record ring (kind bytes).");
  if (static_cast<std::uint32_t>(options.policy) >
      static_cast<std::uint32_t>(WakeupPolicy::kWatermark))
    return fail("unknown wakeup policy " +
                std::to_string(static_cast<std::uint32_t>(options.policy)) +
                " (0 adaptive, 1 timer, 2 watermark).");
  if (options.period_ms == 0) return fail("the reader's period_ms must be at least 1.");
  if (reinterpret_cast<std::uintptr_t>(stats) % alignof(double) != 0)
    return fail("the reader's stats block must be 8-byte aligned.");
  if (reinterpret_cast<std::uintptr_t>(ring_stats) % alignof(double) != 0)
    return fail("the reader's ring stats block must be 8-byte aligned.");
  if (options.max_batch_bytes < layout::kernel_record::kHeaderBytes)
    return fail("max_batch_bytes must be at least 8 bytes (one empty kernel record), got " +
                std::to_string(options.max_batch_bytes) + ".");
  const std::uint32_t max_record = js_ring.config().max_record;
  if (std::uint64_t{options.max_batch_bytes} + layout::batch::kHeaderBytes > max_record)
    return fail("max_batch_bytes " + std::to_string(options.max_batch_bytes) + " plus the " +
                std::to_string(layout::batch::kHeaderBytes) +
                "-byte batch header exceeds the JS ring's largest record (" +
                std::to_string(max_record) + " bytes).");
  if (options.merge && !TimestampMerge::check(options, error)) return nullptr;

  auto state = std::make_unique<State>();
  state->options = options;
  state->js_ring = js_ring;
  state->stats = stats != nullptr ? stats : state->own_stats.data();
  state->ring_stats = ring_stats;
  const long page = sysconf(_SC_PAGESIZE);
  for (const KernelRingSource& ring : rings) {
    if (ring.fd < 0)
      return fail("BPF ring buffer fd " + std::to_string(ring.fd) + " is not a valid descriptor.");
    if (!ringkit::is_power_of_two(ring.bytes) || (page > 0 && ring.bytes % page != 0))
      return fail("BPF ring buffer fd " + std::to_string(ring.fd) + " has " +
                  std::to_string(ring.bytes) +
                  " bytes, not a power-of-two multiple of the page size.");
    if (options.merge && ring.event_bytes != 0 && ring.event_bytes != options.event_bytes)
      return fail("merged rings must share one event size: ring " + std::to_string(ring.index) +
                  " has " + std::to_string(ring.event_bytes) + "-byte events, the merge " +
                  std::to_string(options.event_bytes) + ".");
    Source source;
    if (!source.ring.map(ring.fd, ring.bytes, error)) return nullptr;
    source.index = ring.index;
    source.event_bytes = ring.event_bytes != 0 ? ring.event_bytes : options.event_bytes;
    // A ring consumed before (a previous reader) continues where that one stopped.
    source.consumer = source.published = source.ring.consumer_position();
    state->sources.push_back(std::move(source));
  }
  if (options.merge) {
    std::vector<std::uint32_t> ring_indices;
    for (const KernelRingSource& ring : rings) ring_indices.push_back(ring.index);
    state->merge.emplace(options, std::move(ring_indices));
  }

  state->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (state->epoll_fd < 0)
    return fail(std::string("creating the reader's epoll instance failed: ") +
                std::strerror(errno) + ".");
  state->command_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (state->command_fd < 0)
    return fail(std::string("creating the reader's eventfd failed: ") + std::strerror(errno) + ".");
  epoll_event command{};
  command.events = EPOLLIN;
  command.data.u64 = kCommandTag;
  if (epoll_ctl(state->epoll_fd, EPOLL_CTL_ADD, state->command_fd, &command) != 0)
    return fail(std::string("watching the reader's eventfd failed: ") + std::strerror(errno) + ".");
  for (std::size_t i = 0; i < rings.size(); i++) {
    // Edge-triggered: a ring is reported when the kernel decides to wake us (its
    // policy), not whenever it holds data, or a busy timer or watermark ring would
    // turn the thread into a spin.
    epoll_event ring{};
    ring.events = EPOLLIN | EPOLLET;
    ring.data.u64 = i;
    if (epoll_ctl(state->epoll_fd, EPOLL_CTL_ADD, rings[i].fd, &ring) != 0)
      return fail("watching BPF ring buffer fd " + std::to_string(rings[i].fd) +
                  " failed: " + std::strerror(errno) + ".");
  }

  state->producer.emplace(js_ring);
  state->counters = {};
  state->publish_stats();
  state->set_state(layout::reader_state::kStarting);
  std::unique_ptr<Reader> reader(new Reader());
  try {
    state->thread = std::thread([raw = state.get()] { raw->run(); });
  } catch (const std::system_error& failure) {
    return fail(std::string("starting the reader thread failed: ") + failure.what() + ".");
  }
  reader->state_ = std::move(state);
  return reader;
}

Reader::~Reader() {
  if (state_) stop();
}

void Reader::pause() {
  state_->pause_requested.store(true, std::memory_order_seq_cst);
  state_->notify();
}

void Reader::resume() {
  state_->pause_requested.store(false, std::memory_order_seq_cst);
  state_->notify();
}

void Reader::request_stop() {
  state_->stop_requested.store(true, std::memory_order_seq_cst);
  state_->notify();
}

void Reader::join() {
  // Joining without a stop would wait forever: join implies it.
  state_->stop_requested.store(true, std::memory_order_seq_cst);
  state_->give_up.store(true, std::memory_order_seq_cst);
  state_->notify();
  const std::lock_guard<std::mutex> lock(state_->join_mutex);
  if (state_->thread.joinable()) state_->thread.join();
}

void Reader::stop() {
  request_stop();
  join();
}

}  // namespace ringkit::bpf
