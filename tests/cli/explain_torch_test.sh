#!/usr/bin/env bash
# minicnn's explanations against PyTorch autograd on the same weights (issue 26, acceptance 2): a
# lenet5 and a resnet-mini-gray trained briefly on a slice of MNIST; 20 test digits exported as
# pictures and explained by `minicnn explain`; PyTorch reads the inputs the model received
# (S_input.npy) and computes, in float64 on the checkpoint's float32 weights,
#   - saliency: max over input channels of |dz/dx|, z the explained class's logit;
#   - Grad-CAM: ReLU(sum_k alpha_k A_k), alpha_k the mean over positions of dz/dA_k, at the default
#     layer and (resnet) at the nested 3.body.0;
#   - occlusion: p(class) minus p(class) with a 7x7 patch of 0 centred at each pixel (resnet: 4 digits);
# each must equal minicnn's map to max |difference| <= 1e-4 x max |map|. Then `minicnn features`
# on the run's 100 test digits: for every channel of lenet5's layer 3 and resnet-mini-gray's
# 3.body.0 and 4.shortcut.0, the 9 images must be the 9 largest per-image maxima that PyTorch's
# forward hooks give (ties to the lower index), with the same activation and its first position.
#   explain_torch_test.sh BUILD/minicnn SOURCE_DIR
# Exits 77 (skipped) only when python3-torch can be neither imported nor installed with apt-get.
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
[ -f "$DATA/t10k-images-idx3-ubyte" ] || fail "MNIST is missing from $DATA: run scripts/get-mnist.sh"
run() { local out=$1; shift; "$@" > "$out" 2>&1 || { cat "$out" >&2; fail "exit $?: $*"; }; }

if ! "$PY" -c "import torch" 2>/dev/null; then
  echo "python3-torch is missing: installing it with apt-get"
  if [ "$(id -u)" = 0 ]; then apt-get install -y python3-torch > apt.log 2>&1
  else sudo -n apt-get install -y python3-torch > apt.log 2>&1; fi
  "$PY" -c "import torch" 2>/dev/null || { tail -5 apt.log; echo "SKIP: python3-torch can be neither imported nor installed"; exit 77; }
fi

# Trained on OpenBLAS's products as in pytorch_test.sh: on minicnn's own kernels one BatchNorm
# output of resnet-mini-gray can land within float32 rounding of a ReLU's kink, where float32 and
# float64 part. The explanations themselves run on minicnn's default kernels.
SMALL=(--data "$DATA" --limit 640 --test-limit 100 --threads 2 --epochs 1)
MINICNN_KERNELS=blas run tl.txt "$M" train "${SMALL[@]}" --model lenet5 --out runs/lenet
MINICNN_KERNELS=blas run tr.txt "$M" train "${SMALL[@]}" --model resnet-mini-gray --out runs/resnet
ok "trained lenet5 and resnet-mini-gray on 640 digits"
run ex.txt "$M" datasets export mnist --data "$DATA" --out digits --limit 20
# The runs' 100 test digits (--test-limit 100, a stratified subset) as files named by their index
# in the test file: the images features ranks, and the numbers its _top.json must give.
run es.txt "$M" datasets export mnist --data "$DATA" --out subset --limit 10 --test-limit 100
mapfile -t IMAGES < <(find digits/test -name '*.png' | sort)
[ "${#IMAGES[@]}" = 20 ] || fail "expected 20 exported test digits, got ${#IMAGES[@]}"
run el.txt "$M" explain runs/lenet "${IMAGES[@]}" --method all --out el --threads 2
run er.txt "$M" explain runs/resnet "${IMAGES[@]}" --method all --out er --threads 2
run en.txt "$M" explain runs/resnet "${IMAGES[@]}" --method gradcam --layer 3.body.0 --out en --threads 2
run fl.txt "$M" features runs/lenet --layer 3 --out fl --threads 2
run fr.txt "$M" features runs/resnet --layer 3.body.0,4.shortcut.0 --out fr --threads 2
ok "explained 20 digits with each model, features of lenet5's 3 and resnet-mini-gray's 3.body.0 and 4.shortcut.0"

