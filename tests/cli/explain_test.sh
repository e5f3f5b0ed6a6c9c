#!/usr/bin/env bash
# minicnn features and minicnn explain end to end (issue 26), on a lenet5 and a resnet-mini-gray
# trained briefly on a slice of MNIST:
#   explain_test.sh BUILD/minicnn SOURCE_DIR
# the files each writes (names, JSON fields, .npy shapes and dtypes, the normalised range of the
# synthesized inputs), the same bytes twice for a seed, and every bad input of the issue: one line
# naming it, exit 2 (command line) or 1 (file), and nothing written.
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
[ -f "$DATA/t10k-images-idx3-ubyte" ] || fail "MNIST is missing from $DATA: run scripts/get-mnist.sh"
run() { local out=$1; shift; "$@" > "$out" 2>&1 || { cat "$out" >&2; fail "exit $?: $*"; }; }
has() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$3: '$2' not in $1"; }; ok "$3"; }
holds() { local d=$1; shift; "$@" || fail "$d"; ok "$d"; }
# refused CODE WHAT NEEDLE DIR -- COMMAND...: exits CODE with one line holding NEEDLE, and DIR is
# left as it was (absent, or holding the same files).
refused() {
  local code=$1 what=$2 needle=$3 dir=$4; shift 5
  local before; before=$(ls -R "$dir" 2>/dev/null | md5sum)
  "$@" > r.out 2> r.err; local got=$?
  [ "$got" = "$code" ] || { cat r.out r.err >&2; fail "$what: exit $got, expected $code"; }
  [ "$(wc -l < r.err)" = 1 ] || { cat r.err >&2; fail "$what: expected one line on stderr"; }
  grep -qF -- "$needle" r.err || { cat r.err >&2; fail "$what: '$needle' not in the message"; }
  [ "$(ls -R "$dir" 2>/dev/null | md5sum)" = "$before" ] || { ls -R "$dir" >&2; fail "$what: $dir changed"; }
  ok "$what: exit $code, '$(cat r.err)'"
}

SMALL=(--data "$DATA" --limit 640 --test-limit 100 --threads 2 --epochs 1)
run tl.txt "$M" train "${SMALL[@]}" --model lenet5 --out lenet
run tr.txt "$M" train "${SMALL[@]}" --model resnet-mini-gray --out resnet
ok "trained lenet5 and resnet-mini-gray on 640 digits (100 test digits)"
run ex.txt "$M" datasets export mnist --data "$DATA" --out digits --limit 20
mapfile -t IMAGES < <(find digits/test -name '*.png' | sort | head -4)
[ "${#IMAGES[@]}" = 4 ] || fail "datasets export wrote no test digits"
# The runs' 100 test digits (a stratified --test-limit subset), named by their index in the test file.
run es.txt "$M" datasets export mnist --data "$DATA" --out subset --limit 10 --test-limit 100

# --- features ---------------------------------------------------------------------------------
run f1.txt "$M" features lenet --threads 2
has f1.txt "layer 0" "features: every conv layer by default (layer 0)"
has f1.txt "layer 3" "features: every conv layer by default (layer 3)"
for f in 0_top.json 0_top.png 3_top.json 3_top.png; do holds "features wrote lenet/features/$f" [ -s "lenet/features/$f" ]; done
run f2.txt "$M" features lenet --layer 3 --top 5 --synthesize --steps 32 --seed 7 --out s1 --threads 2
run f3.txt "$M" features lenet --layer 3 --top 5 --synthesize --steps 32 --seed 7 --out s2 --threads 1
run f4.txt "$M" features lenet --layer 3 --top 5 --synthesize --steps 32 --seed 8 --out s3 --threads 2
for f in 3_top.json 3_top.png 3_synth.npy 3_synth.png; do
  holds "features --synthesize: $f the same bytes for one seed (2 threads and 1)" cmp "s1/$f" "s2/$f"
done
holds "features --synthesize: another seed draws other inputs" bash -c '! cmp -s s1/3_synth.npy s3/3_synth.npy'
run fr.txt "$M" features resnet --threads 2
run fn.txt "$M" features resnet --layer 3.body.0,5 --out nested --threads 2

