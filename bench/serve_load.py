#!/usr/bin/env python3
"""The draw page under load (issue 26): `minicnn serve` with live explanations, many drawers.

Starts `minicnn serve RUN --port 0` and runs two things against it:
  timing  one client, N drawings one after another, with MINICNN_SERVE_TIMING set: the server
          prints the milliseconds of each stage of /api/predict (decode, prepare, forward, each
          layer's picture drawn and PNG-encoded, saliency, Grad-CAM, JSON); the medians, summed
          per stage, show where a request's time goes
  load    CLIENTS clients, each posting a drawing (a 280x280 PNG as the page's canvas sends it)
          every PERIOD seconds for SECONDS seconds, one request at a time over a kept-alive
          connection as the page does (a late answer delays the next drawing, never overlaps
          it); failed requests, latency percentiles, and the server's resident memory sampled
          every second. With --click LAYER, one more client clicks channel 0 of that layer 15 s
          in, on a copy of the run without features/ (so the layer is computed, not read), and
          polls until it is ready, as the page does: the drawers' latency during that work is
          printed apart
No assertion: the figures go to bench/RESULTS.md (targets: no failed request, p99 < 300 ms,
memory flat after warm-up, for 20 clients at 200 ms on 2 cores).

usage: /usr/bin/python3 bench/serve_load.py BUILD/minicnn RUN [--clients 20] [--period 0.2] [--seconds 60]
"""
import argparse
import http.client
import io
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time

import numpy as np
from PIL import Image, ImageDraw


