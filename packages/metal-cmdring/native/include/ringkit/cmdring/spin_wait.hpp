// The first half of the house wait (DESIGN.md §1): poll for a bounded time
// before sleeping. Waking a sleeper costs the waker a system call and, on a
// virtual machine, an inter-processor interrupt (measured for issue 23 on the
// 2-vCPU VM: 7–10 µs for the waker's eventfd write, ~35 µs more until the woken
// thread runs); a waiter that is still polling when its
// condition comes true costs nobody anything.
#pragma once

#include <chrono>
#include <mutex>

namespace ringkit::cmdring {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Polls `done` until it returns true (true) or `budget` passes (false). Reads
// the clock once per 64 polls: a clock read costs more than a poll.
template <typename Done>
bool spin_until(Done&& done, std::chrono::nanoseconds budget) {
  if (budget <= std::chrono::nanoseconds::zero()) return done();
  const auto end = std::chrono::steady_clock::now() + budget;
  for (unsigned polls = 1;; ++polls) {
    if (done()) return true;
    cpu_relax();
    if (polls % 64 == 0 && std::chrono::steady_clock::now() >= end) return done();
  }
}

// Locks `mutex`, polling it with spin_until for up to kLockSpin before it blocks. For a mutex
// held a few hundred ns at a time by two threads that take it at the same rate (the ring's,
// between the JS thread's acquire/commit and the executor's retire): blocking on it costs the
// blocked thread a futex sleep and the holder a futex wake, a system call each (~1.1 µs each on
// the 2-vCPU VM, where an acquire/commit pair made 2.4 of them before this). A holder that was
// preempted costs the spinner at most kLockSpin, then it sleeps as before.
inline constexpr std::chrono::microseconds kLockSpin{20};

inline std::unique_lock<std::mutex> lock_spinning(std::mutex& mutex) {
  // One try before the clock is read: the lock is nearly always free.
  if (mutex.try_lock() || spin_until([&] { return mutex.try_lock(); }, kLockSpin)) {
    return std::unique_lock(mutex, std::adopt_lock);
  }
  return std::unique_lock(mutex);
}

inline std::chrono::nanoseconds spin_budget_us(double value) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double, std::micro>(value));
}

}  // namespace ringkit::cmdring
