"""Runs every notebook of examples/notebooks with nbclient, as a learner would run it top to bottom;
a cell that raises (each notebook asserts its own results) fails the test, naming the notebook and
cell. The committed notebooks must carry no outputs.
    PYTHONPATH=build/python python3 tests/python/run_notebooks.py SOURCE_DIR [NAME ...]"""
import glob
import os
import sys
import time

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
except ImportError as e:
    print(f"skipped: {e} (apt-get install python3-nbclient python3-nbformat python3-ipykernel)")
    sys.exit(77)

source = sys.argv[1]
folder = os.path.join(source, "examples", "notebooks")
paths = sorted(glob.glob(os.path.join(folder, "*.ipynb")))
if len(sys.argv) > 2:
    paths = [p for p in paths if any(n in os.path.basename(p) for n in sys.argv[2:])]
os.environ["MINICNN_ROOT"] = source
failed = 0
for path in paths:
    nb = nbformat.read(path, as_version=4)
    name = os.path.basename(path)
    with_outputs = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    if with_outputs:
        print(f"FAIL {name}: committed with outputs in cells {with_outputs} (clear them before committing)")
        failed += 1
    start = time.time()
    try:
        NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": folder}}).execute()
        print(f"ok   {name} ({time.time() - start:.0f} s, {len(nb.cells)} cells)")
    except CellExecutionError as e:
        failed += 1
        print(f"FAIL {name}:\n{e}")
print(f"{len(paths) - failed} of {len(paths)} notebooks ran")
sys.exit(1 if failed or not paths else 0)
