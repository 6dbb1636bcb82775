#!/usr/bin/python3
"""Verso against SYSTRAN's fuzzy-match (suffix arrays), side by side on one machine.

Not part of CI. The TM: every gettext catalog of this machine turned round, xx -> en
(source: the msgstr of locale xx, target: its English msgid), duplicates dropped, pairs
with a tab or line break left out. Queries (drawn with --seed): 1,000 held-out sources
(every pair with that source in that language is kept out of the TM) and 1,000 one-token
edits (a word replaced, dropped or inserted) of TM sources of 4 words or more.

Both systems read the same TSV files and run with 1 thread and 1 client:
  Verso    versod --threads 1 --write-threads 1, one `verso import` per language (--src xx --tgt en), then
           wait for `stats` fuzzy_index.pending_ids 0; one lookup per request (max_results
           5) at min_score 70 and 50: round trips here, server time from `stats`.
  SYSTRAN  FuzzyMatch-cli -c corpus.tsv --add-target (the index holds the targets), then
           FuzzyMatch-cli -i corpus.tsv.fmi -a match -f 0.7|0.5 -N 1 -n 5, fed one query at
           a time through a pipe (it answers each line at once): per-query round trips.
           Its defaults otherwise (--ml 3 --mr 0.3: a candidate needs a common run of 3
           tokens covering 30% of the query; penalty tokens nbr,tag,cas), or --peer-args
           (e.g. "--ml 2 --mr 0"; runs of 1 token never count). Its index knows no
           languages: its best match of the query's language (of 5) counts.
Recall is checked against Verso's brute force (`"method": "scan"`, min_score 50, 100
results) on --scan-sample queries of each set. A query counts at a threshold when the scan
has a match there; it is recalled when the system's best match has a source to which the
scan gives its best score (for Verso: same best score). SYSTRAN's similarity s in [0, 1]
maps to floor(100 s), as Verso floors 100 (L - ED) / L; a second SYSTRAN figure counts
a query when that mapped score reaches the scan's best. Caveat: not the same formula
(SYSTRAN's OpenNMT tokens include punctuation, its penalties are per token, Verso's per
kind), so "same best source" is the strict test, the mapped score a rough one.

--build-peer builds the peer under var/peer/ (git-ignored, as all of var/) from
var/peer/src/fuzzy-match and var/peer/src/Tokenizer: git clone
https://github.com/SYSTRAN/fuzzy-match and https://github.com/OpenNMT/Tokenizer there, or
fetch github:SYSTRAN/fuzzy-match and github:OpenNMT/Tokenizer with the agents' `fetch`
tool (bare repositories /work/.mirror/OWNER+NAME/repo), which it then exports with `git
archive HEAD` (without fuzzy-match's test/, whose large blobs the mirror lacks). The
Tokenizer's CMakeLists.txt always add_subdirectory()s its sentencepiece submodule and has
no switch for a system one, so an empty third_party/sentencepiece gets a CMakeLists.txt of
ours declaring Debian's libsentencepiece-dev as its two targets; then cmake -DLIB_ONLY=ON
(installed into var/peer/install), and fuzzy-match with -DCLI_ONLY=ON
-DOPENNMT_TOKENIZER_ROOT=var/peer/install. Boost, ICU: Debian's (apt-get, as root).
--out (default var/peerbench) keeps the TSVs, both stores and details.tsv (per query).

    bench/peer_fuzzymatch.py --build-peer            # build the peer, then run everything
    bench/peer_fuzzymatch.py [--pairs N] [--queries N] [--skip-peer] [--out DIR]
"""
import argparse
import glob
import os
import random
import re
import shutil
import subprocess
import sys
import time
import unicodedata

from fuzzy_bench import Conn, pct
from locale_bench import LOCALEDIR, all_locales, mo_pairs, tag_of

import zmq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER = os.path.join(ROOT, "var", "peer")
PEER_CLI = os.path.join(PEER, "build", "fm", "cli", "src", "FuzzyMatch-cli")
MIRROR = "/work/.mirror"
SOURCES = (("fuzzy-match", "SYSTRAN+fuzzy-match"), ("Tokenizer", "OpenNMT+Tokenizer"))
APT = ("cmake", "g++", "libicu-dev", "libsentencepiece-dev", "libboost-program-options-dev",
       "libboost-serialization-dev", "libboost-iostreams-dev", "libboost-system-dev")
