// Asymmetric barriers for the publish/sleep handshake (LAYOUT.md, step 5).
//
// A lost wake-up is impossible if, of "publisher stores its position, then loads
// the sleeper's flag" and "sleeper stores its flag, then re-reads the position",
// at least one side sees the other's store. The symmetric way puts a full fence
// (x86 XCHG) in every publish, which stalls the publisher on the cache-line
// transfer under contention. The asymmetric way moves that cost to the slow path:
// the publisher uses a release store and only a compiler barrier, and the sleeper,
// after raising its flag, runs membarrier(GLOBAL_EXPEDITED) — a full barrier on
// every running thread of every registered process — before it re-checks.
#pragma once

#include <atomic>
#include <cstdlib>

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace ringkit {

// True when this process is registered for the sleepers' barrier: its publishers
// may take the light path. Decided once per process; RINGKIT_SYMMETRIC_BARRIERS=1
// (or a kernel without expedited membarrier) keeps every publish fenced.
inline bool light_publish_enabled() {
  static const bool enabled = [] {
#if defined(__linux__)
    if (std::getenv("RINGKIT_SYMMETRIC_BARRIERS") != nullptr) return false;
    const long commands = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (commands < 0 || (commands & MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0 ||
        (commands & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0)
      return false;
    return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0;
#else
    return false;
#endif
  }();
  return enabled;
}

// The sleeper's half, between raising its flag and re-checking. False when the
// barrier could not be issued: the caller must then keep its sleep short.
inline bool sleeper_barrier() {
#if defined(__linux__)
  // The system call is itself a full barrier for this thread (and the flag store before it is
  // sequentially consistent), so no fence is needed here.
  return syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) == 0;
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return !light_publish_enabled();
#endif
}

}  // namespace ringkit
