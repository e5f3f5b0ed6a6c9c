#!/usr/bin/env bash
# minicnn export checked by the real ONNX tools (issue 18): a lenet5, a residual model that
# uses every other layer type and a model of issue 30's layers (pads, a concat block, pooling with padding,
# ceil_mode, dilation and count_include_pad, ReLU6, Hardtanh, adaptive pooling) are trained on a slice of MNIST and exported; onnx.checker (Debian's
# python3-onnx, full_check) accepts both files; onnxruntime-node runs 1000 MNIST test
# images through them, as raw pixels in [0, 1], and must give what `minicnn predict --json` gives
# for the same images as PNG files: max |difference| <= 1e-4 and the same class for every image.
#   onnx_runtime_test.sh BUILD/minicnn SOURCE_DIR CACHE_DIR     (CACHE_DIR keeps onnxruntime-node)
CACHE=$(realpath -m "$3") HERE=$(dirname "$(realpath "$0")")  # before cli_lib.sh moves to a scratch folder
source "$HERE/cli_lib.sh" "$1" "$2"
source "$HERE/tools_lib.sh"
[ -f "$DATA/t10k-images-idx3-ubyte" ] || fail "MNIST is missing from $DATA: run scripts/get-mnist.sh"
need_python onnx python3-onnx
need_onnxruntime "$CACHE"

RESIDUAL="conv 8 3 pad=1 bias=0, batchnorm, relu, res[conv 8 3 pad=1, batchnorm, leakyrelu slope=0.1, conv 8 3 pad=1 groups=2] post=relu, \
maxpool 2, res[conv 16 3 stride=2 pad=1, tanh, seq[conv 16 3 pad=2 dilation=2, sigmoid]](conv 16 1 stride=2 bias=0, batchnorm), \
avgpool 2 stride=1, dropout p=0.2, globalavgpool, linear 10"
LAYERS="pad 1x0x2x1 value=0.5, conv 8 3 stride=2, relu6, maxpool 3 stride=2 pad=1 dilation=2 ceil_mode=1, hardtanh min=-2 max=2, \
avgpool 3 stride=2 pad=0x1x1x0 ceil_mode=1 count_include_pad=0, cat[conv 4 1][conv 4 3 pad=1, relu], avgpool 3 stride=1 pad=1, \
adaptiveavgpool 2, adaptiveavgpool 1, flatten, linear 10"
"$M" train --data "$DATA" --limit 2000 --test-limit 1000 --threads 2 --epochs 1 --model lenet5 --out runs/lenet5 > train1.log 2>&1 ||
  { cat train1.log; fail "training lenet5"; }
"$M" train --data "$DATA" --limit 1000 --test-limit 1000 --threads 2 --epochs 1 --model "$RESIDUAL" --out runs/residual \
  > train2.log 2>&1 || { cat train2.log; fail "training the residual model"; }
"$M" train --data "$DATA" --limit 1000 --test-limit 1000 --threads 2 --epochs 1 --model "$LAYERS" --out runs/layers \
  > train3.log 2>&1 || { cat train3.log; fail "training the model of issue 30's layers"; }
"$M" export runs/layers --out layers.onnx > export4.log 2>&1 || { cat export4.log; fail "export layers"; }
"$M" export runs/lenet5 --out lenet5.onnx > export1.log 2>&1 || { cat export1.log; fail "export lenet5"; }
"$M" export runs/residual/model.npz --out residual.onnx > export2.log 2>&1 || { cat export2.log; fail "export residual"; }
"$M" export runs/residual --out residual_softmax.onnx --softmax > export3.log 2>&1 || { cat export3.log; fail "export --softmax"; }
ok "trained and exported lenet5, a residual model and issue 30's layers (logits), and the residual model with --softmax (probabilities)"

# onnx.checker on the loaded model: check_model(path, full_check=True) would rewrite the file (onnx 1.12).
"$PY" - <<'PYEOF' || fail "onnx.checker"
import json, onnx
residual = {"Sub", "Div", "Conv", "BatchNormalization", "Relu", "LeakyRelu", "Add", "MaxPool", "Tanh", "Sigmoid",
            "AveragePool", "GlobalAveragePool", "Flatten", "Gemm"}
