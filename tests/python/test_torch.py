"""m(x) from Python against PyTorch's forward on the same weights (acceptance 3): lenet5 (bench's
PyTorch module, written again here) and resnet-mini-gray (README's PyTorch snippet), each trained briefly by
minicnn.train, on 100 test digits, within 1e-5 of the largest logit; and minicnn.filters.apply
against torch.nn.functional.conv2d. Exits 77 (skipped) when python3-torch is missing.
    PYTHONPATH=build/python python3 tests/python/test_torch.py SOURCE_DIR"""
import os
import re
import sys
import tempfile

import numpy as np

import minicnn

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("skipped: python3-torch is not installed")
    sys.exit(77)

source = sys.argv[1]


def lenet5():  # as bench/torch_models.py writes it
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


data = minicnn.datasets.mnist(os.path.join(source, "data", "mnist"))
failed = 0


def check(name, ok, line):
    global failed
    print(("ok   " if ok else "FAIL ") + name + ": " + line)
    failed += not ok


def compare(preset, module):
    net = minicnn.Sequential(preset, seed=1)
    minicnn.train(net, data, epochs=1, limit=640, test_limit=100, threads=2)
    module.load_state_dict({k: torch.from_numpy(v) for k, v in net.state_dict().items()})  # strict: every name
    module.eval()
    x = net.prepare(data.test.images[:100])
    with torch.no_grad():
        ref = module(torch.from_numpy(x)).numpy()
    ours = net(x)
    rel = float(np.abs(ours - ref).max() / np.abs(ref).max())
    check(preset, rel <= 1e-5, f"m(x) of 100 digits vs PyTorch: max |difference| {rel:.1e} of the largest logit (<= 1e-5)")


compare("lenet5", lenet5())
readme = open(os.path.join(source, "README.md")).read()
snippet = re.search(r"<!-- tests/cli/pytorch_test.sh runs the next block -->\n```python\n(.*?)```", readme, re.S).group(1)
namespace = {}
exec(snippet.split("\nd = numpy.load")[0], namespace)  # the module, without loading README's run folder
compare("resnet-mini-gray", namespace["model"])

gray = np.random.default_rng(0).random((37, 41), dtype=np.float32)
kernels = np.array([[[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], [[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.ones((3, 3)) / 9], np.float32)
for padding, stride in [(1, 1), (0, 1), (2, 2)]:
    ours = minicnn.filters.apply(gray, kernels, padding=padding, stride=stride)
    ref = F.conv2d(torch.from_numpy(gray)[None, None], torch.from_numpy(kernels)[:, None], padding=padding, stride=stride)[0].numpy()
    diff = float(np.abs(ours - ref).max()) if ours.shape == ref.shape else float("inf")
    check(f"filters.apply padding={padding} stride={stride}", diff <= 1e-5, f"{ours.shape}, max |difference| {diff:.1e} (<= 1e-5)")
sys.exit(1 if failed else 0)
