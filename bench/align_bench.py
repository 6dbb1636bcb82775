#!/usr/bin/python3
"""Server-side time of the `align` op on an article-sized pair.

Takes the first 50 German sentences of Text+Berg dev (../shared/eval/alignment) and the
French sentences the gold alignment gives them, starts a release versod on a fresh data
directory (with --dict var/dict when corpora/dicts.py has made the word lists), sends the
pair as segment lists N times from one client, and prints the server's own time per op
(from `stats`: p50, p99, mean; decoded request to packed reply) and the round trip
measured here. A second run stores the beads into a TM (`store`), a third learns word
links from that TM (`links_from`).

Usage: bench/align_bench.py [--runs N] [--build DIR] [--no-dict]
Skips (exit 0) when ../shared is absent.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import msgpack
import zmq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TB = os.path.join(os.path.dirname(ROOT), "shared", "eval", "alignment", "textberg_de_fr_dev")


def article(nsrc):
    """The first nsrc source sentences and the target sentences gold-aligned to them."""
    de = open(os.path.join(TB, "dev.de"), encoding="utf-8").read().splitlines()
    fr = open(os.path.join(TB, "dev.fr"), encoding="utf-8").read().splitlines()
    last = -1
    for line in open(os.path.join(TB, "dev.defr"), encoding="utf-8"):
        s, t = line.strip().split(":")
        src = [int(x) for x in s.strip()[1:-1].split(",") if x.strip()]
        tgt = [int(x) for x in t.strip()[1:-1].split(",") if x.strip()]
        if src and max(src) < nsrc and tgt:
            last = max(last, max(tgt))
    return de[:nsrc], fr[:last + 1]


class Conn:
    """One DEALER connection speaking the Verso protocol (docs/PROTOCOL.md)."""

    def __init__(self, endpoint):
        self.s = zmq.Context.instance().socket(zmq.DEALER)
        self.s.setsockopt(zmq.LINGER, 0)
        self.s.setsockopt(zmq.RCVTIMEO, 60000)
        self.s.connect(endpoint)
        self.n = 0

    def call(self, op, **fields):
        self.n += 1
        fields.update(v=1, id=self.n, op=op)
        self.s.send_multipart([b"", msgpack.packb(fields)])
        rep = msgpack.unpackb(self.s.recv_multipart()[-1], raw=False)
        if not rep.get("ok"):
            raise RuntimeError(rep)
        return rep["res"]


def start(build, data, extra):
    ready = os.path.join(data, "ready")
    proc = subprocess.Popen([os.path.join(build, "versod"), "--bind", "tcp://127.0.0.1:*",
                             "--data", os.path.join(data, "store"), "--ready-file", ready,
                             "--log-level", "warn"] + extra)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if os.path.exists(ready) and open(ready).read().endswith("\n"):
            return proc, open(ready).read().strip()
        if proc.poll() is not None:
            sys.exit("align_bench: versod exited")
        time.sleep(0.05)  # polling interval while waiting for the ready file
    proc.kill()
    sys.exit("align_bench: versod did not start")


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def run(c, label, runs, **fields):
    before = c.call("stats")["ops"].get("align", {})
    rtt = []
    for _ in range(runs):
        t0 = time.perf_counter()
        res = c.call("align", **fields)
        rtt.append((time.perf_counter() - t0) * 1e3)
    op = c.call("stats")["ops"]["align"]
    count = op["count"] - before.get("count", 0)
    mean = (op["mean_us"] * op["count"] - before.get("mean_us", 0) * before.get("count", 0))
    print("%-28s %d ops, %d beads: server p50 %.2f ms, p99 %.2f ms, mean %.2f ms "
          "(p50/p99 over all align ops so far); round trip p50 %.2f ms, p99 %.2f ms"
          % (label, count, len(res["beads"]), op["p50_us"] / 1e3, op["p99_us"] / 1e3,
             mean / max(count, 1) / 1e3, pct(rtt, 50), pct(rtt, 99)))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--no-dict", action="store_true", help="no word list even if made")
    args = ap.parse_args()
    if not os.path.isdir(TB):
        print("align_bench: %s absent, skipped" % TB)
        return
    de, fr = article(50)
    dicts = os.path.join(ROOT, "var", "dict")
    made = os.path.exists(os.path.join(dicts, "de-fr.tsv")) and not args.no_dict
    extra = ["--dict", dicts] if made else []
    data = tempfile.mkdtemp(prefix="verso-align-bench-")
    proc, endpoint = start(args.build, data, extra)
    try:
        c = Conn(endpoint)
        base = dict(src_lang="de", tgt_lang="fr", src_segments=de, tgt_segments=fr)
        print("%d x %d sentences, word list: %s" % (len(de), len(fr),
                                                     "de-fr" if extra else "none"))
        run(c, "align", args.runs, **base)
        c.call("tm_create", tm="bench")
        run(c, "align + store", 1, store=dict(tm="bench", min_confidence=0), **base)
        res = run(c, "align + links_from", args.runs, links_from="bench", **base)
        print("links_from: %d entries of the pair" % res["links_from"]["entries"])
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
