// The C++ twin of @ringkit/spsc-ring's TypeScript ring: header-only, C++20, no
// allocation, std::atomic_ref over the shared bytes laid out by spsc_ring/layout.hpp. The
// same API shape as TS (try_push, push_batch, try_claim → commit/abort, try_pop,
// drain, peek, wait) and the same memory-ordering contract (LAYOUT.md), so either
// end may be TS or C++ — in one process, or across processes with wait domain os.
//
// Include this header. Each part sits in spsc_ring/ beside its TypeScript twin in src/:
//   layout.hpp      layout.ts       the shared-memory layout, from X-macro lists
//   errors.hpp      errors.ts       RingStatus, WaitOutcome
//   header.hpp      header.ts       RingConfig, creating and validating a header, Ring
//   counter.hpp     counter.ts      64-bit counters: stores, bounded reads, take-over
//   liveness.hpp    liveness.ts     pids, threads, heartbeats, a dead peer
//   wait.hpp        wait.ts         waking a sleeper, the sleep protocol
//   ring_end.hpp    ring-end.ts     publishing, stats, what both ends share
//   fixed_ring.hpp  fixed-ring.ts   FixedProducer, FixedConsumer
//   byte_ring.hpp   byte-ring.ts    ByteProducer, ByteConsumer
#pragma once

#include "ringkit/spsc_ring/byte_ring.hpp"
#include "ringkit/spsc_ring/counter.hpp"
#include "ringkit/spsc_ring/errors.hpp"
#include "ringkit/spsc_ring/fixed_ring.hpp"
#include "ringkit/spsc_ring/header.hpp"
#include "ringkit/spsc_ring/layout.hpp"
#include "ringkit/spsc_ring/liveness.hpp"
#include "ringkit/spsc_ring/ring_end.hpp"
#include "ringkit/spsc_ring/wait.hpp"