for path, out, ops in [("lenet5.onnx", "logits", {"Sub", "Div", "Conv", "Relu", "MaxPool", "Flatten", "Gemm"}),
                       ("residual.onnx", "logits", residual),
                       ("residual_softmax.onnx", "probabilities", residual | {"Softmax"}),
                       ("layers.onnx", "logits", {"Sub", "Div", "Pad", "Conv", "Clip", "MaxPool", "AveragePool", "Concat", "Relu",
                                                  "GlobalAveragePool", "Flatten", "Gemm"})]:
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    assert [o.version for o in m.opset_import] == [13], m.opset_import
    assert {n.op_type for n in m.graph.node} == ops, {n.op_type for n in m.graph.node} ^ ops
    dims = m.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and [d.dim_value for d in dims[1:]] == [1, 28, 28], dims
    assert m.graph.output[0].name == out
    meta = {p.key: p.value for p in m.metadata_props}
    assert json.loads(meta["classes"]) == [str(i) for i in range(10)], meta
    assert "raw pixels scaled to [0, 1]" in m.doc_string, m.doc_string
    print(f"ok: {path}: onnx.checker (full_check) accepts it; opset 13, ops {', '.join(sorted(ops))}, batch "
          f"'{dims[0].dim_param}', classes in its metadata")
PYEOF
pass=$((pass + 1))

# The same 1000 test images as PNG files for minicnn predict, and as raw [0, 1] floats for onnxruntime.
"$M" datasets export mnist --data "$DATA" --limit 1000 --out png > png.log 2>&1 || { cat png.log; fail "datasets export"; }
# --limit is a stratified subset: the exported files are named by their index in the test file
# (png/test/<class>/<index>.png), and onnxruntime gets those same images, in index order.
"$PY" - "$DATA" <<'PYEOF' || fail "preparing the inputs"
import glob, json, os, numpy, sys
index = sorted(int(os.path.basename(p)[:-4]) for p in glob.glob("png/test/*/*.png"))
assert len(index) == 1000 and len(set(index)) == 1000, f"expected 1000 exported test images, got {len(index)}"
assert index[-1] >= 1000, "the exported test images are the first 1000, not a stratified subset"
images = numpy.fromfile(f"{sys.argv[1]}/t10k-images-idx3-ubyte", numpy.uint8, offset=16).reshape(-1, 28, 28)[index]
numpy.save("pixels.npy", (images.astype(numpy.float32) / 255).reshape(1000, 1, 28, 28))
json.dump(index, open("index.json", "w"))
PYEOF
for model in lenet5 residual residual_softmax layers; do
  "$M" predict runs/${model%_softmax} png/test/*/*.png --raw --json > $model.json 2> predict.log || { cat predict.log; fail "predict $model"; }
  node "$SRC/tests/cli/onnx_run.js" $model.onnx pixels.npy ort_$model.npy || fail "onnxruntime on $model.onnx"
  node "$SRC/tests/cli/onnx_run.js" $model.onnx pixels.npy ort_${model}_b7.npy 7 || fail "onnxruntime, batches of 7"
done

"$PY" - <<'PYEOF'
import json, os, numpy
row = {n: r for r, n in enumerate(json.load(open("index.json")))}  # test-file index -> row of pixels.npy
for model, key in [("lenet5", "logits"), ("residual", "logits"), ("residual_softmax", "probabilities"), ("layers", "logits")]:
    ours = numpy.full((1000, 10), numpy.nan, numpy.float32)
    for p in json.load(open(f"{model}.json")):
        ours[row[int(os.path.basename(p["image"])[:-4])]] = p[key]  # png/test/<class>/<index>.png
    theirs = numpy.load(f"ort_{model}.npy")
    assert theirs.shape == (1000, 10), theirs.shape
    diff = float(numpy.abs(ours - theirs).max())
    same = int((ours.argmax(1) == theirs.argmax(1)).sum())
    batched = float(numpy.abs(numpy.load(f"ort_{model}_b7.npy") - theirs).max())
    print(f"{model}: max |minicnn - onnxruntime| over 1000 images x 10 {key}: {diff:.2e}; same class for {same}/1000; "
          f"onnxruntime in batches of 7 vs 1000: {batched:.2e}")
    assert diff <= 1e-4 and same == 1000 and batched <= 1e-5, f"{model} disagrees"
PYEOF
[ $? = 0 ] || fail "minicnn and onnxruntime disagree"
ok "onnxruntime-node gives minicnn's outputs for 1000 test images, for every model"
echo "$pass passed"
