#include "check.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>

#include "ringkit/cmdring/errors.hpp"

namespace cmdring_test {

std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

namespace {

// Ends the process if one test runs longer than the limit: a hang is a failure
// with the test's name on it, not a stuck CI job.
class Watchdog {
 public:
  Watchdog(const std::string& sentence, double seconds)
      : thread_([this, sentence, seconds] {
          std::unique_lock lock(mutex_);
          const bool finished = done_changed_.wait_for(lock, std::chrono::duration<double>(seconds),
                                                       [this] { return done_; });
          if (!finished) {
            std::fprintf(stderr, "HANG: \"%s\" ran past %.0f s\n", sentence.c_str(), seconds);
            std::fflush(nullptr);
            std::_Exit(3);
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_changed_.notify_one();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_changed_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

int run_tests(const std::string& group, const std::string& filter, double watchdog_seconds) {
  int failed = 0;
  int ran = 0;
  for (const TestCase& test : registry()) {
    if (test.group != group || test.sentence.find(filter) == std::string::npos) continue;
    ++ran;
    const auto start = std::chrono::steady_clock::now();
    std::string failure;
    {
      Watchdog watchdog(test.sentence, watchdog_seconds);
      try {
        test.run();
      } catch (const ringkit::cmdring::Failure& error) {
        failure = "unexpected Failure " + error.code() + ": " + error.what();
      } catch (const std::exception& error) {
        failure = error.what();
      }
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (failure.empty()) {
      std::printf("ok    %s (%.0f ms)\n", test.sentence.c_str(), ms);
    } else {
      ++failed;
      std::printf("FAIL  %s\n      %s\n", test.sentence.c_str(), failure.c_str());
    }
    std::fflush(stdout);
  }
  std::printf("%s: %d passed, %d failed\n", group.c_str(), ran - failed, failed);
  return failed;
}

}  // namespace cmdring_test
