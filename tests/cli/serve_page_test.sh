#!/usr/bin/env bash
# Issue 19, acceptance 3: `minicnn serve` on a trained lenet5; a 7 drawn on the page's canvas
# through the DevTools protocol reads as 7, and every layer's activation picture is non-empty
# (tests/browser/serve_test.mjs). Issue 26: the saliency and Grad-CAM overlays follow the
# drawing, and a clicked channel shows its top test crops and synthesized input, written to
# run/features/ as `minicnn features --synthesize` writes them (the same bytes). The screenshots
# are kept in the build folder.
#   serve_page_test.sh BUILD/minicnn SOURCE_DIR
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
source "$SRC/tests/cli/browser_lib.sh"
# One epoch on 30000 images: about 98% on the test set, enough to read a drawn digit.
"$M" train --data "$DATA" --epochs 1 --limit 30000 --test-limit 1000 --threads 2 --out run > train.log 2>&1 ||
  { cat train.log; fail "train"; }
"$M" serve run --port 0 > serve.log 2>&1 &
server=$!
for _ in $(seq 1 200); do grep -q "on http://" serve.log && break; sleep 0.05; done
url=$(sed -n 's/.* on \(http:[^ ]*\) .*/\1/p' serve.log)
[ -n "$url" ] || { cat serve.log; fail "serve printed no address"; }
ok "serve is up at $url"
node "$BROWSER_TESTS/serve_test.mjs" "$url" "$SRC/data/chelsea.png" "$BUILD/serve_page.png" || fail "the draw page in Chromium"
ok "a drawn 7 reads as 7, with every layer's activations (screenshot: $BUILD/serve_page.png)"
for f in 3_top.json 3_top.png 3_synth.npy 3_synth.png; do
  [ -s "run/features/$f" ] || fail "serve should have written run/features/$f"
done
"$M" features run --layer 3 --synthesize --threads 1 --out f2 > features.log 2>&1 || { cat features.log; fail "features"; }
for f in 3_top.json 3_synth.npy; do
  cmp -s "run/features/$f" "f2/$f" || fail "run/features/$f (serve) differs from what features writes"
done
ok "a clicked channel's files are features' own, byte for byte (screenshot: $BUILD/serve_page_channel.png)"
kill -TERM $server
wait $server
rc=$?
[ $rc = 0 ] || { cat serve.log; fail "serve should stop cleanly on SIGTERM, exit $rc"; }
ok "serve stops on SIGTERM, exit 0"
echo "$pass passed, 0 failed"
