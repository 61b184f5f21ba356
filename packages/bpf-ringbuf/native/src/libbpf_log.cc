#include "libbpf_log.hpp"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <string_view>
#include <vector>

namespace ringkit::bpf::libbpf_log {
namespace {

constexpr std::size_t kKeptLines = 32;

// Per thread: libbpf prints on the thread that called it, and several Node
// environments (workers) may open objects at once.
thread_local std::deque<std::string> lines;
// The program libbpf's warnings named last, and the verifier's whole log of the
// last program it rejected: a load failure's who and why, kept whole.
thread_local std::string named_program;
thread_local std::string whole_verifier_log;

bool debug_enabled() {
  static const bool enabled = [] {
    const char* value = std::getenv("RINGKIT_BPF_DEBUG");
    return value != nullptr && std::strcmp(value, "1") == 0;
  }();
  return enabled;
}

// Lines that say nothing about the cause: libbpf's framing of the verifier log
// and its generic summaries.
bool boilerplate(std::string_view line) {
  static constexpr std::string_view kNoise[] = {
      "-- BEGIN PROG LOAD LOG --",
      "-- END PROG LOAD LOG --",
      "failed to load object",
      "': failed to load: ",  // "prog 'NAME': failed to load: -13": the error names NAME itself
      "processed ",
      "verification time",
      "stack depth",
      "Error in bpf_object__probe_loading",
  };
  for (std::string_view noise : kNoise)
    if (line.find(noise) != std::string_view::npos) return true;
  return false;
}

void keep(std::string_view text) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) continue;
    lines.emplace_back(line);
    if (lines.size() > kKeptLines) lines.pop_front();
  }
}

// libbpf prefixes what concerns one program with "libbpf: prog 'NAME': ", and prints
// a rejected program's verifier log as one message between BEGIN and END markers.
void remember_program(std::string_view message) {
  static constexpr std::string_view kPrefix = "libbpf: prog '";
  if (!message.starts_with(kPrefix)) return;
  const std::size_t end = message.find("': ", kPrefix.size());
  if (end == std::string_view::npos) return;
  named_program.assign(message.substr(kPrefix.size(), end - kPrefix.size()));
  static constexpr std::string_view kBegin = "-- BEGIN PROG LOAD LOG --\n";
  static constexpr std::string_view kEnd = "-- END PROG LOAD LOG --";
  const std::size_t begin = message.find(kBegin, end);
  if (begin == std::string_view::npos) return;
  const std::string_view log = message.substr(begin + kBegin.size());
  whole_verifier_log.assign(log.substr(0, log.rfind(kEnd)));
}

int print(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG && !debug_enabled()) return 0;
  va_list copy;
  va_copy(copy, args);
  std::vector<char> buffer(4096);
  const int length = std::vsnprintf(buffer.data(), buffer.size(), format, copy);
  va_end(copy);
  if (length < 0) return 0;
  if (static_cast<std::size_t>(length) >= buffer.size()) {
    // The verifier log arrives as one message and can be long; keep all of it.
    buffer.resize(static_cast<std::size_t>(length) + 1);
    std::vsnprintf(buffer.data(), buffer.size(), format, args);
  }
  if (debug_enabled()) std::fputs(buffer.data(), stderr);
  if (level != LIBBPF_DEBUG) {
    const std::string_view message(buffer.data(), static_cast<std::size_t>(length));
    remember_program(message);
    keep(message);
  }
  return length;
}

}  // namespace

void install() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(print); });
}

void clear() {
  lines.clear();
  named_program.clear();
  whole_verifier_log.clear();
}

std::string last_program() {
  return named_program;
}

std::string verifier_log() {
  return whole_verifier_log;
}

std::string last_lines(std::size_t count) {
  std::vector<std::string_view> chosen;
  for (auto line = lines.rbegin(); line != lines.rend() && chosen.size() < count; ++line)
    if (!boilerplate(*line)) chosen.emplace_back(*line);
  std::string joined;
  for (auto line = chosen.rbegin(); line != chosen.rend(); ++line) {
    if (!joined.empty()) joined += "; ";
    std::string_view text = *line;
    // "libbpf: " adds nothing inside a sentence that already names libbpf's step.
    if (text.starts_with("libbpf: ")) text.remove_prefix(8);
    joined += text;
  }
  return joined;
}

}  // namespace ringkit::bpf::libbpf_log
