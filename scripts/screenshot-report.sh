#!/usr/bin/env bash
# Opens a report in headless Chromium and saves a screenshot of the whole page:
#   scripts/screenshot-report.sh REPORT.html OUT.png [WIDTH] [HEIGHT]
# The screenshot is WIDTH x HEIGHT pixels (default 1280 x 4200): the page from its top.
# Installs Debian's chromium if it is missing. Exits 77 (CTest's "skipped") only when Chromium
# cannot be installed on this machine, and says so; any other failure is an error.
set -uo pipefail
report=$(realpath "${1:?usage: screenshot-report.sh REPORT.html OUT.png [WIDTH] [HEIGHT]}")
out=${2:?usage: screenshot-report.sh REPORT.html OUT.png [WIDTH] [HEIGHT]}
width=${3:-1280}
height=${4:-4200}
[ -f "$report" ] || { echo "screenshot-report: $report does not exist" >&2; exit 1; }
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "screenshot-report: installing Debian's chromium"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; } >/dev/null 2>&1
  command -v chromium >/dev/null 2>&1 || { echo "screenshot-report: SKIPPED: Chromium cannot be installed here" >&2; exit 77; }
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# The flags keep Chromium off the network (this machine has none) and out of the user's profile.
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$profile" --window-size="$width,$height" --screenshot="$(realpath -m "$out")" \
  "file://$report" >"$profile/log" 2>&1
rc=$?
if [ $rc -ne 0 ] || [ ! -s "$out" ]; then
  cat "$profile/log" >&2
  echo "screenshot-report: Chromium failed (exit $rc)" >&2
  exit 1
fi
if grep -qiE "Uncaught|Failed to load resource|ERR_FILE_NOT_FOUND" "$profile/log"; then
  cat "$profile/log" >&2
  echo "screenshot-report: the page reported errors" >&2
  exit 1
fi
echo "screenshot-report: $out"
