#!/usr/bin/env bash
# Transfer learning (issue 30): `minicnn train --from MODEL --freeze-until PATH --new-head CLASSES`.
# A small model trained on the generated shapes set is fine-tuned on a 2-class folder of larger
# pictures: the images are resized to the model's input, the Linear head is replaced, the frozen
# layers' parameters and BatchNorm statistics come out bit-identical, the layers after them learn,
# and predict, kernels, the report and --resume (bit-identical) work on the result. A
# SqueezeNet-like 1x1-conv head is replaced too, and every bad combination gets one line.
#   transfer_test.sh BUILD/minicnn SOURCE_DIR
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
expect() { local code=$1 out=$2; shift 2; "$@" >"$out" 2>&1; local got=$?; [ "$got" = "$code" ] || { cat "$out" >&2; fail "expected exit $code, got $got: $*"; }; }
has() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$3: '$2' not in $1"; }; ok "$3"; }
holds() { local d=$1; shift; "$@" || fail "$d"; ok "$d"; }
# refused CODE TEXT WHAT ARGS...: exit CODE with one line on stderr holding TEXT, and no run folder.
refused() {
  local code=$1 text=$2 what=$3; shift 3
  "$@" >r.out 2>r.err; local got=$?
  [ "$got" = "$code" ] || { cat r.out r.err >&2; fail "$what: expected exit $code, got $got"; }
  [ "$(wc -l < r.err)" = 1 ] && grep -qF -- "$text" r.err || { cat r.err >&2; fail "$what: not one line holding '$text'"; }
  [ ! -e bad ] || fail "$what: left a run folder"
  ok "$what: $(cat r.err)"
}

"$M" datasets make-shapes --out shapes --train 160 --test 40 --size 16 > /dev/null || fail "make-shapes"
"$M" datasets make-shapes --out big --train 120 --test 20 --size 24 --seed 5 > /dev/null || fail "make-shapes 24x24"
mkdir two && cp -r big/train/circle big/train/square two/  # an unsplit 2-class folder of 24x24 pictures
B=(--threads 2 --batch-size 16)
# 0 conv, 1 batchnorm, 2 relu, 3 maxpool, 4 conv, 5 relu, 6 maxpool, 7 flatten, 8 linear
expect 0 base.txt "$M" train --data shapes "${B[@]}" --epochs 1 --out base \
  --model "conv 8 3 pad=1, batchnorm, relu, maxpool 2, conv 8 3 pad=1, relu, maxpool 2, flatten, linear 4"

T1=(train --from base --freeze-until 3 --data two "${B[@]}" --epochs 2)
expect 0 tl.txt "$M" "${T1[@]}" --out tl
has tl.txt "--from base: a model for inputs (3, 16, 16); the data's images are resized to its 16x16" "the data is resized to the model's input"
has tl.txt "2 classes (circle, square)" "the data's classes"
has tl.txt "head: layer 8, Linear(in_features=128, out_features=4, bias=True), replaced by a fresh Linear(in_features=128, out_features=2, bias=True) for the data's 2 classes (circle, square)" "the head replaced, said out loud"
has tl.txt "frozen: layers 0 to 3 (--freeze-until 3), 240 parameters; trainable: 842" "what is frozen, in parameter counts"
has tl.txt "inputs normalised as base records" "the source's normalisation is kept"
"$PY" - base/model.npz tl/model.npz <<'PYEOF' || fail "frozen tensors"
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
frozen = [k for k in a.files if k.split(".")[0] in ("0", "1")]
assert sorted(frozen) == ["0.bias", "0.weight", "1.bias", "1.num_batches_tracked", "1.running_mean", "1.running_var", "1.weight"] or \
       sorted(frozen) == ["0.bias", "0.weight", "1.bias", "1.running_mean", "1.running_var", "1.weight"], frozen
for k in frozen:
    assert a[k].tobytes() == b[k].tobytes(), k + " changed"
assert a["4.weight"].tobytes() != b["4.weight"].tobytes(), "4.weight did not learn"
assert b["8.weight"].shape == (2, 128) and b["8.bias"].shape == (2,), b["8.weight"].shape
print("bit-identical:", ", ".join(frozen))
PYEOF
ok "the frozen parameters and BatchNorm statistics are bit-identical after training; layer 4 learned; the head is (2, 128)"