def drawings(n, seed=1):
    """n different hand-drawn-looking digits: a few strokes, white on black, 280x280 RGBA PNG."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        img = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
        g = ImageDraw.Draw(img)
        pts = [tuple(int(v) for v in rng.integers(50, 230, 2)) for _ in range(int(rng.integers(3, 7)))]
        g.line(pts, fill=(255, 255, 255, 255), width=20, joint="curve")
        buf = io.BytesIO()
        img.save(buf, "PNG")
        out.append(buf.getvalue())
    return out


def post(conn, body):
    conn.request("POST", "/api/predict", body=body, headers={"Content-Type": "image/png"})
    r = conn.getresponse()
    data = r.read()
    return r.status, data


def start(minicnn, run, env=None):
    """The server, its port, and a file that collects what it prints on stderr (never a full pipe)."""
    err = tempfile.TemporaryFile(mode="w+")
    p = subprocess.Popen([minicnn, "serve", run, "--port", "0"], stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    for line in p.stdout:
        m = re.search(r"on http://127\.0\.0\.1:(\d+)/", line)
        if m:
            threading.Thread(target=p.stdout.read, daemon=True).start()  # keep its stdout drained too
            p.err = err
            return p, int(m.group(1))
    err.seek(0)
    raise SystemExit("serve printed no address: " + err.read())


def stop(p):
    p.terminate()
    p.wait(timeout=30)


def timing(minicnn, run, n, pictures):
    import os
    p, port = start(minicnn, run, dict(os.environ, MINICNN_SERVE_TIMING="1"))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    walls = []
    for i in range(n):
        t = time.perf_counter()
        status, _ = post(conn, pictures[i % len(pictures)])
        walls.append(1000 * (time.perf_counter() - t))
        assert status == 200, status
    conn.close()
    stop(p)
    stages = {}
    p.err.seek(0)
    lines = [l for l in p.err.read().splitlines() if l.startswith("serve timing")][5:]  # the first few warm up
    for line in lines:
        per = {}
        for name, ms in re.findall(r" (\w+)=([0-9.]+)", line):
            per[name] = per.get(name, 0) + float(ms)  # draw and png appear once per layer
        for name, ms in per.items():
            stages.setdefault(name, []).append(ms)
    total = sum(statistics.median(v) for v in stages.values())
    print(f"timing: {len(lines)} requests, one at a time; server-side medians (ms), summed over layers:")
    for name, v in stages.items():
        m = statistics.median(v)
        print(f"  {name:9s} {m:7.2f}  {100 * m / total:5.1f}%")
    print(f"  {'total':9s} {total:7.2f}   (round trip seen by the client: median {statistics.median(walls):.2f} ms)")


def client(port, pictures, k, period, until, results, plain):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    due, i = time.monotonic() + period * k / 20, k
    while due < until:
        time.sleep(max(0.0, due - time.monotonic()))
        t = time.monotonic()
        try:
            status, body = post(conn, pictures[i % len(pictures)])
            ok = status == 200 and (plain or b'"saliency"' in body)
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        results.append((t, 1000 * (time.monotonic() - t), ok))
        due, i = max(due + period, time.monotonic()), i + 1
    conn.close()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


def clicker(port, layer, at, window):
    """Clicks channel 0 of `layer` at time `at` and polls every 250 ms until ready; notes when."""
    time.sleep(max(0.0, at - time.monotonic()))
    window.append(time.monotonic())
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while True:
        conn.request("GET", f"/api/channel?layer={layer}&channel=0")
        r = conn.getresponse()
        body = r.read()
        if r.status != 200 or b'"working"' not in body:
            break
        time.sleep(0.25)
    window.append(time.monotonic())
    window.append(r.status)
    conn.close()


def load(minicnn, run, args, pictures):
    folder = None
    if args.click:
        folder = tempfile.TemporaryDirectory()
        shutil.copytree(run, folder.name + "/run", ignore=shutil.ignore_patterns("features"))
        run = folder.name + "/run"
    p, port = start(minicnn, run)
    results, memory = [], []
    t0 = time.monotonic()
    until = t0 + args.seconds
    threads = [threading.Thread(target=client, args=(port, pictures, k, args.period, until, results, args.plain)) for k in range(args.clients)]
    window = []
    if args.click:
        threads.append(threading.Thread(target=clicker, args=(port, args.click, t0 + 15, window)))
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        memory.append((time.monotonic() - t0, rss_mb(p.pid)))
        time.sleep(1)
    for t in threads:
        t.join()
    stop(p)
    lat = sorted(ms for _, ms, _ in results)
    failed = sum(1 for *_, ok in results if not ok)
    q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
    print(f"load: {args.clients} clients, a drawing every {args.period * 1000:.0f} ms each, {args.seconds} s: "
          f"{len(results)} requests ({len(results) / args.seconds:.1f}/s), {failed} failed")
    print(f"  latency ms: p50 {q(0.5):.1f}  p90 {q(0.9):.1f}  p99 {q(0.99):.1f}  max {lat[-1]:.1f}"
          f"  ({sum(ms > 300 for ms in lat)} over 300 ms, {sum(ms > 1000 for ms in lat)} over 1 s)")
    warm = [m for t, m in memory if t >= 10]
    print("  resident MB every 5 s: " + " ".join(f"{m:.0f}" for t, m in memory[::5]))
    if warm:
        print(f"  after 10 s warm-up: {min(warm):.1f} to {max(warm):.1f} MB (first {warm[0]:.1f}, last {warm[-1]:.1f})")
    if window:
        during = sorted(ms for t, ms, _ in results if window[0] <= t <= window[1])
        qd = lambda f: during[min(len(during) - 1, int(f * len(during)))]
        print(f"  channel 0 of layer {args.click} clicked at 15 s: answer {window[2]} after {window[1] - window[0]:.1f} s; "
              f"meanwhile {len(during)} drawings, p50 {qd(0.5):.1f} ms, p99 {qd(0.99):.1f} ms, max {during[-1]:.1f} ms")
    if folder:
        folder.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("minicnn")
    ap.add_argument("run")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--period", type=float, default=0.2)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--timing", type=int, default=200, help="requests of the timing part (0: skip it)")
    ap.add_argument("--click", metavar="LAYER", help="also click channel 0 of this layer 15 s in (computed, not read)")
    ap.add_argument("--plain", action="store_true", help="any answer 200 counts (a build without explanations)")
    args = ap.parse_args()
    pictures = drawings(50)
    if args.timing:
        timing(args.minicnn, args.run, args.timing, pictures)
    if args.seconds > 0:
        load(args.minicnn, args.run, args, pictures)


if __name__ == "__main__":
    main()
