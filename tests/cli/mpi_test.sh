#!/usr/bin/env bash
# Issue 20: data-parallel training with mpirun (docs/SCALING.md).
#   mpi_test.sh BUILD/minicnn SOURCE_DIR
# 1. mpirun -np 2 (one thread per rank) against one process with two threads, one epoch of 5000
#    images in batches of 64: every array of model.npz bit-identical, the same metrics (SGD, Adam,
#    BatchNorm with --sync-batchnorm); so it is as close to a 1-thread run as the 2-thread run is.
#    Without --sync-batchnorm each rank normalises with its own slice, and the run differs.
# 2. Ctrl-C through scripts/mpirun.sh: exit 130, and the run resumed by ONE process ends bit-identical
#    to the uninterrupted one. SIGTERM to plain mpirun is left out (see below).
# 3. kill -9 of rank 1: the job ends within seconds, a message names rank 1, model.npz loads.
# 4. Ranks with another seed or other data refuse to start and say what differs; an error every
#    rank meets is printed once.
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
if ! command -v mpirun > /dev/null; then
  echo "installing openmpi-bin for mpirun"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openmpi-bin > /dev/null ||
    fail "mpirun is missing and openmpi-bin could not be installed"
fi
MPI=(mpirun --allow-run-as-root --oversubscribe --mca btl self,vader --mca oob_tcp_if_include lo --bind-to none)
A=(--data "$DATA" --limit 5000 --test-limit 1000 --batch-size 64)

# compare A.npz B.npz: "N arrays, K bit-identical, largest difference D" (max |a - b| / max |a| over arrays)
compare() {
  "$PY" - "$1" "$2" << 'PYEOF'
import sys
import numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
keys = [k for k in a.files if k != "__minicnn__" and not k.startswith("extra.")]
assert sorted(keys) == sorted(k for k in b.files if k != "__minicnn__" and not k.startswith("extra.")), "different arrays"
same = sum(np.array_equal(a[k], b[k]) for k in keys)
worst = max(float(np.abs(a[k].astype(np.float64) - b[k]).max() / max(np.abs(a[k]).max(), 1e-30)) for k in keys)
print(f"{len(keys)} arrays, {same} bit-identical, largest difference {worst:.3g}")
PYEOF
}
metrics() { cut -d, -f1-5,8 "$1/metrics.csv"; }  # all but the timings
accuracy() { tail -n1 "$1/metrics.csv" | cut -d, -f5; }

