# Trains three small models in PyTorch for one epoch over the first 12000 MNIST training images,
# exports each with torch.onnx.export as a user would, and writes each one's accuracy on the 10000
# test images (tests/cli/onnx_torch_test.sh imports them into minicnn and compares):
#   lenet5    lenet5 with the input normalisation in forward() and x.view(x.size(0), -1): the
#             exporter writes Sub/Div and Shape/Gather/Unsqueeze/Concat/Reshape
#   bn        Conv -> ReLU -> BatchNorm (which the exporter cannot fold into the conv, so the graph
#             keeps a BatchNormalization node) and Conv -> BatchNorm -> ReLU (folded)
#   residual  x + body(x) then ReLU, a stride-2 block with a projection shortcut, AvgPool2d (Pad +
#             AveragePool), Dropout, Linear without bias (MatMul)
#   /usr/bin/python3 onnx_torch_models.py MNIST_DIR OUT_DIR
import json, sys, time
import numpy as np, onnx, torch, torch.nn as nn

data, out = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
torch.set_num_threads(1)  # ctest runs two tests at once on two cores


def idx(name, offset, shape):
    return np.fromfile(f"{data}/{name}", np.uint8, offset=offset).reshape(shape)


TRAIN = 12000  # enough for ~95-97% after one epoch, and quick; the test set is all 10000 images
x_train = torch.from_numpy(idx("train-images-idx3-ubyte", 16, (-1, 1, 28, 28))[:TRAIN].astype(np.float32) / 255)
y_train = torch.from_numpy(idx("train-labels-idx1-ubyte", 8, (-1,))[:TRAIN].astype(np.int64))
x_test = torch.from_numpy(idx("t10k-images-idx3-ubyte", 16, (-1, 1, 28, 28)).astype(np.float32) / 255)
y_test = torch.from_numpy(idx("t10k-labels-idx1-ubyte", 8, (-1,)).astype(np.int64))


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    def forward(self, x):  # takes [0, 1] pixels, as minicnn's exported models do
        x = self.features((x - 0.1307) / 0.3081)
        return self.classifier(x.view(x.size(0), -1))


def bn_model():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(8), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * 7 * 7, 10))


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU())
        self.body1 = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1))
        self.body2 = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.Tanh(), nn.Conv2d(16, 16, 3, padding=1))
        self.shortcut2 = nn.Conv2d(8, 16, 1, stride=2)
        self.head = nn.Sequential(nn.AvgPool2d(2), nn.Flatten(), nn.Dropout(0.2), nn.Linear(16 * 7 * 7, 10, bias=False))

    def forward(self, x):
        x = self.stem(x)
        x = torch.relu(x + self.body1(x))
        x = self.body2(x) + self.shortcut2(x)
        return self.head(x)


def accuracy(model):
    model.eval()
    with torch.no_grad():
        return int((model(x_test).argmax(1) == y_test).sum())


results = {}
for name, model in [("lenet5", LeNet5()), ("bn", bn_model()), ("residual", Residual())]:
    start = time.time()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    model.train()
    order = torch.randperm(len(x_train))
    for i in range(0, len(order), 64):
        batch = order[i:i + 64]
        opt.zero_grad()
        nn.functional.cross_entropy(model(x_train[batch]), y_train[batch]).backward()
        opt.step()
    correct = accuracy(model)
    path = f"{out}/{name}.onnx"
    torch.onnx.export(model, x_test[:2], path, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    results[name] = {"correct": correct, "ops": ops}
    print(f"{name}: PyTorch test accuracy {correct / 100:.2f}% ({correct}/10000) after 1 epoch over {TRAIN} images "
          f"({time.time() - start:.0f} s); exported with ops {', '.join(ops)}")
json.dump(results, open(f"{out}/torch.json", "w"))
