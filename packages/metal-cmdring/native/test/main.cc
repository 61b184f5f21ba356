// cmdring_test: the native part's tests and benchmarks, runnable without Node.
//   cmdring_test                  core and cpu tests (exit 1 if any fails)
//   cmdring_test --filter TEXT    only tests whose sentence contains TEXT
//   cmdring_test --bench          cpu-backend figures: decode loop, acquire/commit latency
//   cmdring_test --cuda           cuda tests and utilisation table, or a SKIP line
//   cmdring_test --cuda --require-gpu   the same, but no GPU is a failure
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench.hpp"
#include "check.hpp"

int main(int argc, char** argv) {
  bool bench = false;
  bool cuda = false;
  bool require_gpu = false;
  std::string filter;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--bench") {
      bench = true;
    } else if (argument == "--cuda") {
      cuda = true;
    } else if (argument == "--require-gpu") {
      require_gpu = true;
    } else if (argument == "--filter" && i + 1 < argc) {
      filter = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: cmdring_test [--filter TEXT] | --bench | --cuda [--require-gpu]\n"
                   "unknown argument: %s\n",
                   argument.c_str());
      return 2;
    }
  }
  // Sanitized builds run several times slower; the watchdog allows for it.
  const double watchdog_seconds = std::getenv("CMDRING_WATCHDOG_S") != nullptr
                                      ? std::atof(std::getenv("CMDRING_WATCHDOG_S"))
                                      : 300;
  if (bench) return cmdring_test::run_cpu_bench();
  if (cuda) return cmdring_test::run_cuda(require_gpu, filter, watchdog_seconds);
  int failed = cmdring_test::run_tests("core", filter, watchdog_seconds);
  failed += cmdring_test::run_tests("cpu", filter, watchdog_seconds);
  std::printf("%s\n", failed == 0 ? "PASS" : "FAIL");
  return failed == 0 ? 0 : 1;
}
