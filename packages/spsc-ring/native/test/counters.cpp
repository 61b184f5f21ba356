// The C++ twin's 64-bit counter reads end (issue 18): a counter whose high words a writer left
// apart mid-wrap reads as the value it stood for, and the end that owns it stores it whole again;
// any other difference is kCorrupted. Before, each read retried until the high words agreed, so
// this program spun forever. One line per check; the exit status counts the failures.
//   usage: ringkit_counters
#include <cstdio>
#include <cstring>
#include <vector>

#include "ringkit/spsc_ring.hpp"

namespace {

using namespace ringkit;
namespace counter = layout::counter;
namespace producer = layout::producer;
namespace consumer = layout::consumer;

int failures = 0;

void check(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  if (!ok) failures++;
}

constexpr std::uint64_t kTwoTo32 = std::uint64_t{1} << 32;

// A fresh ring in its own memory, and its words to poke.
struct TestRing {
  explicit TestRing(RingConfig config) : memory(Ring::byte_length(config)) {
    if (Ring::initialise(memory.data(), memory.size(), config) != RingStatus::kOk ||
        Ring::attach(memory.data(), memory.size(), ring) != RingStatus::kOk) {
      std::fprintf(stderr, "counters: could not create the ring\n");
      std::exit(2);
    }
  }
  void set(std::size_t offset, std::uint32_t value) const {
    ring.word(offset).store(value, std::memory_order_seq_cst);
  }
  std::uint32_t get(std::size_t offset) const {
    return ring.word(offset).load(std::memory_order_seq_cst);
  }
  // High words as a writer stopped between its two stores, or a stray write, leaves them.
  void set_high(std::size_t offset, std::uint32_t before, std::uint32_t after) const {
    set(offset + counter::kHighBefore, before);
    set(offset + counter::kHighAfter, after);
  }
  bool whole(std::size_t offset, std::uint32_t high) const {
    return get(offset + counter::kHighBefore) == high && get(offset + counter::kHighAfter) == high;
  }
  std::vector<std::byte> header() const {
    return {memory.begin(), memory.begin() + layout::kHeaderBytes};
  }

  std::vector<std::byte> memory;
  Ring ring;
};

TestRing fixed_ring() {
  return TestRing({layout::kind::kFixed, 16, 8, 0, layout::wait_domain::kOs, false});
}
TestRing byte_ring() {
  return TestRing({layout::kind::kBytes, 1024, 0, 0});
}

void mid_wrap_reads_by_the_low_word() {
  const TestRing bytes = byte_ring();
  bytes.set_high(producer::kPushed, 3, 2);
  bytes.set(producer::kPushed, 5);
  const CounterRead wrapped = bytes.ring.load_counter(producer::kPushed);
  check(wrapped.status == RingStatus::kOk && wrapped.value == 3 * kTwoTo32 + 5,
        "mid-wrap, a low word below 2^31 has wrapped: high-before's reading");
  bytes.set(producer::kPushed, (1u << 31) - 1);
  check(bytes.ring.load_counter(producer::kPushed).value == 3 * kTwoTo32 + (1u << 31) - 1,
        "mid-wrap, 2^31 - 1 has wrapped");
  bytes.set(producer::kPushed, 1u << 31);
  check(bytes.ring.load_counter(producer::kPushed).value == 2 * kTwoTo32 + (1u << 31),
        "mid-wrap, 2^31 has not wrapped: high-after's reading");
  bytes.set_high(producer::kDropped, 1, 0);
  bytes.set(producer::kDropped, 0xFFFFFFF0);
  check(bytes.ring.load_counter(producer::kDropped).value == 0xFFFFFFF0,
        "dropped follows the same rule");
}

void other_differences_are_corrupted() {
  const TestRing bytes = byte_ring();
  bytes.set_high(producer::kPushed, 5, 0);
  const auto before = bytes.header();
  const CounterRead stray = bytes.ring.load_counter(producer::kPushed);
  check(stray.status == RingStatus::kCorrupted && stray.high_before == 5 && stray.high_after == 0,
        "high words 5 and 0 are corrupted, and the read says which words");
  RingStats stats{};
  check(bytes.ring.stats(stats) == RingStatus::kCorrupted, "stats() says kCorrupted");
  check(bytes.header() == before, "readers never write");
  bytes.set_high(producer::kPushed, 0, 1);
  check(bytes.ring.load_counter(producer::kPushed).status == RingStatus::kCorrupted,
        "high-before below high-after is corrupted");
  bytes.set_high(producer::kPushed, 5, 0);
  const ByteProducer out(bytes.ring);
  check(out.status() == RingStatus::kCorrupted, "a producer taking it over says kCorrupted");
  check(bytes.get(producer::kPushed + counter::kHighBefore) == 5 &&
            bytes.get(producer::kPushed + counter::kHighAfter) == 0,
        "and leaves its words for readers to report");
}

void fixed_counts_vouch_for_each_other() {
  // The poke: high-before of pushed set to 1 in a fresh ring.
  const TestRing poked = fixed_ring();
  poked.set(producer::kPushed + counter::kHighBefore, 1);
  const auto before = poked.header();
  const CounterRead pushed =
      poked.ring.load_side_counter(producer::kPushed, producer::kWritePosition);
  check(pushed.status == RingStatus::kOk && pushed.value == 0,
        "popped 0 and an empty ring say pushed is 0, not the 2^32 the low word alone claims");
  RingStats stats{};
  check(poked.ring.stats(stats) == RingStatus::kOk && stats.pushed == 0 && stats.popped == 0,
        "stats() reads it the same way");
  check(poked.header() == before, "readers never write");
  const FixedProducer out(poked.ring);
  check(out.status() == RingStatus::kOk && out.pushed() == 0 && poked.whole(producer::kPushed, 0),
        "the producer taking it over stores it whole again");

  // Killed after storing the wrapped position: 8 records in the ring across the wrap.
  const TestRing killed = fixed_ring();
  killed.set(producer::kWritePosition, 3);
  killed.set(consumer::kReadPosition, 0xFFFFFFFB);
  killed.set_high(producer::kPushed, 1, 0);
  FixedProducer resumed(killed.ring);
  check(resumed.status() == RingStatus::kOk && resumed.pushed() == kTwoTo32 + 3 &&
            killed.whole(producer::kPushed, 1),
        "a producer killed after storing the wrapped position: pushed 2^32 + 3, whole again");
  const std::byte record[8]{};
  check(resumed.try_push(record, sizeof record) && resumed.pushed() == kTwoTo32 + 4 &&
            killed.ring.stats(stats) == RingStatus::kOk && stats.pushed == kTwoTo32 + 4 &&
            stats.used == 9,
        "and it pushes on from there");

  // Killed before storing it: the consumer caught up with the old position.
  const TestRing early = fixed_ring();
  early.set(producer::kWritePosition, 0xFFFFFFFE);
  early.set(consumer::kReadPosition, 0xFFFFFFFE);
  early.set_high(consumer::kPopped, 1, 0);
  const FixedConsumer in(early.ring);
  check(in.status() == RingStatus::kOk && in.popped() == 0xFFFFFFFE &&
            early.whole(consumer::kPopped, 0),
        "a consumer killed before storing its wrapped position: popped 2^32 - 2, whole again");
}

}  // namespace

int main() {
  mid_wrap_reads_by_the_low_word();
  other_differences_are_corrupted();
  fixed_counts_vouch_for_each_other();
  std::printf("%d failures\n", failures);
  return failures;
}