"$PY" - "$DATA" <<'PYEOF' > check.txt 2>&1 || { cat check.txt; fail "the features files are not as specified"; }
import glob, json, os, numpy, sys
# subset/test/<class>/<index>.png: <index> is the digit's index in the test file, which has that class.
labels = numpy.fromfile(f"{sys.argv[1]}/t10k-labels-idx1-ubyte", numpy.uint8, offset=8)
files = glob.glob("subset/test/*/*.png")
index = {int(os.path.basename(p)[:-4]) for p in files}
assert len(index) == 100 and max(index) >= 100, f"export --test-limit 100: {len(index)} files, largest index {max(index)}"
wrong = [p for p in files if labels[int(os.path.basename(p)[:-4])] != int(p.split("/")[-2])]
assert not wrong, f"export names {len(wrong)} of 100 digits by another test image's index: {wrong[:3]}"
print(f"ok: export --test-limit 100 names every digit by its index in the test file (largest {max(index)}), its class matching")
def check(path, channels, k, h, w, images):
    t = json.load(open(path))
    assert isinstance(t, list) and len(t) == channels * k, f"{path}: {len(t)} entries, expected {channels} x {k}"
    for e in t:
        assert set(e) == {"channel", "rank", "image", "y", "x", "activation"}, f"{path}: fields {sorted(e)}"
        assert e["image"] in images and 0 <= e["y"] < h and 0 <= e["x"] < w, f"{path}: {e} outside the set or the map"
    for c in range(channels):
        rows = [e for e in t if e["channel"] == c]
        assert [e["rank"] for e in rows] == list(range(k)), f"{path}: channel {c} ranks {[e['rank'] for e in rows]}"
        for a, b in zip(rows, rows[1:]):  # ranked by activation, ties to the lower image index
            assert a["activation"] > b["activation"] or (a["activation"] == b["activation"] and a["image"] < b["image"]), f"{path}: {a} before {b}"
        assert len({e["image"] for e in rows}) == k, f"{path}: channel {c} lists an image twice"
    print(f"ok: {path}: {channels} channels x {k} ranked entries with the six fields, inside the {h}x{w} map")
check("lenet/features/0_top.json", 6, 9, 28, 28, index)
check("lenet/features/3_top.json", 16, 9, 10, 10, index)
check("s1/3_top.json", 16, 5, 10, 10, index)
check("nested/3.body.0_top.json", 16, 9, 28, 28, index)
check("nested/5_top.json", 64, 9, 7, 7, index)
want = {"0", "3.body.0", "3.body.3", "4.body.0", "4.body.3", "4.shortcut.0", "5.body.0", "5.body.3", "5.shortcut.0"}
got = {f[:-9] for f in os.listdir("resnet/features") if f.endswith("_top.json")}
assert got == want, f"resnet's default layers {sorted(got)}, expected every conv {sorted(want)}"
print("ok: resnet-mini-gray's default is every conv, nested ones too:", " ".join(sorted(got)))
norm = json.loads(numpy.load("lenet/model.npz")["__minicnn__"].tobytes())["extra"]["normalize"]
lo, hi = (0 - norm["mean"][0]) / norm["std"][0], (1 - norm["mean"][0]) / norm["std"][0]
s = numpy.load("s1/3_synth.npy")
assert s.dtype == numpy.float32 and s.shape == (16, 1, 28, 28), f"3_synth.npy: {s.dtype} {s.shape}"
assert s.min() >= lo - 1e-6 and s.max() <= hi + 1e-6, f"3_synth.npy: values {s.min()}..{s.max()} outside [{lo}, {hi}]"
assert s.std() > 0.05, "3_synth.npy: flat pictures"
print(f"ok: 3_synth.npy float32 (16, 1, 28, 28), values {s.min():.3f}..{s.max():.3f} inside the normalised range [{lo:.3f}, {hi:.3f}]")
PYEOF
cat check.txt; pass=$((pass + $(grep -c '^ok' check.txt)))

# --- explain ----------------------------------------------------------------------------------
run e1.txt "$M" explain lenet "${IMAGES[@]}" --out e1 --threads 2
run e2.txt "$M" explain lenet "${IMAGES[@]}" --out e2 --threads 1
holds "explain: the same bytes twice (2 threads and 1)" diff -r e1 e2
run e3.txt "$M" explain resnet "${IMAGES[0]}" --method gradcam --layer 3.body.0 --class 3 --out e3 --threads 2
run e4.txt "$M" explain resnet "${IMAGES[0]}" --method occlusion --patch 5 --stride 2 --out e4 --threads 2
"$PY" - "${IMAGES[@]}" <<'PYEOF' > check.txt 2>&1 || { cat check.txt; fail "the explain files are not as specified"; }
import json, os, sys, numpy
stems = [os.path.splitext(os.path.basename(p))[0] for p in sys.argv[1:]]
shapes = {"input": (1, 28, 28), "saliency": (28, 28), "gradcam": (5, 5), "occlusion": (28, 28)}  # lenet5's Grad-CAM layer: 5
for s in stems:
    for m, shape in shapes.items():
        a = numpy.load(f"e1/{s}_{m}.npy")
        assert a.dtype == numpy.float32 and a.shape == shape, f"{s}_{m}.npy: {a.dtype} {a.shape}, expected float32 {shape}"
        assert m == "input" or os.path.getsize(f"e1/{s}_{m}.png") > 0, f"{s}_{m}.png missing"
    assert numpy.load(f"e1/{s}_saliency.npy").min() >= 0 and numpy.load(f"e1/{s}_gradcam.npy").min() >= 0
