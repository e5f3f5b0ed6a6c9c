#!/usr/bin/env bash
# Your own images through the tool: a generated colour set, mixed sizes, CIFAR-10 batches.
#   folder_test.sh BUILD/minicnn SOURCE_DIR
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
expect() { local code=$1 out=$2; shift 2; "$@" >"$out" 2>&1; local got=$?; [ "$got" = "$code" ] || { cat "$out" >&2; fail "expected exit $code, got $got: $*"; }; }
has() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$3: '$2' not in $1"; }; ok "$3"; }
holds() { local d=$1; shift; "$@" || fail "$d"; ok "$d"; }

# --- the generated colour set, trained with augmentation; bit-identical resume ---
expect 0 mk.txt "$M" datasets make-shapes --out shapes --train 240 --test 80 --size 16
has mk.txt "240 training and 80 test images" "make-shapes writes the set"
holds "class folders in train/ and test/" [ -d shapes/train/triangle ] && [ -d shapes/test/circle ]
expect 2 e.txt "$M" datasets make-shapes --out shapes
has e.txt "already holds a dataset" "make-shapes never writes over a dataset"
A=(--data shapes --augment crop=2,flip --batch-size 16 --threads 2 --model "conv 8 3 pad=1, relu, maxpool 2, flatten, linear 4")
expect 0 t1.txt "$M" train "${A[@]}" --epochs 2 --out s1
has t1.txt "4 classes (circle, square, stripes, triangle): 240 train / 80 test images, colour 16x16" "train reports the folder's classes and size"
has t1.txt "augmentation: crop=2,flip" "train reports the augmentation"
expect 0 t2.txt "$M" train "${A[@]}" --epochs 2 --out s2
holds "augmented runs with the same seed and threads: bit-identical model.npz" cmp s1/model.npz s2/model.npz
expect 0 t3.txt "$M" train --threads 2 --resume s1/checkpoints/epoch_1.npz --out s3
holds "an augmented run resumed from epoch 1: bit-identical model.npz" cmp s1/model.npz s3/model.npz
expect 0 ev.txt "$M" eval s1
has ev.txt "2 stripes" "eval's confusion matrix names the classes"
expect 0 pr.txt "$M" predict s1 "shapes/test/triangle/$(ls shapes/test/triangle | head -1)" --top 2 --json
has pr.txt '"class": "' "predict --json names the class"
has pr.txt '"probabilities": [' "predict --json gives the probabilities"
expect 0 k.txt "$M" kernels s1 --out k.png
has k.txt "(RGB kernels)" "kernels draws a colour first layer as RGB tiles"
expect 0 k.txt "$M" kernels s1 --view channels --out kc.png
has k.txt "8 x 3 tiles" "kernels --view channels keeps the per-channel view"

# --- three classes of non-square images of mixed sizes, resized to 32x24 ---
/usr/bin/python3 - <<'PYEOF'
import zlib, struct, os, random
random.seed(3)
def png(path, w, h, rgb):
    rows = b"".join(b"\x00" + bytes(v for x in range(w) for v in rgb(x, y)) for y in range(h))
    c = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + c(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + c(b"IDAT", zlib.compress(rows)) + c(b"IEND", b""))
for split, n in (("train", 12), ("test", 4)):
    for k, name in enumerate(("red", "green", "blue")):
        os.makedirs(f"mixed/{split}/{name}", exist_ok=True)
        for i in range(n):
            w, h = random.choice(((40, 30), (64, 48)))
            png(f"mixed/{split}/{name}/{i}.png", w, h, lambda x, y: tuple(200 if c == k else (x * 3 + y) % 60 for c in range(3)))
PYEOF
expect 0 mx.txt "$M" train --data mixed --image-size 32x24 --epochs 2 --batch-size 4 --threads 2 --model "conv 4 3, relu, flatten, linear 3" --out mx
has mx.txt "3 classes (blue, green, red): 36 train / 12 test images, colour 32x24" "mixed sizes train at --image-size 32x24"
has mx.txt "of 48 images were resized to 32x24" "the run says how many images were resized"
holds "the checkpoint's input is (3, 32, 24)" grep -q '"input_shape":\[3,32,24\]' <(/usr/bin/python3 -c "import numpy;print(numpy.load('mx/model.npz')['__minicnn__'].tobytes().decode().replace(' ','').replace(chr(10),''))")

# --- CIFAR-10 batches written here, and one with a bad length ---
mkdir cifar
/usr/bin/python3 -c "
import random; random.seed(1)
for name, n in (('data_batch_1.bin', 60), ('test_batch.bin', 20)):
    open('cifar/' + name, 'wb').write(b''.join(bytes([i % 10]) + bytes(random.randrange(256) for _ in range(3072)) for i in range(n)))"
expect 0 cf.txt "$M" train --dataset cifar10 --data cifar --epochs 1 --batch-size 20 --threads 2 --model "conv 4 3, relu, flatten, linear 10" --out cf
has cf.txt "(3, 32, 32)" "CIFAR-10 batches train as 3x32x32"
head -c 5000 cifar/test_batch.bin > cifar/t && mv cifar/t cifar/test_batch.bin
expect 1 e.txt "$M" train --data cifar --epochs 1 --out cf2
has e.txt "test_batch.bin: holds 5000 bytes, not a whole number of 3073-byte CIFAR-10 records" "a CIFAR batch of the wrong length: one clear error"
holds "and nothing was written" [ ! -e cf2/model.npz ]

# --- hints that fit the situation ---
mkdir -p pngs && cp shapes/train/circle/000.png pngs/
expect 1 e.txt "$M" train --data pngs --out p
has e.txt "pngs: holds 1 image but no class folders; put each class's images in a subfolder" "a folder of loose pictures: the hint says to make one folder per class"
echo "$pass passed, 0 failed"
