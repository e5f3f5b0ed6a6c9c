#!/usr/bin/env bash
# Issue 8: training survives interruption.
#   interrupt_test.sh BUILD/minicnn SOURCE_DIR
# 1. SIGINT in the middle of an epoch, then --resume, ends with tensors bit-identical to an
#    uninterrupted run. 2. SIGKILL at random moments while checkpoints are being written never
#    leaves a model.npz that fails to load.
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
A=(--data "$SRC/data/mnist" --limit 20000 --test-limit 300 --batch-size 8 --epochs 2 --threads 2)

"$M" train "${A[@]}" --out whole > whole.log 2>&1 || fail "uninterrupted run"
"$M" train "${A[@]}" --out cut > cut.log 2> cut.err &
pid=$!
# Plain progress lines come at each quarter of an epoch: after the first, we are mid-epoch.
for _ in $(seq 1 600); do grep -q "^epoch 1/2 \[" cut.log && break; sleep 0.05; done
grep -q "^epoch 1/2 \[" cut.log || fail "no progress line to interrupt after"
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || { cat cut.err; fail "SIGINT should exit 130, got $rc"; }
ok "SIGINT mid-epoch: exit 130"
grep -q "resume with: minicnn train --resume cut/model.npz --out cut" cut.err || { cat cut.err; fail "no resume hint"; }
ok "SIGINT prints how to resume"
"$M" train --data "$SRC/data/mnist" --threads 2 --resume cut/model.npz --out cut > resume.log 2>&1 || { cat resume.log; fail "resume"; }
"$PY" - <<'PYEOF' || fail "resumed tensors differ from the uninterrupted run"
import numpy as np
a, b = np.load("whole/model.npz"), np.load("cut/model.npz")
keys = [k for k in a.files if k != "__minicnn__"]
assert sorted(keys) == sorted(k for k in b.files if k != "__minicnn__")
bad = [k for k in keys if not np.array_equal(a[k], b[k])]
assert not bad, bad
print(f"{len(keys)} tensors bit-identical")
PYEOF
ok "resumed after SIGINT: weights and optimiser state bit-identical to the uninterrupted run"

# SIGKILL while checkpoints are written every 3 batches: the last model.npz must always load.
for i in 1 2 3 4 5 6; do
  "$M" train --data "$SRC/data/mnist" --threads 2 --resume whole/checkpoints/epoch_1.npz --checkpoint-every 3 --out kill \
    --force > kill.log 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 9 + 2))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  if [ -e kill/model.npz ]; then
    "$M" analyze kill/model.npz > an.log 2>&1 || { cat an.log; fail "model.npz does not load after kill -9 (round $i)"; }
  fi
done
[ -e kill/model.npz ] || fail "no checkpoint was ever written before the kills"
ok "kill -9 at 6 random moments: model.npz always loads"
echo "$pass passed, 0 failed"
