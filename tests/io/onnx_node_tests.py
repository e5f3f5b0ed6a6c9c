#!/usr/bin/env python3
"""ONNX's own backend node tests for the CNN operators, run through minicnn's importer.

    onnx_node_tests.py OUT_DIR

Generates the node tests of Conv, MaxPool, AveragePool, GlobalAveragePool, BatchNormalization,
Relu, LeakyRelu, Gemm, Flatten, Softmax and Add from Debian's python3-onnx (onnx.backend.test,
computed at test time, never committed) into OUT_DIR, with every input but the first turned into
an initializer (a weight, as a trained model holds it). Each test whose input_0 is a float
(N, C, H, W) or (N, F) tensor is imported with minicnn.import_onnx and run on input_0; it passes
when minicnn's output matches the expected one within 1e-4 of its largest magnitude, or when the
import refuses it with one line naming the node and what it does not read. A final Softmax is
applied to the output when the import says it left one out (minicnn models output logits). The
tests run in a child process, and a test that crashes it is reported and the rest go on in a new
one. The other tests are listed as skipped. Prints a table (test, result, reason) and the counts; exits 1 on
any mismatch, crash or unclear refusal, 77 when python3-onnx or the minicnn module is missing.
"""
import importlib
import os
import subprocess
import sys

OPS = ["conv", "maxpool", "averagepool", "globalaveragepool", "batchnorm", "relu", "leakyrelu", "gemm", "flatten",
       "softmax", "add"]


def generate(out_dir):
    import numpy as np
    # Debian's onnx 1.12 still uses the aliases numpy 1.24 removed.
    for alias, t in [("complex", complex), ("float", float), ("int", int), ("bool", bool), ("object", object), ("str", str)]:
        if alias not in np.__dict__:
            setattr(np, alias, t)
    from onnx import numpy_helper
    import onnx.backend.test.case.node as node_tests
    for op in OPS:  # importing a module runs its exports, which collect its test cases
        importlib.import_module("onnx.backend.test.case.node." + op)
    names = []
    for case in node_tests._NodeTestCases:
        model, (inputs, outputs) = case.model, case.data_sets[0]
        graph = model.graph
        keep = graph.input[0].name
        for value_info, array in zip(list(graph.input)[1:], inputs[1:]):
            graph.initializer.append(numpy_helper.from_array(np.asarray(array), value_info.name))
        for value_info in list(graph.input)[1:]:
            graph.input.remove(value_info)
        assert graph.input[0].name == keep
        d = os.path.join(out_dir, case.name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "model.onnx"), "wb") as f:
            f.write(model.SerializeToString())
        np.save(os.path.join(d, "input_0.npy"), np.asarray(inputs[0]))
        np.save(os.path.join(d, "output_0.npy"), np.asarray(outputs[0]))
        names.append(case.name)
    return names


def run_one(d):
    """'match ...', 'mismatch ...' or 'refused <the error line>' for the test in folder d."""
    import numpy as np
    import minicnn
    x = np.load(os.path.join(d, "input_0.npy"))
    want = np.load(os.path.join(d, "output_0.npy")).astype(np.float64)
    try:
        model, notes = minicnn.import_onnx(os.path.join(d, "model.onnx"))
    except Exception as e:  # a refusal
        return "refused " + str(e).replace(os.path.join(d, "model.onnx") + ": ", "", 1).replace("\n", "\\n")
    y = np.asarray(model(x.astype(np.float32)), dtype=np.float64)
    if any("final Softmax is left out" in n for n in notes):
        e = np.exp(y - y.max(axis=1, keepdims=True))
        y = e / e.sum(axis=1, keepdims=True)
    if y.size != want.size:
        return f"mismatch: output {y.shape}, expected {want.shape}"
    y = y.reshape(want.shape)  # GlobalAveragePool: minicnn gives (N, C) for (N, C, 1, 1)
    scale = float(np.abs(want).max()) if want.size else 0.0
    err = float(np.abs(y - want).max()) if want.size else 0.0
    if err <= 1e-4 * scale or (scale == 0.0 and err <= 1e-6):
        return f"match (max |diff| {err:.2g}, max |expected| {scale:.3g})"
    return f"mismatch: max |diff| {err:.3g} > 1e-4 x {scale:.3g}"


def run_children(dirs):
    """Runs the tests in child processes, one line each; a test that crashes its child is reported
    as such and the rest go on in a new one."""
    lines, todo = {}, list(dirs)
    while todo:
        p = subprocess.run([sys.executable, __file__, "--run", *todo], capture_output=True, text=True, timeout=600)
        for line in p.stdout.splitlines():
            name, _, result = line.partition("\t")
            lines[name] = result
        todo = [d for d in todo if d not in lines]
        if todo and p.returncode == 0:
            raise RuntimeError("the child stopped early without an error")
        if todo:
            lines[todo[0]] = f"CRASH exit {p.returncode}: {(p.stderr.strip().splitlines() or [''])[-1]}"
            todo = todo[1:]
    return lines


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--run":
        for d in sys.argv[2:]:
            print(f"{d}\t{run_one(d)}", flush=True)
        return 0
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        import numpy  # noqa: F401
        import onnx  # noqa: F401
        import minicnn  # noqa: F401
    except ImportError as e:
        print(f"SKIP: {e} (apt-get install python3-onnx, and build the minicnn Python module)")
        return 77
    import numpy as np
    out_dir = sys.argv[1]
    names = generate(out_dir)
    rows, counts, bad, run = [], {}, 0, []
    for name in names:
        x = np.load(os.path.join(out_dir, name, "input_0.npy"))
        if x.dtype == np.float32 and x.ndim in (2, 4):
            run.append(os.path.join(out_dir, name))
    results = run_children(run)
    for name in names:
        d = os.path.join(out_dir, name)
        x = np.load(os.path.join(d, "input_0.npy"))
        line = results.get(d)
        if line is None:
            result, reason = "skip", f"input_0 is {x.dtype} {tuple(x.shape)}, not float (N, C, H, W) or (N, F)"
        elif line.startswith("CRASH"):
            result, reason = "CRASH", line[len("CRASH "):]
        elif line.startswith("match"):
            result, reason = "match", line[len("match "):]
        elif line.startswith("refused "):
            msg = line[len("refused "):]
            clear = "\\n" not in msg and any(w in msg for w in ("node '", "input '", "opset", "output"))
            result, reason = ("refused" if clear else "UNCLEAR"), msg
        else:
            result, reason = "MISMATCH", line
        counts[result] = counts.get(result, 0) + 1
        bad += result in ("CRASH", "UNCLEAR", "MISMATCH")
        rows.append((name, result, reason))
    width = max(len(r[0]) for r in rows)
    print(f"{'test':<{width}}  {'result':<8}  reason")
    for name, result, reason in rows:
        print(f"{name:<{width}}  {result:<8}  {reason}")
    tested = sum(v for k, v in counts.items() if k != "skip")
    print(f"\n{tested} 2-D float tests of {len(rows)}: " + ", ".join(f"{counts.get(k, 0)} {k}" for k in
                                                                    ["match", "refused", "MISMATCH", "CRASH", "UNCLEAR"]) +
          f"; {counts.get('skip', 0)} skipped (not 2-D float)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
