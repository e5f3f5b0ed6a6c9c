# Shared by the tests that drive other programs (sourced after cli_lib.sh): each helper installs
# what is missing, as CI starts from a machine where only scripts/setup.sh has run, and exits 77
# (CTest's "skipped") only when it truly cannot be installed, saying why.

# apt-get install, as root or with sudo that asks for no password; the log goes to apt.log.
apt_install() {
  echo "installing $* with apt-get"
  if [ "$(id -u)" = 0 ]; then apt-get install -y --no-install-recommends "$@" > apt.log 2>&1
  else sudo -n apt-get install -y --no-install-recommends "$@" > apt.log 2>&1; fi
}

# need_python MODULE PACKAGE: Debian's python3 imports MODULE, installing PACKAGE if it does not.
need_python() {
  "$PY" -c "import $1" 2>/dev/null && return
  apt_install "$2"
  "$PY" -c "import $1" 2>/dev/null || { tail -5 apt.log; echo "SKIP: $2 can be neither imported nor installed"; exit 77; }
}

# need_onnxruntime CACHE: node and onnxruntime-node 1.30.0 in CACHE/node_modules (kept between runs).
# --ignore-scripts: the package's install script downloads GPU libraries; the CPU runtime is in the
# package itself. Binaries for other systems are removed (about 70 MB).
need_onnxruntime() {
  local cache=$1
  command -v node > /dev/null || apt_install nodejs npm
  command -v node > /dev/null || { tail -5 apt.log; echo "SKIP: node can be neither found nor installed"; exit 77; }
  ORT_NODE_PATH="$cache/node_modules"
  if ! NODE_PATH="$ORT_NODE_PATH" node -e "require('onnxruntime-node')" 2>/dev/null; then
    command -v npm > /dev/null || apt_install npm
    mkdir -p "$cache"
    echo "installing onnxruntime-node@1.30.0 into $cache"
    npm install --prefix "$cache" --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0 > "$cache/npm.log" 2>&1 ||
      { tail -5 "$cache/npm.log"; echo "SKIP: npm cannot install onnxruntime-node@1.30.0"; exit 77; }
    rm -rf "$ORT_NODE_PATH"/onnxruntime-node/bin/napi-v*/{darwin,win32}
    NODE_PATH="$ORT_NODE_PATH" node -e "require('onnxruntime-node')" ||
      { echo "SKIP: onnxruntime-node does not load on this machine"; exit 77; }
  fi
  export NODE_PATH="$ORT_NODE_PATH"
}
