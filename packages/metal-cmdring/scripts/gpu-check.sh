#!/usr/bin/env bash
# The cuda backend on a machine with an NVIDIA GPU and no Node: the C++ tests
# with a GPU required, the utilisation table, and compute-sanitizer's memcheck
# over four of the tests (the driver errors the tests provoke on purpose are not
# reported; memory errors are). Writes logs to $1 (default: ./gpu-check).
#   bash packages/metal-cmdring/scripts/gpu-check.sh [OUT_DIR] [PREBUILT_cmdring_test]
set -uo pipefail
package_dir=$(cd "$(dirname "$0")/.." && pwd)
out_dir=${1:-gpu-check}
mkdir -p "$out_dir"
binary=${2:-}

nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv 2>&1 | tee "$out_dir/gpu.txt"

# A binary built elsewhere runs only where its libc and libstdc++ are at least
# as new; otherwise build here (CMake and the CUDA headers are enough).
if [[ -z "$binary" ]] || ! "$binary" --filter no-such-test >/dev/null 2>&1; then
  echo "building cmdring_test here"
  cmake -S "$package_dir" -B /tmp/cmdring-build -DCMAKE_BUILD_TYPE=Release >/dev/null &&
    cmake --build /tmp/cmdring-build --parallel 8 --target cmdring_test >/dev/null || exit 1
  binary=/tmp/cmdring-build/cmdring_test
fi

status=0
"$binary" --cuda --require-gpu 2>&1 | tee "$out_dir/cuda.txt" || status=1
"$binary" 2>&1 | tail -3 | tee "$out_dir/core.txt" || status=1
if command -v compute-sanitizer >/dev/null; then
  for filter in saxpy "user PTX" "refuses" "stress"; do
    timeout 120 compute-sanitizer --tool memcheck --report-api-errors no --error-exitcode 9 \
      "$binary" --cuda --require-gpu --filter "$filter" >>"$out_dir/memcheck.txt" 2>&1 ||
      { echo "memcheck failed on '$filter'"; status=1; }
  done
  tail -4 "$out_dir/memcheck.txt"
fi
exit $status
