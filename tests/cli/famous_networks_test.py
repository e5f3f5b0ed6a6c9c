# The six famous networks (issue 30, acceptance 1): torchvision 0.14's alexnet, vgg11, resnet18,
# mobilenet_v2, squeezenet1_1 and googlenet with random weights, exported by
# tests/cli/famous_networks_export.py, each imported by `minicnn import`. Passes when every one
# imports, its logits through the Python module match PyTorch's on 4 random 224x224 inputs within
# 1e-4 of the largest, and both the library's import (minicnn.import_onnx) and `minicnn import`
# (which also writes the checkpoint) peak under 2x the bytes of the weights above the footprint of
# importing a one-conv model.
# Reports each model: refused with which line, or matched with which error, and both peaks.
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


def library_import_peak(onnx_path):
    """The peak RSS in bytes of a fresh Python process that only runs minicnn.import_onnx, measured
    by /usr/bin/time as run_import is (its own getrusage would start from this process's peak)."""
    rss = os.path.join(work, "rss-lib.txt")
    p = subprocess.run(["/usr/bin/time", "-o", rss, "-f", "%M", sys.executable, "-c",
                        "import sys, minicnn; minicnn.import_onnx(sys.argv[1])", onnx_path],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return int(open(rss).read().split()[-1]) * 1024 if p.returncode == 0 else None


# The tool's own footprint (libraries, allocator): the peak of importing a one-conv model.
g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["c"]), helper.make_node("Flatten", ["c"], ["y"])], "tiny",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                      [helper.make_tensor("w", TensorProto.FLOAT, [2, 3, 1, 1], [0.1] * 6)])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), os.path.join(work, "tiny.onnx"))
code, err, base, _ = run_import(os.path.join(work, "tiny.onnx"), os.path.join(work, "tiny.npz"))
assert code == 0, err
lib_base = library_import_peak(os.path.join(work, "tiny.onnx"))
assert lib_base, "minicnn.import_onnx cannot import a one-conv model"
print(f"baseline peaks (a one-conv model): the tool {base / 2**20:.1f} MiB, the library in Python {lib_base / 2**20:.1f} MiB")

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
    lib = library_import_peak(os.path.join(cache, name + ".onnx"))
    lib_ratio = (lib - lib_base) / weights if lib else float("inf")
    tool_ratio = (peak - base) / weights
    within = lib_ratio <= 2 and tool_ratio <= 2
    memory += (f" ({tool_ratio:.2f}x{'' if tool_ratio <= 2 else ', over 2x'}); the library's import "
               f"{lib_ratio:.2f}x the weights{'' if lib_ratio <= 2 else ' (over 2x)'}")
    print(f"{name}: imported in {secs:.1f} s, {memory}{'' if within else ' FAILS'}; logits "
          f"{'match' if matched else 'DIFFER'}: max |delta| {d:.3g} for max |logit| {top:.3g} "
          f"(ratio {d / top:.2g}; minicnn's forward of 4 took {time.time() - t:.1f} s)")
    if not (matched and within):
        failures.append(name)
    os.remove(npz)
print(f"{len(NAMES) - len(failures)} of {len(NAMES)} famous networks import and match; {time.time() - start:.0f} s in all")
sys.exit(1 if failures else 0)
