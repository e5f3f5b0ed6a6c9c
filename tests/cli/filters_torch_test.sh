#!/usr/bin/env bash
# `minicnn filters apply` against PyTorch (issue 27, acceptance 3): the course notebook's three
# kernels (edge, sharpen, blur) as values with padding 1, a stride-2 / padding-0 kernel and a bank
# filter; every <name>.npy must equal torch.nn.functional.conv2d on the input.npy written beside it
# (the grey image in [0, 1]) within max |difference| <= 1e-5.
#   filters_torch_test.sh BUILD/minicnn SOURCE_DIR
# Exits 77 (skipped) only when python3-torch can be neither imported nor installed with apt-get.
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
run() { local out=$1 rc; shift; "$@" > "$out" 2>&1; rc=$?; [ $rc = 0 ] || { cat "$out" >&2; fail "exit $rc: $*"; }; }

if ! "$PY" -c "import torch" 2>/dev/null; then
  echo "python3-torch is missing: installing it with apt-get"
  if [ "$(id -u)" = 0 ]; then apt-get install -y python3-torch > apt.log 2>&1
  else sudo -n apt-get install -y python3-torch > apt.log 2>&1; fi
  "$PY" -c "import torch" 2>/dev/null || { tail -5 apt.log; echo "SKIP: python3-torch can be neither imported nor installed"; exit 77; }
fi

# compare.py OUT STRIDE PADDING NAME=KERNEL...: each OUT/NAME.npy against conv2d(OUT/input.npy, KERNEL).
cat > compare.py <<'PY'
import sys, numpy as np, torch
out, stride, padding = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
x = torch.from_numpy(np.load(f"{out}/input.npy"))
assert x.dtype == torch.float32 and x.ndim == 2 and 0 <= x.min() and x.max() <= 1, (x.dtype, x.shape)
for arg in sys.argv[4:]:
    name, rows = arg.split("=", 1)
    k = torch.tensor([[float(eval(v)) for v in r.split(",")] for r in rows.split(";")], dtype=torch.float32)
    want = torch.nn.functional.conv2d(x[None, None].double(), k[None, None].double(), stride=stride, padding=padding)[0, 0]
    got = torch.from_numpy(np.load(f"{out}/{name}.npy"))
    assert got.dtype == torch.float32 and got.shape == want.shape, (name, got.dtype, got.shape, want.shape)
    d = (got.double() - want).abs().max().item()
    print(f"{name}: {tuple(got.shape)} max |diff| {d:.2e}")
    assert d <= 1e-5, f"{name}: max |difference| {d} > 1e-5"
PY

EDGE="-1,-1,-1;-1,8,-1;-1,-1,-1" SHARPEN="0,-1,0;-1,5,-1;0,-1,0" BLUR="1/9,1/9,1/9;1/9,1/9,1/9;1/9,1/9,1/9"
run apply.log "$M" filters apply "$SRC/data/chelsea.png" --kernel "$EDGE" --name edge --kernel "$SHARPEN" --name sharpen \
  --kernel "$BLUR" --name blur --padding 1 --npy --out notebook
"$PY" compare.py notebook 1 1 "edge=$EDGE" "sharpen=$SHARPEN" "blur=$BLUR" || fail "the notebook's kernels differ from conv2d"
ok "the notebook's edge, sharpen and blur with padding 1 equal conv2d within 1e-5"

# A 2x4 kernel at stride 2 without padding, and a bank filter (sobel_x, as filters list prints it).
run strided.log "$M" filters apply "$SRC/data/chelsea.png" --kernel "1,2,-3,0.5;-1/4,0,1,2" --name odd --filters sobel_x \
  --stride 2 --padding 0 --npy --out strided
"$PY" compare.py strided 2 0 "odd=1,2,-3,0.5;-1/4,0,1,2" "sobel_x=-1,0,1;-2,0,2;-1,0,1" || fail "stride 2 / padding 0 differs from conv2d"
ok "a 2x4 kernel and sobel_x at stride 2, padding 0 equal conv2d within 1e-5"
echo "passed $pass checks"
