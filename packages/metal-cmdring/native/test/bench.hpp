// The executable's other modes: benchmarks on the cpu backend, and the cuda
// tests with their utilisation table.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace cmdring_test {

int run_cpu_bench();
int run_cuda(bool require_gpu, const std::string& filter, double watchdog_seconds);

// The q-quantile (0..1) of `samples`, which it reorders.
inline double quantile(std::vector<double>& samples, double q) {
  if (samples.empty()) return 0;
  const auto index = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1));
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(index),
                   samples.end());
  return samples[index];
}

}  // namespace cmdring_test
