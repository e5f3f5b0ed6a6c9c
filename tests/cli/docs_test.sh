#!/usr/bin/env bash
# Every C++ block in docs/EXTENDING.md must appear, word for word, in examples/custom_layer.cpp
# (which CI builds and runs), so the guide cannot drift from code that compiles.
#   docs_test.sh SOURCE_DIR
set -uo pipefail
/usr/bin/python3 - "$1" <<'PYEOF'
import re, sys
root = sys.argv[1]
md = open(f"{root}/docs/EXTENDING.md").read()
src = open(f"{root}/examples/custom_layer.cpp").read()
squash = lambda s: re.sub(r"\s+", " ", s).strip()
blocks = re.findall(r"```cpp\n(.*?)```", md, re.S)
missing = [b for b in blocks if squash(b) not in squash(src)]
for b in missing:
    print("not in examples/custom_layer.cpp:\n" + b)
print(f"{len(blocks) - len(missing)} passed, {len(missing)} failed")
sys.exit(1 if missing or not blocks else 0)
PYEOF
