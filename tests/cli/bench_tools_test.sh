#!/usr/bin/env bash
# The benchmark programs behind scripts/bench.sh, each in a few steps (no timing is checked):
#   bench_tools_test.sh BUILD/bench/minicnn_bench BUILD/bench/minicnn_fma_peak SOURCE_DIR [torch]
# minicnn_bench trains on 16 real batches in turn and saves them for PyTorch; minicnn_fma_peak
# prints a peak. With "torch" (needs Debian's python3-torch): torch_models.py counts the FLOP the
# issue quotes (convnet-rgb: 49 MFLOP forward) and measures both memory layouts on the saved data.
source "$(dirname "$0")/cli_lib.sh" "$1" "$3"
B=$(realpath "$1") P=$(realpath "$2")
run() { local out=$1; shift; "$@" > "$out" 2>&1 || { cat "$out" >&2; fail "exit $?: $*"; }; }
has() { grep -qE -- "$2" "$1" || { cat "$1" >&2; fail "$3: '$2' not in $1"; }; ok "$3"; }

run l.txt "$B" --model lenet5 --data "$DATA" --batches 2 --repeats 1 --train-only --write-data l
has l.txt "^data .*mnist train, 16 batches in turn$" "lenet5 trains on 16 MNIST batches in turn"
has l.txt "^train_images_per_second [0-9.]+$" "it prints the training rate"
has l.txt "^subnormal_parameter_values [0-9]+ of 185118$" "it counts the denormals left in the 61,706 parameters, their gradients and momentum buffers"
"$PY" -c "import numpy; x = numpy.load('l-x.npy'); y = numpy.load('l-y.npy'); assert x.shape == (1024, 1, 28, 28) and x.dtype == numpy.float32 \
  and y.shape == (1024,) and set(y) == set(range(10)) and abs(float(x.mean())) < 0.1, (x.shape, y.shape)" || fail "the saved MNIST batches"
ok "--write-data saves the 1024 normalised images and their labels"
run c.txt "$B" --model convnet-rgb --batches 1 --repeats 1 --train-only --ftz
has c.txt "^data shapes, 16 batches in turn$" "convnet-rgb trains on the shapes set"
has c.txt "^ftz on$" "--ftz is reported"
"$B" --model lenet5 --data "$T/nowhere" --batches 1 > e.txt 2>&1
[ $? -eq 2 ] || fail "missing MNIST should exit 2"
has e.txt "nowhere: no train images file.*--data DIR" "missing MNIST: one line naming the folder and the option"
run p.txt "$P"
has p.txt "^fma_path (avx512|avx2|portable)$" "fma_peak names the path"
has p.txt "^fma_peak_gflops [0-9]*[1-9][0-9.]*$" "and a positive peak"

if [ "${4:-}" = torch ]; then
  "$PY" -c "import torch" 2>/dev/null || { echo "skip: python3-torch missing"; exit 77; }
  run f.txt "$PY" "$SRC/bench/torch_models.py" --model convnet-rgb --flops
  has f.txt "^forward_macs_per_image 24518656$" "convnet-rgb: 24.5 M multiply-adds (49 MFLOP) per image forward"
  run t.txt "$PY" "$SRC/bench/torch_models.py" --model lenet5 --repeats 1 --batches 2 --train-only --data l
  has t.txt "^data real, 16 batches in turn$" "torch_models.py reads the saved batches"
  has t.txt "^train_images_per_second_nchw [0-9.]+$" "it measures NCHW"
  has t.txt "^train_images_per_second_channels_last [0-9.]+$" "and channels_last"
fi
echo "bench tools: $pass checks passed"
