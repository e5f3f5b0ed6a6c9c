#!/usr/bin/env bash
# docs/ARCHITECTURE.md against the tree: every folder its table names exists, every part folder of
# include/minicnn, src and tests is in the table, and every include in the library follows the
# page's rules of which part may include which: public ones (#include "minicnn/<part>/...") and
# private ones (#include "<part>/...", a header that lives in src/<part>/), in .hpp, .cpp and .inc
# files alike. A public header includes no private one (it would not compile once installed).
#   architecture_test.sh SOURCE_DIR
# tests/cli/architecture_test_test.sh plants bad includes in a copy of the tree to see this fail.
set -uo pipefail
cd "$1" || exit 1
fails=0 passes=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { passes=$((passes + 1)); }
doc=docs/ARCHITECTURE.md
for folder in $(grep -o '^| `[^`]*/`' "$doc" | sed 's/^| `//; s/`$//' | grep -v '\.\.\.'); do
  [ -d "$folder" ] && pass || fail "$doc names $folder, which does not exist"
done
# Every folder of the three trees is described: by its own row, or as a part the table names.
for dir in include/minicnn/*/ src/*/ tests/*/; do
  part=$(basename "$dir")
  if grep -qF "\`$dir\`" "$doc" || grep -qF "\`include/minicnn/$part/\`" "$doc" || grep -qF "\`src/$part/\`" "$doc"; then pass
  else fail "$dir is not described in $doc"; fi
done
# Allowed includes per part (the page's table). kernels is private: it has no public headers.
declare -A allowed=(
  [core]="core" [kernels]="core kernels" [layers]="core kernels layers" [loss]="core loss" [optim]="core optim"
  [io]="core layers loss optim io" [data]="core io data" [vision]="core layers io data vision"
  [train]="core layers loss optim io data vision train"
  [explain]="core layers loss optim io data vision train explain"
  [web]="core layers loss optim io data vision train explain web" [experiment]="core layers loss optim io data vision train explain experiment")
check() {  # check FILE PART KIND USED: one include of part USED, public or private, by FILE of PART
  case " ${allowed[$2]} " in
    *" $4 "*) pass ;;
    *) fail "$1 ($2) includes $3$4/, which $doc does not allow" ;;
  esac
}
for dir in src/*/; do
  part=$(basename "$dir")
  [ "$part" = cli ] || [ "$part" = python ] || [ -n "${allowed[$part]:-}" ] && pass || fail "src/$part/ has no include rules in this test (and $doc)"
done
for part in "${!allowed[@]}"; do
  for f in include/minicnn/$part/*.hpp src/$part/*.cpp src/$part/*.hpp src/$part/*.inc; do
    [ -f "$f" ] || continue
    for used in $(grep -ho '^ *# *include "minicnn/[a-z_]*/' "$f" | sed 's/.*"minicnn\///; s/\///' | sort -u); do
      check "$f" "$part" "minicnn/" "$used"
    done
    for used in $(grep -ho '^ *# *include "[a-z_]*/' "$f" | sed 's/.*"//; s/\///' | grep -vx minicnn | sort -u); do
      if [ "${f#include/}" != "$f" ]; then fail "$f is a public header but includes the private $used/: installed, it would not compile"
      elif [ -d "src/$used" ]; then check "$f" "$part" "" "$used"
      else fail "$f includes \"$used/...\", which is no folder of src/"; fi
    done
  done
done
echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
