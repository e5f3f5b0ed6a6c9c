#!/usr/bin/env bash
# Issue 27, the filters part: the course notebook's own kernels (filters apply --kernel, --name,
# --padding, --stride, --npy), --size enlarging small pictures (row 14), did-you-mean for filter and
# variant names (row 12), and compare's wording with 2 seeds and the threshold it shares with
# analyze (row 5). Every check is named and the script keeps going, so a run against an older
# binary lists each row that fails.
#   first_hour_filters_test.sh BUILD/minicnn SOURCE_DIR
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
failed=0
check() {  # check LABEL COMMAND...: passes when COMMAND succeeds
  local label=$1; shift
  if "$@" > /dev/null 2>&1; then ok "$label"; else echo "FAIL: $label" >&2; failed=$((failed + 1)); fi
}
has() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'; }
npy_shape() { head -c 128 "$1" | tr -d '\0' | grep -ao "'shape': ([0-9, ]*)" | tr -d "' " | cut -d: -f2; }
CAT="$SRC/data/chelsea.png"
EDGE="-1,-1,-1;-1,8,-1;-1,-1,-1" SHARPEN="0,-1,0;-1,5,-1;0,-1,0" BLUR="1/9,1/9,1/9;1/9,1/9,1/9;1/9,1/9,1/9"

# ---- the notebook: kernels as values ----
"$M" filters apply "$CAT" --kernel "$EDGE" --name edge --kernel "$SHARPEN" --name sharpen --kernel "$BLUR" --name blur \
  --padding 1 --npy --out nb > nb.log 2>&1
check "notebook: --kernel values, --name, --padding 1, --npy write edge/sharpen/blur .png and .npy" \
  test -f nb/edge.npy -a -f nb/sharpen.npy -a -f nb/blur.npy -a -f nb/input.npy -a -f nb/edge.png -a -f nb/montage.png
check "notebook: input.npy is the grey image (300, 451), a response keeps the size with padding 1" \
  test "$(npy_shape nb/input.npy)" = "(300,451)" -a "$(npy_shape nb/edge.npy)" = "(300,451)"
check "notebook: only the named kernels, not the default bank filters" test -f nb/blur.png -a ! -e nb/laplacian8.png -a ! -e nb/box_blur.png
"$M" filters apply "$CAT" --kernel "1,2;3,4" --stride 2 --padding 0 --npy --out st > st.log 2>&1
check "notebook: a 2x2 kernel at --stride 2 --padding 0 gives (150, 225), named kernel1" test "$(npy_shape st/kernel1.npy)" = "(150,225)"
"$M" filters apply "$CAT" --kernel "1,2,3;4,5" > ragged.log 2>&1; rc=$?
check "notebook: ragged rows refused, exit 2, one line naming --kernel and the row" \
  eval '[ $rc = 2 ] && has ragged.log "--kernel \"1,2,3;4,5\": row 2 has 2 values, row 1 has 3" && [ $(wc -l < ragged.log) = 1 ]'
"$M" filters apply "$CAT" --kernel "1,x;1,1" > nan.log 2>&1; rc=$?
check "notebook: a value that is not a number refused" eval '[ $rc = 2 ] && has nan.log "'"'x'"' in row 1 is not a number"'
big=$(printf '1,%.0s' $(seq 16)); big=${big%,}; bigk=$big; for i in $(seq 15); do bigk="$bigk;$big"; done
"$M" filters apply "$CAT" --kernel "$bigk" > big.log 2>&1; rc=$?
check "notebook: a 16x16 kernel refused (at most 15x15)" eval '[ $rc = 2 ] && has big.log "16x16, larger than 15x15"'
"$M" filters apply "$CAT" --kernel "1,;1,1" > empty.log 2>&1; rc=$?
check "notebook: an empty value refused" eval '[ $rc = 2 ] && has empty.log "row 1 has an empty value"'
"$M" filters apply "$CAT" --kernel "1" --name a/b --out bad > name.log 2>&1; rc=$?
check "notebook: a --name that is not a file name refused, nothing written" eval '[ $rc = 2 ] && has name.log "--name '"'a/b'"'" && [ ! -e bad ]'

# ---- row 14: --size enlarges small pictures in the montage ----
"$M" filters apply "$CAT" --size 64 --out small > small.log 2>&1
read -r w h < <(png_size small/montage.png 2>/dev/null || echo "0 0")
check "row 14: --size 64 draws each montage panel at least 256 px tall (montage ${w}x${h})" test "${h:-0}" -ge 300
check "row 14: the output says small pictures were enlarged" has small.log "pictures under 256 px enlarged by a whole factor"
"$M" filters apply --help > help.txt 2>&1
check "row 14: help says small pictures are enlarged" has help.txt "enlarges any picture under 256 px"

# ---- row 12: did you mean ----
"$M" filters apply "$CAT" --filters sobl_x > typo.log 2>&1
check "row 12: filters apply --filters sobl_x suggests sobel_x" has typo.log "did you mean 'sobel_x'?"
"$M" compare --handset sobl_x > typo2.log 2>&1
check "row 12: compare --handset sobl_x suggests sobel_x" has typo2.log "did you mean 'sobel_x'?"
"$M" compare --variants randm,handset-frozen --data "$DATA" --limit 10 --out typo3 > typo3.log 2>&1
check "row 12: compare --variants randm suggests random" has typo3.log "did you mean 'random'?"

# ---- row 5: compare's wording with 2 seeds, counts, the raw note, one threshold ----
if [ -f "$DATA/t10k-images-idx3-ubyte" ]; then
  "$M" compare --data "$DATA" --limit 600 --test-limit 200 --seeds 2 --epochs 2 --ablation-limit 100 --threads 2 --out cmp > cmp.log 2>&1
  check "row 5: with 2 seeds a sentence says why nothing is called clear" has cmp.log "Only 2 seeds ran: too few to tell a difference"
  check "row 5: with 2 seeds no 'clear difference' or 'clearly above' claim" eval 'lacks cmp.log "a clear difference" && lacks cmp.log "clearly above" && lacks cmp.log "this difference is the scale'"'"'s"'
  check "row 5: the classical share is a count of kernels" has cmp.log "random-frozen 0 of 6 kernels (0%)"
  check "row 5: the report says the threshold it shares with analyze" has cmp/report.md "has |cos| >= 0.6 (the threshold \`minicnn analyze\` uses)"
  check "row 5: the raw note matches the data (drawn in the charts, or left out with the reason)" \
    eval 'has cmp/report.md "handset-frozen-raw is also drawn in the charts above" || has cmp/report.md "more than twice the others'"'"' range"'
  check "row 5: laplacian8, sharpen and gaussian5 kernels have no direction in the report" \
    eval '! grep -E "\| (laplacian8|sharpen|gaussian5|-laplacian8) \| [0-9.]+ \| [a-z-]+ \| (vertical|horizontal|diagonal)" cmp/report.md'
  "$M" analyze cmp/handset-frozen/model.npz > an.log 2>&1 || "$M" analyze "$(ls -d cmp/*frozen*/ 2>/dev/null | head -1)" > an.log 2>&1
  check "row 5: analyze prints the shared threshold 0.6" has an.log "|cos| >= 0.6, the threshold \`minicnn compare\` uses too"
else
  echo "FAIL: MNIST is missing from $DATA: run scripts/get-mnist.sh" >&2; failed=$((failed + 1))
fi

echo "passed $pass checks, failed $failed"
[ "$failed" = 0 ]
