"""Writes the cases of tests/layers/test_torch_parity.cpp: for each minicnn spec item, the PyTorch
module it should equal, a random input x at an odd size, a random upstream gradient dy, and
PyTorch's output y and input gradient dx (autograd in float64), as JSON; then small models with
these layers (random weights) exported by torch.onnx.export into OUT_DIR, with an input and
PyTorch's output for each, for the import half of the same test.
    python3 torch_layers.py OUT_DIR"""
import json
import sys

import torch
import torch.nn as nn

torch.manual_seed(0)
nan = float("nan")


class Cat(nn.Module):  # minicnn's cat[..][..]: every branch reads x, their outputs joined by channel
    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([b(x) for b in self.branches], 1)


cases = [
    # spec, PyTorch module, input (N, C, H, W), scale of x
    ("maxpool 3 stride=2 pad=1 ceil_mode=1", nn.MaxPool2d(3, 2, 1, ceil_mode=True), (2, 3, 7, 7), 1),
    ("maxpool 2 pad=1 ceil_mode=1", nn.MaxPool2d(2, 2, 1, ceil_mode=True), (1, 2, 6, 5), 1),  # the last-window rule
    ("maxpool 3 stride=2 ceil_mode=1", nn.MaxPool2d(3, 2, ceil_mode=True), (1, 2, 13, 12), 1),  # SqueezeNet, GoogLeNet
    ("maxpool 3 stride=2 pad=1 dilation=2 ceil_mode=1", nn.MaxPool2d(3, 2, 1, 2, ceil_mode=True), (2, 2, 9, 8), 1),
    ("maxpool 3x2 stride=1x2 pad=1 dilation=2x1", nn.MaxPool2d((3, 2), (1, 2), 1, (2, 1)), (1, 2, 7, 6), 1),
    ("avgpool 3 stride=2 pad=1 ceil_mode=1", nn.AvgPool2d(3, 2, 1, ceil_mode=True), (2, 3, 7, 7), 1),
    ("avgpool 3 stride=2 pad=1 ceil_mode=1 count_include_pad=0", nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
     (2, 3, 7, 6), 1),
    ("avgpool 2 ceil_mode=1", nn.AvgPool2d(2, ceil_mode=True), (1, 2, 5, 5), 1),
    ("avgpool 3 stride=2 pad=1x0", nn.AvgPool2d(3, 2, (1, 0)), (1, 2, 8, 6), 1),
    ("relu6", nn.ReLU6(), (2, 3, 4, 5), 5),
    ("hardtanh min=-0.5 max=0.75", nn.Hardtanh(-0.5, 0.75), (2, 3, 4, 5), 1),
    ("adaptiveavgpool 3x2", nn.AdaptiveAvgPool2d((3, 2)), (2, 2, 7, 5), 1),
    ("adaptiveavgpool 6", nn.AdaptiveAvgPool2d(6), (1, 2, 13, 13), 1),  # AlexNet's, on a map that is not 6x6
    ("adaptiveavgpool 1", nn.AdaptiveAvgPool2d(1), (2, 3, 7, 7), 1),
    ("adaptiveavgpool 4", nn.AdaptiveAvgPool2d(4), (1, 2, 3, 3), 1),  # more outputs than inputs
    ("pad 1x0x2x1 value=0.5", nn.ConstantPad2d((1, 0, 2, 1), 0.5), (2, 2, 3, 4), 1),
    ("pad 1", nn.ZeroPad2d(1), (1, 2, 3, 3), 1),
    # Concat: its dx is the sum of every branch's (an Inception module's pooling branch beside others)
    ("cat[maxpool 3 stride=1 pad=1][avgpool 3 stride=1 pad=1 count_include_pad=0][relu6]",
     Cat(nn.MaxPool2d(3, 1, 1), nn.AvgPool2d(3, 1, 1, count_include_pad=False), nn.ReLU6()), (2, 3, 7, 6), 3),
    ("cat[hardtanh min=-0.5 max=0.5, maxpool 2 ceil_mode=1][avgpool 2 ceil_mode=1][maxpool 3 stride=2 pad=1]",
     Cat(nn.Sequential(nn.Hardtanh(-0.5, 0.5), nn.MaxPool2d(2, ceil_mode=True)), nn.AvgPool2d(2, ceil_mode=True),
         nn.MaxPool2d(3, 2, 1)), (1, 2, 5, 7), 1),
]
out = []
for spec, module, shape, scale in cases:
    x = (torch.randn(shape, dtype=torch.float64) * scale).float()
    xd = x.double().requires_grad_()
    y = module(xd)
    dy = torch.randn(y.shape, dtype=torch.float64).float()
    y.backward(dy.double())
    out.append({"spec": spec, "torch": repr(module), "shape": list(shape), "x": x.flatten().tolist(),
                "y_shape": list(y.shape), "y": y.detach().flatten().tolist(), "dy": dy.flatten().tolist(),
                "dx": xd.grad.flatten().tolist()})
json.dump(out, open(f"{sys.argv[1]}/cases.json", "w"))
print(f"wrote {len(out)} layer cases")


def stem():  # ResNet's: 7x7 stride-2 conv, BatchNorm, ReLU, padded max pool; global pooling as AdaptiveAvgPool2d(1)
    return nn.Sequential(nn.Conv2d(3, 8, 7, 2, 3, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1),
                         nn.Conv2d(8, 8, 3, padding=1), nn.ReLU6(inplace=True), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(8, 5))


