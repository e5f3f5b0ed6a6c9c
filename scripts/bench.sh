#!/usr/bin/env bash
# minicnn vs PyTorch, side by side in one run: lenet5 and the 32x32 colour model convnet-rgb (and
# resnet-mini when this build has it), at 1 and 2 threads, in two OpenBLAS settings:
#   * the environment as it is, and
#   * the other one: OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512 if those are unset (what some
#     CI machines set), or both unset if they are set.
# minicnn's default kernels are chosen from the CPU's flags and should not care; OpenBLAS's do.
# For each setting it prints the OpenBLAS core and minicnn kernel path in use, then PAIRS
# interleaved pairs (minicnn, PyTorch, minicnn, PyTorch, ...) per row: the medians, their ratio,
# and the range of the runs (on a shared machine the 2-thread figures swing: see bench/RESULTS.md).
#   scripts/bench.sh [PAIRS] [MODEL...]        (default 7 pairs; lenet5 convnet-rgb resnet-mini)
# Installs what it needs (the build via setup.sh; Debian's python3-torch). PyTorch runs in its
# best configuration: torch.set_num_threads(N) with OPENBLAS_NUM_THREADS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-7}
shift || true
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(lenet5 convnet-rgb resnet-mini)
scripts/setup.sh >/dev/null
PY=/usr/bin/python3  # Debian's interpreter: the one that sees python3-torch
if ! "$PY" -c "import torch" 2>/dev/null; then
  echo "bench: installing python3-torch from Debian"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-torch >/dev/null
fi
BENCH=build/bench/minicnn_bench

# The two settings, as `env` arguments.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -z "${OPENBLAS_L2_SIZE:-}" ]; then
  other=(OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512)
  other_name="OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512"
else
  other=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
  other_name="OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset"
fi
as_is_name="as the environment is (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset})"

value() { awk -v k="$1" '$1 == k {print $2}'; }
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
range() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.0f-%.0f", lo, hi}'; }

echo "minicnn vs PyTorch $("$PY" -c 'import torch; print(torch.__version__)'); training at batch 64, inference at batch 1000 (lenet5) or 256"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
summary=()
for s in 0 1; do
  if [ $s -eq 0 ]; then setting=() name=$as_is_name; else setting=("${other[@]}") name=$other_name; fi
  probe=$(env "${setting[@]}" "$BENCH" --model lenet5 --batches 1 --repeats 1 --train-only)
  echo
  echo "== setting $((s + 1)): $name"
  echo "   OpenBLAS core: $(value openblas_core <<<"$probe"); minicnn kernels: $(value kernels <<<"$probe")"
  printf '%-12s %-8s %-20s %10s %10s %7s   %-20s %s\n' model threads measure minicnn PyTorch ratio "minicnn range" "PyTorch range"
  for model in "${models[@]}"; do
    if ! env "${setting[@]}" "$BENCH" --model "$model" --batches 1 --repeats 1 --train-only >/dev/null 2>&1; then
      echo "$model: not in this build (skipped)"
      continue
    fi
    for t in 1 2; do
      mt=() mi=() pt=() pi=()
      for ((p = 0; p < pairs; p++)); do
        out=$(env "${setting[@]}" "$BENCH" --model "$model" --threads "$t")
        mt+=("$(value train_images_per_second <<<"$out")") mi+=("$(value infer_images_per_second <<<"$out")")
        out=$(env "${setting[@]}" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS="$t" "$PY" bench/torch_models.py --model "$model" --threads "$t")
        pt+=("$(value train_images_per_second <<<"$out")") pi+=("$(value infer_images_per_second <<<"$out")")
      done
      for m in train infer; do
        if [ $m = train ]; then a=("${mt[@]}") b=("${pt[@]}") label="train images/s"
        else a=("${mi[@]}") b=("${pi[@]}") label="inference images/s"; fi
        ma=$(printf '%s\n' "${a[@]}" | median) mb=$(printf '%s\n' "${b[@]}" | median)
        ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.2f", a / b}')
        printf '%-12s %-8s %-20s %10.0f %10.0f %6sx   %-20s %s\n' "$model" "$t" "$label" "$ma" "$mb" "$ratio" \
          "$(printf '%s\n' "${a[@]}" | range)" "$(printf '%s\n' "${b[@]}" | range)"
        summary+=("$(printf 'setting %d  %-12s %d thread(s)  %-20s %sx' $((s + 1)) "$model" "$t" "$label" "$ratio")")
      done
    done
  done
done
echo
echo "ratios (minicnn / PyTorch), both settings:"
printf '  %s\n' "${summary[@]}"
echo
echo "each figure: the median of $pairs runs, each itself the median of 5 timed repeats of about 0.5 s"