expect 0 pr.txt "$M" predict tl "two/circle/$(ls two/circle | head -1)" --top 2
has pr.txt "circle" "predict names the new classes"
expect 0 k.txt "$M" kernels tl --out k.png
holds "kernels draws the run's first layer" [ -s k.png ]
holds "the run folder has its report and filmstrip" [ -s tl/report.html ] && [ -s tl/kernels_filmstrip.png ]
expect 0 re.txt "$M" train --threads 2 --resume tl/checkpoints/epoch_1.npz --out tl2
has re.txt "frozen: layers 0 to 3" "a resumed run freezes the same layers"
holds "resumed from epoch 1: bit-identical model.npz" cmp tl/model.npz tl2/model.npz
expect 0 same.txt "$M" train --from base --data shapes "${B[@]}" --epochs 1 --out same
has same.txt "head: layer 8, Linear(in_features=128, out_features=4, bias=True), kept: the model's classes are the data's" "the head is kept for the same classes"

# A SqueezeNet-like head: a 1x1 conv, relu, global average pool, flatten.
expect 0 sq.txt "$M" train --data shapes "${B[@]}" --epochs 1 --out sq --model "conv 8 3 pad=1, relu, conv 4 1, relu, globalavgpool, flatten"
expect 0 sq2.txt "$M" train --from sq --new-head 2 --freeze-until 1 --data two "${B[@]}" --epochs 1 --image-size 20 --out sq2
has sq2.txt "head: layer 2, Conv2d(8, 4, kernel_size=(1, 1), stride=(1, 1)), replaced" "a 1x1 conv head is found"
has sq2.txt "replaced by a fresh Conv2d(8, 2, kernel_size=(1, 1), stride=(1, 1)) for the data's 2 classes" "and replaced"
has sq2.txt "resized to 20x20 (--image-size)" "--image-size runs a fully convolutional model at another size"

refused 2 "--freeze-until 3.body: the model has no layer at this path (its top-level layers are 0 to 8" "a path that does not exist" \
  "$M" train --from base --freeze-until 3.body --data two --out bad
refused 2 "--freeze-until 8: freezes every parameter of the model" "freezing the head too" "$M" train --from base --freeze-until 8 --data two --out bad
refused 2 "--new-head 3: the data has 2 classes (circle, square)" "--new-head that is not the class count" "$M" train --from base --new-head 3 --data two --out bad
refused 2 "--new-head replaces the classifier of the model given with --from" "--new-head without --from" "$M" train --new-head 2 --data two --out bad
refused 2 "--new-head starts a new run from a model; --resume continues one" "--new-head with --resume" "$M" train --resume tl --new-head 2 --out bad
refused 2 "--from starts a new run" "--from with --resume" "$M" train --resume tl --from base --out bad
refused 2 "--freeze-until cannot be changed when resuming" "--freeze-until with --resume" "$M" train --resume tl --freeze-until 1 --out bad
refused 2 "--from and --model both say which model to train" "--from with --model" "$M" train --from base --model lenet5 --data two --out bad
mkdir two16 && cp -r shapes/train/circle shapes/train/square two16/  # 2 classes at the base model's 16x16
refused 1 "base/model.npz: outputs 4 classes but two16 holds 2; to train it on these classes, start from it with a new head: train --from base/model.npz" \
  "--resume of a model for other classes, before any training" "$M" train --resume base/model.npz --data two16 --epochs 2 --out bad
refused 1 "missing.npz" "a model file that does not exist" "$M" train --from missing.npz --data two --out bad
refused 2 "tensor '8.weight' is (4, 128) there but (4, 200)" "a flatten-linear model at another input size" \
  "$M" train --from base --data shapes --image-size 20 --out bad
expect 0 nl.txt "$M" train --data shapes "${B[@]}" --epochs 1 --out nolinear --model "conv 8 3 pad=1, relu, conv 4 3 pad=1, globalavgpool, flatten"
refused 2 "the model's last layer with weights, 2 (Conv2d(8, 4, kernel_size=(3, 3)" "a model with no Linear head" \
  "$M" train --from nolinear --data two --out bad
grep -qF "is not a classifier --new-head can replace: a Conv2d head must be 1x1" r.err || fail "the refusal says why"
expect 0 su.txt "$M" summary --model tl
has su.txt "8   Linear(in_features=128, out_features=2" "summary lists a run's layers and paths"
echo "$pass checks passed"
