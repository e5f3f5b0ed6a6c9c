#!/usr/bin/env bash
# Issue 27, the command line's pages and names (rows 6, 8, 10, 11, 12, 13, 17, 18), end to end:
#   first_hour_cli_test.sh BUILD/minicnn SOURCE_DIR
# Every check runs and prints "ok:" or "FAIL:" with its row; the script exits 1 if any failed, so
# one run against an older minicnn shows which rows it gets wrong.
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
failed=0
# check LABEL CMD...: CMD must succeed; a failure is counted, and the script goes on
check() { local d=$1; shift; if "$@"; then ok "$d"; else echo "FAIL: $d" >&2; failed=$((failed + 1)); fi; }
# has FILE TEXT / lacks FILE TEXT: FILE holds (does not hold) the fixed string TEXT
has() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
# code N CMD...: CMD exits with N (its output in out.txt)
code() { local n=$1; shift; "$@" > out.txt 2>&1; [ $? = "$n" ]; }

[ -f "$DATA/train-images-idx3-ubyte" ] || { echo "FAIL: MNIST is missing from $DATA: run scripts/get-mnist.sh" >&2; exit 1; }
TINY=(--data "$DATA" --limit 200 --test-limit 100 --epochs 1 --threads 2)
"$M" train "${TINY[@]}" --out lenet > lenet.log 2>&1 || { cat lenet.log >&2; fail "train lenet5"; }
"$M" train "${TINY[@]}" --model resnet-mini-gray --batch-size 50 --out resnet > resnet.log 2>&1 ||
  { cat resnet.log >&2; fail "train resnet-mini-gray"; }

# --- row 6: the presets, and a model's table without training ---
code 0 "$M" models; cp out.txt models.txt
check "row 6: 'minicnn models' lists every preset with its input shape" \
  bash -c 'grep -q "^lenet5 .* 1x28x28 " models.txt && grep -q "^resnet-mini .* 3x32x32 " models.txt && grep -q "^convnet-rgb " models.txt'
check "row 6: 'minicnn models' gives lenet5's parameter count (61706 for 10 classes)" bash -c 'grep -q "^lenet5 *61706 " models.txt'
code 0 "$M" summary --model lenet5 --input 1x28x28; cp out.txt summary.txt
check "row 6: summary prints the table train prints" bash -c 'tail -n +2 summary.txt > s.txt && [ -s s.txt ] && grep -qxFf s.txt lenet.log && [ "$(grep -cxFf s.txt lenet.log)" = "$(wc -l < s.txt)" ]'
code 0 "$M" summary --model convnet-rgb --input 3x32x32 --classes 4; cp out.txt summary2.txt
check "row 6: summary takes --input and --classes" has summary2.txt "(4)"
code 2 "$M" summary --model lenet5 --input 32x32
check "row 6: summary refuses a bad --input in one line" bash -c 'has() { grep -qF -- "$2" "$1"; }; has out.txt "--input: expected CxHxW" && [ "$(wc -l < out.txt)" = 1 ]'
code 2 "$M" train "${TINY[@]}" --model lenet --out typo
check "row 6: --model lenet: unknown model, did you mean lenet5" has out.txt "unknown model 'lenet'; did you mean 'lenet5'?"
code 0 "$M" help train
check "row 6: help train's \"see 'minicnn models'\" is a command" bash -c "grep -q \"see 'minicnn models'\" out.txt && '$M' help models > /dev/null 2>&1"

# --- row 8: serve's caption follows the model ---
"$M" datasets make-shapes --out shapes --train 40 --test 20 --size 16 > shapes.log 2>&1 || { cat shapes.log >&2; fail "make-shapes"; }
"$M" train --data shapes --model "conv 4 3, relu, flatten, linear 4" --epochs 1 --threads 2 --out colour > colour.log 2>&1 ||
  { cat colour.log >&2; fail "train on shapes"; }
"$M" serve colour --port 0 > serve.log 2>&1 &
server=$!
for _ in $(seq 1 200); do grep -q "on http://" serve.log && break; sleep 0.05; done
url=$(sed -n 's/.* on \(http:[^ ]*\) .*/\1/p' serve.log)
curl -s "$url" > page.html
curl -s "${url%/}/api/info" > info.json
kill -TERM $server 2>/dev/null; wait $server 2>/dev/null
check "row 8: a colour model's page does not speak of MNIST digits" bash -c '[ -s page.html ] && ! grep -q "prepared as MNIST" page.html'
check "row 8: the page's caption says what is done to a picture for this model" has info.json '"preparation":"kept in colour and resized to 16×16 pixels'

