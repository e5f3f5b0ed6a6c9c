#!/usr/bin/env bash
# Sets everything up (dependencies, build, MNIST), then runs the whole test suite with CTest.
#   scripts/test.sh              the normal, optimised build in build/
#   scripts/test.sh --sanitize   the same suite built with AddressSanitizer + UndefinedBehaviorSanitizer
#                                in build-sanitize/ (any report fails the run)
set -euo pipefail
cd "$(dirname "$0")/.."
export MINICNN_TEST_PACKAGES=1   # setup.sh also installs what the browser tests drive
if [ "${1:-}" = "--sanitize" ]; then
  export MINICNN_BUILD_DIR=build-sanitize
  scripts/setup.sh -DMINICNN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug   # at -O1: see CMakeLists.txt
  # Leaks are checked too; halt_on_error makes any report a failing test.
  export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  export MINICNN_BUILD_DIR=build
  scripts/setup.sh
fi
scripts/get-mnist.sh          # the suite trains on a slice of real MNIST
cd "$MINICNN_BUILD_DIR"
# The sanitizer build checks minicnn's own code; the tests that drive other programs (Chromium,
# onnxruntime, PyTorch, mpirun; CTest label "integration") and the slow ones (label "slow": long
# training runs, minutes under the sanitizers) run once, in the normal build.
exclude=()
[ "${1:-}" = "--sanitize" ] && exclude=(-LE 'integration|slow')
ctest --output-on-failure -j"$(nproc 2>/dev/null || echo 2)" "${exclude[@]}"
