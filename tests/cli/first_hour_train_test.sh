#!/usr/bin/env bash
# Issue 27, a learner's first hour: training runs and the live page. Each check is named by the
# issue's row and the script goes on after a failure, then says how many failed:
#   row 2   train --resume continues in the checkpoint's own run folder (model.npz or the folder
#           itself), bit-identical to an uninterrupted run; run again it has nothing left to do;
#           --out still wins and says so
#   row 3   --live: the page is still served after the last epoch (--live-linger, and a few
#           seconds by default when stdout is not a terminal), then the run exits by itself
#   row 4   the live page draws every conv layer, those inside residual blocks too (3.body.0)
#   row 15  the live page's numbers read right once the run is over: no time left after Stop or
#           the end, no "mean of 1 batches"
#   row 19  scripts/train-mnist.sh builds only the tool; scripts/setup.sh alone builds everything
#   next    train ends with a "next" block whose every command works when pasted
#   first_hour_train_test.sh BUILD/minicnn SOURCE_DIR
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/cli_lib.sh" "$1" "$2"
SHOTS=${SHOTS:-$(dirname "$M")}  # where the page's screenshots are kept
failed=0
check() {  # check "row N: what" COMMAND...
  local what=$1
  shift
  if "$@"; then ok "$what"; else echo "FAIL: $what" >&2; failed=$((failed + 1)); fi
}
has() { grep -qF -- "$2" "$1"; }
lines() { [ "$(wc -l < "$1" 2>/dev/null)" = "$2" ]; }
SMALL=(--data "$DATA" --limit 400 --test-limit 100 --batch-size 32 --threads 2)

# ---- row 2: resume where the run is ----
# A constant rate: one epoch continued to two is then the two-epoch run (cosine depends on the length).
"$M" train "${SMALL[@]}" --lr-schedule constant --epochs 2 --out whole > whole.log 2>&1
"$M" train "${SMALL[@]}" --lr-schedule constant --epochs 1 --out runs/a > a1.log 2>&1
"$M" train --resume runs/a/model.npz --epochs 2 --threads 2 > a2.log 2>&1
check "row 2: train --resume runs/a/model.npz --epochs 2 exits 0" [ $? = 0 ]
check "row 2: it says where it writes (runs/a/)" has a2.log "writing to runs/a/"
check "row 2: metrics.csv of runs/a gains epoch 2 (header + 2 rows)" lines runs/a/metrics.csv 3
check "row 2: the kernels of epoch 2 are in runs/a" [ -f runs/a/kernels_epoch2.png ]
check "row 2: no runs/train written" [ ! -e runs/train ]
check "row 2: resumed in place, bit-identical to the uninterrupted run" cmp -s runs/a/model.npz whole/model.npz
"$M" train --resume runs/a/model.npz --epochs 2 --threads 2 > a3.log 2>&1
check "row 2: the same resume command again exits 0" [ $? = 0 ]
check "row 2: and says there is nothing left to do" has a3.log "has already trained 2 of 2 epochs: nothing to do"
"$M" train --resume runs/a --epochs 3 --threads 2 > a4.log 2>&1
check "row 2: --resume RUN_FOLDER trains further in that folder (metrics.csv: 3 epochs)" lines runs/a/metrics.csv 4
"$M" train --resume runs/a/model.npz --epochs 4 --threads 2 --out runs/b > b.log 2>&1
check "row 2: --out still wins, and the output says so" has b.log "writing to runs/b/ (--out)"
check "row 2: ... and runs/a is left as it was (3 epochs)" lines runs/a/metrics.csv 4

# ---- next: the block after train, every command run as printed ----
sed -n '/^next:$/,$p' whole.log > next.txt
check "next: train ends with a next block of at most 6 lines" bash -c '[ -s next.txt ] && [ "$(wc -l < next.txt)" -le 6 ]'
check "next: it names the report" grep -q "whole/report.html" next.txt
cp "$SRC/data/chelsea.png" my_digit.png  # "a picture of yours"
n=0
while read -r cmd; do
  n=$((n + 1))
  case "$cmd" in
    *" serve "*)
      bash -c "$cmd --port 0" > serve.log 2>&1 &
      pid=$!
      for _ in $(seq 1 100); do grep -q "http://" serve.log && break; sleep 0.1; done
      check "next: '$cmd' (with --port 0) serves a page" grep -q "http://" serve.log
      kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null ;;
    *) check "next: '$cmd' works as printed" bash -c "$cmd > next$n.log 2>&1" ;;
  esac