SPM_SHIM = """# Written by Verso's bench/peer_fuzzymatch.py: Debian's libsentencepiece-dev
# in place of the sentencepiece submodule.
find_library(SPM_LIB sentencepiece REQUIRED)
find_library(SPM_TRAIN_LIB sentencepiece_train REQUIRED)
add_library(sentencepiece-static SHARED IMPORTED GLOBAL)
set_target_properties(sentencepiece-static PROPERTIES IMPORTED_LOCATION ${SPM_LIB})
add_library(sentencepiece_train-static SHARED IMPORTED GLOBAL)
set_target_properties(sentencepiece_train-static PROPERTIES IMPORTED_LOCATION ${SPM_TRAIN_LIB})
"""
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD = re.compile("[%s]|[^\\W\\d_%s]+" % (CJK, CJK))  # a kana/Han character, or letters


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ building the peer

def run(cmd, **kw):
    log("+ " + " ".join(cmd))
    return subprocess.run(cmd, **kw).returncode == 0


def export_sources(src):
    """var/peer/src/NAME from the bare mirror of the fetch tool when not there yet."""
    for name, mirror in SOURCES:
        dst = os.path.join(src, name)
        if os.path.exists(os.path.join(dst, "CMakeLists.txt")):
            continue
        git = os.path.join(MIRROR, mirror, "repo")
        if not os.path.isdir(git):
            log("peer: no %s (git clone https://github.com/%s %s, or fetch it)"
                % (dst, mirror.replace("+", "/"), dst))
            return False
        top = subprocess.run(["git", "--git-dir", git, "ls-tree", "--name-only", "HEAD"],
                             capture_output=True, text=True).stdout.split()
        os.makedirs(dst, exist_ok=True)
        arch = subprocess.Popen(["git", "--git-dir", git, "archive", "HEAD"]
                                + [t for t in top if t != "test"], stdout=subprocess.PIPE)
        ok = run(["tar", "-x", "-C", dst], stdin=arch.stdout)
        if arch.wait() or not ok:
            log("peer: git archive of %s failed" % git)
            return False
        rev = subprocess.run(["git", "--git-dir", git, "rev-parse", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        open(os.path.join(src, name + ".commit"), "w").write(rev + "\n")
    return True


def apt_install(pkgs):
    missing = [p for p in pkgs if subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True,
        text=True).stdout.split()[-1:] != ["installed"]]
    if not missing:
        return True
    if os.geteuid():
        log("peer: missing %s; install them as root" % " ".join(missing))
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends"] + missing
    return (run(cmd, env=env) or (run(["apt-get", "update"], env=env) and run(cmd, env=env)))


def build_peer():
    """Tokenizer (LIB_ONLY, system sentencepiece) then FuzzyMatch-cli. Returns the CLI path
    or None."""
    src, build, inst = (os.path.join(PEER, d) for d in ("src", "build", "install"))
    if not export_sources(src) or not apt_install(APT):
        return None
    spm = os.path.join(src, "Tokenizer", "third_party", "sentencepiece")
    if not os.path.exists(os.path.join(spm, "CMakeLists.txt")):
        os.makedirs(spm, exist_ok=True)
        open(os.path.join(spm, "CMakeLists.txt"), "w").write(SPM_SHIM)
    elif SPM_SHIM not in open(os.path.join(spm, "CMakeLists.txt")).read():
        log("peer: %s is a populated submodule: built as it is" % spm)
    tok, fm = os.path.join(build, "tok"), os.path.join(build, "fm")  # cmake -B makes them
    steps = [
        ["cmake", "-S", os.path.join(src, "Tokenizer"), "-B", tok, "-DLIB_ONLY=ON",
         "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_INSTALL_PREFIX=" + inst],
        ["cmake", "--build", tok, "-j2"],
        ["cmake", "--install", tok],
        ["cmake", "-S", os.path.join(src, "fuzzy-match"), "-B", fm, "-DCLI_ONLY=ON",
         "-DCMAKE_BUILD_TYPE=Release", "-DOPENNMT_TOKENIZER_ROOT=" + inst],
        ["cmake", "--build", fm, "-j2"]]
    for cmd in steps:
        if not run(cmd, stdout=subprocess.DEVNULL):
            log("peer: build step failed")
            return None
    return PEER_CLI if os.access(PEER_CLI, os.X_OK) else None


# ------------------------------------------------------------------ data

def catalog_pairs():
    """[(tag, src, tgt)]: every catalog's msgstr (language tag) -> msgid (en), unique,
    without tabs or line breaks, in locale and catalog order."""
    seen, out = set(), []
    for loc in all_locales():
        tag = tag_of(loc)
        if not tag or tag == "en":
            continue
        for mo in sorted(glob.glob(os.path.join(LOCALEDIR, loc, "LC_MESSAGES", "*.mo"))):
            for en, xx in mo_pairs(mo):
                key = (tag, xx, en)
                if key in seen or re.search("[\t\n\r]", xx + en):
                    continue
                seen.add(key)
                out.append(key)
    return out


def one_edit(src, vocab, rng):
    """src with one word replaced, dropped or inserted (None when it has under 4)."""
    words = list(WORD.finditer(src))
    if len(words) < 4:
        return None
    w = rng.choice(words)
    new = rng.choice(vocab)
    cjk = len(w.group()) == 1 and re.match("[%s]" % CJK, w.group())
    kind = rng.choice(("replace", "drop", "insert"))
    if kind == "replace":
        if new.casefold() == w.group().casefold():
            return None
        return src[:w.start()] + new + src[w.end():]
    if kind == "insert":
        return src[:w.start()] + new + ("" if cjk else " ") + src[w.start():]
    a, b = w.start(), w.end()
    if not cjk:
        if src[b:b + 1] == " ":
            b += 1
        elif src[a - 1:a] == " ":
            a -= 1
    return src[:a] + src[b:]


def make_sets(pairs, args, rng):
    """(TM pairs, queries [(set, tag, text)]): held-out sources, then one-token edits."""
    by_key = {}
    for i, (tag, src, _) in enumerate(pairs):
        by_key.setdefault((tag, src), []).append(i)
    held = rng.sample(sorted(by_key), args.queries)
    out = set(i for k in held for i in by_key[k])
    tm = [p for i, p in enumerate(pairs) if i not in out]
    if args.pairs and args.pairs < len(tm):
        keep = sorted(rng.sample(range(len(tm)), args.pairs))
        tm = [tm[i] for i in keep]
    sources = {(t, s) for t, s, _ in tm}
    vocab = {}
    for t, s, _ in rng.sample(tm, min(len(tm), 200000)):
        vocab.setdefault(t, []).extend(m.group() for m in WORD.finditer(s))
    queries = [("held-out", t, s) for t, s in held]
    made = set()
    while len(queries) < 2 * args.queries:
        t, s, _ = rng.choice(tm)
        e = one_edit(s, vocab.get(t) or ["x"], rng)
        if e and e.strip() and (t, e) not in sources and (t, e) not in made:
            made.add((t, e))
            queries.append(("edit", t, e))
    return tm, queries


def write_tsvs(tm, d):
    """d/TAG.tsv for Verso and d/corpus.tsv (the same lines, same order) for SYSTRAN.
    Returns ([(tag, path)], [(tag, src)] by corpus line - 1)."""
    os.makedirs(d, exist_ok=True)
    by_tag = {}
    for t, s, g in tm:
        by_tag.setdefault(t, []).append((s, g))
    files, lines = [], []
    with open(os.path.join(d, "corpus.tsv"), "w", encoding="utf-8") as corpus:
        for t in sorted(by_tag):
            path = os.path.join(d, t + ".tsv")
            with open(path, "w", encoding="utf-8") as f:
                for s, g in by_tag[t]:
                    f.write("%s\t%s\n" % (s, g))
                    corpus.write("%s\t%s\n" % (s, g))
                    lines.append((t, s))
            files.append((t, path))
    return files, lines


def norm(s):
    return unicodedata.normalize("NFC", " ".join(s.split()))


# ------------------------------------------------------------------ processes

def proc_status(pid):
    """VmHWM, VmRSS, RssAnon, RssFile of a live process, in MB."""
    out = {}
    for line in open("/proc/%d/status" % pid):
        k, _, v = line.partition(":")
        if k in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
            out[k] = int(v.split()[0]) / 1024
    return out


def run_peak(cmd):
    """Runs cmd under /usr/bin/time: (exit status, wall s, its peak RSS in MB, stdout,
    stderr). (Not os.wait4: a child forked from this big Python keeps its pre-exec RSS
    in ru_maxrss.)"""
    tf = "/tmp/peer_fuzzymatch.%d.time" % os.getpid()
    wrap = ["/usr/bin/time", "-f", "%M", "-o", tf] if os.access("/usr/bin/time", os.X_OK) else []
    t0 = time.perf_counter()
    r = subprocess.run(wrap + cmd, capture_output=True, text=True, errors="replace")
    wall = time.perf_counter() - t0
    try:
        peak = int(open(tf).read().split()[-1]) / 1024
        os.unlink(tf)
    except (OSError, ValueError, IndexError):
        peak = None
    return r.returncode, wall, peak, r.stdout, r.stderr


# ------------------------------------------------------------------ Verso

class Verso:
    """versod of build on data/store (a fresh directory unless fresh is False, when a store
    there is reopened), --threads threads and --write-threads write_threads (versod's
    default unless given); self.c speaks to it (bench/scale_bench.py too)."""

    def __init__(self, build, data, threads=1, fresh=True, write_threads=None):
        if fresh:
            shutil.rmtree(data, ignore_errors=True)
        os.makedirs(data, exist_ok=True)
        self.build, self.data = build, data
        ready = os.path.join(data, "ready")
        if os.path.exists(ready):
            os.unlink(ready)
        self.proc = subprocess.Popen(
            [os.path.join(build, "versod"), "--bind", "tcp://127.0.0.1:*", "--threads",
             str(threads), "--data", os.path.join(data, "store"), "--ready-file", ready,
             "--log-level", "warn"] +
            ([] if write_threads is None else ["--write-threads", str(write_threads)]))
        for _ in range(1200):
            if os.path.exists(ready) and open(ready).read().endswith("\n"):
                break
            if self.proc.poll() is not None:
                sys.exit("versod exited")
            time.sleep(0.05)
        self.endpoint = open(ready).read().split("\n")[0]
        self.ctx = zmq.Context()
        self.c = Conn(self.ctx, self.endpoint)

    def stop(self):
        self.c.s.close()
        self.proc.terminate()
        self.proc.wait(120)

    def lang_ok(self, tag):
        try:
            self.c.call("segment", text="x", lang=tag)
            return True
        except RuntimeError:
            return False

    def load(self, files):
        """One verso import per language, then until fully posted: figures."""
        t0 = time.perf_counter()
        added = dups = rejected = 0
        cli_rss = 0.0
        for tag, path in files:
            rc, _, rss, out, err = run_peak([os.path.join(self.build, "verso"), "--endpoint",
                                              self.endpoint, "import", path, "--src", tag,
                                              "--tgt", "en"])
            cli_rss = max(cli_rss, rss or 0)
            m = re.search(r"(\d+) added.*?(\d+) skipped.*?(\d+) rejected", out)
            if not m:
                sys.exit("verso import %s failed: %s" % (path, (out + err).strip()[-300:]))
            added, dups, rejected = (added + int(m.group(1)), dups + int(m.group(2)),
                                     rejected + int(m.group(3)))
        t_import = time.perf_counter() - t0
        while self.c.call("stats")["fuzzy_index"]["pending_ids"]:
            time.sleep(0.1)
        t_indexed = time.perf_counter() - t0
        st = self.c.call("stats")["store"]
        mdb = os.stat(os.path.join(self.data, "store", "data.mdb"))
        entries = sum(t["entries"] for t in self.c.call("tm_list")["tms"])
        return dict(import_s=t_import, indexed_s=t_indexed, added=added, dups=dups,
                    rejected=rejected, entries=entries, mdb_mb=mdb.st_size / 1e6,
                    mdb_alloc_mb=mdb.st_blocks * 512 / 1e6, used_mb=st["used_bytes"] / 1e6,
                    mem=proc_status(self.proc.pid), cli_rss=cli_rss)

    def lookups(self, queries, min_score, method="index", max_results=5):
        """[(round trip ms, matches)] one request per query."""
        out = []
        for _, tag, q in queries:
            t = time.perf_counter()
            ms = self.c.call("lookup", src_lang=tag, tgt_lang="en", segments=[q],
                             min_score=min_score, max_results=max_results,
                             method=method)["results"][0]["matches"]
            out.append(((time.perf_counter() - t) * 1e3, ms))
        return out

    def op_lookup(self):
        return dict(self.c.call("stats")["ops"].get("lookup", {"count": 0, "mean_us": 0}))


# ------------------------------------------------------------------ SYSTRAN

def peer_index(cli, corpus):
    """FuzzyMatch-cli -c corpus --add-target: (wall s, peak RSS MB, .fmi MB) or None."""
    fmi = corpus + ".fmi"
    if os.path.exists(fmi):
        os.unlink(fmi)
    rc, wall, rss, _, err = run_peak([cli, "-c", corpus, "--add-target"])
    if rc or not os.path.exists(fmi):
        log("peer: indexing failed (%d): %s" % (rc, err[-300:]))
        return None
    return wall, rss, os.path.getsize(fmi) / 1e6


class PeerMatcher:
    """FuzzyMatch-cli -a match at one threshold, one query a line through a pipe."""

    def __init__(self, cli, fmi, fuzzy, extra, nmatch=5):
        t0 = time.perf_counter()
        self.p = subprocess.Popen([cli, "-i", fmi, "-a", "match", "-f", str(fuzzy), "-N", "1",
                                   "-n", str(nmatch)] + extra, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for line in self.p.stderr:
            if line.startswith(b"STEP\tMatching"):
                break
        else:
            raise RuntimeError("FuzzyMatch-cli did not start matching")
        self.load_s = time.perf_counter() - t0

    def match(self, q):
        """(round trip ms, [(score, corpus line)])."""
        t = time.perf_counter()
        self.p.stdin.write(q.encode() + b"\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        ms = (time.perf_counter() - t) * 1e3
        f = line.decode().rstrip("\n").split("\t")
        return ms, [(float(f[i]), int(f[i + 1].split("=", 1)[0]))
                    for i in range(0, len(f) - 1, 2)]

    def close(self):
        """Memory (VmHWM: its peak since exec, loading included), then ends it."""
        mem = proc_status(self.p.pid)
        self.p.stdin.close()
        self.p.stdout.read()
        self.p.stderr.read()
        self.p.wait()
        return mem


def peer_lookups(cli, fmi, queries, lines, fuzzy, extra):
    """Per-query round trips and, per query, the best match of its language as
    (mapped score, source) or None; plus load time and memory."""
    m = PeerMatcher(cli, fmi, fuzzy, extra)
    times, best = [], []
    for _, tag, q in queries:
        ms, res = m.match(q)
        times.append(ms)
        own = [(int(100 * s + 1e-6), lines[i - 1][1]) for s, i in res if lines[i - 1][0] == tag]
        best.append(own[0] if own else None)  # its ranking: best first
    floor = [m.match("")[0] for _ in range(200)]
    mem = m.close()
    return dict(times=times, best=best, load_s=m.load_s, mem=mem, floor=pct(floor, 50))


# ------------------------------------------------------------------ recall and report

def recall(queries, scan, pick, threshold, kind):
    """(recalled, counted) over the queries of set `kind` whose scan best reaches
    `threshold`; pick(i, best, sources) says whether query i is recalled."""
    got = n = 0
    for i, (k, _, _) in enumerate(queries):
        if k != kind or i not in scan or not scan[i] or scan[i][0]["score"] < threshold:
            continue
        best = scan[i][0]["score"]
        n += 1
        got += bool(pick(i, best, {norm(m["src"]) for m in scan[i] if m["score"] == best}))
    return got, n


def table(rows):
    print("| measure | Verso | SYSTRAN fuzzy-match | Verso/SYSTRAN |")
    print("| --- | ---: | ---: | ---: |")
    for label, v, p, fmt in rows:
        f = lambda x: x if isinstance(x, str) else ("n/a" if x is None else fmt % x)
        ratio = ("%.2f" % (v / p) if isinstance(v, (int, float)) and isinstance(p, (int, float))
                 and p else "")
        print("| %s | %s | %s | %s |" % (label, f(v), f(p), ratio))


def run_verso(args, bindir, files, sfiles, queries):
    """Everything measured on Verso: the full TM, then the subset."""
    r = {}
    v = Verso(bindir, os.path.join(args.out, "verso"), write_threads=1)
    try:
        log("verso: importing ...")
        r["load"] = v.load(files)
        log("verso: %(entries)d entries, indexed %(indexed_s).1f s after the start" % r["load"])
        st = [v.op_lookup()]  # no warm-up: stats' quantiles are those of the first phase
        for th in (70, 50):
            r[th] = v.lookups(queries, th)
            st.append(v.op_lookup())
        r["mem"] = proc_status(v.proc.pid)
        r["floor"] = pct([v.lookups([("", "en", "")], 70)[0][0] for _ in range(200)], 50)
        # the server's mean of each phase from the counters (mean_us is cumulative)
        tot = lambda s: s["mean_us"] * s["count"]
        for th, a, b in ((70, st[0], st[1]), (50, st[1], st[2])):
            r["srv%d" % th] = (tot(b) - tot(a)) / max(b["count"] - a["count"], 1) / 1e3
        r["srv70q"] = (st[1]["p50_us"] / 1e3, st[1]["p99_us"] / 1e3)
        sample = [i for k in ("held-out", "edit")
                  for i in [j for j, q in enumerate(queries) if q[0] == k][:args.scan_sample]]
        log("verso: scanning %d queries ..." % len(sample))
        t = time.perf_counter()
        r["scan"] = {i: v.lookups([queries[i]], 50, "scan", 100)[0][1] for i in sample}
        r["scan_s"] = (time.perf_counter() - t) / max(len(sample), 1)
    finally:
        v.stop()
    v = Verso(bindir, os.path.join(args.out, "verso-subset"), write_threads=1)
    try:
        r["sub_load"] = v.load(sfiles)
        r["sub70"] = v.lookups(queries, 70)
    finally:
        v.stop()
    return r


def run_peer(cli, out, queries, lines, slines, extra):
    """Everything measured on SYSTRAN's CLI (None when its indexing fails)."""
    log("peer: indexing ...")
    fmi = os.path.join(out, "tm", "corpus.tsv.fmi")
    idx = peer_index(cli, os.path.join(out, "tm", "corpus.tsv"))
    if not idx:
        return None
    r = {"index": idx}
    for th in (70, 50):
        log("peer: matching at %.1f ..." % (th / 100))
        r[th] = peer_lookups(cli, fmi, queries, lines, th / 100, extra)
    sidx = peer_index(cli, os.path.join(out, "tm-subset", "corpus.tsv"))
    if sidx:
        r["sub_index"] = sidx
        r["sub70"] = peer_lookups(cli, os.path.join(out, "tm-subset", "corpus.tsv.fmi"),
                                  queries, slines, 0.7, extra)
    return r


def recall_rows(queries, v, p):
    vbest = {th: [m for _, m in v[th]] for th in (70, 50)}
    rows = []
    for th in (70, 50):
        for kind in ("held-out", "edit"):
            vg, n = recall(queries, v["scan"], lambda i, b, srcs: vbest[th][i] and
                           vbest[th][i][0]["score"] == b, th, kind)
            pg = p and recall(queries, v["scan"], lambda i, b, srcs: p[th]["best"][i] and
                              norm(p[th]["best"][i][1]) in srcs, th, kind)[0]
            rows.append(("recall of the scan's best, min %d, %s (%d queries with a match)"
                         % (th, kind, n), 100.0 * vg / max(n, 1),
                         p and 100.0 * pg / max(n, 1), "%.1f%%"))
        if p:
            got = [recall(queries, v["scan"], lambda i, b, srcs: p[th]["best"][i] and
                          p[th]["best"][i][0] >= b, th, kind) for kind in ("held-out", "edit")]
            rows.append(("SYSTRAN, mapped score floor(100 s) >= scan best, min %d, both sets"
                         % th, "", 100.0 * sum(g for g, _ in got) / max(sum(n for _, n in got),
                                                                         1), "%.1f%%"))
    return rows


def write_details(path, queries, v, p):
    """One line a query: set, tag, query, scan best score and source, Verso's best at
    70 and 50, SYSTRAN's (mapped score, source) at 0.7 and 0.5."""
    cell = lambda ms: "%d %s" % (ms[0]["score"], ms[0]["src"]) if ms else "-"
    pcell = lambda b: "%d %s" % b if b else "-"
    with open(path, "w", encoding="utf-8") as f:
        for i, q in enumerate(queries):
            f.write("\t".join(list(q) + [
                cell(v["scan"][i]) if i in v["scan"] else "?", cell(v[70][i][1]),
                cell(v[50][i][1])] + ([pcell(p[70]["best"][i]), pcell(p[50]["best"][i])]
                                      if p else [])).replace("\n", " ") + "\n")


def report(args, tm, files, nsub, queries, v, p):
    mean = lambda xs: sum(xs) / len(xs)
    t = lambda res: [ms for ms, _ in res]
    pt = lambda key, f: f(p[key]["times"]) if p and key in p else None
    p50, p99 = (lambda xs: pct(xs, 50)), (lambda xs: pct(xs, 99))
    vl, sl = v["load"], v["sub_load"]
    rows = recall_rows(queries, v, p) + [
        ("lookup round trip, min 70: mean (ms)", mean(t(v[70])), pt(70, mean), "%.3f"),
        ("lookup round trip, min 70: p50 (ms)", p50(t(v[70])), pt(70, p50), "%.3f"),
        ("lookup round trip, min 70: p99 (ms)", p99(t(v[70])), pt(70, p99), "%.3f"),
        ("lookup round trip, min 50: p50 (ms)", p50(t(v[50])), pt(50, p50), "%.3f"),
        ("lookup round trip, min 50: p99 (ms)", p99(t(v[50])), pt(50, p99), "%.3f"),
        ("lookup round trip, min 70, %dk-entry subset: p50 (ms)" % (nsub // 1000),
         p50(t(v["sub70"])), pt("sub70", p50), "%.3f"),
        ("round trip of an empty query (Verso) / line (SYSTRAN): p50 (ms)", v["floor"],
         p and p[70]["floor"], "%.3f"),
        ("Verso server side, min 70: mean / p50 / p99 (ms)", "%.3f / %.3f / %.3f" % (
            (v["srv70"],) + v["srv70q"]), None, "%s"),
        ("Verso server side, min 50: mean (ms)", v["srv50"], None, "%.3f"),
        ("on disk after import (MB)", vl["mdb_mb"], p and p["index"][2], "%.0f"),
        ("peak memory while building (MB)", vl["mem"]["VmHWM"], p and p["index"][1], "%.0f"),
        ("memory while serving lookups, RSS (MB)", v["mem"]["VmRSS"],
         p and p[70]["mem"]["VmRSS"], "%.0f"),
        ("import start until fully indexed (s)", vl["indexed_s"], p and p["index"][0], "%.1f"),
        ("%dk subset: import start until fully indexed (s)" % (nsub // 1000), sl["indexed_s"],
         p["sub_index"][0] if p and "sub_index" in p else None, "%.1f"),
        ("index load before serving (s)", "- (LMDB map)", p and p[70]["load_s"], "%.1f"),
    ]
    has = lambda res: sum(1 for r in res if r)
    commits = ["%s %s" % (n, open(f).read()[:10]) for n, f in (
        (n, os.path.join(PEER, "src", n + ".commit")) for n, _ in SOURCES) if os.path.exists(f)]
    print("\n## Verso vs SYSTRAN fuzzy-match: %d gettext pairs xx -> en, %d languages, %d + %d "
          "queries, 1 thread, 1 client\n\nseed %d; FuzzyMatch-cli match options: -N 1 -n 5 %s;"
          " %s\n" % (len(tm), len(files), args.queries, args.queries, args.seed,
                      args.peer_args or "(its defaults)", ", ".join(commits) or "peer commit ?"))
    table(rows)
    m = (vl["mem"], v["mem"])
    print("\nVerso: %d entries (%d added, %d duplicates, %d rejected); import %.1f s; data.mdb "
          "%.0f MB (%.0f MB allocated, %.0f MB of pages in use); verso import CLI peak %.0f MB; "
          "building VmHWM %.0f MB (RssAnon %.0f, RssFile %.0f when indexed), serving RSS %.0f MB "
          "(RssAnon %.0f, RssFile %.0f: pages of the LMDB map); queries with a match at 70 %d, "
          "at 50 %d of %d; the scan took %.2f s a query (%d scanned)" % (
              vl["entries"], vl["added"], vl["dups"], vl["rejected"], vl["import_s"],
              vl["mdb_mb"], vl["mdb_alloc_mb"], vl["used_mb"], vl["cli_rss"], m[0]["VmHWM"],
              m[0]["RssAnon"], m[0]["RssFile"], m[1]["VmRSS"], m[1]["RssAnon"],
              m[1]["RssFile"], has(x for _, x in v[70]), has(x for _, x in v[50]),
              len(queries), v["scan_s"], len(v["scan"])))
    if p:
        print("\nSYSTRAN: index file %.0f MB (suffix array, tokens, and the targets: "
              "--add-target); match process VmHWM %.0f MB at 0.7, %.0f at 0.5; queries with a "
              "match of their language at 0.7 %d, at 0.5 %d; times are round trips through its "
              "stdin/stdout, one query at a time" % (
                  p["index"][2], p[70]["mem"]["VmHWM"], p[50]["mem"]["VmHWM"],
                  has(p[70]["best"]), has(p[50]["best"])))
    elif not args.skip_peer:
        print("\nSYSTRAN fuzzy-match: not measured (see the messages above); Verso alone")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-peer", action="store_true", help="build SYSTRAN fuzzy-match first")
    ap.add_argument("--skip-peer", action="store_true", help="Verso only")
    ap.add_argument("--peer-args", default="", help="more FuzzyMatch-cli match options")
    ap.add_argument("--pairs", type=int, help="TM pairs (default: all)")
    ap.add_argument("--queries", type=int, default=1000, help="held-out queries, as many edits")
    ap.add_argument("--scan-sample", type=int, default=1000,
                    help="queries of each set checked against a full scan")
    ap.add_argument("--subset", type=int, default=100000, help="entries of the small TM")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(ROOT, "var", "peerbench"))
    ap.add_argument("--verso-build", default=os.path.join(ROOT, "build", "release"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    bindir = os.path.join(args.out, "bin")  # a copy: a rebuild during the run changes nothing
    os.makedirs(bindir, exist_ok=True)
    for b in ("versod", "verso"):
        shutil.copy2(os.path.join(args.verso_build, b), bindir)
    cli = None
    if not args.skip_peer:
        cli = build_peer() if args.build_peer else (PEER_CLI if os.access(PEER_CLI, os.X_OK)
                                                    else None)
        if not cli:
            log("peer: SYSTRAN fuzzy-match is not built (--build-peer); Verso alone")

    log("reading catalogs ...")
    pairs = catalog_pairs()
    probe = Verso(bindir, os.path.join(args.out, "probe"))
    bad = {t for t in {p[0] for p in pairs} if not probe.lang_ok(t)}
    probe.stop()
    shutil.rmtree(os.path.join(args.out, "probe"), ignore_errors=True)
    pairs = [p for p in pairs if p[0] not in bad]
    tm, queries = make_sets(pairs, args, rng)
    files, lines = write_tsvs(tm, os.path.join(args.out, "tm"))
    sub = sorted(rng.sample(range(len(tm)), min(args.subset, len(tm))))
    sfiles, slines = write_tsvs([tm[i] for i in sub], os.path.join(args.out, "tm-subset"))
    log("%d pairs read, %d languages (%d refused by Verso: %s), TM %d pairs, %d queries"
        % (len(pairs), len(files), len(bad), " ".join(sorted(bad)), len(tm), len(queries)))
    if len(tm) < 700000 and not args.pairs:
        log("warning: under 700k pairs: this machine has few catalogs")

    v = run_verso(args, bindir, files, sfiles, queries)
    p = run_peer(cli, args.out, queries, lines, slines, args.peer_args.split()) if cli else None
    write_details(os.path.join(args.out, "details.tsv"), queries, v, p)
    report(args, tm, files, len(sub), queries, v, p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
