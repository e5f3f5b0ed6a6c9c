#!/usr/bin/env bash
# Issue 19, acceptance 2: `minicnn train --live` with the page open in headless Chromium
# (tests/browser/live_test.mjs). The loss curve gains points while training runs, Pause stops the
# batch counter, and the final weights (and every array of the checkpoint) equal those of the
# same run without --live. Then a learning-rate multiplier set on the page and Stop: the
# checkpoint resumes, and the resumed run ends with the bytes of a run given the recorded
# --lr-changes from the start. The page's screenshot is kept in the build folder.
#   live_page_test.sh BUILD/minicnn SOURCE_DIR
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
source "$SRC/tests/cli/browser_lib.sh"
# Long enough (3 x 3750 batches) that on a quiet machine the page can pause and stop it before it ends.
A=(--data "$DATA" --epochs 3 --limit 60000 --test-limit 500 --batch-size 16 --lr 0.02 --threads 2 --seed 5)

# Every tensor and run array of two checkpoints is bit-identical.
same_checkpoints() {
  "$PY" - "$1" "$2" <<'PYEOF'
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
keys = sorted(k for k in a.files if k != "__minicnn__")
assert keys == sorted(k for k in b.files if k != "__minicnn__"), "different arrays"
bad = [k for k in keys if not np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == "f")]
assert not bad, "differ: " + ", ".join(bad)
print(f"{len(keys)} arrays bit-identical (weights, optimiser state, per-batch losses, kernel history)")
PYEOF
}

# Starts the browser, then `train ... --live --port 0 --out OUT`, and hands the page's address
# over; leaves node's exit code in node_rc and train's in train_rc.
with_page() {
  local mode=$1 out=$2
  shift 2
  rm -f ready url url.tmp
  node "$BROWSER_TESTS/live_test.mjs" "$mode" "$T/ready" "$T/url" "$BUILD/live_page.png" > "$out.node.log" 2>&1 &
  local browser=$!
  for _ in $(seq 1 1200); do [ -e ready ] && break; sleep 0.05; done
  [ -e ready ] || { cat "$out.node.log"; fail "the browser did not start"; }
  "$M" train "${A[@]}" "$@" --live --port 0 --out "$out" > "$out.log" 2>&1 &
  local run=$!
  for _ in $(seq 1 1200); do grep -q "^live page: http" "$out.log" && break; sleep 0.05; done
  sed -n 's/^live page: //p' "$out.log" > url.tmp && mv url.tmp url
  wait $browser
  node_rc=$?
  wait $run
  train_rc=$?
  cat "$out.node.log" >&2
}

"$M" train "${A[@]}" --out ref > ref.log 2>&1 || { cat ref.log; fail "the run without --live"; }
with_page watch live
[ $node_rc = 0 ] || { cat live.log; fail "the live page (watch)"; }
[ $train_rc = 0 ] || { cat live.log; fail "train --live exited $train_rc"; }
grep -q "^epoch 3/3 \[" live.log || { cat live.log; fail "the terminal progress line is gone with --live"; }
ok "the live page: the loss curve grows, Pause stops the batch counter, Resume, the run finishes; the progress line stays"
same_checkpoints ref/model.npz live/model.npz || fail "the final weights with the page open differ from the run without --live"
ok "final weights with the page open (and paused for a while) equal those without --live"

with_page lr-stop stopped
[ $node_rc = 0 ] || { cat stopped.log; fail "the live page (lr-stop)"; }
[ $train_rc = 130 ] || { cat stopped.log; fail "Stop on the page should end train like Ctrl-C (exit 130), got $train_rc"; }
grep -q "minicnn train: stopped from the live page in epoch" stopped.log || { cat stopped.log; fail "no word of the stop"; }
changes=$("$PY" -c 'import json, sys, numpy as np; print(json.loads(np.load(sys.argv[1])["__minicnn__"].tobytes())["extra"]["training"]["lr_changes"])' stopped/model.npz)
[[ "$changes" =~ ^[0-9]+:0\.5$ ]] || fail "the checkpoint should record the multiplier with its batch, got '$changes'"
ok "Stop saved a checkpoint that records the learning-rate change: --lr-changes $changes"
grep -q "\"lr_changes\": \"$changes\"" stopped/config.json || fail "config.json does not record the change"
"$M" train --resume stopped/model.npz --out stopped > resumed.log 2>&1 || { cat resumed.log; fail "resuming after Stop"; }
"$M" train "${A[@]}" --lr-changes "$changes" --out planned > planned.log 2>&1 || { cat planned.log; fail "the planned run"; }
same_checkpoints planned/model.npz stopped/model.npz || fail "the resumed run differs from one given --lr-changes $changes"
ok "resumed after Stop: bit-identical to a run given --lr-changes $changes from the start"
echo "$pass passed, 0 failed"
