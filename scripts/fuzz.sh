#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan + UBSan) and runs each for SECONDS (default 60) from
# its seed corpus in tests/fuzz/corpus/. Prints executions, executions per second and findings;
# exits non-zero if any harness found a crash, a leak or a sanitizer report (the inputs that
# triggered them are kept in build-fuzz/findings/).
#   scripts/fuzz.sh [SECONDS]
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
need=()
for p in clang libclang-rt-14-dev libomp-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
scripts/setup.sh >/dev/null || exit 1  # the Debian libraries minicnn itself needs
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINICNN_FUZZ=ON \
  -DMINICNN_BUILD_TESTS=OFF -DMINICNN_BUILD_EXAMPLES=OFF >/dev/null || exit 1
cmake --build build-fuzz -j"$(nproc)" --target fuzz_idx fuzz_npz fuzz_spec fuzz_image fuzz_onnx >/dev/null || exit 1
mkdir -p build-fuzz/findings
failed=0
printf '%-8s %12s %10s  %s\n' harness executions "execs/s" findings
for h in idx npz spec image onnx; do
  work=$(mktemp -d)
  cp tests/fuzz/corpus/$h/* "$work/" 2>/dev/null
  log=build-fuzz/fuzz_$h.log
  (cd build-fuzz/findings && ASAN_OPTIONS=detect_leaks=1 "../tests/fuzz/fuzz_$h" -max_total_time="$seconds" -rss_limit_mb=2048 \
     -timeout=10 -print_final_stats=1 "$work" >"../fuzz_$h.log" 2>&1)
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(awk -v e="${execs:-0}" -v s="$seconds" 'BEGIN {printf "%.0f", e / s}')
  finding="none"
  if [ $rc -ne 0 ]; then
    finding="$(grep -m1 -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error' "$log" || echo "exit $rc") (see $log)"
    failed=1
  fi
  printf '%-8s %12s %10s  %s\n' "$h" "${execs:-?}" "$rate" "$finding"
  rm -rf "$work"
done
exit $failed
