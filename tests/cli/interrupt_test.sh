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
grep -q "resume with: $M train --resume cut/model.npz --out cut" cut.err || { cat cut.err; fail "no resume hint"; }
grep -q "interrupted in epoch 1 after batch" cut.err || { cat cut.err; fail "the message does not say the epoch was cut short"; }
ok "SIGINT prints where it stopped and how to resume"
# The printed command, pasted into a shell in this folder, resumes the run.
resume_cmd=$(sed -n 's/^resume with: //p' cut.err)
bash -c "$resume_cmd" > resume.log 2>&1 || { cat resume.log; fail "the printed resume command failed: $resume_cmd"; }
ok "the printed resume command works when pasted: $resume_cmd"
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
# The run folder tells the same story: metrics (but for wall-clock timings) and the filmstrip.
cut -d, -f1-5,8 whole/metrics.csv > whole.m; cut -d, -f1-5,8 cut/metrics.csv > cut.m
cmp -s whole.m cut.m || { diff whole.m cut.m; fail "metrics.csv of the resumed run differs"; }
ok "the resumed run's metrics.csv has the same rows as the uninterrupted run's"
cmp -s whole/kernels_filmstrip.png cut/kernels_filmstrip.png || fail "the resumed run's filmstrip differs"
ok "the resumed run's filmstrip is the same picture as the uninterrupted run's"

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
# A temporary left by a killed writer is removed by the next run in that folder.
: > kill/model.npz.tmp.999999
"$M" train --data "$SRC/data/mnist" --threads 2 --limit 200 --test-limit 50 --epochs 1 --out kill --force > stale.log 2>&1
[ ! -e kill/model.npz.tmp.999999 ] || fail "a stale temporary was left in place"
grep -q "removed kill/model.npz.tmp.999999" stale.log || { cat stale.log; fail "the removal was not reported"; }
ok "a stale temporary of a dead process is removed, and the run says so"
echo "$pass passed, 0 failed"
