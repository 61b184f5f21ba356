// The reader thread (contract: reader.hpp). One thread per object: epoll over
// every kernel ring plus an eventfd for commands; each round drains every ring
// (capped), copies each drained run into the JS ring as one batch, publishes the
// JS ring once and only then gives the kernel its bytes back.
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

namespace ringkit::bpf {
namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kCommandTag = std::numeric_limits<std::uint64_t>::max();
// A wait for room in the JS ring notices commands at least this often even if
// nobody wakes it.
constexpr double kSpaceTickMs = 10;
constexpr int kEventsPerWait = 64;

namespace state_value {
constexpr double kStarting = 0, kRunning = 1, kPaused = 2, kStopped = 3, kFailed = 4;
}

std::uint64_t monotonic_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(now.tv_nsec);
}

constexpr std::uint64_t align8(std::uint64_t bytes) {
  return (bytes + 7) & ~std::uint64_t{7};
}

constexpr bool is_power_of_two(std::uint64_t value) {
  return value != 0 && (value & (value - 1)) == 0;
}

// One kernel ring and what the thread keeps about it.
struct Source {
  KernelRing ring;
  std::uint32_t index = 0;
  std::uint64_t consumer = 0;    // the next record to read; ahead of `published` within a round
  std::uint64_t published = 0;   // what the kernel last saw from us
  std::uint64_t limit = kNever;  // final drain: nothing committed after stop() is taken
  // Merge: events copied out of the kernel ring, sorted by timestamp from `head` on.
  std::vector<std::byte> pending;
  std::size_t head = 0;
  std::uint64_t last_timestamp = 0;
  bool unsorted = false;
  bool capped = false;      // this round left records in the kernel ring (pending cap)
  std::uint64_t ready = 0;  // events old enough to emit this round
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
  ringkit::Ring js_ring;
  std::optional<ringkit::ByteProducer> producer;
  double* stats = nullptr;
  std::array<double, stats::kWords> own_stats{};
  std::array<double, stats::kWords> counters{};
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
  std::vector<std::pair<std::uint64_t, std::uint32_t>> heap;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> sort_keys;
  std::vector<std::byte> sort_scratch;

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
    js_ring.wake_if_waiting(layout::notification::kProducerWaiting,
                            layout::notification::kSpaceSignal);
  }

  // ---- stats ----

  void publish_stats() {
    for (std::size_t word = 0; word < stats::kWords; word++)
      std::atomic_ref<double>(stats[word]).store(counters[word], std::memory_order_relaxed);
  }

  void set_state(double value) {
    counters[stats::kState] = value;
    std::atomic_ref<double>(stats[stats::kState]).store(value, std::memory_order_relaxed);
  }

  // ---- the kernel side ----

  std::uint64_t events_in(std::uint64_t length) const {
    return options.event_bytes == 0 ? 1 : length / options.event_bytes;
  }

  Run walk(const Source& source, std::uint64_t from, std::uint64_t end,
           std::uint64_t budget) const {
    Run run;
    while (from + run.bytes < end) {
      const std::uint64_t position = from + run.bytes;
      const std::uint32_t word = source.ring.header(position);
      if ((word & kBusyBit) != 0) {
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
        run.next_discarded = (word & kDiscardBit) != 0;
        break;
      }
      if (run.bytes + bytes > budget) {
        run.end = Run::End::kCapped;
        break;
      }
      run.bytes += bytes;
      if ((word & kDiscardBit) != 0) {
        run.discarded++;
      } else {
        const std::uint64_t length = word & ~(kBusyBit | kDiscardBit);
        run.records++;
        run.payload += length;
        run.events += events_in(length);
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
      if (source.consumer < end && (source.ring.header(source.consumer) & kBusyBit) == 0)
        return true;
    }
    return false;
  }

  // ---- the JS side ----

  void stall(Round& round, std::uint64_t length) {
    counters[stats::kFullStalls] += 1;
    round.stalled = true;
    // Twice the framed record: enough even when it must wrap behind a padding record.
    const std::uint64_t wanted = 2 * align8(kRecordHeaderBytes + length);
    round.wanted = static_cast<std::uint32_t>(std::min<std::uint64_t>(wanted, js_ring.capacity()));
  }

  // One batch holding `run`, which starts at source.consumer. False: stalled, and
  // the records stay in the kernel ring.
  bool deliver(const Source& source, const Run& run, Round& round) {
    const auto length = static_cast<std::uint32_t>(kBatchHeaderBytes + run.bytes);
    const ByteProducer::Claim claim = producer->try_claim(length);
    if (claim.payload == nullptr) {
      if (!options.drop_when_full) {
        stall(round, length);
        return false;
      }
      counters[stats::kDroppedRecords] += static_cast<double>(run.records);
      counters[stats::kDroppedEvents] += static_cast<double>(run.events);
      counters[stats::kDiscarded] += static_cast<double>(run.discarded);
      return true;
    }
    const std::uint32_t header[4] = {source.index, static_cast<std::uint32_t>(run.records),
                                     static_cast<std::uint32_t>(run.bytes), 0};
    std::memcpy(claim.payload, header, sizeof header);
    // One copy for the whole run: the double mapping makes a wrapped run contiguous.
    std::memcpy(claim.payload + kBatchHeaderBytes, source.ring.at(source.consumer), run.bytes);
    producer->commit(kBatchType, length, /*publish_now=*/false);
    counters[stats::kBatches] += 1;
    counters[stats::kRecords] += static_cast<double>(run.records);
    counters[stats::kEvents] += static_cast<double>(run.events);
    counters[stats::kBytes] += static_cast<double>(run.payload);
    counters[stats::kDiscarded] += static_cast<double>(run.discarded);
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
        counters[run.next_discarded ? stats::kDiscarded : stats::kOversized] += 1;
        source.consumer += run.next_bytes;
        round.progress = true;
        continue;
      }
      if (run.end == Run::End::kCapped) {
        counters[stats::kCappedDrains] += 1;
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

  std::uint64_t timestamp_at(const std::byte* event) const {
    std::uint64_t timestamp;
    std::memcpy(&timestamp, event + options.timestamp_offset, sizeof timestamp);
    return timestamp;
  }

  std::size_t held_events(const Source& source) const {
    return (source.pending.size() - source.head) / options.event_bytes;
  }

  // Commit order is timestamp order only while nothing preempts a program between
  // its timestamp and its reserve (and never for a shared ring written by several
  // CPUs); sorting the few disordered queues keeps the merge's output ordered.
  void sort_pending(Source& source) {
    const std::size_t event_bytes = options.event_bytes;
    const std::size_t count = held_events(source);
    const std::byte* first = source.pending.data() + source.head;
    sort_keys.clear();
    for (std::size_t i = 0; i < count; i++)
      sort_keys.emplace_back(timestamp_at(first + i * event_bytes), static_cast<std::uint32_t>(i));
    std::stable_sort(sort_keys.begin(), sort_keys.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    sort_scratch.resize(count * event_bytes);
    for (std::size_t k = 0; k < count; k++)
      std::memcpy(sort_scratch.data() + k * event_bytes, first + sort_keys[k].second * event_bytes,
                  event_bytes);
    source.pending.swap(sort_scratch);
    source.head = 0;
    source.unsorted = false;
  }

  void merge_drain(Source& source, Round& round) {
    const std::size_t event_bytes = options.event_bytes;
    const std::size_t cap = std::size_t{4} * options.max_batch_bytes;
    if (source.head > 0 && source.head >= source.pending.size() / 2) {
      source.pending.erase(source.pending.begin(),
                           source.pending.begin() + static_cast<std::ptrdiff_t>(source.head));
      source.head = 0;
    }
    const std::uint64_t end = std::min(source.ring.producer_position(), source.limit);
    std::uint64_t position = source.consumer;
    source.capped = false;
    while (position < end) {
      const std::uint32_t word = source.ring.header(position);
      if ((word & kBusyBit) != 0) break;
      const std::uint64_t bytes = framed_record_bytes(word);
      if (bytes > end - position) break;
      if ((word & kDiscardBit) != 0 || bytes > options.max_batch_bytes) {
        counters[(word & kDiscardBit) != 0 ? stats::kDiscarded : stats::kOversized] += 1;
        position += bytes;
        continue;
      }
      const std::size_t events = (word & ~(kBusyBit | kDiscardBit)) / event_bytes;
      if (source.pending.size() - source.head + events * event_bytes > cap) {
        // The rest stays in the kernel ring: backpressure, as for a full JS ring.
        counters[stats::kCappedDrains] += 1;
        round.capped = true;
        source.capped = true;
        break;
      }
      const std::byte* payload = source.ring.at(position) + kRecordHeaderBytes;
      source.pending.insert(source.pending.end(), payload, payload + events * event_bytes);
      for (std::size_t i = 0; i < events; i++) {
        const std::uint64_t timestamp = timestamp_at(payload + i * event_bytes);
        if (timestamp < source.last_timestamp) source.unsorted = true;
        source.last_timestamp = timestamp;
      }
      position += bytes;
    }
    if (position != source.consumer) {
      source.consumer = position;
      round.progress = true;
    }
    if (source.unsorted) sort_pending(source);
  }

  std::uint64_t count_ready(const Source& source, std::uint64_t cutoff) const {
    const std::byte* first = source.pending.data() + source.head;
    std::size_t low = 0, high = held_events(source);
    while (low < high) {
      const std::size_t middle = low + (high - low) / 2;
      if (timestamp_at(first + middle * options.event_bytes) <= cutoff)
        low = middle + 1;
      else
        high = middle;
    }
    return low;
  }

  // Every held event with timestamp ≤ cutoff, in timestamp order across rings.
  void emit(std::uint64_t cutoff, Round& round) {
    const std::uint32_t event_bytes = options.event_bytes;
    const std::uint64_t record_bytes = kRecordHeaderBytes + align8(event_bytes);
    const std::uint64_t per_batch = options.max_batch_bytes / record_bytes;
    const auto later = [](const auto& a, const auto& b) { return a > b; };
    std::uint64_t total = 0;
    heap.clear();
    for (std::size_t i = 0; i < sources.size(); i++) {
      Source& source = sources[i];
      source.ready = count_ready(source, cutoff);
      total += source.ready;
      if (source.ready > 0)
        heap.emplace_back(timestamp_at(source.pending.data() + source.head),
                          static_cast<std::uint32_t>(i));
    }
    std::make_heap(heap.begin(), heap.end(), later);
    while (total > 0) {
      const std::uint64_t count = std::min(total, per_batch);
      const auto length = static_cast<std::uint32_t>(kBatchHeaderBytes + count * record_bytes);
      const ByteProducer::Claim claim = producer->try_claim(length);
      std::byte* out = nullptr;
      if (claim.payload != nullptr) {
        const std::uint32_t header[4] = {kMergedRingIndex, static_cast<std::uint32_t>(count),
                                         static_cast<std::uint32_t>(count * record_bytes),
                                         kMergedFlag};
        std::memcpy(claim.payload, header, sizeof header);
        out = claim.payload + kBatchHeaderBytes;
      } else if (!options.drop_when_full) {
        stall(round, length);  // the events stay held
        break;
      } else {
        counters[stats::kDroppedRecords] += static_cast<double>(count);
        counters[stats::kDroppedEvents] += static_cast<double>(count);
      }
      for (std::uint64_t k = 0; k < count; k++) {
        std::pop_heap(heap.begin(), heap.end(), later);
        const std::uint32_t i = heap.back().second;
        heap.pop_back();
        Source& source = sources[i];
        if (out != nullptr) {
          const std::uint32_t frame[2] = {event_bytes, source.index};
          std::memcpy(out, frame, sizeof frame);
          std::memcpy(out + kRecordHeaderBytes, source.pending.data() + source.head, event_bytes);
          std::memset(out + kRecordHeaderBytes + event_bytes, 0,
                      record_bytes - kRecordHeaderBytes - event_bytes);
          out += record_bytes;
        }
        source.head += event_bytes;
        if (--source.ready > 0) {
          heap.emplace_back(timestamp_at(source.pending.data() + source.head), i);
          std::push_heap(heap.begin(), heap.end(), later);
        }
      }
      if (out != nullptr) {
        producer->commit(kBatchType, length, /*publish_now=*/false);
        counters[stats::kBatches] += 1;
        counters[stats::kRecords] += static_cast<double>(count);
        counters[stats::kEvents] += static_cast<double>(count);
        counters[stats::kBytes] += static_cast<double>(count * event_bytes);
      }
      total -= count;
      round.progress = true;
    }
    std::uint64_t held = 0;
    for (Source& source : sources) {
      if (source.head == source.pending.size()) {
        source.pending.clear();
        source.head = 0;
      }
      held += held_events(source);
    }
    counters[stats::kMergeHeld] = static_cast<double>(held);
  }

  // When the oldest held event becomes old enough to emit: without it, events
  // held by an adaptive or watermark reader would wait for the backstop.
  std::uint64_t merge_due() const {
    std::uint64_t due = kNever;
    for (const Source& source : sources)
      if (source.head < source.pending.size())
        due = std::min(due,
                       timestamp_at(source.pending.data() + source.head) + options.merge_slack_ns);
    return due;
  }

  Round merge_round(bool final) {
    Round round;
    // Taken before any producer position is read: an event stamped at or before
    // now - slack was committed (and so drained below, or earlier) unless its
    // program took longer than the slack between its timestamp and its commit.
    const std::uint64_t now = monotonic_ns();
    for (Source& source : sources) merge_drain(source, round);
    publish_consumer_positions();
    std::uint64_t cutoff =
        final ? kNever : (now > options.merge_slack_ns ? now - options.merge_slack_ns : 0);
    // A ring that left records behind its cap may hold events older than another
    // ring's held ones: nothing later than what it holds may go out before them.
    for (const Source& source : sources)
      if (source.capped && source.head < source.pending.size())
        cutoff = std::min(cutoff, timestamp_at(source.pending.data() + source.pending.size() -
                                               options.event_bytes));
    emit(cutoff, round);
    producer->flush();
    return round;
  }

  Round round_once(bool final) {
    counters[stats::kRounds] += 1;
    const Round round = options.merge ? merge_round(final) : plain_round();
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
        counters[stats::kDroppedRecords] +=
            static_cast<double>(options.merge ? run.events : run.records);
        counters[stats::kDroppedEvents] += static_cast<double>(run.events);
        counters[stats::kDiscarded] += static_cast<double>(run.discarded);
        source.consumer += run.bytes;
        if (run.end != Run::End::kOversized) break;
        counters[run.next_discarded ? stats::kDiscarded : stats::kOversized] += 1;
        source.consumer += run.next_bytes;
      }
      if (options.merge) {
        const auto held = static_cast<double>(held_events(source));
        counters[stats::kDroppedRecords] += held;
        counters[stats::kDroppedEvents] += held;
        source.pending.clear();
        source.head = 0;
      }
    }
    publish_consumer_positions();
    counters[stats::kMergeHeld] = 0;
    publish_stats();
  }

  void finish(double state) {
    producer->close();
    publish_stats();
    set_state(state);
  }

  void run() {
    set_state(state_value::kRunning);
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
        set_state(paused ? state_value::kPaused : state_value::kRunning);
        if (!paused) deadline = monotonic_ns();  // what waited in the kernel rings goes now
      }
      std::int64_t timeout_ns = -1;
      if (paused) {
        notified = false;  // resuming drains everything anyway
      } else {
        const std::uint64_t due = std::min(deadline, options.merge ? merge_due() : kNever);
        const std::uint64_t now = monotonic_ns();
        timeout_ns = due > now && !notified ? static_cast<std::int64_t>(due - now) : 0;
      }
      const int ready = wait_events(events.data(), timeout_ns);
      // Liveness for the JS side (LAYOUT.md): publishes beat only every 1024th time,
      // and an idle reader publishes nothing.
      js_ring.beat(kProducerSide);
      if (ready < 0) {
        if (errno == EINTR) continue;
        finish(state_value::kFailed);
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
      const bool due = now >= deadline || (options.merge && now >= merge_due());
      if (!notified && !due) continue;
      if (notified) counters[stats::kWakeups] += 1;
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
    finish(state_value::kStopped);
  }
};