print(f"ok: explain wrote S_input.npy (1, 28, 28), S_saliency/S_occlusion (28, 28), S_gradcam (5, 5), float32, and the pictures, for {len(stems)} digits")
j = json.load(open("e1/explain.json"))
assert j["methods"] == ["saliency", "gradcam", "occlusion"] and j["gradcam_layer"] == "5", j
assert j["occlusion"] == {"patch": 7, "stride": 1, "value": 0}, j["occlusion"]
assert len(j["images"]) == len(stems)
for e in j["images"]:
    assert {"image", "class", "class_name", "probability", "predicted", "predicted_name"} <= set(e), e
    assert e["class"] == e["predicted"] and 0 < e["probability"] <= 1, e
print("ok: explain.json: methods, Grad-CAM layer 5, occlusion 7x7 stride 1 at 0, and per image its class, probability and prediction")
s = stems[0]
g = numpy.load(f"e3/{s}_as_3_gradcam.npy")  # --class 3: the class in the name
assert g.shape == (28, 28) and not os.path.exists(f"e3/{s}_as_3_saliency.npy"), "--method gradcam --layer 3.body.0"
assert not os.path.exists(f"e3/{s}_gradcam.npy"), "--class 3 wrote the predicted class's name"
j = json.load(open("e3/explain.json"))
assert j["images"][0]["class"] == 3 and j["gradcam_layer"] == "3.body.0", j
print("ok: resnet --method gradcam --layer 3.body.0 --class 3: a (28, 28) map of class 3 at the nested layer, and nothing else")
assert json.load(open("e4/explain.json"))["occlusion"] == {"patch": 5, "stride": 2, "value": 0}
assert numpy.load(f"e4/{s}_occlusion.npy").shape == (28, 28)
print("ok: --patch 5 --stride 2 recorded in explain.json, the map still (28, 28)")
PYEOF
cat check.txt; pass=$((pass + $(grep -c '^ok' check.txt)))

# --- bad input: one line, exit 2 (command line) or 1 (file), nothing written -----------------
mkdir keep && echo kept > keep/file.txt
refused 2 "features --layer 99" "--layer: " lenet/features -- "$M" features lenet --layer 99 --out lenet/features
refused 2 "features --layer 3.body.9 (nested, unknown)" "3.body.9" nf -- "$M" features resnet --layer 3.body.9 --out nf
refused 2 "features --top 0" "--top" nf -- "$M" features lenet --top 0 --out nf
refused 2 "features --top 101 (100 test images)" "--top" nf -- "$M" features lenet --top 101 --out nf
refused 2 "features --top 101 into a folder that exists" "--top" keep -- "$M" features lenet --top 101 --out keep
refused 2 "explain --layer 99" "--layer: " ne -- "$M" explain lenet "${IMAGES[0]}" --layer 99 --out ne
refused 2 "explain --layer 7 (Linear: no maps for Grad-CAM)" "7" ne -- "$M" explain lenet "${IMAGES[0]}" --method gradcam --layer 7 --out ne
refused 2 "explain --method all --layer 6 (Flatten)" "6" keep -- "$M" explain lenet "${IMAGES[0]}" --layer 6 --out keep
refused 2 "explain --layer 6 on resnet (global pooling: no maps)" "6" ne -- "$M" explain resnet "${IMAGES[0]}" --layer 6 --out ne
refused 2 "explain --class 10 (10 classes)" "--class" ne -- "$M" explain lenet "${IMAGES[0]}" --class 10 --out ne
refused 2 "explain --class seven (no such class)" "seven" ne -- "$M" explain lenet "${IMAGES[0]}" --class seven --out ne
refused 2 "explain --class -1" "--class" ne -- "$M" explain lenet "${IMAGES[0]}" --class -1 --out ne
printf 'not a picture' > broken.png
refused 1 "explain on an unreadable picture (after a good one)" "broken.png" ne -- "$M" explain lenet "${IMAGES[0]}" broken.png --out ne
refused 1 "explain on a missing picture" "missing.png" keep -- "$M" explain lenet missing.png --out keep
refused 1 "features of a run folder without a model" "no model.npz" ne -- "$M" features digits --out ne
echo "explain_test: $pass checks passed"