done < <(sed -n "s|^  \($M .*[^ ]\) \{2,\}[^ ].*\$|\1|p" next.txt)
check "next: the block has commands to run (predict, explain, serve)" [ "$n" -ge 3 ]
for f in $(awk 'NR > 1 && $1 !~ /minicnn/ {print $1}' next.txt); do check "next: $f exists" [ -f "$f" ]; done

# ---- rows 3, 4, 15: the live page outlives the run ----
# Starts train --live in the background (log in $1.log); sets url once the page is up.
live() {
  local name=$1
  shift
  "$M" train "$@" --live --port 0 --out "$name" > "$name.log" 2>&1 &
  pid=$!
  url=""
  for _ in $(seq 1 300); do
    url=$(sed -n 's/^live page: \(http[^ ]*\)$/\1/p' "$name.log" | head -1)
    url=${url%/}
    [ -n "$url" ] && break
    sleep 0.1
  done
}
state() { curl --noproxy "*" -s "$url/api/state"; }
# The page's words as headless Chromium shows them (tests/browser/live_text_test.mjs) into $1.json,
# its screenshot in $SHOTS (live_$1.png). puppeteer-core: MINICNN_NODE_CACHE if it has it,
# else installed as the browser tests install it (tests/cli/browser_lib.sh).
words() {
  (
    if [ -f "${MINICNN_NODE_CACHE:-/nonexistent}/node_modules/puppeteer-core/package.json" ]; then
      export CHROMIUM=/usr/lib/chromium/chromium OMP_WAIT_POLICY=passive BROWSER_TESTS="$SRC/tests/browser"
    else
      source "$SRC/tests/cli/browser_lib.sh" > /dev/null
    fi
    node "$HERE/../browser/live_text_test.mjs" "$url" "$SHOTS/live_$1.png" > "$1.json" 2> "$1.node.log"
  )
}
word() { jq_py "s[\"$2\"]" < "$1.json" 2>/dev/null; }
jq_py() { "$PY" -c "import json, sys; s = json.load(sys.stdin); print($1)"; }
# Waits (up to $1 s) until the process $pid has ended; returns its exit code, or 124 if still running.
ended_within() {
  for _ in $(seq 1 $(($1 * 10))); do kill -0 "$pid" 2>/dev/null || { wait "$pid"; return; }; sleep 0.1; done
  return 124
}

live lin --model resnet-mini-gray "${SMALL[@]}" --epochs 1 --live-linger 8
check "row 3: train --live --live-linger 8 prints its page" [ -n "$url" ]
for _ in $(seq 1 200); do grep -q "stays up 8 s more" lin.log && break; sleep 0.1; done
check "row 3: after the last epoch it says the page stays up 8 s" has lin.log "stays up 8 s more"
state > lin.json
check "row 3: the page's state is still served after training: finished" [ "$(jq_py 's["state"]' < lin.json)" = finished ]
check "row 3: the page itself is still served" bash -c "curl --noproxy "*" -sf '$url/' | grep -q 'minicnn live'"
curl --noproxy "*" -s "$url/api/setup" | jq_py '"\n".join(c["path"] for c in s["convs"])' > convs.txt
check "row 4: the page lists the convs inside residual blocks (3.body.0)" grep -qx "3.body.0" convs.txt
while read -r c; do
  code=$(curl --noproxy "*" -s -o "k_$c.png" -w '%{http_code}' "$url/live/kernels/$c.png")
  check "row 4: /live/kernels/$c.png is a picture (HTTP $code)" bash -c "[ $code = 200 ] && head -c 4 'k_$c.png' | grep -q PNG"
  code=$(curl --noproxy "*" -s -o /dev/null -w '%{http_code}' "$url/live/grads/$c.png")
  check "row 4: /live/grads/$c.png is a picture (HTTP $code)" [ "$code" = 200 ]
