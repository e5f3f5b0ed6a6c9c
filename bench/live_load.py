#!/usr/bin/env python3
"""Does a hostile or broken browser slow training? (issue 19)

Trains the same small run several times, interleaved, in three ways:
  plain   no --live
  page    --live, with a client that behaves like the open page (state once a second, pictures)
  abused  the same, plus 50 idle connections (reopened whenever the server drops one) and a
          client that pipelines requests and never reads the answers
and prints each run's training time (the epochs' own seconds, without evaluation) and the
median of each way. No assertion: the numbers go to bench/RESULTS.md.

usage: /usr/bin/python3 bench/live_load.py BUILD/minicnn [--rounds 5] [--data data/mnist] [--limit 20000]
"""
import argparse
import re
import socket
import statistics
import subprocess
import tempfile
import threading
import time


def page_client(port, stop):
    """What an open live page asks for: the state every second, then its pictures."""
    since = 0
    while not stop.is_set():
        for path in [f"/api/state?since={since}", "/live/kernels/0.png", "/live/grads/0.png", "/live/maps/0.png"]:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                    s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
                    while s.recv(65536):
                        pass
            except OSError:
                pass
        stop.wait(1.0)


def idle_clients(port, stop, n=50):
    """n connections that never send anything; any the server closes is opened again."""
    conns = []
    while not stop.is_set():
        alive = []
        for c in conns:
            try:
                c.setblocking(False)
                if c.recv(1) == b"":
                    c.close()
                    continue
            except BlockingIOError:
                pass
            except OSError:
                c.close()
                continue
            alive.append(c)
        conns = alive
        while len(conns) < n:
            try:
                conns.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            except OSError:
                break
        stop.wait(0.2)
    for c in conns:
        c.close()


def stalled_reader(port, stop):
    """Pipelines requests for the biggest answers and never reads: the server's sends block."""
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            req = f"GET /api/state?since=0 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
            req += f"GET /live/maps/0.png HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
            for _ in range(200):
                s.sendall(req)
            stop.wait(10)
            s.close()
        except OSError:
            stop.wait(0.5)


def run(minicnn, way, args, folder):
    cmd = [minicnn, "train", "--data", args.data, "--epochs", "2", "--limit", str(args.limit), "--test-limit", "500",
           "--threads", "2", "--seed", "1", "--out", f"{folder}/{way}", "--force"]
    if way != "plain":
        cmd += ["--live", "--port", "0"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    stop, threads, lines = threading.Event(), [], []
    for line in p.stdout:
        lines.append(line)
        m = re.match(r"live page: http://127\.0\.0\.1:(\d+)/", line)
        if m:
            port = int(m.group(1))
            clients = [page_client] + ([idle_clients, stalled_reader] if way == "abused" else [])
            threads = [threading.Thread(target=c, args=(port, stop), daemon=True) for c in clients]
            for t in threads:
                t.start()
    p.wait()
    stop.set()
    for t in threads:
        t.join(timeout=15)
    seconds = [float(s) for s in re.findall(r"\|\s+([0-9.]+)s \(", "".join(lines))]
    if p.returncode != 0 or len(seconds) != 2:
        raise SystemExit(f"{way}: train failed:\n" + "".join(lines[-20:]))
    return sum(seconds)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("minicnn")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--limit", type=int, default=20000)
    args = ap.parse_args()
    ways = ["plain", "page", "abused"]
    times = {w: [] for w in ways}
    with tempfile.TemporaryDirectory() as folder:
        for r in range(args.rounds):
            order = ways[r % 3:] + ways[:r % 3]  # rotate, so no way always runs first
            for w in order:
                times[w].append(run(args.minicnn, w, args, folder))
            print(f"round {r + 1}: " + "  ".join(f"{w} {times[w][-1]:.2f} s" for w in ways), flush=True)
    base = statistics.median(times["page"])
    for w in ways:
        m = statistics.median(times[w])
        print(f"{w:7s} median {m:.2f} s  ({100 * (m / base - 1):+.1f}% against page)  runs: "
              + " ".join(f"{t:.2f}" for t in times[w]))


if __name__ == "__main__":
    main()
