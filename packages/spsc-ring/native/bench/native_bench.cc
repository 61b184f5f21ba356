// Native-only measurements for the benchmarks, in an addon of their own
// (ringkit_spsc_bench.node, built in the repository, never shipped): two native
// threads moving records through the C++ twin or the plain queue, and ping-pong
// round trips. Each call runs synchronously and returns the seconds its threads took.
#include <napi.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "page_memory.hpp"
#include "plain_spsc.hpp"
#include "ringkit/spsc_ring.hpp"

namespace ringkit::bench {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Keeps the consumer's reads from being optimised away.
std::uint64_t consume(const std::byte* record) {
  std::uint32_t first;
  std::memcpy(&first, record, 4);
  return first;
}

double twin_throughput(std::uint64_t records, std::uint32_t record_size, std::uint32_t batch,
                       std::uint64_t& sink) {
  RingConfig config{layout::kind::kFixed, 4096, record_size, 0, layout::wait_domain::kOs, true};
  PageMemory memory(Ring::byte_length(config));
  Ring ring;
  if (Ring::initialise(memory.data(), memory.size(), config) != RingStatus::kOk ||
      Ring::attach(memory.data(), memory.size(), ring) != RingStatus::kOk)
    return -1;
  const auto start = Clock::now();
  // By value: a captured reference would make the producer read `records` from this thread's
  // stack frame, beside locals the consumer loop below keeps writing.
  std::thread producer([&ring, records, record_size, batch] {
    FixedProducer out(ring);
    std::vector<std::byte> records_buffer(std::size_t{batch} * record_size);
    for (std::uint64_t sent = 0; sent < records;) {
      const auto want = static_cast<std::uint32_t>(std::min<std::uint64_t>(batch, records - sent));
      if (batch == 1) {
        std::memcpy(records_buffer.data(), &sent, 4);
        if (out.try_push(records_buffer.data(), record_size)) sent++;
        continue;
      }
      // The same work as the plain queue's producer: whole records composed in a local buffer,
      // copied in with one publish. (Writing only each slot's first 4 bytes in place made every
      // line a partial write of a line the consumer had just read: 2× slower on this VM, which
      // measured the write pattern, not the queue.)
      for (std::uint32_t i = 0; i < want; i++) {
        const auto id = static_cast<std::uint32_t>(sent + i);
        std::memcpy(records_buffer.data() + std::size_t{i} * record_size, &id, 4);
      }
      sent += out.push_batch(records_buffer.data(), want);
    }
  });
  FixedConsumer in(ring);
  std::uint64_t received = 0;
  std::uint64_t sum = 0;
  while (received < records) {
    received += in.drain([&](const std::byte* first, std::uint32_t count) {
      for (std::uint32_t i = 0; i < count; i++)
        sum += consume(first + std::size_t{i} * record_size);
    });
  }
  producer.join();
  sink += sum;
  return seconds_since(start);
}

double plain_throughput(std::uint64_t records, std::uint32_t record_size, std::uint32_t batch,
                        std::uint64_t& sink) {
  PlainSpscQueue queue(4096, record_size);
  const auto start = Clock::now();
  std::thread producer([&queue, records, record_size, batch] {  // by value, as in twin_throughput
    std::vector<std::byte> records_buffer(std::size_t{batch} * record_size);
    for (std::uint64_t sent = 0; sent < records;) {
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(batch, records - sent));
      for (std::size_t i = 0; i < want; i++) {
        const auto id = static_cast<std::uint32_t>(sent + i);
        std::memcpy(records_buffer.data() + i * record_size, &id, 4);
      }
      sent += batch == 1 ? (queue.try_push(records_buffer.data()) ? 1 : 0)
                         : queue.push_batch(records_buffer.data(), want);
    }
  });
  std::uint64_t received = 0;
  std::uint64_t sum = 0;
  while (received < records) {
    received += queue.drain([&](const std::byte* record) { sum += consume(record); }, SIZE_MAX);
  }
  producer.join();
  sink += sum;
  return seconds_since(start);
}