def fire():  # SqueezeNet's and GoogLeNet's ceil_mode pools, a padded average pool without the padding in the count
    return nn.Sequential(nn.Conv2d(1, 6, 3), nn.ReLU(), nn.MaxPool2d(3, 2, ceil_mode=True),
                         nn.AvgPool2d(3, 2, 1, count_include_pad=False), nn.Hardtanh(-0.5, 0.5),
                         nn.MaxPool2d(2, 1, 1, dilation=2), nn.Flatten(), nn.Linear(6 * 4 * 4, 4))


def alexnet():  # AlexNet's head: AdaptiveAvgPool2d((6, 6)) on a 6x6 map
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(3, 2), nn.AdaptiveAvgPool2d((6, 6)), nn.Flatten(),
                         nn.Linear(4 * 36, 3))


def padded():  # an average pool over zero padding (torch exports Pad + AveragePool); nn.ZeroPad2d exports as
    # shape arithmetic (ConstantOfShape, Slice, ...) that minicnn does not read: see same_model() for Pad
    return nn.Sequential(nn.Conv2d(2, 4, 3, 2), nn.Tanh(), nn.AvgPool2d(3, 1, 1, ceil_mode=True), nn.Flatten(),
                         nn.Linear(4 * 7 * 6, 3))


models = []
for name, model, shape in [("stem", stem(), (3, 29, 29)), ("fire", fire(), (1, 17, 17)), ("alexnet", alexnet(), (1, 15, 15)),
                           ("padded", padded(), (2, 15, 14))]:
    model.eval()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):  # statistics that are not 0 and 1
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2)
    x = torch.randn((4,) + shape)
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, x, f"{sys.argv[1]}/{name}.onnx", opset_version=13, input_names=["input"], output_names=["logits"])
    models.append({"name": name, "file": f"{sys.argv[1]}/{name}.onnx", "shape": list(x.shape), "x": x.flatten().tolist(),
                   "y_shape": list(y.shape), "y": y.flatten().tolist()})


def same_pads(size, k, s, d, upper):  # ONNX's auto_pad SAME_UPPER / SAME_LOWER: (begin, end)
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return (total // 2, total - total // 2) if upper else (total - total // 2, total // 2)


def same_model(path):
    """A graph torch.onnx.export does not write, made with onnx.helper: Conv with auto_pad SAME_UPPER on
    odd and even sizes, Pad with a non-zero constant (opset 13: pads and value as inputs), Clip with only
    a min (a ReLU), MaxPool with SAME_LOWER and AveragePool with SAME_UPPER (count_include_pad 0), then
    Flatten and Gemm; its output computed with torch.nn.functional on the same weights."""
    from onnx import helper, numpy_helper, TensorProto
    F = nn.functional
    x = torch.randn(4, 2, 9, 8)
    w, b = torch.randn(4, 2, 3, 3) * 0.3, torch.randn(4) * 0.1
    t, bo = same_pads(9, 3, 2, 1, True)
    l, r = same_pads(8, 3, 2, 1, True)
    y = F.conv2d(F.pad(x, (l, r, t, bo)), w, b, stride=2)  # (4, 4, 5, 4)
    y = F.relu(F.pad(y, (0, 2, 1, 0), value=0.25))  # pads: H begin 1, W end 2 -> (4, 4, 6, 6)
    t, bo = same_pads(6, 3, 2, 1, False)
    l, r = same_pads(6, 3, 2, 1, False)
    y = F.max_pool2d(F.pad(y, (l, r, t, bo), value=float("-inf")), 3, 2)  # (4, 4, 3, 3)
    t, bo = same_pads(3, 2, 1, 1, True)
    l, r = same_pads(3, 2, 1, 1, True)
    y = F.avg_pool2d(F.pad(y, (l, r, t, bo)), 2, 1) / F.avg_pool2d(F.pad(torch.ones_like(y), (l, r, t, bo)), 2, 1)
    g, gb = torch.randn(3, 36) * 0.2, torch.randn(3) * 0.1
    out = y.flatten(1) @ g.T + gb
    init = [numpy_helper.from_array(a.numpy(), n) for a, n in [(w, "w"), (b, "b"), (g, "g"), (gb, "gb")]]
    init += [numpy_helper.from_array(torch.tensor([0, 0, 1, 0, 0, 0, 0, 2]).numpy(), "pads"),
             numpy_helper.from_array(torch.tensor(0.25).numpy(), "value"), numpy_helper.from_array(torch.tensor(0.).numpy(), "zero")]
    nodes = [helper.make_node("Conv", ["input", "w", "b"], ["c"], "conv_same_upper", auto_pad="SAME_UPPER", strides=[2, 2]),
             helper.make_node("Pad", ["c", "pads", "value"], ["p"], "pad_constant", mode="constant"),
             helper.make_node("Clip", ["p", "zero"], ["r"], "clip_min_only"),
             helper.make_node("MaxPool", ["r"], ["m"], "max_same_lower", auto_pad="SAME_LOWER", kernel_shape=[3, 3], strides=[2, 2]),
             helper.make_node("AveragePool", ["m"], ["a"], "avg_same_upper", auto_pad="SAME_UPPER", kernel_shape=[2, 2]),
             helper.make_node("Flatten", ["a"], ["f"], "flatten"),
             helper.make_node("Gemm", ["f", "g", "gb"], ["logits"], "fc", transB=1)]
    graph = helper.make_graph(nodes, "same", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 2, 9, 8])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 3])], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return x, out


import onnx
x, y = same_model(f"{sys.argv[1]}/same.onnx")
models.append({"name": "same", "file": f"{sys.argv[1]}/same.onnx", "shape": list(x.shape), "x": x.flatten().tolist(),
               "y_shape": list(y.shape), "y": y.flatten().tolist()})
json.dump(models, open(f"{sys.argv[1]}/models.json", "w"))
print(f"wrote {len(models)} ONNX models ({len(models) - 1} by torch.onnx.export, 1 by onnx.helper)")
