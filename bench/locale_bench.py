#!/usr/bin/python3
"""Gettext benchmark: every catalog of this machine through the CLI, then exact lookups.

Starts a release versod on a fresh data directory, imports the gettext catalogs
of this machine (/usr/share/locale/*/LC_MESSAGES/*.mo) exactly as
corpora/gettext.sh does (it runs that script), and prints the wall time end to
end, the entries (added + duplicates as the CLI reports them, and the server's
tm_list count), entries/s, the server's peak RSS, and data.mdb per million
entries. Then it times `lookup` batches of 1,000 segments, one language pair a
batch: hits (sources sampled from the imported catalogs, with that catalog's
pair) and misses (the same sources, altered), printing p50 and p99 per batch
and per segment, and the server's share of the mean round trip when `stats`
exposes per-op timings ("ops": count, mean_us).

Finally it exports the TM to TMX with `verso export` and imports that file into
a new TM (entries/s both ways, and the count that arrived).

Usage: bench/locale_bench.py [--build DIR] [--locales all|L1,L2] [--batches B]
                             [--min-score N] [--no-tmx]
Skips (exit 0) when the build is missing.
"""
import argparse
import glob
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

import msgpack
import zmq

from tm_bench import pct, peak_rss_mb, start, stop

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCALEDIR = "/usr/share/locale"
SAMPLE = 5000  # sources kept per locale for the hit batches


def tag_of(loc):
    """corpora/gettext.sh's locale -> BCP 47 mapping (None: skipped)."""
    if loc.endswith("@latin"):
        return loc[:-len("@latin")] + "-Latn"
    if "@" in loc or "." in loc:
        return None
    return loc.replace("_", "-")


def all_locales():
    """The locales gettext.sh loads when given none: directories with catalogs."""
    return sorted(os.path.basename(os.path.dirname(d))
                  for d in glob.glob(os.path.join(LOCALEDIR, "*", "LC_MESSAGES"))
                  if glob.glob(os.path.join(d, "*.mo")))


def mo_pairs(path):
    """(msgid, msgstr) of a MO file as `verso import` reads it: context stripped,
    singular / first form, header and untranslated entries skipped, UTF-8 only."""
    try:
        data = open(path, "rb").read()
    except OSError:
        return
    if len(data) < 28:
        return
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic == 0x950412de else ">" if magic == 0xde120495 else None
    if not end:
        return
    n, orig, trans = struct.unpack(end + "3I", data[8:20])
    for i in range(n):
        try:
            sl, so = struct.unpack(end + "2I", data[orig + 8 * i:orig + 8 * i + 8])
            tl, to = struct.unpack(end + "2I", data[trans + 8 * i:trans + 8 * i + 8])
        except struct.error:
            return
        src, tgt = data[so:so + sl], data[to:to + tl]
        src = src.split(b"\x04", 1)[-1].split(b"\0", 1)[0]
        tgt = tgt.split(b"\0", 1)[0]
        if not src or not tgt:
            continue
        try:
            yield src.decode("utf-8"), tgt.decode("utf-8")
        except UnicodeDecodeError:
            continue


def sample_sources(locales, rng):
    """tag -> (pairs read, up to SAMPLE sources drawn uniformly from them)."""
    out = {}
    for loc in locales:
        tag = tag_of(loc)
        if not tag:
            continue
        seen, keep = 0, []
        for mo in sorted(glob.glob(os.path.join(LOCALEDIR, loc, "LC_MESSAGES", "*.mo"))):
            for src, _ in mo_pairs(mo):
                seen += 1
                if len(keep) < SAMPLE:
                    keep.append(src)
                else:
                    j = rng.randrange(seen)
                    if j < SAMPLE:
                        keep[j] = src
        if keep:
            out[tag] = (seen, keep)
    return out


def parse_import(out):
    """Sums gettext.sh's per-locale CLI summaries: 'TAG  N entries (or lines) in
    T s (...): A added, U updated, S skipped as duplicates, R rejected', maybe
    followed by indented detail lines; 'TAG  (failed)', or '(failed)' on a line
    of its own after the summary, when the CLI exited non-zero."""
    tot = {"lines": 0, "added": 0, "updated": 0, "skipped": 0, "rejected": 0}
    ok, failed = [], []
    for line in out.splitlines():
        if not line.strip() or line[0].isspace():
            continue  # a detail line ("  rejected: 138 not valid UTF-8")
        if line.strip() == "(failed)":
            if ok:
                failed.append(ok.pop())
            continue
        tag, rest = (line.split(None, 1) + [""])[:2]
        m = re.match(r"(\d+) (?:entries|lines) in ", rest)
        if not m or "(failed)" in rest:
            failed.append(tag)
            continue
        ok.append(tag)
        tot["lines"] += int(m.group(1))
        for key in ("added", "updated", "skipped", "rejected"):
            f = re.search(r"(\d+) %s" % key, rest)
            tot[key] += int(f.group(1)) if f else 0
    return tot, ok, failed


