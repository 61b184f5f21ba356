#include "errors.hpp"

#include <cstring>

namespace ringkit::bpf {

std::string errno_text(int errnum) {
  char buffer[128];
  // GNU strerror_r: returns the text, which may or may not live in `buffer`.
  return strerror_r(errnum, buffer, sizeof buffer);
}

}  // namespace ringkit::bpf
