// The one error type of the addon: a code JavaScript branches on (src/errors.ts's
// BpfErrorCode) and one sentence saying what is wrong and how to fix it. Plain
// C++ so the libbpf code stays free of Node-API; the bindings turn it into a JS
// Error with a `code` property.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace ringkit::bpf {

class Failure : public std::runtime_error {
 public:
  Failure(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

// strerror(errnum) without the thread-unsafe static buffer.
std::string errno_text(int errnum);

// "a percpu_array", "an array": map type names read as nouns.
std::string with_article(const std::string& noun);

}  // namespace ringkit::bpf
