#!/usr/bin/env bash
# End-to-end tests of the minicnn command-line tool, run by CTest:
#   cli_test.sh BUILD/minicnn SOURCE_DIR
# Each check prints what it tests; the script stops at the first failure with a non-zero exit.
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
# expect CODE OUTFILE CMD...: runs CMD, checks its exit code, keeps stdout+stderr in OUTFILE
expect() {
  local code=$1 out=$2; shift 2
  "$@" >"$out" 2>&1
  local got=$?
  [ "$got" = "$code" ] || { cat "$out" >&2; fail "expected exit $code, got $got: $*"; }
}
# has FILE TEXT DESCRIPTION: FILE must contain TEXT (a fixed string)
has() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$3: '$2' not in $1"; }; ok "$3"; }
# holds DESCRIPTION CMD...: CMD must succeed
holds() { local d=$1; shift; "$@" || fail "$d"; ok "$d"; }

[ -f "$DATA/train-images-idx3-ubyte" ] || fail "MNIST is missing from $DATA: run scripts/get-mnist.sh"
SMALL=(--data "$DATA" --limit 2000 --test-limit 300 --threads 2)

# --- command line ---
expect 0 help.txt "$M" --help
has help.txt "predict" "--help lists the subcommands"
for sub in train eval predict; do
  expect 0 h.txt "$M" $sub --help
  has h.txt "Usage" "$sub --help"
done
expect 2 e.txt "$M" train --bogus
has e.txt "unknown option '--bogus'" "unknown flag: exit 2"
expect 2 e.txt "$M" train --epochs many
has e.txt "--epochs: expected a whole number" "bad value: exit 2"
expect 2 e.txt "$M" train --dataset cifar
has e.txt "cifar" "unknown dataset: exit 2"
expect 2 e.txt "$M"
has e.txt "subcommand" "no subcommand: exit 2"
expect 2 e.txt "$M" train "${SMALL[@]}" --epochs 0 --out zero
has e.txt "--epochs: expected a whole number from 1" "--epochs 0: exit 2"
expect 0 v.txt "$M" --version
has v.txt "minicnn 0." "--version prints the version"
expect 0 h.txt "$M" help train
has h.txt "--epochs" "help COMMAND shows that command's options"

