#!/usr/bin/env bash
# Transfer learning on a famous network (issue 30, acceptance 4): torchvision's resnet18 with random
# weights, exported by torch.onnx.export (tests/cli/transfer_export.py), imported, and its new head
# fine-tuned for 2 epochs on the generated shapes set at 64x64, every other layer frozen: the frozen
# parameters and BatchNorm statistics come out bit-identical, and the time per epoch is printed.
# 64x64 rather than 224x224: the blocks and their weights are the same (the global average pool
# takes any size), the set's shapes are drawn at that size, and an epoch takes a twelfth of the time.
#   transfer_torch_test.sh BUILD/minicnn SOURCE_DIR
HERE=$(dirname "$(realpath "$0")")  # before cli_lib.sh moves to a scratch folder
source "$HERE/cli_lib.sh" "$1" "$2"
source "$HERE/tools_lib.sh"
need_python onnx python3-onnx
need_python torch python3-torch
need_python torchvision python3-torchvision

"$PY" "$HERE/transfer_export.py" resnet18.onnx ${MINICNN_TEST_UNPADDED_MAXPOOL:+--unpadded-maxpool} > export.log 2>&1 ||
  { cat export.log; fail "exporting resnet18"; }
"$M" import resnet18.onnx --out resnet18.npz > import.log 2>&1 || { cat import.log; fail "minicnn import resnet18.onnx"; }
"$M" datasets make-shapes --out shapes --train 256 --test 64 --size 64 > /dev/null || fail "make-shapes"
# Everything up to the layer before the head (fc, the last top-level layer with weights).
head=$("$PY" -c "
import numpy as np
d = np.load('resnet18.npz')
print(max(int(k.split('.')[0]) for k in d.files if k[0].isdigit() and k.endswith('.weight')))")
freeze=$((head - 1))
"$M" train --from resnet18.onnx --image-size 64 --freeze-until $freeze --data shapes --epochs 2 --threads 2 --batch-size 32 \
  --out ft > train.log 2>&1 || { cat train.log; fail "fine-tuning resnet18's head"; }
cat train.log
grep -qF "head: layer $head, Linear(in_features=512, out_features=1000, bias=True), replaced by a fresh Linear(in_features=512, out_features=4, bias=True)" train.log || fail "the head was not replaced"
"$PY" - resnet18.npz ft/model.npz "$head" <<'PYEOF' || fail "frozen tensors"
import sys, numpy as np
a, b, head = np.load(sys.argv[1]), np.load(sys.argv[2]), sys.argv[3]
keys = [k for k in a.files if k[0].isdigit() and k.split(".")[0] != head]
for k in keys:
    assert a[k].tobytes() == b[k].tobytes(), k + " changed"
assert b[head + ".weight"].shape == (4, 512), b[head + ".weight"].shape
assert a[head + ".weight"].shape == (1000, 512)
print(len(keys), "tensors of resnet18 bit-identical after fine-tuning; head", b[head + ".weight"].shape)
PYEOF
ok "resnet18: the frozen tensors are bit-identical after 2 epochs, the head is (4, 512)"
"$M" predict ft "shapes/test/circle/$(ls shapes/test/circle | head -1)" > predict.log 2>&1 || { cat predict.log; fail "predict"; }
"$M" kernels ft --out kernels.png > kernels.log 2>&1 && [ -s kernels.png ] || { cat kernels.log; fail "kernels"; }
[ -s ft/report.html ] || fail "no report.html"
ok "predict, kernels and the report on the fine-tuned resnet18"
sed -n 's/^epoch \([0-9]\)\/2 .*| *\([0-9.]*s\) (\([0-9]*\) img\/s)$/time per epoch (256 images at 64x64, 2 threads): epoch \1 \2, \3 img\/s/p' train.log
echo "$pass checks passed"
