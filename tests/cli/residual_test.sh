#!/usr/bin/env bash
# Residual models through the minicnn tool, on a small slice of MNIST:
#   residual_test.sh BUILD/minicnn SOURCE_DIR
# training prints the nested layers; resuming from an epoch checkpoint ends bit-identical to the
# uninterrupted run and is called by its preset's name (or the checkpoint's model), not by the
# data's default preset; the checkpoint names tensors as PyTorch nests them and stores an expanded
# preset; kernels, featuremaps and analyze reach a conv inside a block with --layer 3.body.0.
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
[ -f "$DATA/train-images-idx3-ubyte" ] || fail "MNIST is missing from $DATA: run scripts/get-mnist.sh"
run() { local out=$1; shift; "$@" > "$out" 2>&1 || { cat "$out" >&2; fail "exit $?: $*"; }; }
has() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$3: '$2' not in $1"; }; ok "$3"; }
holds() { local d=$1; shift; "$@" || fail "$d"; ok "$d"; }

SPEC="conv 8 3 pad=1 bias=0, batchnorm, relu, maxpool 2, \
res[conv 8 3 pad=1 bias=0, batchnorm, relu, conv 8 3 pad=1 bias=0, batchnorm] post=relu, \
res[conv 16 3 stride=2 pad=1 bias=0, batchnorm, relu, conv 16 3 pad=1 bias=0, batchnorm](conv 16 1 stride=2 bias=0, batchnorm) post=relu, \
globalavgpool, linear 10"
SMALL=(--data "$DATA" --limit 1000 --test-limit 200 --batch-size 64 --threads 2)

run t1.txt "$M" train "${SMALL[@]}" --model "$SPEC" --epochs 2 --out r1
has t1.txt "4.body.0          Conv2d(8, 8, kernel_size=(3, 3)" "the summary lists the layers inside a block, indented"
has t1.txt "5.shortcut.1      BatchNorm2d(16" "the summary shows the projection shortcut"
run t2.txt "$M" train --data "$DATA" --threads 2 --resume r1/checkpoints/epoch_1.npz --out r2
holds "--resume of a residual model from epoch 1 gives the same model.npz as the uninterrupted run" cmp r1/model.npz r2/model.npz
has t2.txt "minicnn train: the model of the checkpoint on" "a resumed spec too long for one line is called the checkpoint's model, not the default preset"

"$PY" - <<'PYEOF' > np.txt 2>&1 || { cat np.txt; fail "numpy could not read the residual checkpoint"; }
import json, numpy
d = numpy.load("r1/model.npz")
print(d["4.body.0.weight"].shape, d["5.shortcut.0.weight"].shape, d["5.shortcut.1.num_batches_tracked"])
print(json.loads(d["__minicnn__"].tobytes())["spec"])
PYEOF
has np.txt "(8, 8, 3, 3) (16, 8, 1, 1) 32.0" "the checkpoint names tensors as PyTorch nests them (4.body.0.weight, 5.shortcut.1.*)"
has np.txt "res[conv 8 3 pad=1 bias=0, batchnorm, relu, conv 8 3 pad=1 bias=0, batchnorm] post=relu" "the checkpoint stores the spec"

run pre.txt "$M" train --data "$DATA" --limit 128 --test-limit 64 --threads 2 --model resnet-mini-gray --epochs 1 --out pre
"$PY" -c "import json, numpy; print(json.loads(numpy.load('pre/model.npz')['__minicnn__'].tobytes())['spec'])" > ps.txt
has ps.txt "conv 16 3 pad=1 bias=0, batchnorm, relu, res[conv 16 3 pad=1 bias=0" "a preset is stored expanded, so the file alone rebuilds it"
run pr.txt "$M" train --data "$DATA" --threads 2 --resume pre/model.npz --epochs 2
has pr.txt "minicnn train: resnet-mini-gray on" "a resumed preset run is called by its preset, not by the default for the data (lenet5)"

run k.txt "$M" kernels r1/model.npz --layer 4.body.3 --out k.png
has k.txt "8 x 8 tiles" "kernels --layer 4.body.3 draws the block's second conv"
holds "kernels wrote k.png" [ -s k.png ]
"$M" kernels r1/model.npz --layer 4.body.1 --out k1.png > e.txt 2>&1
holds "kernels on a BatchNorm inside a block: exit 2" [ $? = 2 ]
has e.txt "--layer 4.body.1 of r1/model.npz: 4.body.1 is a BatchNorm2d, not a Conv2d (conv layers: 0, 4.body.0, 4.body.3, 5.body.0, 5.body.3, 5.shortcut.0)" \
  "the error lists the conv layers' paths"
run fm.txt "$M" featuremaps r1/model.npz "$SRC/data/chelsea.png" --out fm
holds "featuremaps draws the convs inside blocks" [ -s fm/layer0_conv.png ] && [ -s fm/layer4.body.0_conv.png ] && [ -s fm/layer5.shortcut.0_conv.png ]
run fm1.txt "$M" featuremaps r1/model.npz "$SRC/data/chelsea.png" --layer 5.body.3 --out fm1
holds "featuremaps --layer 5.body.3 draws that one" [ -s fm1/layer5.body.3_conv.png ] && [ "$(ls fm1 | grep -c _conv)" = 1 ]
run an.txt "$M" analyze r1/model.npz --layer 5.shortcut.0
has an.txt "r1/model.npz layer 5.shortcut.0: Conv2d(8, 16, kernel_size=(1, 1), stride=(2, 2), bias=False)" "analyze --layer reaches a shortcut conv"
run an0.txt "$M" analyze r1/model.npz --layer 0
has an0.txt "layer 0: Conv2d(1, 8" "analyze --layer 0: plain indices still work"
echo "$pass passed"
