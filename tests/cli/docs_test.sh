#!/usr/bin/env bash
# Every C++ block in docs/EXTENDING.md must appear, word for word, in the example it comes from,
# which CI builds and runs, so the guide cannot drift from code that compiles. Blocks come from
# examples/custom_layer.cpp until a marker line
#   <!-- docs test: the code blocks from here on are checked against examples/NAME.cpp -->
# names another file, for the blocks after it.
#   docs_test.sh SOURCE_DIR
set -uo pipefail
/usr/bin/python3 - "$1" <<'PYEOF'
import re, sys
root = sys.argv[1]
md = open(f"{root}/docs/EXTENDING.md").read()
squash = lambda s: re.sub(r"\s+", " ", s).strip()
marker = r"<!-- docs test: the code blocks from here on are checked against (examples/[\w.]+) -->"
parts = re.split(marker, md)  # text, file, text, file, text, ...
sources = ["examples/custom_layer.cpp"] + parts[1::2]
passed = failed = 0
for source, text in zip(sources, parts[0::2]):
    src = squash(open(f"{root}/{source}").read())
    blocks = re.findall(r"```cpp\n(.*?)```", text, re.S)
    if not blocks:
        print(f"no cpp block is checked against {source}")
        failed += 1
    for b in blocks:
        if squash(b) in src:
            passed += 1
        else:
            print(f"not in {source}:\n{b}")
            failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PYEOF