# --- row 10: one version, from CMake's project() ---
version=$(sed -n 's/^project(minicnn VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
"$M" --version > v.txt 2>&1; "$M" info > i.txt 2>&1
check "row 10: --version prints CMake's project version ($version)" bash -c "[ \"\$(cat v.txt)\" = 'minicnn $version' ]"
check "row 10: info prints the same version" bash -c "head -1 i.txt | grep -qx 'minicnn $version'"
check "row 10: config.json records the same version" bash -c "grep -q '\"minicnn\": \"$version\"' lenet/config.json"

# --- row 11: every help page shows its own examples and true defaults ---
"$M" help filters > hf.txt 2>&1; "$M" help datasets > hd.txt 2>&1; "$M" help info > hi.txt 2>&1
check "row 11: help filters shows filters' examples, not train's" bash -c 'grep -q "minicnn filters apply" hf.txt && ! grep -q "minicnn train --epochs" hf.txt'
check "row 11: help datasets shows datasets' examples, not train's" bash -c 'grep -q "minicnn datasets make-shapes" hd.txt && ! grep -q "minicnn predict" hd.txt'
check "row 11: help info shows info's examples" bash -c 'grep -q "minicnn info" hi.txt && ! grep -q "minicnn predict" hi.txt'
"$M" help > hmain.txt 2>&1
check "row 11: 'minicnn help' prints the command list, not help's own page" bash -c 'grep -q "^Subcommands:" hmain.txt && grep -q "^  train " hmain.txt'
leaf_help_all=0
for c in train eval predict "filters apply" "filters list" kernels featuremaps analyze compare "datasets make-shapes" \
         "datasets export" info report serve export import features explain models summary help; do
  "$M" help $c > h.txt 2>&1 || leaf_help_all=1
  grep -q -- "--help-all" h.txt && { echo "  --help-all on: $c" >&2; leaf_help_all=1; }
done
check "row 11: no --help-all on a page without subcommands" [ $leaf_help_all = 0 ]
"$M" help train > ht.txt 2>&1
check "row 11: --channels shows no '=0' default (it is decided from the data)" bash -c '! grep -q -- "--channels.*=0" ht.txt'
check "row 11: --normalize shows no {false} (it is on by default)" bash -c '! grep -q "{false}" ht.txt'
check "row 11: --lr shows no fixed default (it depends on the optimizer)" bash -c '! grep -q -- "--lr FLOAT.*=0\.05" ht.txt'
code 2 "$M" filters
check "row 11: a group without its subcommand names them" has out.txt "minicnn filters: expected a subcommand: apply"
"$M" help filters apply > hfa.txt 2>&1
check "row 11: a subcommand's usage line names the whole command" has hfa.txt "Usage: minicnn filters apply [OPTIONS]"

# --- row 12: did-you-mean wherever a name is chosen from a list ---
code 2 "$M" explain lenet "$SRC/data/chelsea.png" --method gradcm --out ex
check "row 12: --method gradcm: did you mean 'gradcam'" has out.txt "did you mean 'gradcam'?"
code 2 "$M" train "${TINY[@]}" --optimizer adm --out typo
check "row 12: --optimizer adm: did you mean 'adam'" has out.txt "did you mean 'adam'?"
code 2 "$M" train "${TINY[@]}" --lr-schedule cosin --out typo
check "row 12: --lr-schedule cosin: did you mean 'cosine'" has out.txt "did you mean 'cosine'?"
code 2 "$M" kernels resnet --layer 3.body.O --out k.png
check "row 12: --layer 3.body.O: did you mean '3.body.0'" has out.txt "did you mean '3.body.0'?"
code 2 "$M" explain resnet "$SRC/data/chelsea.png" --method gradcam --layer 3.bdy --out ex
check "row 12: explain --layer 3.bdy: did you mean '3.body'" has out.txt "did you mean '3.body'?"
code 2 "$M" summary --model resnet-mini-grey
check "row 12: a preset's name mistyped: did you mean" has out.txt "did you mean 'resnet-mini-gray'?"

# --- row 13: kernel pictures and their layer paths ---
code 2 "$M" kernels lenet --layer 30 --out k.png
check "row 13: --layer 30 of a 12-layer model: no layer 30 (layers 0-11)" has out.txt "no layer 30 (layers 0-11; conv layers: 0, 3)"
code 2 "$M" kernels lenet --layer 1 --out k.png
check "row 13: --layer 1 names what it is: a ReLU, not a Conv2d" has out.txt "1 is a ReLU, not a Conv2d (conv layers: 0, 3)"
code 0 "$M" kernels resnet --layer 3.body.0 --out k16.png
code 0 "$M" kernels lenet --layer 3 --out k3.png
# The header of resnet layer 3.body.0's picture (16 input channels of 3x3): split at gaps of 8+ px,
# no run of ink is wider than one label ("15"); labels that ran together ("in 10in 11") would be.
check "row 13: input-channel labels of 16 channels do not run into each other" \
  $PY -c "
from PIL import Image
im = Image.open('k16.png').convert('L')
w, h = im.size
ink = [any(im.getpixel((x, y)) < 128 for y in range(32, 52)) for x in range(w)]
words, gap = [], 99
for x in range(w):
    if ink[x] and gap >= 8: words.append(0)
    if ink[x]: words[-1] += gap + 1 if gap < 8 else 1
    gap = 0 if ink[x] else gap + 1
raise SystemExit(0 if len(words) >= 17 and max(words) <= 26 else 1)"

# --- row 17: scripts/get-mnist.sh --help is the script's own ---
mkdir -p gm/scripts shims
cp "$SRC/scripts/get-mnist.sh" gm/scripts/
for s in npm curl sudo apt-get; do printf '#!/bin/sh\nexit 1\n' > shims/$s; chmod +x shims/$s; done
PATH="$T/shims:$PATH" timeout 20 bash gm/scripts/get-mnist.sh --help > gmh.txt 2>&1; gm_code=$?
check "row 17: get-mnist.sh --help prints its usage and exits 0" bash -c "[ $gm_code = 0 ] && head -1 gmh.txt | grep -q '^usage: scripts/get-mnist.sh'"
PATH="$T/shims:$PATH" timeout 20 bash gm/scripts/get-mnist.sh --bogus > gmb.txt 2>&1; gm_code=$?
check "row 17: get-mnist.sh refuses an unknown option in one line, exit 2" \
  bash -c "[ $gm_code = 2 ] && [ \"\$(wc -l < gmb.txt)\" = 1 ] && grep -q \"unknown option '--bogus'\" gmb.txt"
check "row 17: ... and makes no folder named after it" bash -c '[ ! -e gm/--bogus ] && [ ! -e gm/--help ]'

# --- row 18: a file's folder is made, as train --out's is ---
if "$M" info | grep -q '^onnx import/export: yes'; then  # a build without ONNX has neither command
  code 0 "$M" export lenet --out out/onnx/lenet5.onnx
  check "row 18: export --out into a folder not there yet" test -s out/onnx/lenet5.onnx
  code 0 "$M" import out/onnx/lenet5.onnx --out runs/imported/model.npz
  check "row 18: import --out runs/imported/model.npz makes runs/imported" test -s runs/imported/model.npz
fi
code 0 "$M" kernels lenet --out pictures/kernels/k.png
check "row 18: kernels --out into a folder not there yet" test -s pictures/kernels/k.png
code 0 "$M" explain lenet "$SRC/data/chelsea.png" --method saliency --out deep/explain
check "row 18: explain --out makes its folder" test -s deep/explain/explain.json
code 0 "$M" featuremaps lenet "$SRC/data/chelsea.png" --out deep/maps
check "row 18: featuremaps --out makes its folder" test -s deep/maps/input.png

# --- a newcomer's README pass (issue 27's follow-up): messages, names and README's words ---
code 2 "$M" --versoin
check "fix 10: --versoin: unknown option, did you mean '--version'" has out.txt "minicnn: unknown option '--versoin'; did you mean '--version'?"
code 2 "$M"; cp out.txt bare.txt
check "fix 10: minicnn alone prints the command list (exit 2), no error" bash -c 'grep -q "^Subcommands:" bare.txt && grep -q "^  train " bare.txt && ! grep -q "^minicnn: .*(see \|expected a subcommand" bare.txt'
code 2 "$M" train "${TINY[@]}" --out lenet
check "fix 10: a used --out is refused before the data is read (no '--limit' line first)" \
  bash -c 'has() { grep -qF -- "$2" "$1"; }; has out.txt "lenet already holds a model.npz" && [ "$(wc -l < out.txt)" = 1 ]'
mkdir -p badimg/a badimg/b
cp "$SRC/data/chelsea.png" badimg/a/1.png; cp "$SRC/data/chelsea.png" badimg/a/2.png
cp "$SRC/data/chelsea.png" badimg/b/1.png; cp "$SRC/data/chelsea.png" badimg/b/2.png
echo notes > badimg/a/notes.txt
code 0 "$M" train --data badimg --val-split 0.5 --image-size 16x16 --model "flatten, linear 2" --epochs 1 --threads 2 --skip-bad-images --out bi1
check "fix 10: one ignored file: '1 file that is not an image by its name was ignored'" has out.txt "1 file that is not an image by its name was ignored:"
echo more > badimg/b/more.txt
code 0 "$M" train --data badimg --val-split 0.5 --image-size 16x16 --model "flatten, linear 2" --epochs 1 --threads 2 --skip-bad-images --out bi2
check "fix 10: two: '2 files that are not images by their names were ignored'" has out.txt "2 files that are not images by their names were ignored:"
code 1 "$M" import "$SRC/data/chelsea.png" --out imp.npz
check "fix 10: import of a PNG says it is not an ONNX file but a PNG image" has out.txt "is not an ONNX file (it starts like a PNG image)"
code 3 "$M" train --data "$DATA" --limit 1000 --test-limit 100 --epochs 1 --threads 2 --lr 1e6 --out div
check "fix 6: diverged before any checkpoint: says none was written, promises none" \
  bash -c 'has() { grep -qF -- "$2" "$1"; }; has out.txt "training diverged" && has out.txt "No checkpoint was written yet." && ! has out.txt "is kept"'
code 3 "$M" train --data "$DATA" --limit 1000 --test-limit 100 --epochs 1 --threads 2 --lr 1e6 --checkpoint-every 1 --out div2
check "fix 6: diverged after a checkpoint: names the one kept" bash -c 'grep -q "The last checkpoint written before this batch is kept: div2/model.npz, after [0-9]* batch" out.txt && [ -s div2/model.npz ]'
code 0 "$M" explain lenet "$SRC/data/chelsea.png" --method occlusion --out ex7; cp out.txt ex7a.txt
code 0 "$M" explain lenet "$SRC/data/chelsea.png" --method occlusion --class 4 --out ex7; cp out.txt ex7b.txt
check "fix 7: --class 4 writes chelsea_as_4_occlusion.png beside the predicted class's chelsea_occlusion.png" \
  bash -c '[ -s ex7/chelsea_occlusion.png ] && [ -s ex7/chelsea_as_4_occlusion.png ] && [ -s ex7/chelsea_as_4_occlusion.npy ]'
check "fix 7: explain prints the real file names, no brace pattern" \
  bash -c 'grep -q -- "-> ex7/chelsea_occlusion.png$" ex7a.txt && grep -q -- "-> ex7/chelsea_as_4_occlusion.png$" ex7b.txt && ! grep -q "{" ex7a.txt ex7b.txt'
check "fix 12: data/shapes/ (README's make-shapes folder) is git-ignored" \
  bash -c "grep -q 'datasets make-shapes --out data/shapes' '$SRC/README.md' && git -C '$SRC' check-ignore -q --no-index data/shapes/train/x.png"
# README's command lines (code blocks): every mpirun goes through scripts/mpirun.sh (plain mpirun
# refuses root), and Fashion-MNIST is fetched before it is trained on.
$PY - "$SRC/README.md" > readme.txt 2>&1 <<'PYEOF'
import re, sys
md = open(sys.argv[1]).read()
lines = [l for b in re.findall(r"```sh\n(.*?)```", md, re.S) for l in b.splitlines()]
bare = [l for l in lines if re.match(r"\s*(sudo\s+)?mpirun\b", l)]
print("bare mpirun:", bare)
fetch = next((i for i, l in enumerate(lines) if "get-mnist.sh --dataset fashion-mnist" in l), None)
train = next((i for i, l in enumerate(lines) if "train --dataset fashion-mnist" in l), None)
print("fashion fetched first:", fetch is not None and train is not None and fetch < train)
print("table classes:", "| model | parameters (4 classes) |" in md and "| `convnet-rgb` | 82k |" in md)
PYEOF
check "fix 3: README's command lines run mpirun only through scripts/mpirun.sh" has readme.txt "bare mpirun: []"
check "fix 4: README fetches Fashion-MNIST (get-mnist.sh --dataset fashion-mnist) before training on it" has readme.txt "fashion fetched first: True"
code 0 "$M" summary --model convnet-rgb --input 3x32x32 --classes 4
check "fix 11: README's convnet-rgb 82k is for 4 classes, as summary --classes 4 counts (82340)" \
  bash -c 'grep -q "^parameters: 82[0-9][0-9][0-9] " out.txt && grep -q "table classes: True" readme.txt'

echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
