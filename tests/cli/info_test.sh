#!/usr/bin/env bash
# minicnn info: names the kernel path this CPU got and OpenBLAS's core, follows MINICNN_KERNELS,
# and refuses a path it does not know with one line and exit code 1.
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
echo "$pass checks passed"