class Conn:
    def __init__(self, endpoint):
        self.ctx = zmq.Context()
        self.s = self.ctx.socket(zmq.DEALER)
        self.s.setsockopt(zmq.LINGER, 0)
        self.s.setsockopt(zmq.RCVTIMEO, 60000)
        self.s.connect(endpoint)
        self.n = 0

    def call(self, op, **fields):
        """Returns (result, round trip in ms: the request packed, from send
        until the reply frame is in, its decoding not included)."""
        self.n += 1
        body = msgpack.packb(dict(v=1, id=self.n, op=op, **fields))
        t0 = time.perf_counter()
        self.s.send(body)
        frame = self.s.recv()
        rtt = (time.perf_counter() - t0) * 1000
        rep = msgpack.unpackb(frame, raw=False)
        if rep.get("id") != self.n or not rep.get("ok"):
            raise SystemExit("locale_bench: %s failed: %r" % (op, rep.get("err")))
        return rep["res"], rtt

    def close(self):
        self.s.close()
        self.ctx.term()


def op_timing(stats):
    """The server's own time on `lookup` so far, from `stats` "ops" (PROTOCOL.md:
    count and mean_us per op, time from the decoded request to the packed
    result). Returns (count, total_us), or None when the server has no "ops"."""
    ops = stats.get("ops")
    if not isinstance(ops, dict):
        return None
    lk = ops.get("lookup")
    if not isinstance(lk, dict):
        return (0, 0)  # no lookup served yet
    if not isinstance(lk.get("count"), int) or not isinstance(lk.get("mean_us"), int):
        return None
    # mean_us is truncated: the total is off by less than `count` us, which
    # over a phase's delta is under 1 us per request here.
    return lk["count"], lk["mean_us"] * lk["count"]


def run_lookups(conn, batches, extra):
    """batches: [(tag, [segments])]; extra: more lookup fields. Returns
    (per-batch ms, per-segment us, segments with a match, segments whose best
    match is exact (score >= 100), segments, server-side us a request or None)."""
    before = op_timing(conn.call("stats")[0])
    times, per_seg, matched, exact, segs = [], [], 0, 0, 0
    for tag, batch in batches:
        res, rtt = conn.call("lookup", src_lang="en", tgt_lang=tag, segments=batch, **extra)
        times.append(rtt)
        per_seg.append(rtt * 1000 / len(batch))
        matched += sum(1 for r in res["results"] if r["matches"])
        exact += sum(1 for r in res["results"] if r["matches"] and r["matches"][0]["score"] >= 100)
        segs += len(batch)
    after = op_timing(conn.call("stats")[0])
    server_us = None
    if before and after and after[0] > before[0]:
        server_us = (after[1] - before[1]) / (after[0] - before[0])
    return times, per_seg, matched, exact, segs, server_us