// Two rings, two threads: a record goes out, comes back, `round_trips` times. Spinning waits.
double twin_ping_pong(std::uint64_t round_trips) {
  RingConfig config{layout::kind::kFixed, 64, 8, 0, layout::wait_domain::kOs, true};
  PageMemory out_memory(Ring::byte_length(config)), back_memory(Ring::byte_length(config));
  Ring out_ring, back_ring;
  (void)Ring::initialise(out_memory.data(), out_memory.size(), config);
  (void)Ring::initialise(back_memory.data(), back_memory.size(), config);
  (void)Ring::attach(out_memory.data(), out_memory.size(), out_ring);
  (void)Ring::attach(back_memory.data(), back_memory.size(), back_ring);
  std::thread echo([&] {
    FixedConsumer in(out_ring);
    FixedProducer out(back_ring);
    std::byte record[8];
    for (std::uint64_t i = 0; i < round_trips; i++) {
      while (!in.try_pop(record)) {
      }
      while (!out.try_push(record, 8)) {
      }
    }
  });
  FixedProducer out(out_ring);
  FixedConsumer in(back_ring);
  std::byte record[8] = {};
  const auto start = Clock::now();
  for (std::uint64_t i = 0; i < round_trips; i++) {
    while (!out.try_push(record, 8)) {
    }
    while (!in.try_pop(record)) {
    }
  }
  const double seconds = seconds_since(start);
  echo.join();
  return seconds;
}

// The machine's floor for a round trip between two threads: two cache-line-aligned words,
// each thread spinning on one and storing the other. Nothing a ring does can be faster, so the
// ring ping-pongs are read against it.
double atomics_ping_pong(std::uint64_t round_trips) {
  struct alignas(64) Word {
    std::atomic<std::uint64_t> value{0};
  };
  Word out, back;
  std::thread echo([&] {
    for (std::uint64_t i = 1; i <= round_trips; i++) {
      while (out.value.load(std::memory_order_acquire) != i) {
      }
      back.value.store(i, std::memory_order_release);
    }
  });
  const auto start = Clock::now();
  for (std::uint64_t i = 1; i <= round_trips; i++) {
    out.value.store(i, std::memory_order_release);
    while (back.value.load(std::memory_order_acquire) != i) {
    }
  }
  const double seconds = seconds_since(start);
  echo.join();
  return seconds;
}

Napi::Value NativeThroughput(const Napi::CallbackInfo& info) {
  const Napi::Object options = info[0].As<Napi::Object>();
  const std::string queue = options.Get("queue").As<Napi::String>();
  const auto records =
      static_cast<std::uint64_t>(options.Get("records").As<Napi::Number>().Int64Value());
  const auto record_size = options.Get("recordSize").As<Napi::Number>().Uint32Value();
  const auto batch = options.Get("batch").As<Napi::Number>().Uint32Value();
  if (record_size < 4 || batch < 1 || (queue != "twin" && queue != "plain")) {
    throw Napi::RangeError::New(
        info.Env(), "nativeThroughput needs queue 'twin' or 'plain', recordSize ≥ 4, batch ≥ 1");
  }
  std::uint64_t sink = 0;
  const double seconds = queue == "twin" ? twin_throughput(records, record_size, batch, sink)
                                         : plain_throughput(records, record_size, batch, sink);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("seconds", seconds);
  out.Set("checksum", static_cast<double>(sink & 0xffffffff));
  return out;
}

Napi::Value NativePingPong(const Napi::CallbackInfo& info) {
  const auto round_trips = static_cast<std::uint64_t>(info[0].As<Napi::Number>().Int64Value());
  const std::string over = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "twin";
  if (over != "twin" && over != "atomics") {
    throw Napi::RangeError::New(info.Env(),
                                "nativePingPong goes over 'twin' rings or bare 'atomics'");
  }
  return Napi::Number::New(
      info.Env(), over == "twin" ? twin_ping_pong(round_trips) : atomics_ping_pong(round_trips));
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("nativeThroughput", Napi::Function::New(env, NativeThroughput));
  exports.Set("nativePingPong", Napi::Function::New(env, NativePingPong));
  return exports;
}

}  // namespace ringkit::bench

// NODE_API_MODULE pastes the function's name into identifiers: it takes an unqualified one.
static Napi::Object InitBench(Napi::Env env, Napi::Object exports) {
  return ringkit::bench::Init(env, exports);
}

NODE_API_MODULE(ringkit_spsc_bench, InitBench)
