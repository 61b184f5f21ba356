// Sleeping and waking on a 32-bit word of shared memory. On Linux this is the
// futex syscall without FUTEX_PRIVATE_FLAG, so it works across processes and
// between any threads — unlike V8's Atomics.wait, which only wakes JS waiters of
// its own process. Elsewhere it falls back to C++20 atomic wait (in-process only).
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdint>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#endif

namespace ringkit {

enum class SleepResult { kWoken, kNotEqual, kTimedOut };

// Sleeps while *word == expected, at most timeout_ms (negative: no limit).
// kWoken may be spurious: callers re-check what they wait for.
inline SleepResult futex_sleep(std::uint32_t* word, std::uint32_t expected, double timeout_ms) {
#if defined(__linux__)
  timespec timeout{};
  timespec* timeout_pointer = nullptr;
  if (timeout_ms >= 0) {
    const auto total_ns = static_cast<long long>(timeout_ms * 1e6);
    timeout.tv_sec = static_cast<time_t>(total_ns / 1'000'000'000LL);
    timeout.tv_nsec = static_cast<long>(total_ns % 1'000'000'000LL);
    timeout_pointer = &timeout;
  }
  const long rc = syscall(SYS_futex, word, FUTEX_WAIT, expected, timeout_pointer, nullptr, 0);
  if (rc == 0) return SleepResult::kWoken;
  if (errno == EAGAIN) return SleepResult::kNotEqual;
  if (errno == ETIMEDOUT) return SleepResult::kTimedOut;
  return SleepResult::kWoken;  // EINTR: a spurious wake-up
#else
  std::atomic_ref<std::uint32_t> ref(*word);
  if (ref.load() != expected) return SleepResult::kNotEqual;
  ref.wait(expected);  // no timed wait in C++20; the waker's tick bounds it
  return SleepResult::kWoken;
#endif
}

// Wakes up to `count` sleepers on `word`; returns how many were woken (Linux).
inline int futex_wake(std::uint32_t* word, int count) {
#if defined(__linux__)
  return static_cast<int>(syscall(SYS_futex, word, FUTEX_WAKE, count, nullptr, nullptr, 0));
#else
  std::atomic_ref<std::uint32_t> ref(*word);
  if (count == 1)
    ref.notify_one();
  else
    ref.notify_all();
  return 0;
#endif
}

}  // namespace ringkit
