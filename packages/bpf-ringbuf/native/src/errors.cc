#include "errors.hpp"

#include <cstring>
#include <string_view>

namespace ringkit::bpf {

std::string errno_text(int errnum) {
  char buffer[128];
  // GNU strerror_r: returns the text, which may or may not live in `buffer`.
  return strerror_r(errnum, buffer, sizeof buffer);
}

std::string with_article(const std::string& noun) {
  const bool vowel =
      !noun.empty() && std::string_view("aeiou").find(noun[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + noun;
}

}  // namespace ringkit::bpf
