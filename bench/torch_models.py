"""The same benchmark as bench_models.cpp, in PyTorch: the same models, batch 64, SGD lr 0.05
momentum 0.9, training on the rotating real batches minicnn_bench --write-data saved (--data PREFIX
reads PREFIX-x.npy and PREFIX-y.npy; without it, random data); training images/s, and inference
images/s at batch 1000 (lenet5) or 256 (the 32x32 colour models), medians of --repeats runs of
about half a second each (or --batches steps). --layout nchw|channels_last|both: PyTorch's default layout, or the
model and inputs in torch.channels_last (oneDNN's preferred layout, what a practitioner tuning CPU
training uses), or both in one process, each measured in turn. --flops prints the model's
multiply-adds per image (conv and linear layers) and instead of timing anything.
resnet18 and mobilenet_v2 (torchvision's, random weights, 224x224) are timed as minicnn_bench
--onnx times their import: the head alone fine-tuned (every other parameter frozen, the model in
eval mode so frozen BatchNorm keeps its statistics), batch 16, on random images; inference at 16.
Prints "key value" lines that scripts/bench.sh reads. Run with Debian's /usr/bin/python3."""
import argparse
import statistics
import time

import numpy as np

import torch
from torch import nn


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def convnet_rgb():  # minicnn's preset: conv 32 3 pad=1, batchnorm, relu, ... , flatten, linear 10
    def conv(cin, c):
        return [nn.Conv2d(cin, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU()]
    return nn.Sequential(*conv(3, 32), *conv(32, 32), nn.MaxPool2d(2), *conv(32, 64), *conv(64, 64),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 8 * 8, 10))


class Residual(nn.Module):  # minicnn's res[body](shortcut) post=relu
    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body, self.shortcut = body, shortcut

    def forward(self, x):
        return torch.relu(self.body(x) + (x if self.shortcut is None else self.shortcut(x)))


def resnet_mini():  # minicnn's preset: a 3x3 stem, two basic blocks at 16, 32, 64 channels
    def block(cin, c, stride):
        body = nn.Sequential(nn.Conv2d(cin, c, 3, stride, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                             nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))
        shortcut = nn.Sequential(nn.Conv2d(cin, c, 1, stride, bias=False), nn.BatchNorm2d(c)) if stride > 1 else None
        return Residual(body, shortcut)
    return nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                         block(16, 16, 1), block(16, 16, 1), block(16, 32, 2), block(32, 32, 1),
                         block(32, 64, 2), block(64, 64, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def torchvision_model(name):
    def make():
        import torchvision
        return getattr(torchvision.models, name)()
    return make


MODELS = {"lenet5": (lenet5, (1, 28, 28), 1000), "convnet-rgb": (convnet_rgb, (3, 32, 32), 256),
          "resnet-mini": (resnet_mini, (3, 32, 32), 256),
          "resnet18": (torchvision_model("resnet18"), (3, 224, 224), 16),
          "mobilenet_v2": (torchvision_model("mobilenet_v2"), (3, 224, 224), 16)}
FINE_TUNED = {"resnet18", "mobilenet_v2"}  # the head alone trains, at batch 16


def rate(repeats, count, items, f):
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(count):
            f()
        runs.append(count * items / (time.perf_counter() - t0))
    return statistics.median(runs)


def calls_for(seconds, probe, f):
    t0 = time.perf_counter()
    for _ in range(probe):
        f()
    return max(3, int(seconds * probe / (time.perf_counter() - t0)))


parser = argparse.ArgumentParser()
parser.add_argument("--model", default="lenet5", choices=sorted(MODELS))
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--repeats", type=int, default=5)
parser.add_argument("--train-only", action="store_true")
parser.add_argument("--batches", type=int, default=0, help="steps per run (default: about half a second's worth)")
parser.add_argument("--layout", default="both", choices=["nchw", "channels_last", "both"])
parser.add_argument("--data", help="PREFIX of PREFIX-x.npy (float32, K batches of 64) and PREFIX-y.npy")
parser.add_argument("--flops", action="store_true")
args = parser.parse_args()
torch.set_num_threads(args.threads)
make, shape, infer_batch = MODELS[args.model]
fine_tuned = args.model in FINE_TUNED
train_batch = 16 if fine_tuned else 64


def head_of(model):  # the last module with weights: what fine-tuning trains
    return [m for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))][-1]


def forward_macs():  # multiply-adds of one image's forward pass, counted from the layers
    macs = []

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            macs.append(out.numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1])
        elif isinstance(m, nn.Linear):
            macs.append(m.in_features * m.out_features)
    model = make()
    for m in model.modules():
        m.register_forward_hook(hook)
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *shape))
    return sum(macs)


if args.flops:
    print(f"model {args.model}")
    macs = forward_macs()
    print(f"forward_macs_per_image {macs}")
    # 2 FLOP per multiply-add; training: forward + backward = 3 x forward, or for the head alone the
    # forward and the head's weight gradient
    if fine_tuned:
        h = head_of(make())
        print(f"trained_flop_per_image {2 * macs + 2 * h.weight.numel()}")
    else:
        print(f"trained_flop_per_image {6 * macs}")
    raise SystemExit(0)

if args.data:
    xs = torch.from_numpy(np.load(args.data + "-x.npy"))
    ys = torch.from_numpy(np.load(args.data + "-y.npy").astype(np.int64))
    xs, ys = xs.reshape(-1, 64, *shape), ys.reshape(-1, 64)
else:
    gen = torch.Generator().manual_seed(2)
    if fine_tuned:  # 4 batches of random images, labels over the 1000 classes
        xs, ys = torch.randn(4, train_batch, *shape, generator=gen), torch.randint(0, 1000, (4, train_batch), generator=gen)
    else:
        xs, ys = torch.randn(1, 64, *shape, generator=gen), (torch.arange(64) % 10).reshape(1, 64)
print(f"model {args.model}")
print(f"threads {args.threads}")
print(f"data {'real' if args.data else 'random'}, {'%d batches in turn' % len(xs) if len(xs) > 1 else 'one batch'}")
for layout in (["nchw", "channels_last"] if args.layout == "both" else [args.layout]):
    fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    torch.manual_seed(1)
    model = make().to(memory_format=fmt)
    trained = model.parameters()
    if fine_tuned:
        head = head_of(model)
        for p in model.parameters():
            p.requires_grad_(False)
        for p in head.parameters():
            p.requires_grad_(True)
        trained = head.parameters()
        model.eval()
    opt = torch.optim.SGD(trained, lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(x.contiguous(memory_format=fmt), y) for x, y in zip(xs, ys)]
    turn = [0]

    def step():
        x, labels = batches[turn[0] % len(batches)]
        turn[0] += 1
        opt.zero_grad()
        loss_fn(model(x), labels).backward()
        opt.step()

    for _ in range(5):
        step()
    steps = args.batches or calls_for(0.5, 5, step)
    print(f"train_images_per_second_{layout} {rate(args.repeats, steps, train_batch, step):.1f}")
    if not args.train_only:
        model.eval()
        xi = torch.randn(infer_batch, *shape).contiguous(memory_format=fmt)
        with torch.no_grad():
            def infer():
                model(xi)
            infer()
            print(f"infer_images_per_second_{layout} {rate(args.repeats, calls_for(0.5, 2, infer), infer_batch, infer):.1f}")
