"""Python-driven training against the tool (issue 28, acceptance 5): lenet5 on MNIST, the same
settings, in interleaved pairs (tool, then Python), each side's images/s from its own epoch record
(metrics.csv for the tool, minicnn.train's history for Python); then the cost of a layer written in
Python (a numpy ReLU in place of lenet5's first ReLU). Prints the CPU and the medians.
    PYTHONPATH=build/python /usr/bin/python3 bench/python_train.py [PAIRS] [LIMIT] [THREADS]"""
import csv
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile

import numpy as np

import minicnn

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
limit = sys.argv[2] if len(sys.argv) > 2 else "20000"
threads = sys.argv[3] if len(sys.argv) > 3 else "2"
cli = os.path.join(root, "build", "minicnn")
mnist = os.path.join(root, "data", "mnist")
tmp = tempfile.mkdtemp(prefix="minicnn_bench_py_")
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"CPU: {cpu}; lenet5, 1 epoch of {limit} MNIST images, batch 64, {threads} threads, {pairs} interleaved pairs")

data = minicnn.datasets.mnist(mnist)
tool, python = [], []
for i in range(pairs):
    out = os.path.join(tmp, "run")
    subprocess.run([cli, "train", "--data", mnist, "--epochs", "1", "--limit", limit, "--threads", threads, "--out", out],
                   check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "metrics.csv")) as f:
        tool.append(float(next(csv.DictReader(f))["images_per_second"]))
    shutil.rmtree(out)
    net = minicnn.Sequential("lenet5", seed=1)
    python.append(minicnn.train(net, data, epochs=1, limit=int(limit), threads=int(threads))[0]["images_per_second"])
    print(f"pair {i + 1}: tool {tool[-1]:.0f} images/s, Python {python[-1]:.0f} images/s")
t, p = statistics.median(tool), statistics.median(python)
ratio = statistics.median(b / a for a, b in zip(tool, python))
print(f"median: tool {t:.0f} images/s, Python {p:.0f} images/s; median of the pairs' ratios: Python is {100 * (ratio - 1):+.1f}%")


class NumpyReLU(minicnn.Layer):
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, dy):
        return dy * self.mask


def lenet5(first_relu):
    return minicnn.Sequential([minicnn.Conv2d(1, 6, 5, padding=2), first_relu, minicnn.MaxPool2d(2), minicnn.Conv2d(6, 16, 5),
                               minicnn.ReLU(), minicnn.MaxPool2d(2), minicnn.Flatten(), minicnn.Linear(400, 120), minicnn.ReLU(),
                               minicnn.Linear(120, 84), minicnn.ReLU(), minicnn.Linear(84, 10)], seed=1)


cpp_layer, py_layer = [], []
for i in range(pairs):
    cpp_layer.append(minicnn.train(lenet5(minicnn.ReLU()), data, epochs=1, limit=int(limit), threads=int(threads))[0]["images_per_second"])
    py_layer.append(minicnn.train(lenet5(NumpyReLU()), data, epochs=1, limit=int(limit), threads=int(threads))[0]["images_per_second"])
c, q = statistics.median(cpp_layer), statistics.median(py_layer)
ratio = statistics.median(b / a for a, b in zip(cpp_layer, py_layer))
print(f"median: first ReLU in C++ {c:.0f} images/s, in Python (numpy) {q:.0f} images/s; median of the pairs' ratios: {100 * (ratio - 1):+.1f}%")
shutil.rmtree(tmp)
