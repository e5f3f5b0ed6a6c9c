#!/usr/bin/env bash
# README's first command: set up and build the tool (only it: scripts/test.sh builds the tests),
# fetch MNIST, train lenet5 for 3 epochs, evaluate. train itself says where everything went and
# what to try next. Extra arguments go to `minicnn train` (e.g. --epochs 5).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --target minicnn_cli
scripts/get-mnist.sh
out=runs/lenet5
n=2
while [ -e "$out/model.npz" ]; do out="runs/lenet5-$n"; n=$((n + 1)); done  # never replace an earlier run
./build/minicnn train --model lenet5 --dataset mnist --epochs 3 --seed 1 --threads 2 --out "$out" "$@"
echo
./build/minicnn eval "$out/model.npz"
