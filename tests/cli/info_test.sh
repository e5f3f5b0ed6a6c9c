#!/usr/bin/env bash
# minicnn info: names the kernel path this CPU got and OpenBLAS's core, follows MINICNN_KERNELS,
# and refuses a path it does not know with one line and exit code 1; the same for MINICNN_CONV, and
# --model names each conv layer's algorithm.
#   info_test.sh BUILD/minicnn SOURCE_DIR
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"

out=$("$M" info) || fail "minicnn info exited $?"
grep -Eq '^kernel path: (avx512|avx2|portable) \(the default for this CPU' <<<"$out" || { echo "$out"; fail "no default kernel path line"; }
grep -Eq '^openblas: [A-Za-z0-9]+ core \(OPENBLAS_CORETYPE' <<<"$out" || { echo "$out"; fail "no OpenBLAS core line"; }
grep -Eq '^default threads: [1-9][0-9]*$' <<<"$out" || { echo "$out"; fail "no default thread count"; }
ok "info names the kernel path, OpenBLAS's core and the default thread count"
grep -Eq '^onnx import/export: (yes|no \(this build has no libonnx: -DMINICNN_ONNX\))$' <<<"$out" || { echo "$out"; fail "no line saying whether ONNX is in"; }
ok "info says whether this build has ONNX"

out=$(MINICNN_KERNELS=portable "$M" info) || fail "minicnn info with MINICNN_KERNELS=portable exited $?"
grep -q '^kernel path: portable (set by MINICNN_KERNELS' <<<"$out" || { echo "$out"; fail "MINICNN_KERNELS=portable not shown"; }
ok "info follows MINICNN_KERNELS"

MINICNN_KERNELS=bogus "$M" info > out.txt 2> err.txt
rc=$?
[ $rc = 1 ] || fail "MINICNN_KERNELS=bogus: exit $rc, expected 1"
[ "$(wc -l < err.txt)" = 1 ] && grep -q "MINICNN_KERNELS: unknown kernel path 'bogus'" err.txt || { cat err.txt; fail "MINICNN_KERNELS=bogus: not one clear line"; }
ok "an unknown MINICNN_KERNELS is refused with one line and exit 1"
out=$("$M" info --model resnet-mini) || fail "minicnn info --model resnet-mini exited $?"
grep -q '^convolution: auto (the default)' <<<"$out" || { echo "$out"; fail "no default convolution line"; }
grep -Eq '^  0  Conv2d\(3, 16, .*  implicit$' <<<"$out" && grep -Eq '^  8.body.3  Conv2d\(64, 64, .*  winograd$' <<<"$out" \
  && grep -Eq '^  5.shortcut.0  Conv2d\(16, 32, kernel_size=\(1, 1\).*  (implicit|im2col)$' <<<"$out" \
  || { echo "$out"; fail "info --model does not name each conv's algorithm"; }
out=$(MINICNN_CONV=direct "$M" info --model convnet-rgb) || fail "MINICNN_CONV=direct info exited $?"
grep -q '^convolution: direct (set by MINICNN_CONV)' <<<"$out" && ! grep -q 'winograd$' <<<"$out" || { echo "$out"; fail "MINICNN_CONV=direct not followed"; }
out=$(MINICNN_CONV=winograd "$M" info --model convnet-rgb) || fail "MINICNN_CONV=winograd info exited $?"
[ "$(grep -c '  winograd$' <<<"$out")" = 4 ] || { echo "$out"; fail "MINICNN_CONV=winograd: not every 3x3 conv on Winograd"; }
ok "info says which algorithm each conv runs, following MINICNN_CONV"

MINICNN_CONV=fast "$M" info > out.txt 2> err.txt
rc=$?
[ $rc = 1 ] || fail "MINICNN_CONV=fast: exit $rc, expected 1"
[ "$(wc -l < err.txt)" = 1 ] && grep -q "MINICNN_CONV: unknown convolution algorithm 'fast' (expected direct, winograd or auto)" err.txt \
  || { cat err.txt; fail "MINICNN_CONV=fast: not one clear line"; }
ok "an unknown MINICNN_CONV is refused with one line and exit 1"
echo "$pass checks passed"
