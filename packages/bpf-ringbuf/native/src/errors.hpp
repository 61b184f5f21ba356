// The one error type of the addon: a code JavaScript branches on (src/errors.ts's
// BpfErrorCode) and one sentence saying what is wrong and how to fix it. Plain
// C++ so the libbpf code stays free of Node-API; the bindings turn it into a JS
// Error with a `code` property.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ringkit::bpf {

class Failure : public std::runtime_error {
 public:
  Failure(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

  // What a caller may need beyond the sentence, as properties of the JS error: a load
  // failure's `program` and the verifier's whole `verifierLog`, too long for a sentence.
  Failure& with(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  const std::vector<std::pair<std::string, std::string>>& fields() const noexcept {
    return fields_;
  }

 private:
  std::string code_;
  std::vector<std::pair<std::string, std::string>> fields_;
};

// strerror(errnum) without the thread-unsafe static buffer.
std::string errno_text(int errnum);

// "a percpu_array", "an array": map type names read as nouns.
std::string with_article(const std::string& noun);

}  // namespace ringkit::bpf
