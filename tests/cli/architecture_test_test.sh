#!/usr/bin/env bash
# A test for architecture_test.sh: in a copy of the tree, plant one include that breaks
# docs/ARCHITECTURE.md's rules at a time and check that the test fails and names it; the copy
# as it is must pass.
#   architecture_test_test.sh SOURCE_DIR
set -uo pipefail
src=$(cd "$1" && pwd) || exit 1
test_sh="$src/tests/cli/architecture_test.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/minicnn-arch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
fresh() {
  rm -rf "$tmp/tree" && mkdir -p "$tmp/tree" && cp -r "$src/docs" "$src/include" "$src/src" "$src/tests" "$tmp/tree/" && mkdir -p "$tmp/tree"/{bench,examples,cmake,scripts}
}
# expect_caught FILE LINE WORDS: with LINE added to FILE, the test must fail with a line holding WORDS.
expect_caught() {
  cp "$tmp/tree/$1" "$tmp/saved"
  printf '%s\n' "$2" >> "$tmp/tree/$1"
  out=$(bash "$test_sh" "$tmp/tree" 2>&1)
  rc=$?
  cp "$tmp/saved" "$tmp/tree/$1"
  if [ $rc = 0 ]; then echo "FAIL: $2 in $1 passed the architecture test"; fails=$((fails + 1))
  elif ! grep -qF "$3" <<<"$out"; then echo "FAIL: $2 in $1 failed without naming it; got:"; echo "$out" | tail -3; fails=$((fails + 1))
  else echo "ok: $2 in $1 is caught"; fi
}
fresh
bash "$test_sh" "$tmp/tree" > /dev/null || { echo "FAIL: the unchanged copy does not pass"; fails=$((fails + 1)); }
expect_caught src/data/dataset.cpp '#include "kernels/gemm.hpp"' 'src/data/dataset.cpp (data) includes kernels/'
expect_caught src/optim/sgd.cpp '#include "layers/conv2d_reference.hpp"' 'src/optim/sgd.cpp (optim) includes layers/'
expect_caught src/kernels/gemm_kernel.inc '#include "minicnn/train/train.hpp"' 'src/kernels/gemm_kernel.inc (kernels) includes minicnn/train/'
expect_caught src/kernels/gemm_kernel.inc '#include "data/nothing.hpp"' 'src/kernels/gemm_kernel.inc (kernels) includes data/'
expect_caught include/minicnn/core/tensor.hpp '#include "minicnn/layers/relu.hpp"' 'include/minicnn/core/tensor.hpp (core) includes minicnn/layers/'
expect_caught include/minicnn/layers/conv2d.hpp '#include "kernels/conv_kernels.hpp"' 'is a public header but includes the private kernels/'
expect_caught src/io/npy.cpp '#include "nowhere/x.hpp"' 'which is no folder of src/'
mkdir -p "$tmp/tree/src/newpart"
out=$(bash "$test_sh" "$tmp/tree" 2>&1) && { echo "FAIL: a part without rules passed"; fails=$((fails + 1)); } ||
  { grep -qF "src/newpart/ has no include rules" <<<"$out" && echo "ok: a part without rules is caught" ||
    { echo "FAIL: a part without rules failed without naming it"; fails=$((fails + 1)); }; }
[ "$fails" = 0 ]