# 1. Two ranks of one thread against one process of one and of two threads.
equivalence() {
  local name=$1
  shift
  "$M" train "${A[@]}" --epochs 1 "$@" --threads 1 --out $name.t1 > $name.t1.log 2>&1 || { cat $name.t1.log; fail "$name: 1 thread"; }
  "$M" train "${A[@]}" --epochs 1 "$@" --threads 2 --out $name.t2 > $name.t2.log 2>&1 || { cat $name.t2.log; fail "$name: 2 threads"; }
  "${MPI[@]}" -np 2 "$M" train "${A[@]}" --epochs 1 "$@" --out $name.mpi > $name.mpi.log 2>&1 || { cat $name.mpi.log; fail "$name: mpirun"; }
  local same threads
  same=$(compare $name.mpi/model.npz $name.t2/model.npz) || fail "$name: cannot compare"
  threads=$(compare $name.t1/model.npz $name.t2/model.npz)
  [[ $same =~ ^([0-9]+)\ arrays,\ ([0-9]+)\ bit-identical ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] ||
    fail "$name: 2 ranks x 1 thread vs 1 process x 2 threads: $same"
  [ "$(metrics $name.mpi)" = "$(metrics $name.t2)" ] || { diff <(metrics $name.mpi) <(metrics $name.t2); fail "$name: metrics differ"; }
  [ "$(compare $name.t1/model.npz $name.mpi/model.npz)" = "$threads" ] || fail "$name: not as close to 1 thread as 2 threads are"
  ok "$name: 2 ranks x 1 thread vs 1 process x 2 threads: $same, same metrics (test accuracy $(accuracy $name.mpi));" \
     "1 vs 2 threads (and 2 ranks vs 1 thread): $threads, test accuracy $(accuracy $name.t1)"
}
equivalence sgd
equivalence adam --optimizer adam
BN=(--model "conv 8 5 pad=2, batchnorm, relu, maxpool 2, conv 16 5, batchnorm, relu, maxpool 2, flatten, linear 10")
equivalence batchnorm-sync "${BN[@]}" --sync-batchnorm

# Without --sync-batchnorm every rank normalises its half batch with its own statistics.
"${MPI[@]}" -np 2 "$M" train "${A[@]}" --epochs 1 "${BN[@]}" --out bn.mpi > bn.mpi.log 2>&1 || { cat bn.mpi.log; fail "batchnorm: mpirun"; }
"$M" train "${A[@]}" --epochs 1 "${BN[@]}" --threads 2 --out bn.t2 > bn.t2.log 2>&1 || fail "batchnorm: 2 threads"
differ=$(compare bn.mpi/model.npz bn.t2/model.npz)
[[ $differ =~ ^26\ arrays,\ ([0-9]+)\ bit-identical ]] && [ "${BASH_REMATCH[1]}" -lt 26 ] || fail "batchnorm per rank: $differ"
ok "batchnorm, statistics per rank (the default): $differ against one process; test accuracy $(accuracy bn.mpi) vs $(accuracy bn.t2)"

# One writer: rank 0 prints and writes; evaluation is shared out, and its numbers are one process's.
grep -q "^data-parallel: 2 processes (Open MPI" sgd.mpi.log || { cat sgd.mpi.log; fail "no data-parallel line"; }
[ "$(grep -c "^epoch 1/1  train loss" sgd.mpi.log)" = 1 ] || { cat sgd.mpi.log; fail "the epoch line is not printed once"; }
grep -q '"processes": 2' sgd.mpi/config.json || fail "config.json does not record the 2 processes"
ok "one writer: the epoch's line printed once, config.json records 2 processes"

# 2. Ctrl-C, as a terminal sends it: SIGINT to the foreground process group (here: scripts/mpirun.sh's).
# interrupt SIGNAL LOG PATTERN COMMAND...: runs COMMAND in its own process group, sends SIGNAL to
# the group once PATTERN is in LOG, and exits with COMMAND's exit code.
interrupt() {
  "$PY" - "$@" << 'PYEOF'
import os, signal, subprocess, sys, time
sig, log, pattern, cmd = getattr(signal, "SIG" + sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
def own_group():
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a background job of a script starts with SIGINT ignored
p = subprocess.Popen(cmd, preexec_fn=own_group)
for _ in range(3000):
    if p.poll() is not None: break
    if os.path.exists(log) and pattern in open(log, errors="replace").read(): break
    time.sleep(0.02)
os.killpg(p.pid, sig)
sys.exit(p.wait(timeout=120))
PYEOF
}
# Batches of 8 make an epoch long enough (625 steps, each with its gradient sum) for a signal to
# land inside it even on a fast, quiet machine; batches of 64 ended the run before the signal.
B=(--data "$DATA" --limit 5000 --test-limit 1000 --batch-size 8 --lr 0.01 --epochs 2)
"$M" train "${B[@]}" --threads 2 --out whole > whole.log 2>&1 || fail "uninterrupted run"
interrupt INT cut.log "epoch 1/2 [###" bash -c "'$SRC/scripts/mpirun.sh' --oversubscribe -np 2 --mca btl self,vader \
  --mca oob_tcp_if_include lo --bind-to none '$M' train ${B[*]} --out cut > cut.log 2> cut.err"
rc=$?
[ $rc = 130 ] || { cat cut.err; fail "Ctrl-C through scripts/mpirun.sh should exit 130, got $rc"; }
grep -q "^minicnn train: interrupted in epoch 1 after batch" cut.err || { cat cut.err; fail "no 'interrupted' line"; }
[ "$(grep -c "resume with:" cut.err)" = 1 ] || { cat cut.err; fail "the resume hint is not printed once"; }
ok "Ctrl-C through scripts/mpirun.sh: exit 130, the ranks stopped together, rank 0 saved: $(grep -o 'after batch [0-9]* of [0-9]*' cut.err)"
"$M" train --resume cut/model.npz --out cut --threads 2 > resume.log 2>&1 || { cat resume.log; fail "resuming with one process"; }
same=$(compare whole/model.npz cut/model.npz)
[[ $same =~ ^([0-9]+)\ arrays,\ ([0-9]+)\ bit-identical ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] ||
  fail "2 ranks, Ctrl-C, resumed by 1 process (2 threads) vs uninterrupted: $same"
[ "$(accuracy cut)" = "$(accuracy whole)" ] || fail "test accuracy $(accuracy cut) after resuming, $(accuracy whole) uninterrupted"
ok "resumed by one process: $same with the uninterrupted run, test accuracy $(accuracy cut)"

# SIGTERM to plain mpirun (not through scripts/mpirun.sh) is not tested: Open MPI 4.1 can end the
# ranks before rank 0 has saved (docs/SCALING.md, "Faults").

# 3. kill -9 of rank 1 while the job runs (and checkpoints every 10 batches).
"${MPI[@]}" -np 2 "$M" train "${B[@]}" --checkpoint-every 10 --out killed > killed.log 2>&1 &
job=$!
for _ in $(seq 1 3000); do grep -q "epoch 1/2 \[###" killed.log && break; sleep 0.02; done
rank1=""
for p in $(pgrep -P $job); do tr '\0' '\n' < /proc/$p/environ 2> /dev/null | grep -qx OMPI_COMM_WORLD_RANK=1 && rank1=$p; done
[ -n "$rank1" ] || { cat killed.log; fail "no rank 1 found among mpirun's children"; }
kill -9 "$rank1"
start=$SECONDS
wait $job
rc=$?
took=$((SECONDS - start))
[ $rc != 0 ] || fail "the job exited 0 after rank 1 was killed"
[ $took -le 10 ] || fail "the job took ${took}s to end after rank 1 was killed"
grep -q "rank 1 (process $rank1) has ended unexpectedly; rank 0 stops too" killed.log || { cat killed.log; fail "no message naming rank 1"; }
"$M" analyze killed/model.npz > killed-analyze.log 2>&1 || { cat killed-analyze.log; fail "model.npz does not load after kill -9"; }
"$M" train --resume killed/model.npz --out killed --threads 2 > killed-resume.log 2>&1 || fail "cannot resume after kill -9"
ok "kill -9 of rank 1: the job ended in ${took}s (exit $rc) naming rank 1; model.npz loads and resumes"

# 4. Ranks that differ refuse to start; nothing is written.
"${MPI[@]}" -np 1 "$M" train "${A[@]}" --seed 1 --out differ : -np 1 "$M" train "${A[@]}" --seed 2 --out differ > seed.log 2>&1
rc=$?
[ $rc = 2 ] || { cat seed.log; fail "ranks with different seeds: exit $rc, expected 2"; }
grep -q "^minicnn train: rank 1 differs from rank 0: .*seed 2 here, 1 on rank 0" seed.log || { cat seed.log; fail "the seed is not named"; }
grep -q "rank 1 started with other settings, data or model than rank 0" seed.log || { cat seed.log; fail "rank 0 does not say it"; }
[ ! -e differ ] || fail "a run folder was written although the ranks differ"
ok "ranks with other seeds refuse to start (exit 2): $(grep -o 'rank 1 differs from rank 0: .*' seed.log)"
mkdir other
cp "$DATA"/t10k-* other/
"$PY" -c "
import gzip, shutil, sys
src = '$DATA/train-images-idx3-ubyte'
data = bytearray(open(src, 'rb').read())
data[16 + 784 * 7 + 400] ^= 0xff   # one pixel of image 7
open('other/train-images-idx3-ubyte', 'wb').write(data)
shutil.copy('$DATA/train-labels-idx1-ubyte', 'other/')" || fail "cannot make the altered dataset"
# Every training image (no --limit): a --limit subset is drawn by class and seed, and may leave out
# image 7, and then the ranks rightly train on the same data. They refuse before training anything.
"${MPI[@]}" -np 1 "$M" train "${A[@]:0:2}" "${A[@]:4}" --out differ : -np 1 "$M" train --data other "${A[@]:4}" --out differ > data.log 2>&1
rc=$?
[ $rc = 2 ] || { cat data.log; fail "ranks with different data: exit $rc, expected 2"; }
grep -q 'rank 1 differs from rank 0: training data {"checksum":"[0-9a-f]*","images":60000} here' data.log ||
  { cat data.log; fail "the training data is not named"; }
ok "ranks whose training images differ by one pixel refuse to start: $(grep -o 'training data {[^}]*} here, {[^}]*} on rank 0' data.log)"

"${MPI[@]}" -np 2 "$M" train --data nowhere --out x > nowhere.log 2>&1
rc=$?
[ $rc = 1 ] || { cat nowhere.log; fail "missing data under mpirun: exit $rc, expected 1"; }
[ "$(grep -c "^minicnn train: error:" nowhere.log)" = 1 ] || { cat nowhere.log; fail "the error every rank met is not printed once"; }
ok "an error every rank meets is printed once: $(grep "^minicnn train: error:" nowhere.log | cut -c1-90)..."
"$M" train --distributed --limit 10 > alone.log 2>&1
[ $? = 2 ] && grep -q "not started by an MPI launcher; start the ranks with mpirun -np N" alone.log ||
  { cat alone.log; fail "--distributed without mpirun"; }
ok "--distributed without mpirun: exit 2, says how to start the ranks"
echo "$pass passed, 0 failed"
