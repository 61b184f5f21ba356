#include "death_watch.hpp"

#include <utility>

namespace ringkit::buffer_pool {

DeathWatch::DeathWatch(RoleLine& own, std::vector<RoleLine> watched)
    : own_(own), watched_(std::move(watched)), dead_(watched_.size(), false) {}

const RoleLine* DeathWatch::look() {
  const auto now = Clock::now();
  if (now < next_look_) return found_;
  next_look_ = now + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double, std::milli>(kLookMs));
  const RoleLine* found = nullptr;
  for (std::size_t index = 0; index < watched_.size(); index++) {
    dead_[index] = watched_[index].dead();
    if (dead_[index] && found == nullptr) found = &watched_[index];
  }
  found_ = found;
  if (found == nullptr)
    own_.clear_report();
  else
    own_.set_report(*found);
  return found_;
}

const RoleLine* DeathWatch::look_now() {
  next_look_ = Clock::time_point{};
  return look();
}

bool DeathWatch::news() {
  const RoleLine* before = found_;
  return look() != before;
}

}  // namespace ringkit::buffer_pool
