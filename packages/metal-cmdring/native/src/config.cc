#include "ringkit/cmdring/config.hpp"

#include <cmath>
#include <string>

#include "ringkit/cmdring/errors.hpp"
#include "text.hpp"

namespace ringkit::cmdring {

void validate(const RingConfig& config) {
  if (config.ring_size < kMinRingSize || config.ring_size > kMaxRingSize) {
    throw Failure(
        error_code::kInvalidOptions,
        "ring_size must be between " + std::to_string(kMinRingSize) + " and " +
            std::to_string(kMaxRingSize) +
            " (2 double-buffers, 3 triple-buffers), ring_size=" + std::to_string(config.ring_size));
  }
  validate_timeout_ms(config.timeout_ms, "timeout_ms");
  if (config.priority_levels < 1 || config.priority_levels > kMaxPriorityLevels) {
    throw Failure(error_code::kInvalidOptions,
                  "priority_levels must be between 1 (round-robin) and " +
                      std::to_string(kMaxPriorityLevels) +
                      ", priority_levels=" + std::to_string(config.priority_levels));
  }
  if (!std::isfinite(config.spin_us) || config.spin_us < 0 || config.spin_us > kMaxSpinUs) {
    throw Failure(error_code::kInvalidOptions,
                  "spin_us must be between 0 and " + format_number(kMaxSpinUs) +
                      " microseconds, spin_us=" + format_number(config.spin_us));
  }
}

void validate_timeout_ms(double timeout_ms, const char* what) {
  if (!std::isfinite(timeout_ms) || timeout_ms < 0) {
    throw Failure(error_code::kInvalidOptions,
                  std::string(what) +
                      " must be a finite number of milliseconds, 0 or more (0 waits without "
                      "limit), " +
                      what + "=" + format_number(timeout_ms));
  }
}

}  // namespace ringkit::cmdring
