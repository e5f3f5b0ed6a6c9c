#!/usr/bin/env bash
# Installs every Debian package minicnn needs (idempotent) and builds it in build/: everything, or
# only the targets named with --target (scripts/train-mnist.sh builds just the tool, minicnn_cli).
# Usage: scripts/setup.sh [--target NAME]... [extra cmake arguments]
#        (MINICNN_BUILD_DIR picks another build folder)
set -euo pipefail
cd "$(dirname "$0")/.."

targets=()
cmake_args=()
while (($#)); do
  case "$1" in
    --target) targets+=("${2:?setup: --target needs a target name, e.g. minicnn_cli}"); shift 2 ;;
    *) cmake_args+=("$1"); shift ;;
  esac
done

packages=(
  build-essential cmake pkg-config
  libxtensor-dev libxtensor-blas-dev xtl-dev libxsimd-dev libopenblas-dev
  libstb-dev doctest-dev zlib1g-dev
  libzip-dev nlohmann-json3-dev libcli11-dev
  libcpp-httplib-dev libssl-dev libbrotli-dev
  libonnx-dev libprotobuf-dev   # ONNX export and import (src/io/onnx_*.cpp)
  python3-numpy pybind11-dev python3-dev   # the Python module (src/python/, build/python/)
  libopenmpi-dev openmpi-bin   # data-parallel training with mpirun (docs/SCALING.md); optional
)
# The browser tests (scripts/test.sh sets MINICNN_TEST_PACKAGES=1): headless Chromium driven by
# puppeteer-core, which the tests install with npm into the build folder.
# node and npm count as present when on PATH (a node from elsewhere ships its own npm, which
# Debian's npm package would conflict with).
if [ "${MINICNN_TEST_PACKAGES:-0}" = 1 ]; then
  packages+=(chromium curl iproute2 python3-torch python3-torchvision python3-onnx)  # PyTorch and ONNX checks (torchvision: the famous networks)
  packages+=(python3-matplotlib python3-nbclient python3-nbformat python3-ipykernel)  # the notebooks, run headlessly
  command -v node > /dev/null || packages+=(nodejs)
  command -v npm > /dev/null || packages+=(npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=$(nproc 2>/dev/null || echo 2)
dir=${MINICNN_BUILD_DIR:-build}
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${cmake_args[@]}" >/dev/null
if ((${#targets[@]})); then
  cmake --build "$dir" -j"$jobs" --target "${targets[@]}"
  echo "setup: built ${targets[*]} in $dir/"
else
  cmake --build "$dir" -j"$jobs"
  echo "setup: built in $dir/"
fi
