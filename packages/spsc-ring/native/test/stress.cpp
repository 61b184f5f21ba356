// Two-thread stress of the C++ twin: every record carries its sequence number and
// a checksum; random batch sizes, claims and aborts; the consumer checks that
// nothing is lost, duplicated, reordered or torn. Byte records come in groups of
// kGroup with one type and (unless a claim commits fewer bytes) one length, and the
// consumer reads them record by record and run by run in turn. Built with -fsanitize=thread by
// the package's tests (build-tsan/), so TSan checks every access of the run.
//   usage: ringkit_stress <fixed|bytes> <records> [capacity]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ringkit/spsc_ring.hpp"
#include "ringkit/test_records.hpp"

namespace {

using ringkit::Ring;
using ringkit::RingConfig;
namespace records = ringkit::test_records;

// Prints the run's line (the test matches it) and says whether every record arrived intact.
int report(const char* kind, const Ring& ring, std::uint64_t total, std::uint64_t received,
           std::uint64_t errors) {
  ringkit::RingStats stats{};
  if (ring.stats(stats) != ringkit::RingStatus::kOk) std::printf("%s: counters corrupted\n", kind);
  std::printf("%s: %llu records, %llu errors, pushed %llu, popped %llu, dropped %llu\n", kind,
              (unsigned long long)received, (unsigned long long)errors,
              (unsigned long long)stats.pushed, (unsigned long long)stats.popped,
              (unsigned long long)stats.dropped);
  return errors == 0 && received == total && stats.pushed == total && stats.popped == total ? 0 : 1;
}

std::vector<std::byte> make_ring(const RingConfig& config, Ring& ring) {
  std::vector<std::byte> memory(Ring::byte_length(config));
  if (Ring::initialise(memory.data(), memory.size(), config) != ringkit::RingStatus::kOk ||
      Ring::attach(memory.data(), memory.size(), ring) != ringkit::RingStatus::kOk) {
    std::fprintf(stderr, "stress: could not create the ring\n");
    std::exit(2);
  }
  return memory;
}

int run_fixed(std::uint64_t total, std::uint32_t capacity) {
  constexpr std::uint32_t kRecordSize = 32;
  Ring ring;
  auto memory = make_ring({ringkit::layout::kind::kFixed, capacity, kRecordSize, 0,
                           ringkit::layout::wait_domain::kOs, true},
                          ring);
  std::thread producer([&] {
    ringkit::FixedProducer out(ring);
    std::mt19937 random(1);
    std::vector<std::byte> batch(std::size_t{256} * kRecordSize);
    std::uint64_t sequence = 0;
    while (sequence < total) {
      const auto want =
          static_cast<std::uint32_t>(std::min<std::uint64_t>(1 + random() % 256, total - sequence));
      switch (random() % 4) {
        case 0: {  // one at a time
          std::byte record[kRecordSize];
          records::write(record, kRecordSize, static_cast<std::uint32_t>(sequence));
          if (out.try_push(record, kRecordSize))
            sequence++;
          else
            out.wait_for_space(1, -1);
          break;
        }
        case 1: {  // a copied batch
          for (std::uint32_t i = 0; i < want; i++)
            records::write(batch.data() + std::size_t{i} * kRecordSize, kRecordSize,
                           static_cast<std::uint32_t>(sequence + i));
          std::uint32_t sent = 0;
          while (sent < want) {
            sent += out.push_batch(batch.data() + std::size_t{sent} * kRecordSize, want - sent);
            if (sent < want) out.wait_for_space(1, -1);
          }
          sequence += want;
          break;
        }
        default: {  // claim in place; sometimes abort, sometimes commit fewer
          const auto claim = out.try_claim(want);
          if (claim.count == 0) {
            out.wait_for_space(1, -1);
            break;
          }
          for (std::uint32_t i = 0; i < claim.count; i++)
            records::write(claim.data + std::size_t{i} * kRecordSize, kRecordSize,
                           static_cast<std::uint32_t>(sequence + i));
          if (random() % 8 == 0) break;  // abandoned: the next claim reuses the slots
          const std::uint32_t keep = random() % 4 == 0 ? 1 + random() % claim.count : claim.count;
          out.commit(keep);
          sequence += keep;
        }
      }
    }
    out.close();
  });
  std::uint64_t expected = 0;
  std::uint64_t errors = 0;
  ringkit::FixedConsumer in(ring);
  for (;;) {
    const std::uint32_t got = in.drain(
        [&](const std::byte* first, std::uint32_t count) {
          for (std::uint32_t i = 0; i < count; i++, expected++) {
            if (!records::check(first + std::size_t{i} * kRecordSize, kRecordSize,
                                static_cast<std::uint32_t>(expected)))
              errors++;
          }
        },
        1 + static_cast<std::uint32_t>(expected % 300));
    if (got == 0 && in.wait(-1) == ringkit::WaitOutcome::kClosed) break;
  }
  producer.join();
  return report("fixed", ring, total, expected, errors);
}

// Byte records: each group of kGroup consecutive records shares a type and a payload length,
// so that drain_runs meets runs of every size up to kGroup.
constexpr std::uint64_t kGroup = 8;
std::uint32_t group_type(std::uint64_t sequence) {
  return static_cast<std::uint32_t>((sequence / kGroup) % 1000);
}
std::uint32_t group_length(std::uint64_t sequence, std::uint32_t max_payload) {
  const std::uint32_t mix = static_cast<std::uint32_t>(sequence / kGroup) * 0x9e3779b1u;
  return records::kMinSize + (mix >> 7) % (max_payload - records::kMinSize + 1);
}

int run_bytes(std::uint64_t total, std::uint32_t capacity) {
  Ring ring;
  auto memory = make_ring(
      {ringkit::layout::kind::kBytes, capacity, 0, 0, ringkit::layout::wait_domain::kOs, true},
      ring);
  const std::uint32_t max_payload = ring.config().max_record;
  std::thread producer([&] {
    ringkit::ByteProducer out(ring);
    std::mt19937 random(2);
    std::vector<std::byte> payload(max_payload);
    std::uint64_t sequence = 0;
    while (sequence < total) {
      const std::uint32_t length = group_length(sequence, max_payload);
      const std::uint32_t type = group_type(sequence);
      if (random() % 2 == 0) {
        records::write(payload.data(), length, static_cast<std::uint32_t>(sequence));
        if (out.try_push(payload.data(), length, type))
          sequence++;
        else
          out.wait_for_space(length + 8, -1);
      } else {
        const auto claim = out.try_claim(length);
        if (claim.payload == nullptr) {
          out.wait_for_space(length + 8, -1);
          continue;
        }
        if (random() % 8 == 0) {
          out.abort();
          continue;
        }
        const std::uint32_t keep = std::max<std::uint32_t>(
            records::kMinSize, length - static_cast<std::uint32_t>(random() % 8));
        records::write(claim.payload, keep, static_cast<std::uint32_t>(sequence));
        out.commit(type, keep, random() % 4 != 0);
        sequence++;
        if (random() % 4 == 0) out.flush();
      }
    }
    out.flush();
    out.close();
  });
  std::uint64_t expected = 0;
  std::uint64_t errors = 0;
  ringkit::ByteConsumer in(ring);
  const auto check = [&](const std::byte* payload, std::uint32_t length, std::uint32_t type) {
    if (type != group_type(expected) ||
        !records::check(payload, length, static_cast<std::uint32_t>(expected)))
      errors++;
    expected++;
  };
  bool by_runs = false;
  for (;;) {
    by_runs = !by_runs;
    const std::int64_t got =
        by_runs
            ? in.drain_runs([&](const std::byte* first, std::uint32_t count, std::uint32_t stride,
                                std::uint32_t length, std::uint32_t type) {
                for (std::uint32_t i = 0; i < count; i++) check(first + i * stride, length, type);
              })
            : in.drain(check);
    if (got < 0) {
      errors++;
      break;
    }
    if (got == 0 && in.wait(-1) == ringkit::WaitOutcome::kClosed) break;
  }
  producer.join();
  return report("bytes", ring, total, expected, errors);
}

// Both threads sleep between records (no spin, 5 s tick): every record needs a
// wake-up, so a single lost one stalls the run for seconds.
int run_pingpong(std::uint64_t round_trips) {
  constexpr double kTickMs = 5000;
  Ring out_ring, back_ring;
  auto out_memory = make_ring(
      {ringkit::layout::kind::kFixed, 2, 8, 0, ringkit::layout::wait_domain::kOs, true}, out_ring);
  auto back_memory = make_ring(
      {ringkit::layout::kind::kFixed, 2, 8, 0, ringkit::layout::wait_domain::kOs, true}, back_ring);
  const auto start = std::chrono::steady_clock::now();
  std::thread echo([&] {
    ringkit::FixedConsumer in(out_ring);
    ringkit::FixedProducer out(back_ring);
    std::byte record[8];
    for (std::uint64_t i = 0; i < round_trips; i++) {
      while (!in.try_pop(record)) in.wait(-1, nullptr, kTickMs, 0);
      while (!out.try_push(record, 8)) out.wait_for_space(1, -1, nullptr, kTickMs, 0);
    }
  });
  ringkit::FixedProducer out(out_ring);
  ringkit::FixedConsumer in(back_ring);
  std::byte record[8] = {};
  std::uint64_t errors = 0;
  for (std::uint64_t i = 0; i < round_trips; i++) {
    std::memcpy(record, &i, sizeof i);
    while (!out.try_push(record, 8)) out.wait_for_space(1, -1, nullptr, kTickMs, 0);
    while (!in.try_pop(record)) in.wait(-1, nullptr, kTickMs, 0);
    std::uint64_t echoed;
    std::memcpy(&echoed, record, sizeof echoed);
    if (echoed != i) errors++;
  }
  echo.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("pingpong: %llu round trips in %.3f s, %llu errors, light publish %s\n",
              (unsigned long long)round_trips, seconds, (unsigned long long)errors,
              ringkit::light_publish_enabled() ? "on" : "off");
  return errors == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <fixed|bytes|pingpong> <records> [capacity]\n", argv[0]);
    return 2;
  }
  const std::string kind = argv[1];
  const std::uint64_t total = std::strtoull(argv[2], nullptr, 10);
  if (kind == "fixed")
    return run_fixed(total, argc > 3 ? static_cast<std::uint32_t>(std::atoi(argv[3])) : 1024);
  if (kind == "pingpong") return run_pingpong(total);
  if (kind == "bytes")
    return run_bytes(total, argc > 3 ? static_cast<std::uint32_t>(std::atoi(argv[3])) : 1 << 16);
  std::fprintf(stderr, "stress: kind must be fixed, bytes or pingpong\n");
  return 2;
}
