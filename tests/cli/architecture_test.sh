#!/usr/bin/env bash
# docs/ARCHITECTURE.md against the tree: every folder its table names exists, every part folder of
# include/minicnn, src and tests is in the table, and every #include "minicnn/<part>/..." in the
# library follows the page's rules of which part may include which.
#   architecture_test.sh SOURCE_DIR
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
  if grep -qF "\`$dir\`" "$doc" || grep -qF "\`include/minicnn/$part/\`" "$doc"; then pass
  else fail "$dir is not described in $doc"; fi
done
# Allowed includes per part (the page's table).
declare -A allowed=(
  [core]="core" [layers]="core layers" [optim]="core optim" [io]="core layers optim io"
  [data]="core io data" [vision]="core layers io data vision" [train]="core layers optim io data vision train"
  [web]="core layers optim io data vision train web" [experiment]="core layers optim io data vision train experiment")
for part in "${!allowed[@]}"; do
  for f in include/minicnn/$part/*.hpp src/$part/*.cpp src/$part/*.hpp; do
    [ -f "$f" ] || continue
    for used in $(grep -ho '#include "minicnn/[a-z_]*/' "$f" | sed 's/#include "minicnn\///; s/\///' | sort -u); do
      case " ${allowed[$part]} " in
        *" $used "*) pass ;;
        *) fail "$f ($part) includes minicnn/$used/, which $doc does not allow" ;;
      esac
    done
  done
done
echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
