#!/usr/bin/env bash
# Cross-compiles minicnn for 64-bit ARM (aarch64: Raspberry Pi 4/5, Graviton, Linux VMs on Apple
# silicon) on a Debian x86-64 host, then runs the unit tests under qemu-user. Not part of CI: the
# build takes about as long as a native one, and the emulated tests about 20 minutes.
#   scripts/cross-aarch64.sh [--no-install] [--no-tests] [extra cmake -D options]
# Builds in build-aarch64/: the library, build-aarch64/tests/minicnn_tests and build-aarch64/minicnn,
# with ONNX, MPI, the Python module and the examples off (Debian's libonnx:arm64 cannot be installed
# beside the amd64 one: /usr/lib/libonnxifi.so is not multiarch; the others are not needed for the
# unit tests). Uses apt-get (as root, or with sudo) for what is missing:
#   g++-aarch64-linux-gnu, qemu-user-static, and via multiarch (dpkg --add-architecture arm64)
#   libopenblas-dev:arm64, zlib1g-dev:arm64, libzip-dev:arm64, libcpp-httplib-dev:arm64.
# The header-only libraries (xtensor, xtl, xsimd, xtensor-blas, doctest, CLI11, nlohmann-json, stb)
# are the host's (scripts/setup.sh installs them); cmake/aarch64-toolchain.cmake points CMake at them.
set -euo pipefail
cd "$(dirname "$0")/.."
install=1 tests=1
cmake_args=()
for a in "$@"; do
  case "$a" in
    --no-install) install=0 ;;
    --no-tests) tests=0 ;;
    -D*) cmake_args+=("$a") ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cross-aarch64.sh: unknown option '$a' (expected --no-install, --no-tests or -D...)" >&2; exit 2 ;;
  esac
done
BUILD=build-aarch64

if [ $install = 1 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  missing=()
  command -v aarch64-linux-gnu-g++ > /dev/null || missing+=(g++-aarch64-linux-gnu)
  command -v qemu-aarch64-static > /dev/null || missing+=(qemu-user-static)
  for p in libopenblas-dev zlib1g-dev libzip-dev libcpp-httplib-dev; do
    dpkg -s "$p:arm64" > /dev/null 2>&1 || missing+=("$p:arm64")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi

launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Release: -O3 as the native build, without debug information, which only lengthens the build.
# -march=armv8-a: every 64-bit ARM CPU (NEON is part of it); GCC vectorises the portable kernels
# with it (fmla on 128-bit registers).
cmake -S . -B "$BUILD" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/aarch64-toolchain.cmake" -DCMAKE_BUILD_TYPE=Release \
  -DMINICNN_ARCH=armv8-a -DMINICNN_ONNX=OFF -DMINICNN_MPI=OFF -DMINICNN_PYTHON=OFF -DMINICNN_BUILD_EXAMPLES=OFF \
  "${launcher[@]}" "${cmake_args[@]}"
jobs=-j"$(nproc 2>/dev/null || echo 2)"
cmake --build "$BUILD" "$jobs" --target minicnn_tests
cmake --build "$BUILD" "$jobs" --target minicnn_cli
file "$BUILD/tests/minicnn_tests" | grep -q 'ARM aarch64' || { echo "cross-aarch64.sh: $BUILD/tests/minicnn_tests is not an aarch64 program" >&2; exit 1; }
[ $tests = 1 ] || exit 0

# Run with qemu-aarch64-static alone, never with `-L /usr/aarch64-linux-gnu`: that starts the
# program with the cross toolchain's loader but the multiarch libc, two glibc builds that disagree,
# and the first thread the program starts spins for ever (cmake/aarch64-toolchain.cmake says more).
# OpenBLAS (neither setting is needed to start or pass; both make the run the same everywhere):
#   OPENBLAS_CORETYPE=ARMV8: the generic NEON kernels every 64-bit ARM CPU runs, whatever CPU
#     model the emulator presents to OpenBLAS's start-up detection.
#   OPENBLAS_NUM_THREADS=1: minicnn calls OpenBLAS single-threaded anyway (core/threads.cpp), but
#     OpenBLAS starts its own threads when the library loads unless told otherwise; under the
#     emulator they would only compete with minicnn's for the host's cores.
export OPENBLAS_CORETYPE=ARMV8 OPENBLAS_NUM_THREADS=1
echo "== minicnn info under qemu-aarch64"
qemu-aarch64-static "$BUILD/minicnn" info
echo "== the unit tests under qemu-aarch64 (about 20 minutes on 2 busy cores; the MNIST case needs data/mnist)"
start=$(date +%s)
qemu-aarch64-static "$BUILD/tests/minicnn_tests" 2>&1 | tail -n 25 &&
  status=0 || status=$?
echo "== unit tests under qemu-aarch64: $(( $(date +%s) - start )) s"
exit $status
