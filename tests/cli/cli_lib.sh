# Shared by the CLI test scripts (sourced): the tool, the source folder, a scratch folder, and
# the pass/fail helpers. Usage: source cli_lib.sh BUILD/minicnn SOURCE_DIR
set -uo pipefail
M=$(realpath "$1")
SRC=$(realpath "$2")
DATA="$SRC/data/mnist"
PY=/usr/bin/python3   # Debian's interpreter: the one that sees python3-numpy
T=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
cd "$T"
pass=0
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { pass=$((pass + 1)); echo "ok: $*"; }
