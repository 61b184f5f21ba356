// A native role's look at the roles it depends on: src/death.ts's DeathWatch in C++. A role
// whose thread ended without exiting is dead (RoleLine::dead, a look in /proc); the watching
// role records the first dead one in its own line's report slot (Counter.role.report), clears
// it once that role was taken again, and lets its loop react (a collector ends on a dead drain
// once the run is complete, replenish stops feeding a dead lane). The JS side turns the report
// into the ROLE_DIED sentence (death.ts's reportedError), so native and JS roles say the same.
#pragma once

#include <cstddef>
#include <vector>

#include "role_support.hpp"

namespace ringkit::buffer_pool {

class DeathWatch {
 public:
  // `own` must outlive the watch (it is the role's own line, a member declared before it).
  DeathWatch(RoleLine& own, std::vector<RoleLine> watched);

  // The dead role this one depends on, if any (looked at again at most every kLookMs).
  const RoleLine* look();
  // A last look as the role finishes, whenever the previous one was: its report is final.
  const RoleLine* look_now();
  // For a sleeping role's wake check (asked every tick): true once when a look finds a death it
  // had not reported (or the reported role was taken again), so the role steps and says so.
  bool news();
  // Whether the watched role at `index` was dead at the last look.
  bool dead(std::size_t index) const noexcept { return dead_[index]; }

 private:
  // death.ts's LOOK_MS: each look is a /proc lookup per watched role, so not every step.
  static constexpr double kLookMs = 50;

  RoleLine& own_;
  std::vector<RoleLine> watched_;
  std::vector<bool> dead_;
  const RoleLine* found_ = nullptr;
  Clock::time_point next_look_{};
};

}  // namespace ringkit::buffer_pool
