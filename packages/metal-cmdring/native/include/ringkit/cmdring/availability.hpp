// Whether a backend can run here, and if not, one sentence saying why.
#pragma once

#include <string>

namespace ringkit::cmdring {

struct Availability {
  bool available = false;
  std::string reason;  // empty when available
};

}  // namespace ringkit::cmdring
