#!/usr/bin/env bash
# PyTorch parity, forward and backward, of the pooling options (padding, ceil_mode, dilation,
# count_include_pad), AdaptiveAvgPool2d, ConstantPad2d, ReLU6, Hardtanh and Concat (issue 30), and small
# models with them exported to ONNX and imported: PyTorch writes the cases (torch_layers.py), the
# doctest cases "PyTorch parity*" (tests/layers/test_torch_parity.cpp) check minicnn against them.
#   torch_layers_test.sh BUILD/tests/minicnn_tests SOURCE_DIR
# Exits 77 (skipped) when python3-torch is missing.
set -u
TESTS=$1 SRC=$2
PY=/usr/bin/python3
"$PY" -c "import torch" 2>/dev/null || { echo "SKIP: python3-torch is not installed"; exit 77; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
"$PY" "$SRC/tests/cli/torch_layers.py" "$DIR" > "$DIR/torch.log" 2>&1 || { cat "$DIR/torch.log"; echo "FAIL: writing the cases with PyTorch"; exit 1; }
grep '^wrote' "$DIR/torch.log"
MINICNN_TORCH_CASES="$DIR/cases.json" MINICNN_TORCH_MODELS="$DIR/models.json" "$TESTS" -tc="PyTorch parity*" -s 2>&1 | grep -E "MESSAGE|ERROR|FAILED|test cases|assertions"
exit "${PIPESTATUS[0]}"
