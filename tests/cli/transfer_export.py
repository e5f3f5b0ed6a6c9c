"""Writes torchvision's resnet18 with random weights as ONNX, as README's "Famous networks" exports it.

  transfer_export.py OUT.onnx [--unpadded-maxpool]

--unpadded-maxpool replaces the stem's MaxPool2d(3, 2, padding=1) by MaxPool2d(3, 2, padding=0),
for an importer that does not read padded pooling yet.
"""
import sys

import torch
import torchvision

torch.manual_seed(0)
model = torchvision.models.resnet18(weights=None).eval()
if "--unpadded-maxpool" in sys.argv[2:]:
    model.maxpool = torch.nn.MaxPool2d(3, 2, 0)
torch.onnx.export(model, torch.randn(1, 3, 224, 224), sys.argv[1], opset_version=13)