"$PY" - "$SRC/README.md" "$DATA" <<'PYEOF'
import json, re, sys, numpy, torch, torch.nn as nn, torch.nn.functional as F
readme, data = sys.argv[1], sys.argv[2]
torch.set_num_threads(2)  # the suite runs on 2 cores

def load(model, path):
    d = numpy.load(path)
    model.load_state_dict({k: torch.from_numpy(d[k]) for k in d.files if k[0].isdigit()})  # strict: every name
    return model.eval().double()

# lenet5 as minicnn's preset spells it (README's snippet builds resnet-mini-gray only).
lenet = load(nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                           nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                           nn.Linear(84, 10)), "runs/lenet/model.npz")
m = re.search(r"<!-- tests/cli/pytorch_test.sh runs the next block -->\n```python\n(.*?)```", open(readme).read(), re.S)
assert m, "README has no python block after the pytorch_test.sh marker"
namespace = {}
exec(m.group(1), namespace)  # README's block: builds resnet-mini-gray and loads runs/resnet/model.npz (strict)
resnet = namespace["model"].eval().double()

def at(model, path):
    for part in path.split("."):
        model = getattr(model, part) if not part.isdigit() else model[int(part)]
    return model

def reference(model, x, cls, layer, occlude):
    """Saliency, Grad-CAM at `layer` and (if occlude) occlusion (7x7, stride 1) of one input (1, C, H, W), float64."""
    taken = {}
    hook = at(model, layer).register_forward_hook(lambda mod, i, o: taken.update(A=o) or o.retain_grad())
    x = x.clone().requires_grad_(True)
    z = model(x)[0, cls]
    z.backward()
    hook.remove()
    A = taken["A"]
    sal = x.grad[0].abs().amax(0)
    alpha = A.grad[0].mean((1, 2))
    cam = F.relu((alpha[:, None, None] * A[0]).sum(0))
    if not occlude:
        return {"saliency": sal, "gradcam": cam}
    H, W = x.shape[2:]
    with torch.no_grad():
        base = F.softmax(model(x), 1)[0, cls]
        xs = x.detach().repeat(H * W, 1, 1, 1)
        for i in range(H * W):
            y, c = divmod(i, W)
            xs[i, :, max(0, y - 3):y + 4, max(0, c - 3):c + 4] = 0
        occ = (base - F.softmax(model(xs), 1)[:, cls]).reshape(H, W)
    return {"saliency": sal, "gradcam": cam, "occlusion": occ}

def compare(name, model, folder, layer, methods, occluded=20):  # occlusion: the first `occluded` digits
    rec = json.load(open(f"{folder}/explain.json"))
    assert rec.get("gradcam_layer") == layer, f"{folder}: Grad-CAM layer {rec.get('gradcam_layer')}, expected {layer}"
    worst = {m: 0.0 for m in methods}
    for i, e in enumerate(rec["images"]):
        stem = e["image"].rsplit("/", 1)[-1][:-4]
        x = torch.from_numpy(numpy.load(f"{folder}/{stem}_input.npy")).double()[None]
        ref = reference(model, x, e["class"], layer, "occlusion" in methods and i < occluded)
        for m in (m for m in methods if m in ref):
            ours, theirs = numpy.load(f"{folder}/{stem}_{m}.npy"), ref[m].detach().numpy()
            assert ours.shape == theirs.shape, f"{name} {stem} {m}: shape {ours.shape}, PyTorch {theirs.shape}"
            scale = float(numpy.abs(theirs).max())
            err = float(numpy.abs(ours - theirs).max()) / max(scale, 1e-12)
            assert err <= 1e-4, f"{name} {stem} {m} (class {e['class']}): max |difference| {err:.2e} of max |map| {scale:.3g}"
            worst[m] = max(worst[m], err)
    print(f"ok: {name}, {len(rec['images'])} digits: " +
          ", ".join(f"{m} within {w:.1e} of max |map|" for m, w in worst.items()) + " (<= 1e-4), Grad-CAM at layer " + layer +
          (f"; occlusion on the first {occluded}" if "occlusion" in methods and occluded < len(rec["images"]) else ""))

