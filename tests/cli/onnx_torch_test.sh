#!/usr/bin/env bash
# torch.onnx.export's files through `minicnn import` (issue 18): tests/cli/onnx_torch_models.py
# trains lenet5, a model whose graph keeps a BatchNormalization node and a residual model for one
# epoch on a slice of MNIST in PyTorch and exports them. Each is imported and `minicnn eval` must
# count the same correct test images as PyTorch (within 1 of 10000, i.e. +-0.01 points); predict,
# kernels and `train --resume` (an epoch of fine-tuning) read an imported checkpoint; an op outside
# the subset is refused with the node's name and op type.
#   onnx_torch_test.sh BUILD/minicnn SOURCE_DIR
HERE=$(dirname "$(realpath "$0")")  # before cli_lib.sh moves to a scratch folder
source "$HERE/cli_lib.sh" "$1" "$2"
source "$HERE/tools_lib.sh"
[ -f "$DATA/t10k-images-idx3-ubyte" ] || fail "MNIST is missing from $DATA: run scripts/get-mnist.sh"
need_python onnx python3-onnx
need_python torch python3-torch

"$PY" "$HERE/onnx_torch_models.py" "$DATA" . > torch.log 2>&1 || { cat torch.log; fail "training in PyTorch"; }
cat torch.log
for name in lenet5 bn residual; do
  "$M" import $name.onnx --out $name.npz --data "$DATA" > import_$name.log 2>&1 || { cat import_$name.log; fail "import $name"; }
  "$M" eval $name.npz --limit 0 --threads 1 > eval_$name.log 2>&1 || { cat eval_$name.log; fail "eval $name"; }
  ours=$(sed -n 's/^test accuracy [0-9.]*% (\([0-9]*\)\/10000).*/\1/p' eval_$name.log)
  theirs=$("$PY" -c "import json; print(json.load(open('torch.json'))['$name']['correct'])")
  [ -n "$ours" ] || { cat eval_$name.log; fail "no accuracy for $name"; }
  diff=$((ours > theirs ? ours - theirs : theirs - ours))
  echo "$name: PyTorch $theirs/10000 right, minicnn after import $ours/10000"
  [ $diff -le 1 ] || { cat import_$name.log; fail "$name: minicnn counts $ours correct, PyTorch $theirs"; }
done
grep -q "BatchNormalization" torch.json || fail "the bn model's graph has no BatchNormalization node to import"
grep -q "BatchNorm2d" import_bn.log || { cat import_bn.log; fail "the bn model has no BatchNorm2d layer after import"; }
grep -q '"Add"' torch.json && grep -q "Residual" import_residual.log || { cat import_residual.log; fail "no residual block"; }
ok "lenet5, a BatchNormalization graph and a residual graph from torch.onnx.export: the same test accuracy in minicnn"

"$M" predict lenet5.npz "$SRC/data/chelsea.png" > predict.log 2>&1 || { cat predict.log; fail "predict"; }
"$M" kernels lenet5.npz --out kernels.png > kernels.log 2>&1 && [ -s kernels.png ] || { cat kernels.log; fail "kernels"; }
# Fine-tuning reads the data the checkpoint names: a 2000-image slice of MNIST, for speed.
mkdir slice
"$PY" - "$DATA" <<'PYEOF' || fail "writing the MNIST slice"
import sys
for name, header, size in [("train-images-idx3-ubyte", 16, 784), ("train-labels-idx1-ubyte", 8, 1),
                           ("t10k-images-idx3-ubyte", 16, 784), ("t10k-labels-idx1-ubyte", 8, 1)]:
    data = open(f"{sys.argv[1]}/{name}", "rb").read()
    head = bytearray(data[:header])
    head[4:8] = (2000).to_bytes(4, "big")  # the item count
    open(f"slice/{name}", "wb").write(bytes(head) + data[header:header + 2000 * size])
PYEOF
"$M" import lenet5.onnx --out tune.npz --data slice > import_tune.log 2>&1 || { cat import_tune.log; fail "import for tuning"; }
"$M" train --resume tune.npz --epochs 1 --threads 1 --out tuned > tune.log 2>&1 ||
  { cat tune.log; fail "fine-tuning"; }
[ -s tuned/model.npz ] || fail "fine-tuning wrote no model"
grep "test accuracy" tune.log | tail -1
ok "predict, kernels and train --resume read an imported checkpoint"

# An operator outside the subset (Exp) is refused with the node's name and its op type.
"$PY" - <<'PYEOF' || fail "writing exp.onnx"
import onnx
m = onnx.load("lenet5.onnx")
node = m.graph.node[1]
node.op_type, node.name = "Exp", "my_exp_node"
onnx.save(m, "exp.onnx")
PYEOF
"$M" import exp.onnx --out exp.npz 2> err.txt; code=$?
[ $code = 1 ] && [ ! -e exp.npz ] && grep -q "my_exp_node" err.txt && grep -q "Exp" err.txt && [ "$(wc -l < err.txt)" = 1 ] ||
  { cat err.txt; fail "an unsupported op was not refused by name (exit $code)"; }
ok "an unsupported operator is refused: $(cat err.txt)"
echo "$pass passed"