# --- bad data ---
expect 1 e.txt "$M" train --data "$T/nowhere" --out r0
holds "missing dataset: one line" [ "$(wc -l < e.txt)" = 1 ]
has e.txt "nowhere: not found" "missing dataset folder: exit 1 naming it"
mkdir empty
expect 1 e.txt "$M" train --data empty --out r0
has e.txt "empty: holds no dataset minicnn can read" "a folder with no dataset: exit 1 saying what was looked for"
mkdir bad && cp "$DATA"/* bad/ && head -c 1000 "$DATA/train-images-idx3-ubyte" > bad/train-images-idx3-ubyte
expect 1 e.txt "$M" train --data bad --out r0
has e.txt "truncated" "truncated dataset: exit 1"
expect 2 e.txt "$M" train "${SMALL[@]}" --model "conv 6 5, linear 10" --out r0
has e.txt "put 'flatten' before it" "bad model spec on the command line: exit 2 with the reason"

# --- a run ---
expect 0 run1.txt "$M" train "${SMALL[@]}" --epochs 2 --out r1
for f in model.npz metrics.csv config.json kernels_epoch0.png kernels_epoch2.png kernels_filmstrip.png checkpoints/epoch_1.npz; do
  holds "train wrote r1/$f" [ -s "r1/$f" ]
done
holds "metrics.csv has a header and one row per epoch" [ "$(wc -l < r1/metrics.csv)" = 3 ]
has r1/config.json '"seed": 1' "config.json records the seed"
has r1/config.json '"command": "' "config.json records the command"
acc=$(grep "^test accuracy" run1.txt | awk '{print $3}')
holds "train reported an accuracy" [ -n "$acc" ]
expect 0 ev.txt "$M" eval r1/model.npz --data "$DATA"
has ev.txt "test accuracy $acc" "eval reproduces the reported accuracy ($acc)"
has ev.txt "confusion matrix" "eval prints the confusion matrix"
"$PY" -c "import numpy; d=numpy.load('r1/model.npz'); print(d['0.weight'].shape)" > np.txt 2>&1
has np.txt "(6, 1, 5, 5)" "numpy reads the checkpoint: 0.weight is (6, 1, 5, 5)"

# --- determinism and resume ---
expect 0 run2.txt "$M" train "${SMALL[@]}" --epochs 2 --out r2
holds "same seed and threads: bit-identical model.npz" cmp r1/model.npz r2/model.npz
expect 0 run3.txt "$M" train --data "$DATA" --threads 2 --resume r1/checkpoints/epoch_1.npz --out r3
holds "--resume from epoch 1 gives the same model.npz as the uninterrupted run" cmp r1/model.npz r3/model.npz
expect 0 e.txt "$M" train --data "$DATA" --resume r1/model.npz --out r4
has e.txt "already trained 2 of 2 epochs: nothing to do" "resuming a finished run: nothing to do, and how to ask for more epochs"
holds "... and nothing written" [ ! -e r4 ]
expect 2 e.txt "$M" train --data "$DATA" --resume r1/model.npz --lr 0.1 --epochs 3 --out r4
has e.txt "--lr cannot be changed when resuming" "resume refuses changed settings"

# --- optimisers, BatchNorm and Dropout ---
expect 0 ad1.txt "$M" train "${SMALL[@]}" --optimizer adam --lr 2e-3 --lr-schedule cosine --epochs 2 --out ad1
expect 0 ad2.txt "$M" train --data "$DATA" --threads 2 --resume ad1/checkpoints/epoch_1.npz --out ad2
holds "--resume with Adam + cosine gives the same model.npz as the uninterrupted run" cmp ad1/model.npz ad2/model.npz
"$PY" -c "import numpy; d=numpy.load('ad1/model.npz'); print(sorted(k for k in d.files if k.startswith('optimizer.'))[:3])" > ad.txt
has ad.txt "optimizer.0.bias.exp_avg" "the checkpoint carries Adam's state"
BN="conv 6 5 pad=2, batchnorm, relu, maxpool 2, conv 16 5, batchnorm, relu, maxpool 2, flatten, linear 120, relu, dropout p=0.3, linear 84, relu, linear 10"
expect 0 bn.txt "$M" train "${SMALL[@]}" --model "$BN" --epochs 1 --out bn
bnacc=$(grep "^test accuracy" bn.txt | awk '{print $3}')
expect 0 bnev.txt "$M" eval bn/model.npz --data "$DATA"
has bnev.txt "test accuracy $bnacc" "a BatchNorm + Dropout model evaluates to the same accuracy after reload ($bnacc)"
"$PY" -c "import numpy; print(numpy.load('bn/model.npz')['1.running_var'].shape)" > bnv.txt
has bnv.txt "(6,)" "BatchNorm's running statistics are in the checkpoint"
expect 2 e.txt "$M" train "${SMALL[@]}" --optimizer adam --nesterov --out nes
has e.txt "--nesterov is for --optimizer sgd" "--nesterov with Adam: exit 2"

# --- never lose a checkpoint ---
before=$(sha256sum r1/model.npz)
expect 2 e.txt "$M" train "${SMALL[@]}" --epochs 1 --out r1
has e.txt "already holds a model.npz" "an existing run folder is not overwritten"
"$PY" -c "import numpy; d=dict(numpy.load('r1/model.npz')); d['0.weight']=numpy.zeros((8,1,5,5),'f'); numpy.savez('wrong.npz', **d)"
expect 1 e.txt "$M" train --data "$DATA" --threads 2 --resume wrong.npz --epochs 3 --out r_wrong  # a free folder: r1 is refused first (exit 2) since the folder check comes before any work
has e.txt "tensor '0.weight' has shape (8, 1, 5, 5), but the model expects (6, 1, 5, 5)" "a checkpoint with the wrong architecture: a clear error"
printf 'garbage' > junk.npz
expect 1 e.txt "$M" eval junk.npz
has e.txt "not a valid .npz" "eval of a corrupt checkpoint: exit 1"
holds "r1/model.npz untouched by the failed runs" [ "$before" = "$(sha256sum r1/model.npz)" ]
expect 3 e.txt "$M" train "${SMALL[@]}" --lr 1e6 --out div
has e.txt "training diverged at epoch 1, batch" "--lr 1e6 stops with exit 3 naming the batch"
holds "a diverged run writes no checkpoint" [ ! -e div/model.npz ]

# --- predict ---
"$PY" - <<'PYEOF'
# A 56x56 PNG of a dark "1" on white paper (a vertical bar), written with zlib only.
import zlib, struct
w = h = 56
rows = b"".join(b"\x00" + bytes(0 if 24 <= x < 31 and 10 <= y < 46 else 255 for x in range(w)) for y in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
open("one.png", "wb").write(png)
PYEOF
expect 0 pr.txt "$M" predict r1/model.npz one.png
has pr.txt "one.png: 1 (" "predict reads a drawn 1 as 1"
expect 1 e.txt "$M" predict r1/model.npz missing.png
has e.txt "missing.png: cannot open" "predict on a missing image: exit 1"
printf 'not an image' > fake.png
expect 1 e.txt "$M" predict r1/model.npz fake.png
has e.txt "fake.png: not a readable image" "predict on a non-image: exit 1"

# --- filters, kernels, feature maps ---
expect 0 fl.txt "$M" filters apply --out f
for f in original edge sharpen blur montage; do holds "filters apply wrote f/$f.png" [ -s "f/$f.png" ]; done
has fl.txt "edge       high-pass  mapping abs" "filters apply says how each output was mapped"
expect 0 fl.txt "$M" filters apply "$SRC/data/chelsea.png" --filters sobel_x,gabor45 --size 64 --normalize minmax --out f2
holds "filters apply --size 64 and a custom list" [ -s f2/gabor45.png ]
expect 0 fl.txt "$M" filters list
has fl.txt "sobel_x     high-pass sum +0" "filters list prints kinds and sums"
expect 2 e.txt "$M" filters apply --filters edgy --out f3
has e.txt "unknown filter 'edgy'" "an unknown filter: exit 2"
expect 1 e.txt "$M" filters apply missing.png --out f3
holds "missing image: one line" [ "$(wc -l < e.txt)" = 1 ]
has e.txt "missing.png: not found in" "missing image: exit 1, naming where it looked"
: > zero.png
expect 1 e.txt "$M" filters apply zero.png --out f3
has e.txt "zero.png: is empty (0 bytes); expected an image" "zero-byte image: exit 1"
expect 1 e.txt "$M" filters apply fake.png --out f3
has e.txt "fake.png: not a readable image" "unreadable image: exit 1"
expect 0 k.txt "$M" kernels r1/model.npz --layer 3 --out k3.png
has k.txt "16 x 6 tiles of 80x80 px" "kernels draws conv layer 3 as 16 x 6 tiles"
expect 2 e.txt "$M" kernels r1/model.npz --layer 1 --out k1.png
has e.txt "1 is a ReLU, not a Conv2d (conv layers: 0, 3)" "kernels on a non-conv layer: exit 2"
expect 0 fm.txt "$M" featuremaps r1/model.npz one.png --out fm
holds "featuremaps wrote one grid per conv layer" [ -s fm/layer0_conv.png ] && [ -s fm/layer3_conv.png ]

# --- compare and analyze ---
# One seed and textbook scale here (tests/cli/compare_test.sh covers seeds, scales and refusals).
expect 0 cmp.txt "$M" compare "${SMALL[@]}" --epochs 1 --seeds 1 --handset-scale raw --out cmp \
  --variants random,handset-frozen,handset-init,random-frozen
for f in report.html report.md images/final_accuracy.svg images/loss.svg images/kernels_random_0_after.png images/featuremaps_handset-frozen.png \
         random/model.npz handset-frozen/model.npz handset-init/model.npz random-frozen/model.npz; do
  holds "compare wrote cmp/$f" [ -s "cmp/$f" ]
done
for v in random handset-frozen handset-init random-frozen; do has cmp/report.md "| $v | " "the report's table has $v"; done
has cmp/report.md "First-layer kernels whose nearest classical filter has |cos| >= 0.6" "the report summarises what the kernels match"
holds "the report has no placeholder or NaN" bash -c '! grep -qiwE "todo|placeholder|lorem|nan|inf" cmp/report.md cmp/report.html'
"$PY" - > hs.txt 2>&1 <<'PYEOF'
import numpy as np
f = np.load("cmp/handset-frozen/model.npz")["0.weight"]
def centred(k):
    out = np.zeros((5, 5), np.float32); out[1:4, 1:4] = k; return out
sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)
expected = [centred(sobel_x), centred(sobel_x.T), centred(-np.ones((3, 3), np.float32) + 9 * (np.arange(9) == 4).reshape(3, 3)),
            centred(np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.float32)),
            (np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256).astype(np.float32)]
same = all(np.array_equal(f[i, 0], expected[i]) for i in range(5))
r, rf = np.load("cmp/random/model.npz")["0.weight"], np.load("cmp/random-frozen/model.npz")["0.weight"]
print("handset-frozen bit-identical:", same, "| random changed:", not np.array_equal(r, rf))
PYEOF
has hs.txt "handset-frozen bit-identical: True | random changed: True" "handset-frozen kernels are the bank's, bit for bit; random's moved"
expect 2 e.txt "$M" compare "${SMALL[@]}" --variants random,bogus --out cmp2
has e.txt "unknown variant 'bogus'" "compare: an unknown variant is exit 2"
expect 0 an.txt "$M" analyze cmp/handset-frozen/model.npz
has an.txt "sobel_x" "analyze names the nearest classical filter"
has an.txt "isotropic" "analyze reports orientation"

echo "$pass passed, 0 failed"
