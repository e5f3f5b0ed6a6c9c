# Small models with SqueezeNet's Fire modules and GoogLeNet's Inception modules (torchvision's own
# module code, without its ceil-mode and padded pooling), random weights, exported with
# torch.onnx.export as a user would; writes each one's logits for 4 random inputs, and hand-made
# graphs that must be refused (tests/cli/onnx_concat_test.sh imports them all):
#   fire       conv, maxpool, two Fire modules (squeeze 1x1, then expand 1x1 | expand 3x3 joined by
#              Concat), SqueezeNet's head (dropout, conv 1x1, ReLU, adaptive average pool, flatten)
#   inception  conv + BatchNorm stem, two Inception modules (four branches of BasicConv2d: conv,
#              BatchNorm eps=0.001, ReLU), an inverted residual without ReLU after its Add
#              (MobileNetV2's), global average pool, dropout, linear
#   /usr/bin/python3 onnx_concat_models.py OUT_DIR
import sys
import numpy as np, onnx, torch, torch.nn as nn
from onnx import helper, TensorProto

out = sys.argv[1]
torch.manual_seed(0)
torch.set_num_threads(1)


class Fire(nn.Module):  # torchvision.models.squeezenet.Fire
    def __init__(self, inplanes, squeeze, e1, e3):
        super().__init__()
        self.squeeze = nn.Conv2d(inplanes, squeeze, 1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze, e1, 1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze, e3, 3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat([self.expand1x1_activation(self.expand1x1(x)), self.expand3x3_activation(self.expand3x3(x))], 1)


class BasicConv2d(nn.Module):  # torchvision.models.googlenet.BasicConv2d
    def __init__(self, cin, cout, **kw):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, bias=False, **kw)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class Inception(nn.Module):  # torchvision.models.googlenet.Inception, the pool branch without its pooling
    def __init__(self, cin, c1, r3, c3, r5, c5, pp):
        super().__init__()
        self.branch1 = BasicConv2d(cin, c1, kernel_size=1)
        self.branch2 = nn.Sequential(BasicConv2d(cin, r3, kernel_size=1), BasicConv2d(r3, c3, kernel_size=3, padding=1))
        self.branch3 = nn.Sequential(BasicConv2d(cin, r5, kernel_size=1), BasicConv2d(r5, c5, kernel_size=3, padding=1))
        self.branch4 = nn.Sequential(BasicConv2d(cin, pp, kernel_size=1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InvertedResidual(nn.Module):  # MobileNetV2's stride-1 block: x + conv(x), no activation after the Add
    def __init__(self, c, t):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(c, c * t, 1, bias=False), nn.BatchNorm2d(c * t), nn.ReLU(),
                                  nn.Conv2d(c * t, c * t, 3, padding=1, groups=c * t, bias=False), nn.BatchNorm2d(c * t), nn.ReLU(),
                                  nn.Conv2d(c * t, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return x + self.conv(x)


def randomize_bn(model):  # running statistics away from 0 and 1, so a wrong eps or order shows
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)


fire = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2), nn.ReLU(inplace=True), nn.MaxPool2d(2),
                     Fire(16, 4, 8, 8), Fire(16, 4, 12, 12),
                     nn.Sequential(nn.Dropout(0.5), nn.Conv2d(24, 10, 1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1))),
                     nn.Flatten())
inception = nn.Sequential(BasicConv2d(3, 16, kernel_size=3, stride=2), nn.MaxPool2d(2),
                          Inception(16, 8, 4, 8, 2, 4, 4), Inception(24, 8, 8, 12, 2, 6, 6), InvertedResidual(32, 2),
                          nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Dropout(0.2), nn.Linear(32, 10))
randomize_bn(inception)
x = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(1))
for name, model in [("fire", fire), ("inception", inception)]:
    model.eval()
    torch.onnx.export(model, torch.randn(1, 3, 32, 32), f"{out}/{name}.onnx", opset_version=13)
    with torch.no_grad():
        np.save(f"{out}/{name}_logits.npy", model(x).numpy())
np.save(f"{out}/x.npy", x.numpy())


# Hand-made graphs around one Concat of two convs on a (1, 2, 8, 8) input.
def graph(nodes, name):
    w = lambda n, shape: helper.make_tensor(n, TensorProto.FLOAT, shape, np.random.rand(np.prod(shape)).astype(np.float32))
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                          [w("w1", [3, 2, 1, 1]), w("w2", [4, 2, 2, 2]), w("w3", [2, 2, 1, 1]), w("w4", [2, 5, 1, 1])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), f"{out}/{name}.onnx")


conv1 = helper.make_node("Conv", ["x", "w1"], ["a"], name="conv_a")
# A branch of 7x7 beside one of 8x8: no channel-wise join.
graph([conv1, helper.make_node("Conv", ["x", "w2"], ["b"], name="conv_b"),
       helper.make_node("Concat", ["a", "b"], ["c"], name="join_mismatch", axis=1),
       helper.make_node("Flatten", ["c"], ["y"], name="flat")], "bad_shapes")
# A cycle through a concat: the concat reads the Relu that reads it.
graph([conv1, helper.make_node("Concat", ["a", "r"], ["c"], name="join_cycle", axis=1),
       helper.make_node("Relu", ["c"], ["r"], name="relu_cycle"),
       helper.make_node("Flatten", ["c"], ["y"], name="flat")], "cycle")
# A concat along the height.
graph([conv1, helper.make_node("Relu", ["a"], ["b"], name="relu_b"),
       helper.make_node("Concat", ["a", "b"], ["c"], name="join_height", axis=2),
       helper.make_node("Flatten", ["c"], ["y"], name="flat")], "bad_axis")
# One conv's output inside a concat and also added after it: two blocks would share the conv.
graph([conv1, helper.make_node("Conv", ["x", "w3"], ["b"], name="conv_b"),
       helper.make_node("Concat", ["a", "b"], ["c"], name="join_shared", axis=1),
       helper.make_node("Conv", ["c", "w4"], ["d"], name="conv_d"),
       helper.make_node("Add", ["d", "b"], ["e"], name="add_shared"),
       helper.make_node("Flatten", ["e"], ["y"], name="flat")], "shared")
