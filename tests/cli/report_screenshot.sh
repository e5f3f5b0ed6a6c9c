#!/usr/bin/env bash
# Writes a small compare report (2 seeds, 2 epochs), opens it in headless Chromium
# (scripts/screenshot-report.sh) and checks the screenshot: the three charts are drawn (their
# line colours form three separate bands down the page) and, below them, the kernel tables show
# the diverging map's red and blue.
#   report_screenshot.sh BUILD/minicnn SOURCE_DIR [KEEP.png]
# Exit 77 (skipped) only when Chromium or python3-pil cannot be installed, which it says.
set -uo pipefail
M=$(realpath "$1")
SRC=$(realpath "$2")
KEEP=${3:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$M" compare --data "$SRC/data/mnist" --limit 1000 --test-limit 200 --ablation-limit 100 --epochs 2 --seeds 2 --threads 2 \
  --out "$T/cmp" > "$T/log" 2>&1 || { cat "$T/log"; echo "FAIL: compare"; exit 1; }
bash "$SRC/scripts/screenshot-report.sh" "$T/cmp/report.html" "$T/shot.png" 1280 7000
rc=$?
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "FAIL: screenshot"; exit 1; }
[ -n "$KEEP" ] && cp "$T/shot.png" "$KEEP"
if ! /usr/bin/python3 -c "import PIL" 2>/dev/null; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pil; } >/dev/null 2>&1
  /usr/bin/python3 -c "import PIL" 2>/dev/null || { echo "report_screenshot: SKIPPED: python3-pil cannot be installed here"; exit 77; }
fi
/usr/bin/python3 - "$T/shot.png" <<'PYEOF'
import sys
import numpy as np
from PIL import Image
img = np.asarray(Image.open(sys.argv[1]).convert("RGB")).astype(int)
r, g, b = img[..., 0], img[..., 1], img[..., 2]
h, w = r.shape
# Chart lines: handset-init's orange (#ff7f0e) and random-frozen's green (#2ca02c), which
# nothing else on the page uses.
near = lambda c: (abs(r - c[0]) < 14) & (abs(g - c[1]) < 14) & (abs(b - c[2]) < 14)
chart = near((255, 127, 14)) | near((44, 160, 44))
rows = np.nonzero(chart.sum(axis=1) >= 2)[0]
bands, last = [], -1000
for y in rows:
    if y - last > 60: bands.append([y, y])
    bands[-1][1] = y
    last = y
print(f"screenshot {w}x{h}: chart colours in {len(bands)} bands at rows {[tuple(x) for x in bands]}")
if len(bands) < 3:
    print("FAIL: expected the final-accuracy, accuracy-per-epoch and loss charts"); sys.exit(1)
# Kernel tiles below the last chart: the diverging map's red and blue ramps.
below = slice(bands[-1][1] + 1, h)
red = ((r > g + 60) & (r > b + 50))[below].sum()
blue = ((b > r + 60) & (b > g + 20))[below].sum()
print(f"below the charts: {red} kernel-red and {blue} kernel-blue pixels")
sys.exit(0 if red > 3000 and blue > 3000 else 1)
PYEOF
