"""The same benchmark as bench_lenet5.cpp, in PyTorch: lenet5, batch 64, SGD lr 0.05 momentum 0.9,
synthetic data; training images/s and inference images/s at batch 1000, medians of --repeats runs.
Prints "key value" lines that scripts/bench.sh reads. Run with Debian's /usr/bin/python3."""
import argparse
import statistics
import time

import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--repeats", type=int, default=5)
parser.add_argument("--batches", type=int, default=200)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)

model = nn.Sequential(
    nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
    nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
x = torch.randn(64, 1, 28, 28)
labels = torch.arange(64) % 10


def step():
    opt.zero_grad()
    loss_fn(model(x), labels).backward()
    opt.step()


for _ in range(20):
    step()
train = []
for _ in range(args.repeats):
    t0 = time.perf_counter()
    for _ in range(args.batches):
        step()
    train.append(args.batches * 64 / (time.perf_counter() - t0))
print(f"threads {args.threads}")
print(f"train_images_per_second {statistics.median(train):.1f}")

model.eval()
xi = torch.randn(1000, 1, 28, 28)
with torch.no_grad():
    model(xi)
    infer = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        for _ in range(5):
            model(xi)
        infer.append(5000 / (time.perf_counter() - t0))
print(f"infer_images_per_second {statistics.median(infer):.1f}")
