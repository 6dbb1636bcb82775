#!/usr/bin/env python3
"""bench/bounds_bench.py - what one hostile request costs (issue 19), measured on a real versod:

1. `segment` of "a. " * N and its kin (N = 10k .. 1M, up to a 3 MB request): seconds each
   (quadratic before: 80k took 12.6 s, 1M never answered);
2. `ping` latency while every worker is busy with long lookups (it queued behind them: 43 s);
3. a lookup given timeout_ms 200: how soon ETIMEDOUT comes back;
4. SIGTERM under load: seconds from the signal to the exit (--stop-grace-ms 1000).

All inputs are synthetic (repeated units, generated entries). Prints a table per part.
usage: bench/bounds_bench.py BUILD_DIR   (e.g. build/release)
"""
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import msgpack
import zmq

ENTRIES = [{"src": "Report %d on the state of the northern harbour works." % i,
            "tgt": "Rapport %d sur les travaux du port nord." % i} for i in range(2000)]
LONG = ["Report %d on the state of the southern harbour work." % (i % 5000)
        for i in range(100000)]


def start(versod, work, *extra):
    ready = os.path.join(work, "ready")
    log = open(os.path.join(work, "log"), "ab")
    proc = subprocess.Popen([versod, "--bind", "tcp://127.0.0.1:*", "--data",
                             os.path.join(work, "data"), "--ready-file", ready,
                             "--log-level", "warn", *extra], stdout=log, stderr=log)
    while not (os.path.exists(ready) and open(ready).read().endswith("\n")):
        if proc.poll() is not None:
            sys.exit("versod exited")
        time.sleep(0.02)   # polling for the ready file
    return proc, open(ready).read().strip()


def sock(ctx, endpoint):
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(endpoint)
    return s


def call(s, op, timeout=600000, **f):
    s.send(msgpack.packb(dict(v=1, id=op, op=op, **f), use_bin_type=True))
    if not s.poll(timeout):
        return None
    return msgpack.unpackb(s.recv_multipart()[-1], raw=False)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build/release"
    versod = os.path.join(build, "versod")
    ctx = zmq.Context()
    work = tempfile.mkdtemp(prefix="verso-bounds-bench-")
    try:
        proc, ep = start(versod, work, "--threads", "2", "--stop-grace-ms", "1000")
        s = sock(ctx, ep)
        print("1. segment of a repeated unit (synthetic), seconds")
        print("| unit | lang | N=10k | 20k | 40k | 80k | 1M (bytes) |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for unit, lang in (("a. ", "en"), ("a. ", "de"), ("a. ", "fr"), ("1. ", "en"),
                           ("ab.Cd/", "en"), ("\u201c\u8d70\u5427\uff01\u201d\u4ed6\u8bf4", "zh")):
            row = []
            for n in (10000, 20000, 40000, 80000, 1000000):
                text = unit * n
                t0 = time.monotonic()
                r = call(s, "segment", lang=lang, text=text)
                row.append("%.3f" % (time.monotonic() - t0) if r and r["ok"] else
                           "error %s" % (r and r["err"]["code"]))
            row[-1] += " (%d)" % len((unit * 1000000).encode())
            print("| %r | %s | %s |" % (unit, lang, " | ".join(row)))

        call(s, "add", src_lang="en", tgt_lang="fr", entries=ENTRIES)
        busy = [sock(ctx, ep) for _ in range(2)]
        for i, b in enumerate(busy):
            b.send(msgpack.packb(dict(v=1, id=i, op="lookup", src_lang="en", tgt_lang="fr",
                                      segments=LONG)))
        while call(s, "stats")["res"]["running"] < 3:
            time.sleep(0.01)   # polling: both lookups running
        times = []
        for _ in range(200):
            t0 = time.monotonic()
            call(s, "ping")
            times.append((time.monotonic() - t0) * 1000)
        times.sort()
        print("\n2. ping while both workers of a 2-thread server run 100,000-segment lookups "
              "(2,000 generated entries)")
        print("| pings | p50 ms | p99 ms | max ms |")
        print("| --- | --- | --- | --- |")
        print("| %d | %.2f | %.2f | %.2f |" % (len(times), statistics.median(times),
                                                 times[int(len(times) * 0.99) - 1], times[-1]))

        t0 = time.monotonic()
        r = call(s, "lookup", timeout_ms=200, src_lang="en", tgt_lang="fr", segments=LONG)
        print("\n3. a 100,000-segment lookup with timeout_ms 200 (queued behind the two above "
              "for a worker: the deadline counts from receipt; timeout_ms within the request's "
              "first 4 KiB)")
        print("| reply | after s | message |")
        print("| --- | --- | --- |")
        print("| %s | %.3f | %s |" % (r["err"]["code"] if not r["ok"] else "ok",
                                      time.monotonic() - t0,
                                      r["err"]["message"] if not r["ok"] else ""))

        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        print("\n4. SIGTERM with both workers busy, --stop-grace-ms 1000")
        print("| exit status | seconds to exit |")
        print("| --- | --- |")
        print("| %d | %.2f |" % (proc.returncode, time.monotonic() - t0))
    finally:
        ctx.destroy(linger=0)
        shutil.rmtree(work, True)


if __name__ == "__main__":
    main()
