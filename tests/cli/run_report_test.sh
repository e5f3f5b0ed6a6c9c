#!/usr/bin/env bash
# Issue 19: every run's report. `minicnn train` writes report.html and report.md; `minicnn report`
# writes the same again from the folder; the command in its Reproduce section trains the same
# bytes; a run from before reports (no per-batch records, no metrics.csv) still gets one; bad
# --lr-changes and report arguments are one-line errors.
#   run_report_test.sh BUILD/minicnn SOURCE_DIR
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
"$M" train --data "$DATA" --epochs 2 --limit 3000 --test-limit 500 --threads 1 --out run > train.log 2>&1 ||
  { cat train.log; fail "train"; }
for f in report.html report.md report/loss.svg report/accuracy.svg report/lr.svg report/confusion.svg \
         report/kernels_filmstrip.png report/confused_pairs.png report/misclassified.png; do
  [ -s "run/$f" ] || fail "train wrote no run/$f"
done
for section in "## Curves" "## First-layer kernels over the epochs" "## Confusion matrix" "## Most confused pairs" \
               "## Misclassified test images" "## Model" "## Settings" "## Reproduce"; do
  grep -q "^$section" run/report.md || fail "report.md has no '$section'"
done
! grep -qiwE "nan|inf|todo" run/report.md || fail "report.md holds NaN, inf or TODO"
ok "train writes report.html and report.md with every section, and their pictures"
cp run/report.md first.md
"$M" report run > report.log 2>&1 || { cat report.log; fail "minicnn report"; }
grep -q "report: run/report.html" report.log || { cat report.log; fail "report does not say where it wrote"; }
cmp -s first.md run/report.md || { diff first.md run/report.md | head; fail "minicnn report writes another report than train"; }
ok "minicnn report writes the same report again from the run folder"

command=$(sed -n '/^## Reproduce/,$p' run/report.md | sed -n '/^```$/,/^```$/p' | grep ' train ')
[[ "$command" == *"--out run-again"* ]] || fail "no reproducing command in report.md: $command"
bash -c "$command" > again.log 2>&1 || { cat again.log; fail "the reproducing command failed: $command"; }
"$PY" - <<'PYEOF' || fail "the reproducing command trained other weights"
import numpy as np
a, b = np.load("run/model.npz"), np.load("run-again/model.npz")
bad = [k for k in a.files if k != "__minicnn__" and not np.array_equal(a[k], b[k])]
assert not bad and sorted(a.files) == sorted(b.files), bad
PYEOF
ok "the command in the Reproduce section trains the same bytes: $command"

# A run from before reports: no per-batch arrays, no batches_per_epoch, no metrics.csv, no report.
cp -r run old && rm -r old/report* old/metrics.csv
"$PY" - <<'PYEOF' || fail "could not make an old-style checkpoint"
import json, numpy as np
d = dict(np.load("old/model.npz"))
meta = json.loads(d["__minicnn__"].tobytes())
del meta["extra"]["training"]["batches_per_epoch"]
d = {k: v for k, v in d.items() if not k.startswith("extra.batch_")}
d["__minicnn__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
np.savez("old/model.npz", **d)
PYEOF
"$M" report old > old.log 2>&1 || { cat old.log; fail "minicnn report on a run from before reports"; }
grep -q "The training loss per batch was not recorded" old/report.md || fail "no note on the missing per-batch losses"
grep -q "There is no metrics.csv" old/report.md || fail "no note on the missing metrics.csv"
grep -q "^## Curves" old/report.md && grep -q "^## Confusion matrix" old/report.md || fail "the old run's report lacks its curves or confusion matrix"
ok "a run from before reports gets one, from its checkpoint's history, with notes on what is missing"

"$M" report run/model.npz > e1.log 2>&1; rc=$?
[ $rc = 2 ] && grep -q "is a checkpoint; give its run folder" e1.log || { cat e1.log; fail "report on a checkpoint: exit $rc"; }
"$M" report nowhere > e2.log 2>&1; rc=$?
[ $rc = 1 ] && [ "$(wc -l < e2.log)" = 1 ] || { cat e2.log; fail "report on a missing folder: exit $rc"; }
"$M" train --data "$DATA" --limit 200 --epochs 1 --lr-changes "10:0.5,5:2" --out bad > e3.log 2>&1; rc=$?
[ $rc = 2 ] && grep -q "lr-changes: '5:2': positions must rise" e3.log || { cat e3.log; fail "bad --lr-changes: exit $rc"; }
"$M" train --resume run/model.npz --epochs 3 --lr-changes "10:0.5" --out run > e4.log 2>&1; rc=$?
[ $rc = 2 ] && grep -q "lr-changes cannot be changed when resuming" e4.log || { cat e4.log; fail "--lr-changes on resume: exit $rc"; }
ok "report on a checkpoint or a missing folder, and bad --lr-changes: one line, exit 2 or 1"
echo "$pass passed, 0 failed"
