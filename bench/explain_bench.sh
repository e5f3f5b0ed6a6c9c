#!/usr/bin/env bash
# Issue 26's targets for explanations, measured (not timed tests; figures go in bench/RESULTS.md):
#   1. `minicnn features` over the 10,000 MNIST test images for lenet5, every conv layer: peak
#      resident memory (GNU time's "Maximum resident set size") under 300 MB, wall time under 10 s
#      on 2 threads; the median and the worst of RUNS runs;
#   2. `minicnn explain --method all` on one 28x28 digit: under 200 ms, the whole command (loading
#      the checkpoint included); the median of 11 runs;
#   3. synthesized inputs of lenet5's second conv layer (`features --layer 3 --synthesize`): per
#      channel, its activation (the largest value of its map, computed again here in PyTorch from
#      3_synth.npy) over the activation of its best test image; at least 80% of channels above 1,
#      every value inside the normalised range of the training images.
# The lenet5 is trained on all of MNIST for 2 epochs (seed 1) into OUT/lenet unless it is there.
#   bench/explain_bench.sh [OUT] [RUNS]       (default /tmp/explain-bench, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/explain-bench}
RUNS=${2:-5}
M=build/minicnn
PY=/usr/bin/python3  # Debian's interpreter: the one that sees python3-torch
[ -x "$M" ] || { echo "build $M first (cmake --build build --target minicnn_cli)"; exit 1; }
mkdir -p "$OUT"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ); load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ -f "$OUT/lenet/model.npz" ] || "$M" train --data data/mnist --model lenet5 --epochs 2 --threads 2 --out "$OUT/lenet" > "$OUT/train.log"
grep -h "test accuracy" "$OUT/train.log" 2>/dev/null | tail -1 || true

# 1. features: every conv layer of lenet5 (0 and 3), 10,000 test images.
for i in $(seq "$RUNS"); do
  rm -rf "$OUT/features"
  /usr/bin/time -v "$M" features "$OUT/lenet" --threads 2 --out "$OUT/features" > /dev/null 2> "$OUT/time.txt"
  echo "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/time.txt") $(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/time.txt")"
done > "$OUT/features_runs.txt"
"$PY" - "$OUT/features_runs.txt" <<'PYEOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
rss = [int(r[0]) / 1024 for r in rows]
wall = [sum(float(p) * 60 ** i for i, p in enumerate(reversed(r[1].split(":")))) for r in rows]
print(f"features, lenet5, layers 0 and 3, 10000 test images, 2 threads, {len(rows)} runs: "
      f"peak RSS median {statistics.median(rss):.0f} MB (worst {max(rss):.0f}; target < 300), "
      f"wall median {statistics.median(wall):.2f} s (worst {max(wall):.2f}; target < 10)")
PYEOF

# 2. explain --method all on one digit (a test digit exported as a picture).
[ -d "$OUT/digits" ] || "$M" datasets export mnist --data data/mnist --out "$OUT/digits" --limit 1 > /dev/null
DIGIT=$(find "$OUT/digits/test" -name '*.png' | head -1)
for i in $(seq 11); do
  s=$(date +%s%N)
  "$M" explain "$OUT/lenet" "$DIGIT" --method all --threads 2 --out "$OUT/explain" > /dev/null
  echo $(( ($(date +%s%N) - s) / 1000000 ))
done | sort -n | awk '{a[NR]=$1} END {printf "explain --method all, one 28x28 digit, the whole command: median %d ms (best %d, worst %d; target < 200)\n", a[6], a[1], a[11]}'

# 3. synthesized inputs of layer 3, against the best test image of each channel.
rm -rf "$OUT/synth"
"$M" features "$OUT/lenet" --layer 3 --synthesize --threads 2 --out "$OUT/synth" > /dev/null
"$PY" - "$OUT" <<'PYEOF'
import json, sys, numpy, torch, torch.nn as nn
out = sys.argv[1]
d = numpy.load(f"{out}/lenet/model.npz")
conv = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5))  # lenet5 up to layer 3
conv.load_state_dict({k: torch.from_numpy(d[k]) for k in ("0.weight", "0.bias", "3.weight", "3.bias")})
norm = json.loads(d["__minicnn__"].tobytes())["extra"]["normalize"]
lo, hi = (0 - norm["mean"][0]) / norm["std"][0], (1 - norm["mean"][0]) / norm["std"][0]
s = numpy.load(f"{out}/synth/3_synth.npy")
with torch.no_grad():
    A = conv(torch.from_numpy(s)).numpy()
best = {e["channel"]: e["activation"] for e in json.load(open(f"{out}/synth/3_top.json")) if e["rank"] == 0}
ratios = [float(A[c, c].max()) / best[c] for c in range(len(s))]
above = sum(r > 1 for r in ratios)
print("synthesized inputs of layer 3, activation / best test image's, per channel:")
print("  " + " ".join(f"{c}:{r:.2f}" for c, r in enumerate(ratios)))
print(f"  {above} of {len(ratios)} channels above 1 ({100 * above / len(ratios):.0f}%; target >= 80%); "
      f"values {s.min():.4f}..{s.max():.4f}, the normalised range [{lo:.4f}, {hi:.4f}]: "
      f"{'inside' if s.min() >= lo - 1e-6 and s.max() <= hi + 1e-6 else 'OUTSIDE'}")
PYEOF
echo "pictures: $OUT/synth/3_synth.png, $OUT/synth/3_top.png, $OUT/features/*_top.png, $OUT/explain/*.png"