std::unique_ptr<Reader> Reader::start(const std::vector<KernelRingSource>& rings,
                                      const ReaderOptions& options, ringkit::Ring js_ring,
                                      double* stats, std::string& error) {
  const auto fail = [&error](std::string message) -> std::unique_ptr<Reader> {
    error = std::move(message);
    return nullptr;
  };
  if (rings.empty()) return fail("the reader needs at least one BPF ring buffer to consume.");
  if (js_ring.config().kind != layout::kind::kBytes)
    return fail("the reader's JS ring must be a byte-record ring (kind bytes).");
  if (static_cast<std::uint32_t>(options.policy) >
      static_cast<std::uint32_t>(WakeupPolicy::kWatermark))
    return fail("unknown wakeup policy " +
                std::to_string(static_cast<std::uint32_t>(options.policy)) +
                " (0 adaptive, 1 timer, 2 watermark).");
  if (options.period_ms == 0) return fail("the reader's period_ms must be at least 1.");
  if (reinterpret_cast<std::uintptr_t>(stats) % alignof(double) != 0)
    return fail("the reader's stats block must be 8-byte aligned.");
  if (options.max_batch_bytes < kRecordHeaderBytes)
    return fail("max_batch_bytes must be at least 8 bytes (one empty kernel record), got " +
                std::to_string(options.max_batch_bytes) + ".");
  const std::uint32_t max_record = js_ring.config().max_record;
  if (std::uint64_t{options.max_batch_bytes} + kBatchHeaderBytes > max_record)
    return fail("max_batch_bytes " + std::to_string(options.max_batch_bytes) + " plus the " +
                std::to_string(kBatchHeaderBytes) +
                "-byte batch header exceeds the JS ring's largest record (" +
                std::to_string(max_record) + " bytes).");
  if (options.merge) {
    if (options.event_bytes == 0)
      return fail("merge needs a fixed event size (event_bytes > 0) to split records into events.");
    if (std::uint64_t{options.timestamp_offset} + 8 > options.event_bytes)
      return fail("merge needs the 8-byte timestamp inside the event, but timestamp_offset " +
                  std::to_string(options.timestamp_offset) + " + 8 exceeds event_bytes " +
                  std::to_string(options.event_bytes) + ".");
    if (kRecordHeaderBytes + align8(options.event_bytes) > options.max_batch_bytes)
      return fail("merge needs room for one " + std::to_string(options.event_bytes) +
                  "-byte event per batch, but max_batch_bytes is " +
                  std::to_string(options.max_batch_bytes) + ".");
  }

  auto state = std::make_unique<State>();
  state->options = options;
  state->js_ring = js_ring;
  state->stats = stats != nullptr ? stats : state->own_stats.data();
  const long page = sysconf(_SC_PAGESIZE);
  for (const KernelRingSource& ring : rings) {
    if (ring.fd < 0)
      return fail("BPF ring buffer fd " + std::to_string(ring.fd) + " is not a valid descriptor.");
    if (!is_power_of_two(ring.bytes) || (page > 0 && ring.bytes % page != 0))
      return fail("BPF ring buffer fd " + std::to_string(ring.fd) + " has " +
                  std::to_string(ring.bytes) +
                  " bytes, not a power-of-two multiple of the page size.");
    Source source;
    if (!source.ring.map(ring.fd, ring.bytes, error)) return nullptr;
    source.index = ring.index;
    // A ring consumed before (a previous reader) continues where that one stopped.
    source.consumer = source.published = source.ring.consumer_position();
    state->sources.push_back(std::move(source));
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
  state->set_state(state_value::kStarting);
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
