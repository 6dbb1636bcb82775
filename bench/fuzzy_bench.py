#!/usr/bin/python3
"""Fuzzy matching at scale (issue 5): import a large TM of one language pair, wait for the
fuzzy index to be posted, then time lookups of queries that are not in the TM, and check
the index against a full scan with the same scoring.

    bench/fuzzy_bench.py --tsv var/corpora/en-zh-CN.tsv --queries var/corpora/en-zh-CN.queries.txt \\
        --src en --tgt zh-CN

The TSV and queries come from corpora/debian_corpus.py. Prints: import rate (the import
command's own figure), time until the index is fully posted, store size, per-segment
lookup latency (server side, from `stats`, and round trip), throughput with several
clients, and recall and speed of the index against `"method": "scan"` at three minimum
scores.
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import msgpack
import zmq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Conn:
    """One DEALER connection speaking the Verso protocol (docs/PROTOCOL.md)."""

    def __init__(self, ctx, endpoint):
        self.s = ctx.socket(zmq.DEALER)
        self.s.setsockopt(zmq.LINGER, 0)
        self.s.setsockopt(zmq.RCVTIMEO, 600000)
        self.s.connect(endpoint)
        self.n = 0

    def send(self, op, **fields):
        self.n += 1
        fields.update(v=1, id=self.n, op=op)
        self.s.send_multipart([b"", msgpack.packb(fields)])

    def recv(self):
        rep = msgpack.unpackb(self.s.recv_multipart()[-1], raw=False)
        if not rep.get("ok"):
            raise RuntimeError(rep)
        return rep["res"]

    def call(self, op, **fields):
        self.send(op, **fields)
        return self.recv()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def start_server(args, data):
    ready = os.path.join(data, "ready")
    proc = subprocess.Popen([os.path.join(args.build, "versod"), "--bind", "tcp://127.0.0.1:*",
                             "--data", os.path.join(data, "store"), "--threads",
                             str(args.threads), "--ready-file", ready, "--log-level", "warn"])
    for _ in range(400):
        if os.path.exists(ready) and open(ready).read().strip():
            return proc, open(ready).read().strip()
        if proc.poll() is not None:
            sys.exit("versod exited")
        time.sleep(0.05)
    sys.exit("versod did not start")


def stop(proc):
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0


def lookup(c, args, q, **kw):
    return c.call("lookup", src_lang=args.src, tgt_lang=args.tgt, segments=[q],
                  max_results=kw.pop("max_results", 5), **kw)["results"][0]["matches"]


def throughput(endpoint, args, queries, clients, depth=4):
    """clients connections, each with `depth` lookups in flight: segments per second."""
    ctx = zmq.Context()
    per = [queries[i::clients] for i in range(clients)]
    def run(qs):
        c = Conn(ctx, endpoint)
        sent = got = 0
        while got < len(qs):
            while sent < len(qs) and sent - got < depth:
                c.send("lookup", src_lang=args.src, tgt_lang=args.tgt, segments=[qs[sent]],
                       max_results=5, min_score=args.min_score)
                sent += 1
            c.recv()
            got += 1
    threads = [threading.Thread(target=run, args=(qs,)) for qs in per]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(queries) / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--tsv", required=True)
    ap.add_argument("--queries", required=True, help="one query a line")
    ap.add_argument("--src", default="en")
    ap.add_argument("--tgt", required=True)
    ap.add_argument("--threads", type=int, default=2, help="server worker threads")
    ap.add_argument("--min-score", type=int, default=70)
    ap.add_argument("--scan-sample", type=int, default=40,
                    help="queries checked against a full scan at each minimum score")
    ap.add_argument("--keep", help="keep the data directory here")
    args = ap.parse_args()
    if not os.path.exists(args.tsv) or not os.path.exists(args.queries):
        sys.exit("no corpus: run corpora/debian_corpus.py first")
    queries = [l.rstrip("\n") for l in open(args.queries, encoding="utf-8") if l.strip()]
    data = args.keep or tempfile.mkdtemp(prefix="verso-fuzzy-")
    os.makedirs(data, exist_ok=True)
    proc, endpoint = start_server(args, data)
    try:
        ctx = zmq.Context()
        c = Conn(ctx, endpoint)
        t0 = time.perf_counter()
        out = subprocess.run([os.path.join(args.build, "verso"), "--endpoint", endpoint, "import",
                              args.tsv, "--src", args.src, "--tgt", args.tgt],
                             capture_output=True, text=True, check=True).stdout
        t_import = time.perf_counter() - t0
        summary = [l for l in out.splitlines() if "entries in" in l]
        n_entries = int(re.match(r"\s*(\d+)", summary[-1]).group(1)) if summary else 0
        print("import:", summary[-1].strip() if summary else out.strip()[-200:])
        while True:
            st = c.call("stats")
            if st["fuzzy_index"]["pending_ids"] == 0:
                break
            time.sleep(0.2)
        t_posted = time.perf_counter() - t0
        store = st["store"]
        print("fuzzy index fully posted %.1f s after the import started (import %.1f s): "
              "%.0f entries/s end to end" % (t_posted, t_import, n_entries / t_posted))
        print("store: %.0f MB used (%.0f MB per million entries), server peak RSS %.0f MB"
              % (store["used_bytes"] / 1e6, store["used_bytes"] / 1e6 / (n_entries / 1e6),
                 rss_mb(proc.pid)))
        # One segment a request, one client: server-side time from stats (these are the
        # server's only lookups so far), round trip measured here.
        rtt, found, best = [], 0, []
        for q in queries:
            t = time.perf_counter()
            ms = lookup(c, args, q, min_score=args.min_score)
            rtt.append((time.perf_counter() - t) * 1e3)
            found += bool(ms)
            best.append(ms[0]["score"] if ms else None)
        lk = c.call("stats")["ops"]["lookup"]
        print("%d queries, min_score %d, max_results 5: %d with a match; server per segment "
              "p50 %.3f ms, p99 %.3f ms, mean %.3f ms, max %.1f ms; round trip p50 %.3f ms, "
              "p99 %.3f ms" % (len(queries), args.min_score, found, lk["p50_us"] / 1e3,
                               lk["p99_us"] / 1e3, lk["mean_us"] / 1e3, lk["max_us"] / 1e3,
                               pct(rtt, 50), pct(rtt, 99)))
        for clients in (1, 2, 4):
            print("throughput, %d client(s) x 4 in flight, %d worker threads: %.0f segments/s"
                  % (clients, args.threads, throughput(endpoint, args, queries, clients)))
        rng = random.Random(7)
        sample = rng.sample(queries, min(args.scan_sample, len(queries)))
        for min_score in (50, 70, 90):
            want = have = 0
            t_idx = t_scan = 0.0
            for q in sample:
                t = time.perf_counter()
                a = lookup(c, args, q, min_score=min_score)
                t_idx += time.perf_counter() - t
                t = time.perf_counter()
                b = lookup(c, args, q, min_score=min_score, method="scan")
                t_scan += time.perf_counter() - t
                got = {(m["id"], m["score"]) for m in a}
                exp = [(m["id"], m["score"]) for m in b]
                want += len(exp)
                have += sum(1 for x in exp if x in got)
                if [(m["id"], m["score"]) for m in a] != exp:
                    print("  differs:", q, "index", a and [(m["id"], m["score"]) for m in a],
                          "scan", exp)
            print("min_score %d, %d queries: recall of the scan's top 5 %d/%d = %.1f%%; "
                  "mean round trip index %.2f ms, scan %.1f ms (x%.0f)"
                  % (min_score, len(sample), have, want, 100.0 * have / max(want, 1),
                     t_idx / len(sample) * 1e3, t_scan / len(sample) * 1e3,
                     t_scan / max(t_idx, 1e-9)))
    finally:
        stop(proc)
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