done < convs.txt
check "row 15: finished: no time left (eta_total 0)" [ "$(jq_py 's["eta_total"]' < lin.json)" = 0.0 ]
words finished
check "row 15: finished (13 batches): the page says finished" [ "$(word finished state)" = finished ]
check "row 15: finished: the chart's legend has no 'mean of 1 batches'" bash -c "grep -q 'per batch' finished.json && ! grep -q 'mean of 1 batches' finished.json"
check "row 15: finished: time left reads 'none: the run is over', no epoch part" \
  [ "$(word finished eta)|$(word finished eta_epoch)" = "none: the run is over|" ]
check "row 15: lingering: the message says the page stays up" bash -c "grep -q 'this page stays up' finished.json"
ended_within 15
check "row 3: after the linger the run exits by itself, exit 0" [ $? = 0 ]

live dflt "${SMALL[@]}" --epochs 1
for _ in $(seq 1 200); do grep -q "stays up" dflt.log && break; sleep 0.1; done
check "row 3: stdout not a terminal: a short linger by default, said (5 s)" has dflt.log "stays up 5 s more (not a terminal"
ended_within 20
check "row 3: ... and the run exits by itself (no hang)" [ $? = 0 ]
live zero "${SMALL[@]}" --epochs 1 --live-linger 0
ended_within 20
check "row 3: --live-linger 0 leaves at once" bash -c "[ $? = 0 ] && ! grep -q 'stays up' zero.log"

# Stop from the page: the page stays (stopped from the page, not by Ctrl-C) and shows no time left.
live stop --data "$DATA" --limit 20000 --test-limit 100 --batch-size 4 --threads 1 --epochs 1 --live-linger 8
for _ in $(seq 1 100); do [ "$(state | jq_py 's["state"]' 2>/dev/null)" = running ] && break; sleep 0.1; done
curl --noproxy "*" -s -X POST -H 'Content-Type: application/json' -d '{"action":"stop"}' "$url/api/control" > /dev/null
for _ in $(seq 1 200); do [ "$(state | jq_py 's["state"]' 2>/dev/null)" = stopped ] && break; sleep 0.1; done
state > stop.json
words stopped
check "row 15: stopped: time left reads 'none: the run is over', no epoch part" \
  [ "$(word stopped eta)|$(word stopped eta_epoch)" = "none: the run is over|" ]
check "row 15: stopped: the message says how to resume" bash -c "grep -q 'resume with:' stopped.json"
check "row 3: stopped from the page, the page is still served: stopped" [ "$(jq_py 's["state"]' < stop.json)" = stopped ]
check "row 15: stopped: no time left (eta_total and eta_epoch 0)" [ "$(jq_py 's["eta_total"] + s["eta_epoch"]' < stop.json)" = 0.0 ]
ended_within 20
check "row 3: ... then the run exits 130, as after Ctrl-C" [ $? = 130 ]

# ---- row 19: the first command builds the tool only; the test script everything ----
mkdir -p fake/repo/scripts fake/repo/build fake/bin fake/repo/data
cp "$SRC/scripts/setup.sh" "$SRC/scripts/train-mnist.sh" fake/repo/scripts/
printf '#!/bin/sh\necho "cmake $*" >> "%s/cmake.log"\n' "$T" > fake/bin/cmake
printf '#!/bin/sh\necho "install ok installed"\n' > fake/bin/dpkg-query
printf '#!/bin/sh\n' > fake/repo/scripts/get-mnist.sh
printf '#!/bin/sh\necho "minicnn $*"\n' > fake/repo/build/minicnn
chmod +x fake/bin/* fake/repo/scripts/*.sh fake/repo/build/minicnn
PATH="$T/fake/bin:$PATH" bash fake/repo/scripts/train-mnist.sh > fake.log 2>&1
check "row 19: train-mnist.sh builds only the tool (cmake --build ... --target minicnn_cli)" \
  bash -c "grep '^cmake --build' cmake.log | grep -qE -- '--target minicnn_cli\$'"
rm -f cmake.log
PATH="$T/fake/bin:$PATH" bash fake/repo/scripts/setup.sh > fake2.log 2>&1
check "row 19: setup.sh alone (as scripts/test.sh runs it) builds everything" \
  bash -c "grep '^cmake --build' cmake.log | grep -qv -- '--target'"
check "row 19: scripts/test.sh runs setup.sh without --target" bash -c "! grep 'scripts/setup.sh' '$SRC/scripts/test.sh' | grep -q -- '--target'"

echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
