#!/usr/bin/env bash
# Issue 29: a minicnn built without ONNX (-DMINICNN_ONNX=OFF, or AUTO with no libonnx) still
# trains, info says ONNX is out, and import and export refuse with one line saying how to get it,
# exit 1, writing nothing.
#   onnx_missing_test.sh BUILD/tests/minicnn_without_onnx SOURCE_DIR
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
if ldd "$M" | grep -Eq 'libonnx|libprotobuf'; then fail "$M links libonnx or protobuf"; fi
ok "the build without ONNX links neither libonnx nor protobuf"

out=$("$M" info) || fail "minicnn info exited $?"
grep -q '^onnx import/export: no (this build has no libonnx' <<<"$out" || { echo "$out"; fail "info does not say ONNX is out"; }
ok "info says this build has no ONNX"

"$M" train --data "$DATA" --limit 200 --test-limit 100 --epochs 1 --threads 1 --out run > train.log 2>&1 ||
  { cat train.log; fail "a build without ONNX does not train"; }
ok "a build without ONNX trains"

missing="this minicnn was built without ONNX, so it cannot import or export ONNX files; install libonnx (apt-get install libonnx-dev libprotobuf-dev"
"$M" export run --out out/model.onnx > out.txt 2> err.txt
rc=$?
[ $rc = 1 ] || { cat err.txt; fail "export without ONNX: exit $rc, expected 1"; }
[ "$(wc -l < err.txt)" = 1 ] && grep -qF "minicnn export: error: $missing" err.txt || { cat err.txt; fail "export: not one line saying how to get ONNX"; }
[ ! -e out ] || fail "export without ONNX wrote out/"
ok "export: exit 1, one line saying how to get ONNX, nothing written"

printf 'not really onnx' > model.onnx
"$M" import model.onnx --out imported/model.npz > out.txt 2> err.txt
rc=$?
[ $rc = 1 ] || { cat err.txt; fail "import without ONNX: exit $rc, expected 1"; }
[ "$(wc -l < err.txt)" = 1 ] && grep -qF "minicnn import: error: $missing" err.txt || { cat err.txt; fail "import: not one line saying how to get ONNX"; }
[ ! -e imported ] || fail "import without ONNX wrote imported/"
ok "import: exit 1, one line saying how to get ONNX, nothing written"
echo "$pass passed, 0 failed"
