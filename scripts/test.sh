#!/usr/bin/env bash
# Sets everything up (dependencies, build, MNIST), then runs the whole test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/get-mnist.sh          # the suite trains on a slice of real MNIST
cd build
ctest --output-on-failure -j"$(nproc 2>/dev/null || echo 2)"
