# The six famous networks (issue 30, acceptance 1): torchvision 0.14's alexnet, vgg11, resnet18,
# mobilenet_v2, squeezenet1_1 and googlenet with random weights, exported by
# tests/cli/famous_networks_export.py, each imported by `minicnn import`. Passes when every one
# imports, its logits through the Python module match PyTorch's on 4 random 224x224 inputs within
# 1e-4 of the largest, and the import's peak memory, above that of the tool importing a tiny model,
# stays under 2x the bytes of the model's weights. Reports each model: refused with which line, or
# matched with which error, its memory and times.
# The exports are kept in CACHE_DIR and reused while famous_networks_export.py is unchanged (its
# SHA-256 is in CACHE_DIR/stamp): the first run takes a few minutes more.
#   /usr/bin/python3 famous_networks_test.py BUILD/minicnn SOURCE_DIR CACHE_DIR   (PYTHONPATH: BUILD/python)
import hashlib, json, os, subprocess, sys, tempfile, time

minicnn_tool, src, cache = os.path.realpath(sys.argv[1]), sys.argv[2], sys.argv[3]
import importlib.util
missing = [m for m in ("numpy", "onnx", "torch", "torchvision") if importlib.util.find_spec(m) is None]
if missing or not os.path.exists("/usr/bin/time"):
    print(f"SKIP: missing {', '.join(missing) or '/usr/bin/time'}")
    sys.exit(77)
import numpy as np, onnx
from onnx import helper, TensorProto
import minicnn

NAMES = ["alexnet", "vgg11", "resnet18", "mobilenet_v2", "squeezenet1_1", "googlenet"]
exporter = os.path.join(src, "tests/cli/famous_networks_export.py")
digest = hashlib.sha256(open(exporter, "rb").read()).hexdigest()
os.makedirs(cache, exist_ok=True)
stamp = os.path.join(cache, "stamp")
start = time.time()
if not os.path.exists(stamp) or open(stamp).read() != digest:
    if os.path.exists(stamp):
        os.remove(stamp)
    subprocess.run([sys.executable, exporter, cache], check=True)
    open(stamp, "w").write(digest)
    print(f"exported the six models in {time.time() - start:.0f} s into {cache}")
else:
    print(f"reusing the exports in {cache}")
info = json.load(open(os.path.join(cache, "info.json")))
x = np.load(os.path.join(cache, "x.npy"))
work = tempfile.mkdtemp()


def run_import(onnx_path, out):
    """minicnn import: (exit code, stderr, peak RSS in bytes, seconds). Measured by /usr/bin/time: a
    child forked from this process would count this process's own peak (Linux keeps it across exec)."""
    t = time.time()
    rss = os.path.join(work, "rss.txt")
    p = subprocess.run(["/usr/bin/time", "-o", rss, "-f", "%M", minicnn_tool, "import", onnx_path, "--out", out],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = "\n".join(line for line in p.stderr.decode().splitlines() if not line.startswith("Command exited"))
    return p.returncode, err.strip(), int(open(rss).read().split()[-1]) * 1024, time.time() - t


# The tool's own footprint (libraries, allocator): the peak of importing a one-conv model.
g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["c"]), helper.make_node("Flatten", ["c"], ["y"])], "tiny",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                      [helper.make_tensor("w", TensorProto.FLOAT, [2, 3, 1, 1], [0.1] * 6)])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), os.path.join(work, "tiny.onnx"))
code, err, base, _ = run_import(os.path.join(work, "tiny.onnx"), os.path.join(work, "tiny.npz"))
assert code == 0, err
print(f"the tool's baseline peak (a one-conv model): {base / 2**20:.1f} MiB")

failures = []
for name in NAMES:
    weights = info[name]["weight_bytes"]
    npz = os.path.join(work, name + ".npz")
    code, err, peak, secs = run_import(os.path.join(cache, name + ".onnx"), npz)
    memory = f"peak {peak / 2**20:.0f} MiB ({(peak - base) / 2**20:.0f} MiB above the baseline) for {weights / 2**20:.0f} MiB of weights"
    if code != 0:
        print(f"{name}: REFUSED in {secs:.1f} s ({memory}): {err}")
        failures.append(name)
        continue
    t = time.time()
    ours = minicnn.load(npz)(x)
    theirs = np.load(os.path.join(cache, name + "_logits.npy"))
    d, top = float(np.abs(ours - theirs).max()), float(np.abs(theirs).max())
    matched = ours.shape == theirs.shape and d <= 1e-4 * top
    small = peak - base <= 2 * weights
    print(f"{name}: imported in {secs:.1f} s, {memory}{'' if small else ' OVER 2x'}; logits "
          f"{'match' if matched else 'DIFFER'}: max |delta| {d:.3g} for max |logit| {top:.3g} "
          f"(ratio {d / top:.2g}; minicnn's forward of 4 took {time.time() - t:.1f} s)")
    if not (matched and small):
        failures.append(name)
    os.remove(npz)
print(f"{len(NAMES) - len(failures)} of {len(NAMES)} famous networks import and match; {time.time() - start:.0f} s in all")
sys.exit(1 if failures else 0)
