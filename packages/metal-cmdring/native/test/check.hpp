// A tiny test harness: tests named as sentences, checks that say what differed,
// and a watchdog so a hang fails the run instead of stalling it.
#pragma once

#include <cstdint>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cmdring_test {

struct TestCase {
  std::string group;  // "core", "cpu", "cuda"
  std::string sentence;
  std::function<void()> run;
};

std::vector<TestCase>& registry();

struct Registration {
  Registration(std::string group, std::string sentence, std::function<void()> run) {
    registry().push_back({std::move(group), std::move(sentence), std::move(run)});
  }
};

class CheckFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail_check(const char* file, int line, const std::string& what) {
  std::ostringstream out;
  out << file << ":" << line << ": " << what;
  throw CheckFailed(out.str());
}

template <typename A, typename B>
void check_equal(const A& actual, const B& expected, const char* actual_text,
                 const char* expected_text, const char* file, int line) {
  if (!(actual == expected)) {
    std::ostringstream out;
    out << actual_text << " == " << expected_text << " failed: got " << actual << ", expected "
        << expected;
    fail_check(file, line, out.str());
  }
}

// Runs the tests of `group` whose sentence contains `filter`; the number that failed.
int run_tests(const std::string& group, const std::string& filter, double watchdog_seconds);

}  // namespace cmdring_test

#define CMDRING_CONCAT_INNER(a, b) a##b
#define CMDRING_CONCAT(a, b) CMDRING_CONCAT_INNER(a, b)
#define CMDRING_TEST(group, sentence)                                                             \
  static void CMDRING_CONCAT(cmdring_test_body_, __LINE__)();                                     \
  static const ::cmdring_test::Registration CMDRING_CONCAT(cmdring_test_registration_, __LINE__)( \
      group, sentence, CMDRING_CONCAT(cmdring_test_body_, __LINE__));                             \
  static void CMDRING_CONCAT(cmdring_test_body_, __LINE__)()

#define CHECK(condition)                                                          \
  do {                                                                            \
    if (!(condition)) ::cmdring_test::fail_check(__FILE__, __LINE__, #condition); \
  } while (false)

#define CHECK_EQ(actual, expected) \
  ::cmdring_test::check_equal((actual), (expected), #actual, #expected, __FILE__, __LINE__)

#define CHECK_MSG(condition, message)                                          \
  do {                                                                         \
    if (!(condition)) {                                                        \
      std::ostringstream cmdring_check_out;                                    \
      cmdring_check_out << #condition << ": " << message;                      \
      ::cmdring_test::fail_check(__FILE__, __LINE__, cmdring_check_out.str()); \
    }                                                                          \
  } while (false)
