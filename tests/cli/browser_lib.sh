# Shared by the browser tests (sourced after cli_lib.sh): Debian's chromium, node and npm, and
# puppeteer-core installed by npm (no browser download) into BUILD/node_cache, once, under a
# lock so that tests running side by side do not install it twice. Exits 77 (CTest's "skipped")
# only when one of them cannot be installed on this machine, and says which.
BUILD=$(dirname "$M")
# OpenMP threads that sleep rather than spin while they wait: the same results, and no crawl while
# Chromium and the training share the cores.
export OMP_WAIT_POLICY=passive
export MINICNN_NODE_CACHE="$BUILD/node_cache"
export CHROMIUM=/usr/lib/chromium/chromium
skip() { echo "SKIPPED: $*" >&2; exit 77; }
apt_install() {
  local SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing Debian's $*"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"; } >/dev/null 2>&1
}
[ -x "$CHROMIUM" ] || apt_install chromium
[ -x "$CHROMIUM" ] || skip "Chromium cannot be installed here"
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
command -v node >/dev/null && command -v npm >/dev/null || skip "node and npm cannot be installed here"
mkdir -p "$MINICNN_NODE_CACHE"
(
  flock 9
  if [ ! -f "$MINICNN_NODE_CACHE/node_modules/puppeteer-core/package.json" ]; then
    cp "$SRC/tests/browser/package.json" "$MINICNN_NODE_CACHE/"
    echo "installing puppeteer-core into $MINICNN_NODE_CACHE"
    cd "$MINICNN_NODE_CACHE" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error >npm.log 2>&1 ||
      { cat npm.log >&2; exit 1; }
  fi
) 9>"$MINICNN_NODE_CACHE/.lock" || skip "puppeteer-core cannot be installed from the npm registry"
BROWSER_TESTS="$SRC/tests/browser"