compare("lenet5", lenet, "el", "5", ["saliency", "gradcam", "occlusion"])
# Occlusion is 784 forward passes per digit, 4 s each for resnet-mini-gray in float64: 4 digits of it.
compare("resnet-mini-gray", resnet, "er", "5", ["saliency", "gradcam", "occlusion"], occluded=4)
compare("resnet-mini-gray", resnet, "en", "3.body.0", ["gradcam"])

# features: brute force over the run's 100 test digits, normalised as in training. They are the
# exported subset/test/<class>/<index>.png: index[row] is a digit's index in the test file.
import glob, os
index = sorted(int(os.path.basename(p)[:-4]) for p in glob.glob("subset/test/*/*.png"))
assert len(index) == 100 and index[-1] >= 100, f"expected 100 test digits named by test-file index, got {index}"
row_of = {n: r for r, n in enumerate(index)}

def digits(path):
    norm = json.loads(numpy.load(path)["__minicnn__"].tobytes())["extra"]["normalize"]
    images = numpy.fromfile(f"{data}/t10k-images-idx3-ubyte", numpy.uint8, offset=16).reshape(-1, 28, 28)[index]
    return torch.from_numpy(((images / 255 - norm["mean"][0]) / norm["std"][0]).reshape(len(index), 1, 28, 28))

def top_check(name, model, path, layer, file):
    taken = {}
    hook = at(model, layer).register_forward_hook(lambda mod, i, o: taken.update(A=o))
    with torch.no_grad():
        model(digits(path))
    hook.remove()
    A = taken["A"].numpy()                                # (N, C, H', W'), float64
    N, C, H, W = A.shape
    flat = A.reshape(N, C, H * W)
    act = flat.max(2)                                     # (N, C): the maximum over positions
    ours = json.load(open(file))
    near_ties = 0
    for c in range(C):
        rows = sorted((e for e in ours if e["channel"] == c), key=lambda e: e["rank"])
        order = sorted(range(N), key=lambda n: (-act[n, c], n))  # strongest first, ties to the lower index
        want = order[:9]
        got = [e["image"] for e in rows]
        assert len(got) == 9 and len(set(got)) == 9, f"{name} {layer} channel {c}: {got}"
        assert all(g in row_of for g in got), f"{name} {layer} channel {c}: images {got} are not all among the run's test digits"
        tol = 1e-5 * max(1.0, float(numpy.abs(act[:, c]).max()))
        for r, e in enumerate(rows):
            n = row_of[e["image"]]  # its row in A
            # The same activation as PyTorch's (float32 against float64), at its first largest position.
            assert abs(e["activation"] - act[n, c]) <= tol, f"{name} {layer} channel {c} image {index[n]}: {e['activation']} vs {act[n, c]}"
            first = int(numpy.argmax(flat[n, c] >= act[n, c] - tol))
            assert (e["y"], e["x"]) == divmod(first, W) or abs(flat[n, c, e["y"] * W + e["x"]] - act[n, c]) <= tol, \
                f"{name} {layer} channel {c} image {index[n]}: position {(e['y'], e['x'])}, PyTorch's first maximum at {divmod(first, W)}"
            # Rank r holds PyTorch's r-th image, or one whose activation is within float rounding of
            # it (float32 sums in another order can swap two such images; either order is right).
            if n != want[r]:
                assert abs(act[n, c] - act[want[r], c]) <= tol, \
                    f"{name} {layer} channel {c} rank {r}: image {index[n]} ({act[n, c]:.6f}), PyTorch's is {index[want[r]]} ({act[want[r], c]:.6f})"
                near_ties += 1
    print(f"ok: {name} layer {layer}: the top-9 images of all {C} channels are PyTorch's brute-force ones "
          f"({near_ties} swapped within float rounding), with the same activation and first position")

top_check("lenet5", lenet, "runs/lenet/model.npz", "3", "fl/3_top.json")
top_check("resnet-mini-gray", resnet, "runs/resnet/model.npz", "3.body.0", "fr/3.body.0_top.json")
top_check("resnet-mini-gray", resnet, "runs/resnet/model.npz", "4.shortcut.0", "fr/4.shortcut.0_top.json")
PYEOF
[ $? = 0 ] || fail "minicnn's explanations and PyTorch's disagree"
echo "explain_torch_test: passed"
