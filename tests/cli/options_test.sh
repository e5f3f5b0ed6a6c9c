#!/usr/bin/env bash
# Every subcommand refuses nonsense on its command line before doing anything: bad numbers
# (negative, zero where not allowed, huge, not a number), unknown subcommands and unknown options
# each exit 2 with one line naming the option, and no output file appears. Each takes a few
# milliseconds on a quiet machine; the test prints the slowest and fails only past 10 s (data
# loaded or training begun), since a loaded CI machine can delay any process by a second.
#   options_test.sh BUILD/minicnn SOURCE_DIR
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
CK="$T/none.npz"   # never read: the command line is refused first
slowest=0
refused() {  # refused OPTION_NAME ARGS...: exit 2, fast, one line naming OPTION_NAME, nothing written
  local name=$1; shift
  rm -rf work && mkdir work
  local t0=$(date +%s%N)
  (cd work && "$M" "$@" > ../out.txt 2> ../err.txt)
  local rc=$? t1=$(date +%s%N)
  [ $rc = 2 ] || { cat err.txt; fail "expected exit 2, got $rc: minicnn $*"; }
  local ms=$(( (t1 - t0) / 1000000 ))
  [ $ms -gt $slowest ] && slowest=$ms
  [ $ms -lt 10000 ] || fail "took over 10 s (did it load data?): minicnn $*"
  [ "$(wc -l < err.txt)" = 1 ] || { cat err.txt; fail "expected one line: minicnn $*"; }
  grep -qF -- "$name" err.txt || { cat err.txt; fail "the message does not name $name: minicnn $*"; }
  [ -z "$(ls -A work)" ] || fail "files appeared ($(ls -A work)): minicnn $*"
  ok "minicnn $* -> exit 2: $(cat err.txt)"
}
# subcommand (+ for a space, CK for a checkpoint path), option, then the bad values to refuse
while read -r sub opt values; do
  [ -z "$sub" ] || [ "${sub:0:1}" = "#" ] && continue
  sub=${sub//+/ }
  sub=${sub//CK/$CK}
  for v in $values; do refused "$opt" $sub "$opt" "$v"; done
done <<'TABLE'
train --epochs -1 0 1e12 many 99999999999999999999
train --batch-size -1 0 70000 x
train --limit -5 1.5 abc
train --test-limit -1 x
train --seed -1 x 1e30
train --threads -3 0 5000 two
train --lr -0.1 abc 1e400 nan
train --momentum -1 1.5 x
train --weight-decay -1 x
train --clip-grad-norm -1 x
train --lr-step 0 -2 x
train --lr-gamma 0 -1 x
train --checkpoint-every -1 x
train --channels 0 -1 7 x
train --val-split 0 1 -0.5 x
eval+CK --limit -1 x
eval+CK --test-limit -1 x
eval+CK --threads 0 -1 x
predict+CK+a.png --top 0 -1 x
kernels+CK --scale 0 -1 300 x
filters+apply --size -3 99999 x
filters+apply --stride 0 -1 x
filters+apply --padding -1 65 x
compare --epochs -1 0 x
compare --batch-size 0 x
compare --lr -1 x
compare --seed -1 x
compare --threads 0 x
compare --limit -1 x
compare --ablation-limit 0 x
datasets+make-shapes --train 0 -1 x
datasets+make-shapes --size 0 4 5000 x
TABLE
refused "trian" trian
refused "--epoch" train --epoch 1
refused "aply" filters aply
refused "--kernel" filters apply --kernel "1,2;3"
refused "--kernel" filters apply --kernel "1/0"
refused "--filters" filters apply --filters sobl_x
refused "--name" filters apply --kernel 1 --name a --name b
refused "--bogus" eval "$CK" --bogus
refused "--augment" train --augment rotate
refused "spec item 2" train --data "$DATA" --model "conv 6 5, linear 10"
echo "slowest refusal: $slowest ms"
echo "$pass passed, 0 failed"
