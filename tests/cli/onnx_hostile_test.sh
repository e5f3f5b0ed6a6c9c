#!/usr/bin/env bash
# Corrupt and hostile .onnx files through `minicnn import` (issue 18): a cycle, a dangling input,
# huge declared tensors (one of 2 GiB whose data the parse leaves in the file), wrong field and attribute types, an unknown operator, external data, an
# old opset, files that would take unbounded memory or stack to parse (millions of empty nodes, a
# packed field of 1-byte integers, 2000 nested graphs), a truncated export, a PNG, an empty file.
# Each must give exit code 1 and exactly one line naming the file and the problem, write nothing,
# and stay within 100 MB of memory above what the tool needs to print its help (the first three
# hostile files would need 300 MB to several GB if parsed blindly).
#   onnx_hostile_test.sh BUILD/minicnn SOURCE_DIR
HERE=$(dirname "$(realpath "$0")")
source "$HERE/cli_lib.sh" "$1" "$2"

manual_seed=1
"$M" train --data "$DATA" --limit 64 --test-limit 64 --epochs 1 --threads 2 --out run > train.log 2>&1 || { cat train.log; fail "train"; }
"$M" export run --out good.onnx > export.log 2>&1 || { cat export.log; fail "export"; }
mkdir hostile
"$PY" "$HERE/onnx_hostile.py" good.onnx hostile > cases.tsv || fail "writing the hostile files"

"$PY" - "$M" <<'PYEOF'
import os, resource, subprocess, sys
tool = sys.argv[1]

def run(args):  # exit code, stderr, peak resident memory in MB of this one run
    p = subprocess.Popen([tool] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read().decode()
    _, status, usage = os.wait4(p.pid, 0)
    return os.waitstatus_to_exitcode(status), err, usage.ru_maxrss / 1024

_, _, baseline = run(["import", "--help"])
failed = 0
for line in open("cases.tsv"):
    name, expected = line.rstrip("\n").split("\t")
    path = f"hostile/{name}"
    code, err, mb = run(["import", path, "--out", "x.npz"])
    lines = err.splitlines()
    problems = []
    if code != 1: problems.append(f"exit code {code}")
    if len(lines) != 1: problems.append(f"{len(lines)} lines on stderr")
    if not err.startswith(f"minicnn import: error: {path}: ") or expected not in err: problems.append("not the expected error")
    if os.path.exists("x.npz"): problems.append("wrote x.npz")
    if mb > baseline + 100: problems.append(f"peak memory {mb:.0f} MB, more than {baseline:.0f} + 100")
    print(f"{'ok' if not problems else 'FAIL'}: {name} ({os.path.getsize(path)} bytes, {mb:.0f} MB): {err.strip()}"
          + (f"  <- {'; '.join(problems)}, expected '{expected}'" if problems else ""))
    failed += bool(problems)
print(f"(the tool needs {baseline:.0f} MB to print its help)")
sys.exit(1 if failed else 0)
PYEOF
[ $? = 0 ] || fail "a hostile file was not refused cleanly"
ok "every corrupt or hostile file refused with one line, nothing written, memory bounded"

# A folder, a missing file, and an ONNX model whose checkpoint would replace a file.
"$M" import hostile --out x.npz 2> err.txt; [ $? = 1 ] && grep -q "hostile: cannot read it" err.txt || { cat err.txt; fail "a folder"; }
"$M" import missing.onnx --out x.npz 2> err.txt; [ $? = 1 ] && grep -q "missing.onnx: cannot open it" err.txt || { cat err.txt; fail "missing"; }
touch taken.npz
"$M" import good.onnx --out taken.npz 2> err.txt; [ $? = 2 ] && [ ! -s taken.npz ] || { cat err.txt; fail "replaced a file"; }
ok "a folder, a missing file and an existing --out are refused"
echo "$pass passed"
