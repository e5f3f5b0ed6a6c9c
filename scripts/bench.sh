#!/usr/bin/env bash
# minicnn vs PyTorch on lenet5, side by side in one run: for 1 and 2 threads, PAIRS interleaved
# pairs (minicnn, PyTorch, minicnn, PyTorch, ...), then the medians, their ratio, and the range
# of the runs (on a shared machine the 2-thread figures swing: see bench/RESULTS.md).
#   scripts/bench.sh [PAIRS]        (default 7)
# Installs what it needs (the build via setup.sh; Debian's python3-torch). PyTorch runs in its
# best configuration: torch.set_num_threads(N) with OPENBLAS_NUM_THREADS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-7}
scripts/setup.sh >/dev/null
PY=/usr/bin/python3  # Debian's interpreter: the one that sees python3-torch
if ! "$PY" -c "import torch" 2>/dev/null; then
  echo "bench: installing python3-torch from Debian"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-torch >/dev/null
fi
value() { awk -v k="$1" '$1 == k {print $2}'; }
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
range() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.0f-%.0f", lo, hi}'; }
echo "minicnn vs PyTorch $("$PY" -c 'import torch; print(torch.__version__)'), lenet5, batch 64 (training) / 1000 (inference)"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%d)"
printf '\n%-8s %-20s %10s %10s %7s   %-24s %s\n' threads measure minicnn PyTorch ratio "minicnn range" "PyTorch range"
for t in 1 2; do
  mt=() mi=() pt=() pi=()
  for ((p = 0; p < pairs; p++)); do
    out=$(build/bench/minicnn_bench --threads "$t")
    mt+=("$(value train_images_per_second <<<"$out")") mi+=("$(value infer_images_per_second <<<"$out")")
    out=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS="$t" "$PY" bench/torch_lenet5.py --threads "$t")
    pt+=("$(value train_images_per_second <<<"$out")") pi+=("$(value infer_images_per_second <<<"$out")")
  done
  for m in train infer; do
    if [ $m = train ]; then a=("${mt[@]}") b=("${pt[@]}") label="train images/s"
    else a=("${mi[@]}") b=("${pi[@]}") label="inference images/s"; fi
    ma=$(printf '%s\n' "${a[@]}" | median) mb=$(printf '%s\n' "${b[@]}" | median)
    printf '%-8s %-20s %10.0f %10.0f %6.2fx   %-24s %s\n' "$t" "$label" "$ma" "$mb" \
      "$(awk -v a="$ma" -v b="$mb" 'BEGIN {print a / b}')" "$(printf '%s\n' "${a[@]}" | range)" "$(printf '%s\n' "${b[@]}" | range)"
  done
done
echo
echo "each figure: the median of $pairs runs, each itself the median of 5 timed repeats"
