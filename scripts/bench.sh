#!/usr/bin/env bash
# minicnn vs PyTorch, side by side in one run: lenet5 and the 32x32 colour models convnet-rgb and
# resnet-mini (when this build has them), at 1 and 2 threads, in both OpenBLAS settings:
#   1. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (OpenBLAS detects the CPU itself), and
#   2. OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512 (what some CI machines set).
# minicnn's default kernels are chosen from the CPU's flags and should not care; OpenBLAS's do.
# Both train on the same rotating set of 16 real batches (MNIST for lenet5, the generated shapes
# set for the colour models: minicnn_bench --write-data). PyTorch runs in both memory layouts,
# NCHW and channels_last (oneDNN's preferred one); the ratio is against the faster of the two
# ("PyTorch at its best"), and against NCHW beside it.
# Every figure has its physical limit beside it: the machine's FMA peak on one core
# (bench/fma_peak.cpp, measured in every pair, so it sees the same load), each model's FLOP per
# trained image (counted from its layers: 2 per multiply-add of the conv and linear layers, forward
# + backward = 3 x forward), its GFLOP/s, and their share of the peak (of threads x the one-core
# peak at 2 threads).
# For each setting it prints the OpenBLAS core and minicnn kernel path in use, then PAIRS
# interleaved pairs (minicnn, PyTorch, minicnn, PyTorch, ...) per row: the medians, their ratio,
# and the range of the runs (on a shared machine the 2-thread figures swing: see bench/RESULTS.md).
#   scripts/bench.sh [PAIRS] [MODEL...]        (default 7 pairs; lenet5 convnet-rgb resnet-mini)
# MODEL may also be resnet18 or mobilenet_v2: torchvision's, random weights, exported to ONNX here and
# imported by minicnn_bench --onnx; their head alone is fine-tuned at batch 16 (the rest frozen) on
# random 224x224 images, and inference runs at batch 16 (bench/torch_models.py does the same).
# Installs what it needs (the build via setup.sh; Debian's python3-torch). PyTorch runs in its
# best configuration: torch.set_num_threads(N) with OPENBLAS_NUM_THREADS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-7}
shift || true
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(lenet5 convnet-rgb resnet-mini)
scripts/setup.sh --target minicnn_bench --target minicnn_fma_peak >/dev/null  # only what the benchmark runs
PY=/usr/bin/python3  # Debian's interpreter: the one that sees python3-torch
if ! "$PY" -c "import torch, numpy" 2>/dev/null; then
  echo "bench: installing python3-torch from Debian"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-torch python3-numpy >/dev/null
fi
BENCH=build/bench/minicnn_bench PEAK=build/bench/minicnn_fma_peak
[ -f data/mnist/train-images-idx3-ubyte ] || scripts/get-mnist.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

value() { awk -v k="$1" '$1 == k {print $2}'; }
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
range() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.0f-%.0f", lo, hi}'; }
fmt() { awk -v x="$1" -v f="$2" 'BEGIN {printf f, x}'; }

echo "minicnn vs PyTorch $("$PY" -c 'import torch; print(torch.__version__)'); training at batch 64 on 16 real batches in turn, inference at batch 1000 (lenet5) or 256 (resnet18, mobilenet_v2: the head fine-tuned at batch 16 on random images, inference at 16)"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
declare -A flop bench_args torch_args
present=()
for model in "${models[@]}"; do
  case "$model" in
    resnet18|mobilenet_v2)  # torchvision's, exported to ONNX for minicnn to import
      if ! "$PY" -c "import torchvision" 2>/dev/null; then echo "$model: needs Debian's python3-torchvision (skipped)"; continue; fi
      "$PY" -c "import sys, torch, torchvision
torch.onnx.export(getattr(torchvision.models, sys.argv[1])().eval(), torch.randn(1, 3, 224, 224), sys.argv[2], opset_version=13)" \
        "$model" "$work/$model.onnx" >/dev/null 2>&1
      bench_args[$model]="--onnx $work/$model.onnx" torch_args[$model]=""
      what="the head alone fine-tuned: forward + the head's weight gradient" ;;
    *)
      bench_args[$model]="--model $model" torch_args[$model]="--data $work/$model"
      what="3 x forward" ;;
  esac
  # shellcheck disable=SC2086  # the arguments are words
  if ! "$BENCH" ${bench_args[$model]} --batches 1 --repeats 1 --train-only --write-data "$work/$model" >/dev/null 2>&1; then
    echo "$model: not in this build (skipped)"
    continue
  fi
  present+=("$model")
  flop[$model]=$("$PY" bench/torch_models.py --model "$model" --flops | value trained_flop_per_image)
  echo "$model: $(fmt "${flop[$model]}" '%.0f') FLOP per trained image ($what; 2 per multiply-add)"
