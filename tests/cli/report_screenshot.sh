#!/usr/bin/env bash
# Writes a small compare report, opens it in headless Chromium (scripts/screenshot-report.sh) and
# checks the screenshot shows the kernel grids: both the diverging map's red and its blue.
#   report_screenshot.sh BUILD/minicnn SOURCE_DIR
# Exit 77 (skipped) comes only from screenshot-report.sh, when Chromium cannot be installed.
set -uo pipefail
M=$(realpath "$1")
SRC=$(realpath "$2")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$M" compare --data "$SRC/data/mnist" --limit 1000 --test-limit 200 --epochs 1 --threads 2 --out "$T/cmp" > "$T/log" 2>&1 ||
  { cat "$T/log"; echo "FAIL: compare"; exit 1; }
bash "$SRC/scripts/screenshot-report.sh" "$T/cmp/report.html" "$T/shot.png"
rc=$?
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "FAIL: screenshot"; exit 1; }
/usr/bin/python3 - "$T/shot.png" <<'PYEOF'
# Decode the PNG with zlib alone and count kernel-red and kernel-blue pixels.
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
w, h, depth, ctype = struct.unpack(">IIBB", data[16:26])
assert depth == 8 and ctype in (2, 6), (depth, ctype)
bpp = 3 if ctype == 2 else 4
raw, pos = b"", 8
while pos < len(data):
    n, t = struct.unpack(">I4s", data[pos:pos + 8])
    if t == b"IDAT": raw += data[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(raw)
stride, prev, red, blue = w * bpp, bytearray(w * bpp), 0, 0
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        r, g, bl = line[x], line[x + 1], line[x + 2]
        red += r > 150 and g < 90 and bl < 90
        blue += bl > 140 and r < 90
    prev = line
print(f"screenshot {w}x{h}: {red} kernel-red and {blue} kernel-blue pixels")
sys.exit(0 if red > 500 and blue > 500 else 1)
PYEOF
