#!/usr/bin/env bash
# Issue 19, acceptance 1: after `minicnn train --epochs 2 --limit 5000`, report.html opens in
# headless Chromium and shows the curves, the kernels, the confusion matrix and the misclassified
# examples on screen (tests/browser/report_test.mjs). The screenshot is kept in the build folder.
#   report_page_test.sh BUILD/minicnn SOURCE_DIR
source "$(dirname "$0")/cli_lib.sh" "$1" "$2"
source "$SRC/tests/cli/browser_lib.sh"
"$M" train --data "$DATA" --epochs 2 --limit 5000 --test-limit 1000 --threads 2 --out run > train.log 2>&1 ||
  { cat train.log; fail "train"; }
# train ends with a "next:" block; its first line is the report.
grep -A1 "^next:$" train.log | grep -qE "^  run/report\.html +the report" || { cat train.log; fail "train does not point at its report"; }
ok "train wrote run/report.html and said so"
node "$BROWSER_TESTS/report_test.mjs" "$T/run/report.html" "$BUILD/report_page.png" || fail "the report in Chromium"
ok "the report is on screen in Chromium (screenshot: $BUILD/report_page.png)"
echo "$pass passed, 0 failed"
