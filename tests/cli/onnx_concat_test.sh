#!/usr/bin/env bash
# Concat blocks from torch.onnx.export (issue 30): tests/cli/onnx_concat_models.py exports a model of
# SqueezeNet's Fire modules and one of GoogLeNet's Inception modules with a MobileNetV2 inverted
# residual (random weights). Each is imported, and its logits through the Python module must match
# PyTorch's on 4 random inputs within 1e-4 of the largest; `minicnn export` writes a Concat node
# back and the re-imported file gives the same logits. Hand-made graphs with a concat of mismatched
# sizes, a cycle through a concat, a concat along the height and a conv two blocks would share are
# refused with one line naming the node.
#   onnx_concat_test.sh BUILD/minicnn SOURCE_DIR   (PYTHONPATH: BUILD/python)
HERE=$(dirname "$(realpath "$0")")  # before cli_lib.sh moves to a scratch folder
source "$HERE/cli_lib.sh" "$1" "$2"
source "$HERE/tools_lib.sh"
need_python onnx python3-onnx
need_python torch python3-torch
"$PY" -c "import minicnn" 2>/dev/null || fail "the Python module minicnn is not on PYTHONPATH ($PYTHONPATH)"

"$PY" "$HERE/onnx_concat_models.py" . > torch.log 2>&1 || { cat torch.log; fail "exporting from PyTorch"; }
compare() {  # compare NAME.npz NAME: minicnn's logits against PyTorch's
  "$PY" - "$1" "$2" <<'PYEOF'
import sys
import numpy as np, minicnn
ours = minicnn.load(sys.argv[1])(np.load("x.npy"))
theirs = np.load(sys.argv[2] + "_logits.npy")
d, top = float(np.abs(ours - theirs).max()), float(np.abs(theirs).max())
print(f"{sys.argv[1]}: max |delta| {d:.3g}, max |logit| {top:.3g}")
sys.exit(0 if d <= 1e-4 * top else 1)
PYEOF
}
for name in fire inception; do
  "$M" import $name.onnx --out $name.npz > import_$name.log 2>&1 || { cat import_$name.log; fail "import $name"; }
  grep -q "Concat" import_$name.log || { cat import_$name.log; fail "$name: no Concat block after import"; }
  compare $name.npz $name || { cat import_$name.log; fail "$name: the logits differ from PyTorch's"; }
  "$M" export $name.npz --out again_$name.onnx > export_$name.log 2>&1 || { cat export_$name.log; fail "export $name"; }
  "$PY" -c "import onnx, sys; m = onnx.load('again_$name.onnx'); onnx.checker.check_model(m);
sys.exit(0 if any(n.op_type == 'Concat' and n.attribute[0].i == 1 for n in m.graph.node) else 1)" ||
    fail "$name: the exported graph has no Concat(axis=1) or does not pass onnx.checker"
  "$M" import again_$name.onnx --out again_$name.npz > again_$name.log 2>&1 || { cat again_$name.log; fail "re-import $name"; }
  compare again_$name.npz $name || fail "$name: the re-imported export's logits differ"
done
grep -q "Residual" import_inception.log || { cat import_inception.log; fail "no residual block for the inverted residual"; }
ok "Fire and Inception modules from torch.onnx.export: PyTorch's logits within 1e-4; exported as Concat and read back"

refused() {  # refused NAME WORDS...: one line, exit 1, no file, every word in it
  local name=$1
  shift
  "$M" import $name.onnx --out $name.npz 2> err_$name.txt > /dev/null
  local code=$?
  [ $code = 1 ] && [ ! -e $name.npz ] && [ "$(wc -l < err_$name.txt)" = 1 ] || { cat err_$name.txt; fail "$name: exit $code"; }
  for w in "$@"; do grep -qF -- "$w" err_$name.txt || { cat err_$name.txt; fail "$name: no '$w' in the error"; }; done
  echo "  $name: $(cat err_$name.txt)"
}
refused bad_shapes "join_mismatch" "(3, 8, 8)" "(4, 7, 7)" "every size but the channels"
refused cycle "join_cycle" "relu_cycle" "cycle"
refused bad_axis "join_height" "axis 2" "by channel (axis 1)"
refused shared "feeds two branches"
ok "a concat of mismatched sizes, a cycle through a concat, a concat along the height and a shared conv: one line each"
echo "$pass passed"
