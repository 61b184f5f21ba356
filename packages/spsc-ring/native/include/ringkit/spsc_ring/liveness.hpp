// Each side's pid, thread and heartbeat, and telling a dead peer from a slow one: the twin of
// src/liveness.ts (LAYOUT.md, "Liveness and crash safety").
#pragma once

#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "ringkit/spsc_ring/header.hpp"

namespace ringkit {

// One side's liveness words and its peer's (LAYOUT.md, "Liveness and crash safety").
struct Side {
  std::size_t pid, heartbeat, thread, peer_pid, peer_thread, peer_publish_mode;
};
inline constexpr Side kProducerSide{layout::producer::kPid,    layout::producer::kHeartbeat,
                                    layout::producer::kThread, layout::consumer::kPid,
                                    layout::consumer::kThread, layout::consumer::kPublishMode};
inline constexpr Side kConsumerSide{layout::consumer::kPid,    layout::consumer::kHeartbeat,
                                    layout::consumer::kThread, layout::producer::kPid,
                                    layout::producer::kThread, layout::producer::kPublishMode};

// The least time between two looks for a dead peer from a waiting end: each look is a system
// call, and an end that sleeps for most records (a pipeline hop on a small machine) paid one
// per sleep (the TypeScript ends' PEER_CHECK_MS).
inline constexpr std::uint32_t kPeerCheckMs = 10;

// CLOCK_MONOTONIC in milliseconds mod 2^32: one clock for every process of the machine.
inline std::uint32_t monotonic_ms() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(now.tv_sec) * 1000 +
                                    now.tv_nsec / 1'000'000);
}

// Taking over a side (first attach, or replacing a dead one): our pid and a fresh heartbeat.
// Thread 0: a C++ end may be built on one thread and run on another, so only its process
// stands for it (a TypeScript end lives and dies with its thread and records it).
inline void Ring::announce(const Side& side) const noexcept {
  word(side.thread).store(0, std::memory_order_seq_cst);
  word(side.pid).store(static_cast<std::uint32_t>(getpid()), std::memory_order_seq_cst);
  beat(side);
}

inline void Ring::beat(const Side& side) const noexcept {
  beat_at(base_, side);
}

// The rare paths of a publish (a beat once in 1024, a wake-up) are out of line and are handed
// the shared memory's base, never a pointer into the end that publishes: an end whose address
// reached an opaque call is one the compiler keeps on the stack, and a one-record push then
// pays a store per field, queued behind the stores that wait for the other core's lines.
[[gnu::noinline, gnu::cold]] inline void Ring::beat_at(std::byte* base, const Side& side) noexcept {
  word_at(base, side.heartbeat).store(monotonic_ms(), std::memory_order_relaxed);
}

// Gone for sure: the peer attached from another process that no longer exists, or from a
// thread (a JS worker records its own) that no longer exists.
inline bool Ring::peer_gone(const Side& side) const noexcept {
  const auto pid = static_cast<pid_t>(word(side.peer_pid).load(std::memory_order_seq_cst));
  if (pid == 0) return false;
  const auto thread = static_cast<pid_t>(word(side.peer_thread).load(std::memory_order_seq_cst));
  thread_local const auto own_thread = static_cast<pid_t>(syscall(SYS_gettid));
  if (thread != 0 && thread != own_thread)
    return syscall(SYS_tgkill, pid, thread, 0) != 0 && errno == ESRCH;
  if (pid == getpid()) return false;
  return kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace ringkit