done
summary=()
for s in 1 2; do
  if [ $s -eq 1 ]; then setting=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE) name="OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset"
  else setting=(OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512) name="OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512"; fi
  probe=$(env "${setting[@]}" "$BENCH" --model lenet5 --batches 1 --repeats 1 --train-only)
  peak=$(env "${setting[@]}" "$PEAK")
  echo
  echo "== setting $s: $name"
  echo "   OpenBLAS core: $(value openblas_core <<<"$probe"); minicnn kernels: $(value kernels <<<"$probe"); FMA peak path: $(value fma_path <<<"$peak")"
  printf '%-12s %-3s %-6s %9s %9s %9s %7s %7s  %-12s %-12s %-12s %9s %7s %7s %9s\n' model thr measure minicnn "PT nchw" "PT cl" "vs best" "vs nchw" \
    "minicnn rng" "PT nchw rng" "PT cl rng" "GFLOP/s" "% peak" "PT %" "peak"
  for model in "${present[@]}"; do
    for t in 1 2; do
      mt=() mi=() nt=() ni=() ct=() ci=() pk=()
      for ((p = 0; p < pairs; p++)); do
        pk+=("$(env "${setting[@]}" "$PEAK" | value fma_peak_gflops)")
        # shellcheck disable=SC2086
        out=$(env "${setting[@]}" "$BENCH" ${bench_args[$model]} --threads "$t")
        mt+=("$(value train_images_per_second <<<"$out")") mi+=("$(value infer_images_per_second <<<"$out")")
        # shellcheck disable=SC2086
        out=$(env "${setting[@]}" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS="$t" "$PY" bench/torch_models.py --model "$model" \
              --threads "$t" ${torch_args[$model]})
        nt+=("$(value train_images_per_second_nchw <<<"$out")") ni+=("$(value infer_images_per_second_nchw <<<"$out")")
        ct+=("$(value train_images_per_second_channels_last <<<"$out")") ci+=("$(value infer_images_per_second_channels_last <<<"$out")")
      done
      mpk=$(printf '%s\n' "${pk[@]}" | median)
      for m in train infer; do
        if [ $m = train ]; then a=("${mt[@]}") b=("${nt[@]}") c=("${ct[@]}")
        else a=("${mi[@]}") b=("${ni[@]}") c=("${ci[@]}"); fi
        ma=$(printf '%s\n' "${a[@]}" | median) mb=$(printf '%s\n' "${b[@]}" | median) mc=$(printf '%s\n' "${c[@]}" | median)
        best=$(awk -v b="$mb" -v c="$mc" 'BEGIN {print (c > b ? c : b)}')
        rbest=$(awk -v a="$ma" -v b="$best" 'BEGIN {printf "%.2f", a / b}')
        rnchw=$(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.2f", a / b}')
        gf="" share="" ptshare="" pkcol=""
        if [ $m = train ]; then
          gf=$(awk -v r="$ma" -v f="${flop[$model]}" 'BEGIN {printf "%.1f", r * f / 1e9}')
          share=$(awk -v g="$gf" -v p="$mpk" -v t="$t" 'BEGIN {printf "%.0f%%", 100 * g / (p * t)}')
          ptshare=$(awk -v r="$best" -v f="${flop[$model]}" -v p="$mpk" -v t="$t" 'BEGIN {printf "%.0f%%", 100 * r * f / 1e9 / (p * t)}')
          pkcol=$(printf '%s\n' "${pk[@]}" | range)
        fi
        printf '%-12s %-3s %-6s %9.0f %9.0f %9.0f %6sx %6sx  %-12s %-12s %-12s %9s %7s %7s %9s\n' "$model" "$t" "$m" "$ma" "$mb" "$mc" \
          "$rbest" "$rnchw" "$(printf '%s\n' "${a[@]}" | range)" "$(printf '%s\n' "${b[@]}" | range)" \
          "$(printf '%s\n' "${c[@]}" | range)" "$gf" "$share" "$ptshare" "$pkcol"
        summary+=("$(printf 'setting %d  %-12s %d thread(s)  %-6s %sx PyTorch at its best (%sx its NCHW)%s' $s "$model" "$t" "$m" "$rbest" "$rnchw" \
          "$([ $m = train ] && echo "; $gf GFLOP/s, $share of the peak ($mpk GFLOP/s per core)")")")
      done
    done
  done
done
echo
echo "ratios (minicnn / PyTorch), both settings:"
printf '  %s\n' "${summary[@]}"
echo
echo "each figure: images/s, the median of $pairs runs, each itself the median of 5 timed repeats of about 0.5 s;"
echo "PT nchw / PT cl: PyTorch in NCHW / channels_last; vs best: against the faster of the two; peak: the FMA peak's range (GFLOP/s, one core)"
