#!/usr/bin/env bash
# A minicnn residual checkpoint in PyTorch (issue 15): trains resnet-mini-gray (projection
# shortcuts, BatchNorm) on a slice of MNIST, builds the PyTorch module with README's own snippet
# (the python block after the marker in "Residual models in PyTorch"), loads the .npz into it with
# every state_dict name checked, and compares on 100 test digits:
#   - logits in eval mode (BatchNorm on running statistics): max |difference| <= 1e-4;
#   - every parameter's gradient of the mean cross-entropy in training mode (batch statistics),
#     against autograd in float64: this checks minicnn's backward through the ReLU kinks that the
#     finite-difference checks have to avoid.
#   pytorch_test.sh BUILD/minicnn SOURCE_DIR BUILD/checkpoint_outputs
# Exits 77 (skipped) only when python3-torch can be neither imported nor installed with apt-get.
OUTPUTS=$(realpath "$3")  # before cli_lib.sh moves to a scratch folder
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
[ -f "$DATA/t10k-images-idx3-ubyte" ] || fail "MNIST is missing from $DATA: run scripts/get-mnist.sh"

if ! "$PY" -c "import torch" 2>/dev/null; then
  echo "python3-torch is missing: installing it with apt-get"
  if [ "$(id -u)" = 0 ]; then apt-get install -y python3-torch > apt.log 2>&1
  else sudo -n apt-get install -y python3-torch > apt.log 2>&1; fi
  "$PY" -c "import torch" 2>/dev/null || { tail -5 apt.log; echo "SKIP: python3-torch can be neither imported nor installed"; exit 77; }
fi

# The weights are trained on OpenBLAS's products (MINICNN_KERNELS=blas): trained on minicnn's own
# kernels they happen to put one BatchNorm output of 5.body.1 within float32 rounding of the next
# ReLU's kink, where every float32 computation (the reference loops too) parts from float64 autograd
# by 5e-3. The gradients compared below are still minicnn's default kernels'.
MINICNN_KERNELS=blas "$M" train --data "$DATA" --limit 640 --test-limit 100 --threads 2 --model resnet-mini-gray --epochs 1 \
  --out runs/resnet > train.log 2>&1 || { cat train.log; fail "minicnn train"; }
ok "trained resnet-mini-gray on 640 digits"

"$PY" - "$SRC/README.md" "$DATA" <<'PYEOF' || fail "preparing the snippet and the inputs"
import json, re, sys, numpy
readme, data = sys.argv[1], sys.argv[2]
text = open(readme).read()
m = re.search(r"<!-- tests/cli/pytorch_test.sh runs the next block -->\n```python\n(.*?)```", text, re.S)
assert m, "README has no python block after the pytorch_test.sh marker"
open("snippet.py", "w").write(m.group(1))
# The first 100 test digits, normalised as the checkpoint's training was.
norm = json.loads(numpy.load("runs/resnet/model.npz")["__minicnn__"].tobytes())["extra"]["normalize"]
images = numpy.fromfile(f"{data}/t10k-images-idx3-ubyte", numpy.uint8, offset=16)[:100 * 784]
x = ((images.astype(numpy.float32) / 255 - norm["mean"]) / norm["std"]).reshape(100, 1, 28, 28).astype(numpy.float32)
numpy.save("inputs.npy", x)
numpy.save("labels.npy", numpy.fromfile(f"{data}/t10k-labels-idx1-ubyte", numpy.uint8, offset=8)[:100])
PYEOF
mkdir out
"$OUTPUTS" runs/resnet/model.npz inputs.npy labels.npy out > outputs.log 2>&1 || { cat outputs.log; fail "checkpoint_outputs"; }

"$PY" - <<'PYEOF'
import numpy, torch, torch.nn.functional as F
namespace = {}
exec(open("snippet.py").read(), namespace)  # README's block: builds the module, loads the checkpoint
model = namespace["model"]
d = numpy.load("runs/resnet/model.npz")
ours = {k for k in d.files if k[0].isdigit()}
theirs = set(model.state_dict())
assert ours == theirs, f"names differ: only minicnn {sorted(ours - theirs)}, only torch {sorted(theirs - ours)}"
print(f"ok: the checkpoint's {len(ours)} tensors are the module's state_dict, name for name "
      f"(e.g. 4.shortcut.1.num_batches_tracked = {int(model.state_dict()['4.shortcut.1.num_batches_tracked'])})")
x = torch.from_numpy(numpy.load("inputs.npy"))
with torch.no_grad():
    z = model(x).numpy()
diff = float(numpy.abs(z - numpy.load("out/logits.npy")).max())
assert diff <= 1e-4, f"eval logits differ by up to {diff}"
print(f"ok: eval logits of 100 digits agree with PyTorch's: max |difference| {diff:.2e} (<= 1e-4)")

# Autograd in float64 on the same float32 weights is the reference: its own float32 gradients are
# further from it than minicnn's (the stem conv's by 4e-4 of the largest value, minicnn's by 2e-5).
model.train().double()
F.cross_entropy(model(x.double()), torch.from_numpy(numpy.load("labels.npy")).long()).backward()
worst = (0.0, "")
for name, p in model.named_parameters():
    exact = p.grad.numpy()
    err = float(numpy.abs(exact - numpy.load(f"out/grad.{name}.npy")).max()) / (1e-3 + float(numpy.abs(exact).max()))
    worst = max(worst, (err, name))
assert worst[0] <= 1e-4, f"gradient of {worst[1]} differs by {worst[0]:.2e} of its largest value"
print(f"ok: training-mode gradients of all {len(list(model.parameters()))} parameters agree with autograd: "
      f"worst {worst[0]:.2e} of the largest value ({worst[1]})")
PYEOF
[ $? = 0 ] || fail "minicnn and PyTorch disagree"
