#!/usr/bin/env bash
# Issue 30's import breadth through `minicnn import`: a model that outputs feature maps (a graph
# ending in Conv, Relu) imports, `predict` and `explain` say in one line that it outputs feature
# maps, and `featuremaps` and `features` draw them; an MLP on (N, F) inputs written at opset 9 imports and evaluates.
# The files are written with the ONNX helpers of Debian's python3-onnx (skipped, exit 77, without).
#   onnx_breadth_test.sh BUILD/minicnn SOURCE_DIR
HERE=$(dirname "$(realpath "$0")")
source "$HERE/cli_lib.sh" "$1" "$2"

"$PY" - <<'PYEOF' || exit 77
import numpy as np
from onnx import helper, numpy_helper, TensorProto
rng = np.random.default_rng(1)
def init(name, *shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)
g = helper.make_graph([helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", kernel_shape=[3, 3]),
                       helper.make_node("Relu", ["c"], ["y"], name="relu")], "fm",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 16, 16])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4, 14, 14])],
                      [init("w", 4, 3, 3, 3), init("b", 4)])
open("fm.onnx", "wb").write(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString())
g = helper.make_graph([helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1", transB=1),
                       helper.make_node("Relu", ["h"], ["r"], name="relu"),
                       helper.make_node("Gemm", ["r", "w2", "b2"], ["y"], name="fc2", transB=1, alpha=0.5)], "mlp",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 10])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
                      [init("w1", 8, 10), init("b1", 8), init("w2", 3, 8), init("b2", 3)])
open("mlp.onnx", "wb").write(helper.make_model(g, opset_imports=[helper.make_opsetid("", 9)]).SerializeToString())
from PIL import Image
Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save("img.png")
PYEOF

"$M" import fm.onnx --out fm/model.npz > import.txt 2>&1 || { cat import.txt; fail "import of a feature-map model"; }
grep -q "the model outputs feature maps (4, 14, 14) per image, not class scores" import.txt || { cat import.txt; fail "import says feature maps"; }
ok "a model that outputs feature maps imports and says so"
"$M" predict fm/model.npz img.png > out.txt 2> err.txt; code=$?
[ $code = 1 ] && [ "$(wc -l < err.txt)" = 1 ] && grep -q "outputs feature maps (4, 14, 14) per image, not class scores" err.txt ||
  { cat out.txt err.txt; fail "predict: one line saying feature maps (exit $code)"; }
ok "predict says in one line that the model outputs feature maps"
"$M" explain fm/model.npz img.png --out fm/explained > out.txt 2> err.txt; code=$?
[ $code = 1 ] && [ "$(wc -l < err.txt)" = 1 ] && grep -q "outputs feature maps (4, 14, 14) per image, not class scores" err.txt ||
  { cat out.txt err.txt; fail "explain: one line saying feature maps (exit $code)"; }
ok "explain says in one line that the model outputs feature maps"
"$M" featuremaps fm/model.npz img.png --out fm/maps > maps.txt 2>&1 && [ -s fm/maps/layer0_conv.png ] || { cat maps.txt; fail "featuremaps"; }
mkdir -p photos/a photos/b
for i in 1 2 3 4 5 6 7 8 9 10; do cp img.png photos/a/$i.png; cp img.png photos/b/$i.png; done
"$M" features fm/model.npz --data photos --top 1 --out fm/features > features.txt 2>&1 && [ -s fm/features/0_top.png ] ||
  { cat features.txt; fail "features"; }
ok "featuremaps and features draw them"
"$M" import mlp.onnx --out mlp/model.npz > mlp.txt 2>&1 || { cat mlp.txt; fail "import of an opset-9 MLP on (N, F)"; }
grep -q "opset 9" mlp.txt && grep -q "Linear(in_features=10, out_features=8" mlp.txt || { cat mlp.txt; fail "the MLP's summary"; }
ok "an MLP on (N, F) inputs at opset 9 imports"
echo "$pass passed"
