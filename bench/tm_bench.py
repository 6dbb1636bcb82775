#!/usr/bin/python3
"""Translation-memory benchmark: bulk import through the CLI, then exact lookups.

Builds N unique en->zh pairs from the Bible sentences of ../shared/eval/alignment
(each source marked with its copy as a word of letters), starts a release versod on a fresh
data directory, imports them with `verso import`, and prints entries/s end to
end, the server's peak RSS, the store size per million entries, and the round
trip of `lookup` batches of 1,000 segments (all hits, then all misses; from
send until the reply frame is in, its decoding excluded): p50 and p99 per
batch and per segment.

Usage: bench/tm_bench.py [--pairs N] [--batches B] [--build DIR]
Skips (exit 0) when ../shared is absent.
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import msgpack
import zmq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIBLE = os.path.join(os.path.dirname(ROOT), "shared", "eval", "alignment", "bible_en_zh_5k")


def pairs(n):
    en = open(os.path.join(BIBLE, "001.en"), encoding="utf-8").read().splitlines()
    zh = open(os.path.join(BIBLE, "001.zh"), encoding="utf-8").read().splitlines()
    base = [(s, t) for s, t in zip(en, zh) if s.strip() and t.strip() and "\t" not in s + t]
    out = []
    copy = 0
    while len(out) < n:
        copy += 1
        out.extend(("%s (%s)" % (s, letters(copy)), t) for s, t in base)
    return out[:n]


def letters(k):
    """k as a word of letters (1 -> "a", 27 -> "aa"): copies that differ in a
    word, not in a number, so that they are not near-exact matches of one
    another and the hit figures measure exact lookups."""
    word = ""
    while k:
        k, r = divmod(k - 1, 26)
        word = chr(97 + r) + word
    return word


def start(build, tmp):
    ready = os.path.join(tmp, "ready")
    proc = subprocess.Popen([os.path.join(build, "versod"), "--bind", "tcp://127.0.0.1:*",
                             "--data", os.path.join(tmp, "data"), "--ready-file", ready,
                             "--log-level", "warn"])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if os.path.exists(ready):
            line = open(ready).read()
            if line.endswith("\n"):
                return proc, line.strip()
        time.sleep(0.02)  # polling interval while waiting for the ready file
    proc.kill()
    raise SystemExit("tm_bench: versod did not start")


def stop(proc, tmp):
    """Stops a server started by start() and removes its directory."""
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    shutil.rmtree(tmp, ignore_errors=True)


def peak_rss_mb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * (len(v) - 1)))]


def lookups(endpoint, segments, batches):
    ctx = zmq.Context()
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, 30000)
    s.connect(endpoint)
    times = []
    hits = 0
    for i in range(batches):
        batch = [segments[(i * 1000 + k) % len(segments)] for k in range(1000)]
        body = msgpack.packb({"v": 1, "id": i, "op": "lookup", "src_lang": "en",
                              "tgt_lang": "zh-CN", "segments": batch})
        t0 = time.perf_counter()
        s.send(body)
        frame = s.recv()
        times.append((time.perf_counter() - t0) * 1000)  # round trip, decoding excluded
        rep = msgpack.unpackb(frame, raw=False)
        hits += sum(1 for r in rep["res"]["results"] if r["matches"])
    s.close()
    ctx.term()
    return times, hits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=200000)
    ap.add_argument("--batches", type=int, default=50)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    a = ap.parse_args()
    if not os.path.isdir(BIBLE):
        print("tm_bench: %s absent; skipped" % BIBLE)
        return 0
    tmp = tempfile.mkdtemp(prefix="verso-tmbench-")
    data = pairs(a.pairs)
    tsv = os.path.join(tmp, "pairs.tsv")
    with open(tsv, "w", encoding="utf-8") as f:
        f.writelines("%s\t%s\n" % p for p in data)
    proc, endpoint = start(a.build, tmp)
    try:
        t0 = time.perf_counter()
        out = subprocess.run([os.path.join(a.build, "verso"), "--endpoint", endpoint, "import",
                              tsv, "--src", "en", "--tgt", "zh-CN"], capture_output=True,
                             text=True, check=True).stdout
        dt = time.perf_counter() - t0
        size = sum(os.path.getsize(os.path.join(tmp, "data", f))
                   for f in os.listdir(os.path.join(tmp, "data")))
        print("import: %d pairs in %.2f s = %.0f entries/s end to end (%s)"
              % (len(data), dt, len(data) / dt, out.strip()))
        print("store: %.1f MB for %d entries = %.0f MB per million; server peak RSS %.0f MB"
              % (size / 1e6, len(data), size / 1e6 * 1e6 / len(data), peak_rss_mb(proc.pid)))
        rng = random.Random(7)
        sources = [p[0] for p in rng.sample(data, min(len(data), 20000))]
        misses = ["%s [not in the TM]" % s for s in sources]
        for name, segs in (("hits", sources), ("misses", misses)):
            times, hits = lookups(endpoint, segs, a.batches)
            # a batch is 1000 segments: ms per batch * 1000 / 1000 = us per segment
            print("lookup %-6s: %d batches of 1000 segments, %d matched; per batch p50 %.2f ms "
                  "p99 %.2f ms; per segment p50 %.2f us p99 %.2f us"
                  % (name, a.batches, hits, pct(times, .5), pct(times, .99),
                     pct(times, .5) * 1000 / 1000, pct(times, .99) * 1000 / 1000))
    finally:
        stop(proc, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
