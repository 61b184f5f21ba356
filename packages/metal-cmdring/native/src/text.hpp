// Numbers in error messages, written the way a user typed them (250, not 250.000000).
#pragma once

#include <cstdio>
#include <string>

namespace ringkit::cmdring {

inline std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

// Milliseconds with two decimals, as wait logs and timeouts report them.
inline std::string format_ms(double milliseconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", milliseconds);
  return text;
}

}  // namespace ringkit::cmdring