def tmx_round_trip(conn, verso, endpoint, tmp):
    """verso export of TM default to TMX, then verso import of that file into
    a new TM: (entries, export s, entries/s, MB, import s, entries/s, count)."""
    path = os.path.join(tmp, "all.tmx")
    t0 = time.perf_counter()
    subprocess.run([verso, "--endpoint", endpoint, "export", "-o", path], check=True,
                   capture_output=True)
    t_exp = time.perf_counter() - t0
    n = next(t["entries"] for t in conn.call("tm_list")[0]["tms"] if t["name"] == "default")
    conn.call("tm_create", tm="tmx-again")
    t0 = time.perf_counter()
    subprocess.run([verso, "--endpoint", endpoint, "import", path, "--tm", "tmx-again"],
                   check=True, capture_output=True)
    t_imp = time.perf_counter() - t0
    again = next(t["entries"] for t in conn.call("tm_list")[0]["tms"] if t["name"] == "tmx-again")
    size = os.path.getsize(path) / 1e6
    os.unlink(path)
    return (n, t_exp, n / t_exp, size, t_imp, n / t_imp, again)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--locales", default="all", help="all, or a comma-separated list")
    ap.add_argument("--batches", type=int, default=50, help="lookup batches of each kind")
    ap.add_argument("--no-tmx", dest="tmx", action="store_false",
                    help="skip the TMX round trip (export everything, import it back)")
    ap.add_argument("--min-score", type=int, help="lookup min_score (default: the server's, "
                    "which lets near-exact matches in; 100: exact and context only)")
    a = ap.parse_args()
    versod, verso = os.path.join(a.build, "versod"), os.path.join(a.build, "verso")
    if not (os.access(versod, os.X_OK) and os.access(verso, os.X_OK)):
        print("locale_bench: no versod/verso in %s; skipped (build it first)" % a.build)
        return 0
    locales = all_locales() if a.locales == "all" else [l for l in a.locales.split(",") if l]
    ncat = sum(len(glob.glob(os.path.join(LOCALEDIR, l, "LC_MESSAGES", "*.mo"))) for l in locales)
    if not ncat:
        print("locale_bench: no gettext catalogs under %s for %s; skipped" % (LOCALEDIR, a.locales))
        return 0
    rng = random.Random(7)
    tmp = tempfile.mkdtemp(prefix="verso-localebench-")
    proc, endpoint = start(a.build, tmp)
    try:
        args = [os.path.join(ROOT, "corpora", "gettext.sh"), "--endpoint", endpoint,
                "--verso", verso]
        if a.locales != "all":
            args += locales
        t0 = time.perf_counter()
        run = subprocess.run(args, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if run.returncode:
            raise SystemExit("locale_bench: gettext.sh exited %d: %s"
                             % (run.returncode, run.stderr.strip()))
        tot, ok, failed = parse_import(run.stdout)
        conn = Conn(endpoint)
        tm_count = sum(t["entries"] for t in conn.call("tm_list")[0]["tms"])
        store = conn.call("stats")[0]["store"]
        mdb = os.path.join(tmp, "data", "data.mdb")
        st = os.stat(mdb)
        rss = peak_rss_mb(proc.pid)
        entries = tot["added"] + tot["skipped"]

        pool = sample_sources([l for l in locales if tag_of(l) in ok], rng)
        tags = sorted(pool)
        weights = [pool[t][0] for t in tags]
        hit_batches = []
        for _ in range(a.batches if tags else 0):
            tag = rng.choices(tags, weights)[0]
            src = pool[tag][1]
            hit_batches.append((tag, rng.sample(src, 1000) if len(src) >= 1000
                                else [rng.choice(src) for _ in range(1000)]))
        miss_batches = [(tag, ["%s [not in the TM %d]" % (s, i) for i, s in enumerate(b)])
                        for tag, b in hit_batches]
        rows = []
        for name, batches in (("hits", hit_batches), ("misses", miss_batches)):
            if batches:
                extra = {} if a.min_score is None else {"min_score": a.min_score}
                rows.append((name,) + run_lookups(conn, batches, extra))
        rss = peak_rss_mb(proc.pid)
        tmx = tmx_round_trip(conn, verso, endpoint, tmp) if a.tmx else None
        conn.close()

        skipped = sum(1 for l in locales if not tag_of(l))
        print("locale_bench: %d locales (%d imported, %d skipped by gettext.sh: no BCP 47 tag, "
              "%d failed%s), %d catalogs; lookup round trips exclude the client's decoding"
              % (len(locales), len(ok), skipped, len(failed),
                 ": " + " ".join(failed[:8]) + (" ..." if len(failed) > 8 else "") if failed
                 else "", ncat))
        print("%-8s %9s %11s %10s %9s %9s %9s %10s %10s" % (
            "import", "wall s", "entries", "added", "dups", "rejected", "tm_list", "entries/s",
            "read/s"))
        print("%-8s %9.1f %11d %10d %9d %9d %9d %10.0f %10.0f" % (
            "", wall, entries, tot["added"], tot["skipped"], tot["rejected"], tm_count,
            entries / wall, tot["lines"] / wall))
        per_m = lambda b: b / max(tm_count, 1)  # bytes per entry = MB per million
        print("%-8s %12s %12s %14s %14s %12s" % (
            "store", "peak RSS MB", "data.mdb MB", "MB per M entr", "on disk MB/M", "used MB/M"))
        print("%-8s %12.0f %12.1f %14.0f %14.0f %12.0f" % (
            "", rss, st.st_size / 1e6, per_m(st.st_size), per_m(st.st_blocks * 512),
            per_m(store.get("used_bytes", 0))))
        print("%-8s %7s %8s %8s %7s %10s %10s %10s %10s %s" % (
            "lookup", "batches", "segments", "matched", "exact", "batch p50", "batch p99",
            "seg p50", "seg p99", "server share"))
        for name, times, per_seg, matched, exact, segs, server_us in rows:
            mean = sum(times) / len(times)
            share = ("%.0f%% (server %.2f ms of a mean %.2f ms)"
                     % (100 * server_us / 1000 / mean, server_us / 1000, mean)
                     if server_us is not None else "n/a: stats has no per-op timings")
            print("%-8s %7d %8d %8d %7d %7.2f ms %7.2f ms %7.1f us %7.1f us %s" % (
                name, len(times), segs, matched, exact, pct(times, .5), pct(times, .99),
                pct(per_seg, .5), pct(per_seg, .99), share))
        if tmx:
            print("tmx      export %d entries in %.1f s (%.0f entries/s, %.0f MB); import into a "
                  "new TM in %.1f s (%.0f entries/s): %d entries there" % tmx)
    finally:
        stop(proc, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
