#!/usr/bin/env bash
# Issue 30's layers from the command line: `minicnn summary` builds a ResNet-like stem, SqueezeNet's
# ceil_mode pool, MobileNet's ReLU6, AlexNet's adaptive pool and a TensorFlow-style pad from a spec
# and prints them with PyTorch's names and the output sizes PyTorch gives; mistakes get one line.
#   layers_summary_test.sh BUILD/minicnn SOURCE_DIR
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
SPEC="pad 0x1x0x1, conv 8 3 stride=2, batchnorm, relu6, maxpool 3 stride=2 pad=1 ceil_mode=1, hardtanh min=-1 max=2, \
avgpool 3 stride=1 pad=1 count_include_pad=0, maxpool 2 dilation=2 ceil_mode=1, adaptiveavgpool 6, flatten, linear 10"
"$M" summary --model "$SPEC" --input 3x29x29 > out.txt 2>&1 || { cat out.txt; fail "summary of the new layers"; }
for row in "ZeroPad2d((0, 1, 0, 1)) *(3, 30, 30)" "ReLU6()" "MaxPool2d(kernel_size=3, stride=2, padding=1, ceil_mode=True) *(8, 8, 8)" \
           "Hardtanh(min_val=-1, max_val=2)" "AvgPool2d(kernel_size=3, stride=1, padding=1, count_include_pad=False) *(8, 8, 8)" \
           "MaxPool2d(kernel_size=2, stride=2, dilation=2, ceil_mode=True) *(8, 4, 4)" "AdaptiveAvgPool2d(output_size=6) *(8, 6, 6)"; do
  grep -q -- "$row" out.txt || { cat out.txt; fail "summary has no row '$row'"; }
done
ok "summary shows pad, ReLU6, Hardtanh, pools with padding/ceil_mode/dilation/count_include_pad and AdaptiveAvgPool2d"
for bad in "maxpool 3 pad=3" "pad 1x2x3" "hardtanh min=2 max=1" "avgpool 2 dilation=2" "adaptiveavgpool 0"; do
  "$M" summary --model "$bad" --input 1x8x8 > err.txt 2>&1; code=$?
  [ $code != 0 ] && [ "$(wc -l < err.txt)" = 1 ] && grep -qF "'$bad'" err.txt || { cat err.txt; fail "'$bad' was not refused in one line (exit $code)"; }
done
ok "mistakes in the new items are refused in one line naming the item: $(cat err.txt)"
echo "$pass passed"
