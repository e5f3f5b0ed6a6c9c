# Exports torchvision's six classic models with random weights for tests/cli/famous_networks_test.py:
# each in eval mode from a fixed seed, by torch.onnx.export(model, torch.randn(1, 3, 224, 224), path,
# opset_version=13) as issue 30 describes, with PyTorch's logits for 4 random 224x224 inputs and
# the bytes of the float weights in the file.
#   /usr/bin/python3 famous_networks_export.py OUT_DIR
import json, sys, time
import numpy as np, onnx, torch, torchvision

NAMES = ["alexnet", "vgg11", "resnet18", "mobilenet_v2", "squeezenet1_1", "googlenet"]
out = sys.argv[1]
torch.set_num_threads(2)
x = torch.randn(4, 3, 224, 224, generator=torch.Generator().manual_seed(1))
np.save(f"{out}/x.npy", x.numpy())
info = {}
for name in NAMES:
    start = time.time()
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None).eval()  # googlenet: aux heads unused in eval
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), f"{out}/{name}.onnx", opset_version=13)
    with torch.no_grad():
        np.save(f"{out}/{name}_logits.npy", model(x).numpy())
    m = onnx.load(f"{out}/{name}.onnx")
    weight_bytes = sum(int(np.prod(t.dims)) * 4 for t in m.graph.initializer if t.data_type == onnx.TensorProto.FLOAT)
    info[name] = {"weight_bytes": weight_bytes, "export_seconds": round(time.time() - start, 1)}
    print(f"{name}: exported in {info[name]['export_seconds']} s, {weight_bytes / 2**20:.1f} MiB of weights", flush=True)
    del model, m
json.dump(info, open(f"{out}/info.json", "w"), indent=1)
