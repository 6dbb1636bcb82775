#!/usr/bin/python3
"""The scale curve of issue 23: import and lookup figures of one TM at 100k, 1M and 10M entries.

Not part of CI.  bench/scale_bench.py [--sizes 100k,1M,10M] [--archive-mo-mb 1000] [--keep]

Data (English -> other languages, one language pair per target language, all in one TM),
built once and cached under var/scale/ (git-ignored; --rebuild builds it again):
  gettext  this machine's catalogs, /usr/share/locale/*/LC_MESSAGES/*.mo (msgid -> msgstr);
  archive  the catalogs of Debian packages not installed here: bookworm's Contents indexes
           name the packages shipping such .mo files; those of at most 5 MB, most catalogs
           per MB first, are fetched with `apt-get download` up to --archive-mo-mb MB (0:
           none), and only their .mo files are kept (var/scale/mo/);
  ddtp     Debian's translated package descriptions: a private apt state (var/scale/apt, its
           own sources.list and lists, Acquire::Languages set to the DDTP languages; the
           system's apt setup is not touched) fetches bookworm's Translation-en and -xx; a
           description is paired with its translation by package and Description-md5 (the
           md5 of the English text translated), then its short description and each
           paragraph of the long one when both sides have as many;
  lohelp   LibreOffice's help (libreoffice-help-en-us and -xx, fetched by bench/
           align_lohelp.py's code into var/lohelp/): paragraphs paired by page and id.
Texts are NFC with ASCII white-space runs as one space; a pair is dropped when a side is
empty or over 1,000 characters or the target equals the source, and kept once per (language,
source, target). Queries: --queries real pairs with a 4-40-word source drawn at random;
every pair of that source and language pair is taken out, so no query is a source of its
language pair at any size. The other real pairs are shuffled (--seed) and size N is their
first N: the sizes are nested prefixes of one corpus. Past the real pairs, SYNTHETIC entries:
a real pair (3+ source words) with one source word in five replaced by an English word of
the corpus (seeded), target kept; real and synthetic counts are printed for each size.

Per size, a fresh versod (copies of build/release's binaries, --threads 2): one `verso
import` per language pair into the TM "scale", wait for `stats` fuzzy_index.pending_ids 0,
then one client looks up each query alone (max_results 5) at min_score 70 and, the server
restarted on the same data so that its per-op quantiles are of that phase alone, at 50.
Printed: import rates (the CLI's figure, end to end), time until fully indexed, bytes per
entry (`stats` store used_bytes, file_bytes), versod VmRSS/VmHWM, round-trip and server
p50/p99, the load average (the machine may be shared), growth exponents between sizes
(log(y2/y1) / log(n2/n1)) and a markdown table.
"""
import argparse
import collections
import glob
import hashlib
import json
import math
import multiprocessing
import os
import random
import re
import shutil
import subprocess
import sys
import time
import unicodedata

import align_lohelp
from fuzzy_bench import Conn, pct
from locale_bench import LOCALEDIR, all_locales, mo_pairs, tag_of
from peer_fuzzymatch import Verso, proc_status

import zmq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS_VERSION = 1  # bump when the corpus rules change: the cache is rebuilt
MAXLEN = 1000
DDTP_LANGS = ("ca cs da de de_DE el eo es eu fi fr gl hr hu id it ja km ko ml nb nl pl pt "
              "pt_AO pt_BR ro ru sk sr sv tr uk vi zh zh_CN zh_TW").split()
LOHELP_LANGS = ("ca cs da de dz el es et eu fi fr gl hi hu id it ja km ko nl om pl pt pt-br "
                "ru sl sv tr vi zh-cn zh-tw").split()
APT_CONF = """// bench/scale_bench.py: a private apt state; the system's is not used
Dir::Etc::SourceList "{d}/sources.list"; Dir::Etc::SourceParts "{d}/sources.list.d";
Dir::State::Lists "{d}/lists"; Dir::Cache "{d}/cache";
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
APT::Sandbox::User "root"; Acquire::Retries "3";
#clear Acquire::Languages;
Acquire::Languages {{ {langs} }};
Acquire::IndexTargets::deb::Contents-scale {{ MetaKey "$(COMPONENT)/Contents-$(ARCHITECTURE)";
  ShortDescription "Contents-$(ARCHITECTURE)"; KeepCompressed "true";
  Description "$(RELEASE)/$(COMPONENT) $(ARCHITECTURE) Contents (scale)"; }};
"""
MO_PATH = re.compile(r"^usr/share/locale/([^/]+)/LC_MESSAGES/[^/]+\.mo\s+(\S+)$")
WORD = re.compile(r"[A-Za-z]{3,}")
SPACE = re.compile(r"[ \t\n\r\f\v]+")
T0 = time.perf_counter()
LOHELP_EN = {}  # the English help pages, read before the pool of workers forks


def log(*a):
    print("[%6.0f s]" % (time.perf_counter() - T0), *a, file=sys.stderr, flush=True)


def size_arg(s):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", s.strip()) or sys.exit("bad size %r" % s)
    return int(float(m.group(1)) * {"": 1, "k": 1e3, "m": 1e6}[m.group(2).lower()])


def label(n):
    return "%gM" % (n / 1e6) if n >= 1e6 else "%gk" % (n / 1e3) if n >= 1e3 else str(n)


def norm(s):
    """NFC, runs of ASCII white space as one space (a no-break space stays)."""
    return unicodedata.normalize("NFC", SPACE.sub(" ", s).strip(" "))


# ------------------------------------------------------------------ real data

class Apt:
    """A private apt state under VAR/apt (APT_CONF): bookworm main, its DDTP languages and
    Contents indexes; `apt-get update` runs again only when the configuration changed."""

    def __init__(self, var):
        self.dir = os.path.join(var, "apt")
        self.conf = os.path.join(self.dir, "apt.conf")
        for d in ("lists/partial", "cache/archives/partial", "sources.list.d"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        open(os.path.join(self.dir, "sources.list"), "w").write(
            "deb http://deb.debian.org/debian bookworm main\n")
        conf = APT_CONF.format(d=self.dir, langs=" ".join('"%s";' % l for l in ["en"] + DDTP_LANGS))
        stamp = os.path.join(self.dir, "updated")
        if not os.path.exists(stamp) or open(stamp).read() != conf:
            open(self.conf, "w").write(conf)
            log("apt-get update (private state %s)" % self.dir)
            self.apt(["update"])
            open(stamp, "w").write(conf)

    def apt(self, args, cwd=None):
        p = subprocess.run(["apt-get", "-c", self.conf, "-q"] + args, cwd=cwd,
                           capture_output=True, text=True)
        if p.returncode:
            sys.exit("apt-get %s failed: %s" % (args[0], (p.stdout + p.stderr)[-800:]))

    def lines(self, kind):
        """The lines of one list file (Packages, Translation-xx, Contents-amd64...)."""
        pat = "*_binary-amd64_Packages*" if kind == "Packages" else "*_%s.*" % kind.replace(
            "_", "%5f")
        files = glob.glob(os.path.join(self.dir, "lists", pat))
        if files:
            p = subprocess.Popen(["/usr/lib/apt/apt-helper", "cat-file", files[0]],
                                 stdout=subprocess.PIPE, text=True, errors="replace")
            yield from p.stdout
            p.wait()


def gettext_local():
    for loc in all_locales():
        tag = tag_of(loc)
        for mo in sorted(glob.glob(os.path.join(LOCALEDIR, loc, "LC_MESSAGES", "*.mo"))):
            if tag and not tag.startswith("en"):
                yield from (("gettext", tag, s, t) for s, t in mo_pairs(mo))


def archive_choose(apt, budget_mb):
    """Packages not installed here of at most 5 MB shipping 5+ catalogs, most catalogs per
    byte first, within the budget."""
    nmo, size, name = collections.Counter(), {}, None
    for kind in ("Contents-amd64", "Contents-all"):
        for line in apt.lines(kind):
            m = line.startswith("usr/share/locale/") and MO_PATH.match(line)
            for pkg in m.group(2).split(",") if m else ():
                nmo[pkg.rsplit("/", 1)[-1]] += 1
    for line in apt.lines("Packages"):
        if line.startswith("Package: "):
            name = line[9:].strip()
        elif line.startswith("Size: ") and name:
            size[name] = int(line[6:])
    installed = set(subprocess.run(["dpkg-query", "-W", "-f", "${Package}\n"],
                                   capture_output=True, text=True).stdout.split())
    cand = sorted((p for p in nmo if p in size and p not in installed and nmo[p] >= 5
                   and size[p] <= 5e6), key=lambda p: (-nmo[p] / size[p], p))
    chosen, total = [], 0
    for p in cand:
        if total + size[p] <= budget_mb * 1e6:
            chosen.append(p)
            total += size[p]
    log("archive: %d packages ship catalogs, %d not installed and <= 5 MB; %d chosen, %.0f MB"
        % (len(nmo), len(cand), len(chosen), total / 1e6))
    return chosen


def archive_fetch(apt, var, budget_mb):
    """Downloads the chosen packages once, keeping only their .mo files (VAR/mo/PKG/)."""
    moroot, debs = os.path.join(var, "mo"), os.path.join(var, "debs")
    chosen_file = os.path.join(moroot, "chosen-%d.txt" % budget_mb)
    os.makedirs(debs, exist_ok=True)
    os.makedirs(moroot, exist_ok=True)
    if not os.path.exists(chosen_file):
        open(chosen_file, "w").write("\n".join(archive_choose(apt, budget_mb)) + "\n")
    chosen = open(chosen_file).read().split()
    todo = [p for p in chosen if not os.path.exists(os.path.join(moroot, p, ".done"))]
    for i in range(0, len(todo), 100):
        log("archive: downloading packages %d-%d of %d" % (i + 1, min(i + 100, len(todo)),
                                                           len(todo)))
        apt.apt(["download"] + todo[i:i + 100], cwd=debs)
        for p in todo[i:i + 100]:
            out = os.path.join(moroot, p)
            os.makedirs(out, exist_ok=True)
            for deb in glob.glob(os.path.join(debs, glob.escape(p) + "_*.deb")):
                subprocess.run("dpkg-deb --fsys-tarfile '%s' | tar -x -C '%s' --wildcards "
                               "'*/LC_MESSAGES/*.mo'" % (deb, out), shell=True,
                               stderr=subprocess.DEVNULL)
                os.unlink(deb)
            open(os.path.join(out, ".done"), "w").close()
    for p in chosen:
        for mo in sorted(glob.glob(os.path.join(moroot, p, "usr/share/locale/*/LC_MESSAGES/*.mo"))):
            tag = tag_of(mo.split(os.sep)[-3])
            if tag and not tag.startswith("en"):
                yield from (("archive", tag, s, t) for s, t in mo_pairs(mo))


def ddtp_records(lines):
    """(package, md5) -> [short description, paragraphs of the long one]."""
    out, pkg, md5, paras = {}, None, None, None
    for line in list(lines) + ["\n"]:
        line = line.rstrip("\n")
        if not line:
            if pkg and md5 and paras:
                out[(pkg, md5)] = [" ".join(p) for p in paras if p]
            pkg = md5 = paras = None
        elif line.startswith("Package: "):
            pkg = line[9:]
        elif line.startswith("Description-md5: "):
            md5 = line[17:]
        elif line.startswith("Description-"):
            paras = [[line.split(": ", 1)[-1]], []]
        elif line.startswith(" ") and paras is not None:
            if line.strip() == ".":
                paras.append([])
            else:
                paras[-1].append(line.strip())
    return out


def ddtp(apt):
    en = ddtp_records(apt.lines("Translation-en"))
    for lang in DDTP_LANGS:
        for key, paras in ddtp_records(apt.lines("Translation-" + lang)).items():
            src = en.get(key)
            if src and len(src) == len(paras):
                yield from (("ddtp", lang.replace("_", "-"), s, t) for s, t in zip(src, paras))


def lohelp_pages(lang):
    """{page: {paragraph id: text}} of one language's help (downloaded once)."""
    helpdir = align_lohelp.fetch(lang, os.path.join(ROOT, "var", "lohelp"))
    return {rel: dict(align_lohelp.paragraphs(path))
            for rel, path in align_lohelp.pages(helpdir).items()}


def lohelp_lang(lang):
    tag = re.sub(r"-(\w+)$", lambda m: "-" + m.group(1).upper(), lang)
    return [("lohelp", tag, s, paras[pid]) for rel, paras in lohelp_pages(lang).items()
            for pid, s in LOHELP_EN.get(rel, {}).items() if pid in paras]


def lohelp():
    global LOHELP_EN
    LOHELP_EN = lohelp_pages("en-us")
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for pairs in pool.imap(lohelp_lang, LOHELP_LANGS):
            yield from pairs


def valid_tags(bindir, tags, tmp):
    """The tags versod accepts (op segment): the others' pairs are left out."""
    srv, ok = Server(bindir, tmp, 1), set()
    for t in sorted(tags):
        try:
            srv.c.call("segment", text="x", lang=t)
        except RuntimeError:
            continue
        ok.add(t)
    srv.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    return ok


def build_corpus(args, cdir):
    """Reads every source, writes cdir/pool.tsv (shuffled real pairs: tag, source kind,
    src, tgt), cdir/queries.tsv (tag, kind, src) and cdir/meta.json. Run in a child."""
    rng = random.Random(args.seed)
    seen, pool, took = set(), [], {}
    steps = dict(gettext=gettext_local, lohelp=lohelp, ddtp=lambda: ddtp(Apt(args.var)),
                 archive=lambda: archive_fetch(Apt(args.var), args.var, args.archive_mo_mb))
    for name in ("gettext", "archive", "ddtp", "lohelp"):
        if name not in args.sources or (name == "archive" and not args.archive_mo_mb):
            continue
        t0, n0 = time.perf_counter(), len(pool)
        for kind, tag, s, t in steps[name]():
            s, t = norm(s), norm(t)
            if s and t and s != t and len(s) <= MAXLEN and len(t) <= MAXLEN:
                h = hash((tag, s, t))
                if h not in seen:
                    seen.add(h)
                    pool.append((tag, kind, s, t))
        took[name] = time.perf_counter() - t0
        log("%s: %d pairs kept in %.0f s" % (name, len(pool) - n0, took[name]))
    ok = valid_tags(args.bindir, {p[0] for p in pool}, os.path.join(args.var, "probe"))
    refused = sorted({p[0] for p in pool} - ok)
    pool = [p for p in pool if p[0] in ok]
    eligible = [i for i, p in enumerate(pool) if 4 <= len(p[2].split()) <= 40]
    held = {}
    while len(held) < args.queries:
        tag, kind, s, _ = pool[rng.choice(eligible)]
        held.setdefault((tag, s), kind)
    pool = [p for p in pool if (p[0], p[2]) not in held]
    rng.shuffle(pool)
    with open(os.path.join(cdir, "pool.tsv"), "w", encoding="utf-8") as f:
        f.writelines("\t".join(p) + "\n" for p in pool)
    with open(os.path.join(cdir, "queries.tsv"), "w", encoding="utf-8") as f:
        f.writelines("%s\t%s\t%s\n" % (t, kind, s) for (t, s), kind in sorted(held.items()))
    json.dump(dict(config=corpus_config(args), real=len(pool), seconds=took,
                   by_source=collections.Counter(p[1] for p in pool),
                   pairs=len({p[0] for p in pool}), refused_tags=refused,
                   queries_by_source=collections.Counter(held.values())),
              open(os.path.join(cdir, "meta.json"), "w"), indent=1)


def corpus_config(args):
    return dict(version=CORPUS_VERSION, seed=args.seed, queries=args.queries,
                sources=sorted(args.sources), archive_mo_mb=args.archive_mo_mb)


# ------------------------------------------------------------------ sizes

def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield tuple(line.rstrip("\n").split("\t"))


def synthetic(pool, held, seed):
    """Endless synthetic entries: real pairs (3+ source words) with about a fifth of their
    source words replaced by corpus words; none equal to a real pair or a held-out query."""
    rng = random.Random(seed + 1)
    seen = {hash((t, s, g)) for t, _, s, g in pool}
    vocab = [w.lower() for p in pool[:200000] for w in WORD.findall(p[2])]
    bases = [p for p in pool if len(p[2].split()) >= 3]
    while bases:
        for tag, kind, s, t in bases:
            toks = s.split(" ")
            pos = [j for j, w in enumerate(toks) if w.isascii() and w.isalpha()]
            for j in rng.sample(pos, max(1, round(len(pos) / 5))) if pos else ():
                w = rng.choice(vocab)
                toks[j] = w.capitalize() if toks[j][0].isupper() else w
            s2 = " ".join(toks)
            h = hash((tag, s2, t))
            if pos and h not in seen and (tag, s2) not in held:
                seen.add(h)
                yield tag, "synthetic", s2, t


def build_sizes(args, cdir, sizes, real):
    """VAR/tsv/N/TAG.tsv for each size N given: the first N entries of the real pool, then
    of the synthetic stream, split by language pair; N/manifest.json last."""
    stream = read_tsv(os.path.join(cdir, "pool.tsv"))
    if max(sizes) > real:  # the whole pool in memory: the bases of the synthetic entries
        pool = list(stream)
        held = {(t, s) for t, _, s in read_tsv(os.path.join(cdir, "queries.tsv"))}
        stream = (p for gen in (pool, synthetic(pool, held, args.seed)) for p in gen)
    files, counts = {}, {n: collections.Counter() for n in sizes}
    for n in sizes:
        shutil.rmtree(os.path.join(args.var, "tsv", str(n)), ignore_errors=True)
        os.makedirs(os.path.join(args.var, "tsv", str(n)))
    for i, (tag, kind, s, t) in enumerate(stream):
        if i >= max(sizes):
            break
        for n in (n for n in sizes if i < n):
            if (n, tag) not in files:
                files[(n, tag)] = open(os.path.join(args.var, "tsv", str(n), tag + ".tsv"), "w",
                                       encoding="utf-8")
            files[(n, tag)].write("%s\t%s\n" % (s, t))
            counts[n][kind] += 1
    for f in files.values():
        f.close()
    for n in sizes:
        json.dump(dict(corpus=corpus_config(args), by_source=counts[n]),
                  open(os.path.join(args.var, "tsv", str(n), "manifest.json"), "w"))


def in_child(fn, *a):
    """Runs fn in a forked child, so that the memory of the corpus is given back."""
    p = multiprocessing.get_context("fork").Process(target=fn, args=a)
    p.start()
    p.join()
    if p.exitcode:
        sys.exit("%s failed (exit %s)" % (fn.__name__, p.exitcode))


# ------------------------------------------------------------------ server and runs

class Server(Verso):
    """versod on data, reopened between the phases of a size."""

    def __init__(self, bindir, data, threads):
        super().__init__(bindir, data, threads=threads, fresh=False)


def timed(call):
    t = time.perf_counter()
    res = call()
    return (time.perf_counter() - t) * 1e3, res


def lookups(srv, queries, min_score):
    """Round trips (ms) of one lookup per query, queries with a match, the server's lookup
    figures from `stats` (since its start), a `ping` round trip and the load average."""
    rtt = [timed(lambda: srv.c.call("lookup", tm="scale", src_lang="en", tgt_lang=tag,
                                    segments=[q], min_score=min_score, max_results=5))
           for tag, _, q in queries]
    ms = [t for t, _ in rtt]
    ping = [timed(lambda: srv.c.call("ping"))[0] for _ in range(200)]
    return dict(p50=pct(ms, 50), p99=pct(ms, 99), mean=sum(ms) / len(ms), ping=pct(ping, 50),
                matched=sum(1 for _, res in rtt if res["results"][0]["matches"]),
                srv=srv.c.call("stats").get("ops", {}).get("lookup"), load=os.getloadavg()[0])


def import_all(args, srv, files):
    """One `verso import` per language pair: the CLI's summaries added up."""
    tot = collections.Counter()
    for path in files:
        p = subprocess.run([os.path.join(args.bindir, "verso"), "--endpoint", srv.endpoint,
                            "import", path, "--src", "en", "--tgt",
                            os.path.basename(path)[:-4], "--tm", "scale"],
                           capture_output=True, text=True)
        m = re.search(r"(\d+) entries in ([\d.]+) s .*?(\d+) added, (\d+) updated, (\d+) "
                      r"skipped.*?(\d+) rejected", p.stdout)
        if p.returncode or not m:
            sys.exit("verso import %s failed: %s" % (path, (p.stdout + p.stderr)[-500:]))
        tot.update(dict(zip(("lines", "cli_s", "added", "updated", "skipped", "rejected"),
                            map(float, m.groups()))))
    return tot


def run_size(args, n, queries):
    tdir = os.path.join(args.var, "tsv", str(n))
    files = sorted(glob.glob(os.path.join(tdir, "*.tsv")))
    man = json.load(open(os.path.join(tdir, "manifest.json")))["by_source"]
    data = os.path.join(args.var, "run", str(n))
    shutil.rmtree(data, ignore_errors=True)
    r = dict(n=n, by_source=man, synthetic=man.get("synthetic", 0), pairs=len(files),
             real=sum(man.values()) - man.get("synthetic", 0), load=os.getloadavg()[0])
    srv = Server(args.bindir, data, args.threads)
    try:
        log("%s: importing %d entries, %d language pairs" % (label(n), sum(man.values()),
                                                             len(files)))
        t0 = time.perf_counter()
        r.update(import_all(args, srv, files), import_s=time.perf_counter() - t0,
                 mem_import=proc_status(srv.proc.pid))
        log("%s: imported in %.0f s; waiting for the fuzzy index" % (label(n), r["import_s"]))
        while srv.c.call("stats")["fuzzy_index"]["pending_ids"]:
            time.sleep(0.2)
        r["indexed_s"] = time.perf_counter() - t0
        r["store"] = srv.c.call("stats")["store"]
        r["file_bytes"] = r["store"].get("file_bytes") or os.path.getsize(
            os.path.join(data, "store", "data.mdb"))
        r["entries"] = next(t["entries"] for t in srv.c.call("tm_list")["tms"]
                            if t["name"] == "scale")
        r["mem_indexed"] = proc_status(srv.proc.pid)
        log("%s: indexed after %.0f s; lookups at min_score 70" % (label(n), r["indexed_s"]))
        r["l70"] = lookups(srv, queries, 70)
        r["mem_serving"] = proc_status(srv.proc.pid)
    finally:
        srv.stop()
    srv = Server(args.bindir, data, args.threads)
    try:
        log("%s: lookups at min_score 50 (server restarted)" % label(n))
        r["l50"] = lookups(srv, queries, 50)
    finally:
        srv.stop()
    if not args.keep:
        shutil.rmtree(data, ignore_errors=True)
    return r


# ------------------------------------------------------------------ report

def srvq(l, q):
    return l["srv"][q] / 1e3 if l.get("srv") else float("nan")


METRICS = [  # label, value, format, growth exponent printed
    ("entries in the TM", lambda r: r["entries"], "%d", False),
    ("real / synthetic", lambda r: "%d / %d" % (r["real"], r["synthetic"]), "%s", False),
    ("import, CLI's figure (entries/s)", lambda r: r["lines"] / max(r["cli_s"], 1e-9),
     "%.0f", False),
    ("import, end to end (entries/s)", lambda r: r["entries"] / r["import_s"], "%.0f", False),
    ("import wall time (s)", lambda r: r["import_s"], "%.1f", True),
    ("import start until fully indexed (s)", lambda r: r["indexed_s"], "%.1f", True),
    ("store used bytes / entry", lambda r: r["store"]["used_bytes"] / r["entries"], "%.0f", True),
    ("data.mdb bytes / entry", lambda r: r["file_bytes"] / r["entries"], "%.0f", True),
    ("data.mdb (MB)", lambda r: r["file_bytes"] / 1e6, "%.0f", False),
    ("versod VmRSS after import / indexed (MB)", lambda r: "%.0f / %.0f" % (
        r["mem_import"]["VmRSS"], r["mem_indexed"]["VmRSS"]), "%s", False),
    ("versod VmHWM after indexing (MB)", lambda r: r["mem_indexed"]["VmHWM"], "%.0f", False),
    ("versod VmRSS serving, anon + file (MB)", lambda r: "%.0f (%.0f + %.0f)" % tuple(
        r["mem_serving"][k] for k in ("VmRSS", "RssAnon", "RssFile")), "%s", False),
]
for ms in (70, 50):
    for name, key, fmt, grow in (("queries with a match", "matched", "%d", False),
                                 ("round trip p50 (ms)", "p50", "%.3f", True),
                                 ("round trip p99 (ms)", "p99", "%.3f", True),
                                 ("server p50 (ms)", "p50_us", "%.3f", True),
                                 ("server p99 (ms)", "p99_us", "%.3f", True)):
        METRICS.append(("min %d: %s" % (ms, name), lambda r, l="l%d" % ms, key=key: (
            srvq(r[l], key) if key.endswith("_us") else r[l][key]), fmt, grow))
METRICS += [("ping round trip p50 (ms)", lambda r: r["l70"]["ping"], "%.3f", False),
            ("load average: import / min 70 / min 50", lambda r: "%.1f / %.1f / %.1f" % (
                r["load"], r["l70"]["load"], r["l50"]["load"]), "%s", False)]


def exponent(r1, r2, f):
    y1, y2 = f(r1), f(r2)
    if not (y1 > 0 and y2 > 0) or r1["entries"] == r2["entries"]:
        return float("nan")
    return math.log(y2 / y1) / math.log(r2["entries"] / r1["entries"])


def fmt_counts(c):
    return ", ".join("%s %d" % kv for kv in sorted(c.items()))


def print_size(r):
    print("\n== %s: %d entries (%d real, %d synthetic), %d language pairs; by source: %s" % (
        label(r["n"]), r["entries"], r["real"], r["synthetic"], r["pairs"],
        fmt_counts(r["by_source"])))
    print("import: CLI %d lines in %.1f s (%d added, %d skipped, %d rejected); wall %.1f s; "
          "fully indexed after %.1f s; map grew %d times" % (
              r["lines"], r["cli_s"], r["added"], r["skipped"], r["rejected"], r["import_s"],
              r["indexed_s"], r["store"].get("map_grows", 0)))
    print("lookup server mean / max (ms): min 70 %s, min 50 %s" % tuple(
        "%.3f / %.1f" % (srvq(r[l], "mean_us"), srvq(r[l], "max_us")) for l in ("l70", "l50")))
    for name, f, fmt, _ in METRICS:
        print("  %-42s %s" % (name, fmt % f(r)))
    sys.stdout.flush()


def report(results):
    rs = sorted(results, key=lambda r: r["entries"])
    steps = list(zip(rs, rs[1:]))
    if steps:
        print("\ngrowth exponents k = log(y2/y1) / log(n2/n1) (1: linear in entries, 0: flat)")
        for name, f, _, grow in (m for m in METRICS if m[3]):
            print("  %-40s %s" % (name, "  ".join("%s->%s %+.2f" % (
                label(a["n"]), label(b["n"]), exponent(a, b, f)) for a, b in steps)))
    print("\n| measure | %s |%s" % (" | ".join(label(r["n"]) for r in rs), "".join(
        " k %s->%s |" % (label(a["n"]), label(b["n"])) for a, b in steps)))
    print("| --- |%s" % (" ---: |" * (len(rs) + len(steps))))
    for name, f, fmt, grow in METRICS:
        cells = [fmt % f(r) for r in rs]
        cells += ["%+.2f" % exponent(a, b, f) if grow else "" for a, b in steps]
        print("| %s | %s |" % (name, " | ".join(cells)))


def binaries_state(build):
    return {b: (int(os.path.getmtime(os.path.join(build, b))), hashlib.sha256(
        open(os.path.join(build, b), "rb").read()).hexdigest()[:12]) for b in ("versod", "verso")}


def prepare(args, sizes):
    """The corpus and each size's files, built when missing or made by another config."""
    cdir = os.path.join(args.var, "corpus")
    meta_path = os.path.join(cdir, "meta.json")
    if (args.rebuild or not os.path.exists(meta_path)
            or json.load(open(meta_path))["config"] != corpus_config(args)):
        shutil.rmtree(cdir, ignore_errors=True)
        shutil.rmtree(os.path.join(args.var, "tsv"), ignore_errors=True)
        os.makedirs(cdir)
        log("building the corpus in %s" % cdir)
        in_child(build_corpus, args, cdir)
    meta = json.load(open(meta_path))
    def built(n):
        man = os.path.join(args.var, "tsv", str(n), "manifest.json")
        return os.path.exists(man) and json.load(open(man))["corpus"] == corpus_config(args)
    todo = [n for n in sizes if not built(n)]
    if todo:
        log("writing the TSV files of %s" % ", ".join(map(label, todo)))
        in_child(build_sizes, args, cdir, todo, meta["real"])
    return meta, list(read_tsv(os.path.join(cdir, "queries.tsv")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100k,1M,10M", help="comma-separated, e.g. 100k,1M")
    ap.add_argument("--queries", type=int, default=1000, help="held-out queries")
    ap.add_argument("--sources", default="gettext,archive,ddtp,lohelp")
    ap.add_argument("--archive-mo-mb", type=int, default=1000,
                    help="MB of .deb files fetched for their catalogs (0: none)")
    ap.add_argument("--threads", type=int, default=2, help="server worker threads")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--var", default=os.path.join(ROOT, "var", "scale"))
    ap.add_argument("--rebuild", action="store_true", help="build the corpus again")
    ap.add_argument("--keep", action="store_true", help="keep each size's data directory")
    args = ap.parse_args()
    sizes = sorted({size_arg(s) for s in args.sizes.split(",") if s.strip()})
    args.sources = set(args.sources.split(","))
    args.bindir = os.path.join(args.var, "bin")  # copies: a rebuild mid-run changes nothing
    os.makedirs(args.bindir, exist_ok=True)
    before = binaries_state(args.build)
    for b in ("versod", "verso"):
        shutil.copy2(os.path.join(args.build, b), args.bindir)
    meta, queries = prepare(args, sizes)
    print("scale_bench: %d real pairs (%s; %d language pairs, all from en; tags refused: %s), "
          "%d held-out queries (%s), versod --threads %d, binaries (mtime, sha256) %s" % (
              meta["real"], fmt_counts(meta["by_source"]), meta["pairs"],
              " ".join(meta["refused_tags"]) or "none", len(queries),
              fmt_counts(meta["queries_by_source"]), args.threads, before))
    results = []
    for n in sizes:
        t = time.perf_counter()
        results.append(run_size(args, n, queries))
        print_size(results[-1])
        log("%s done in %.0f s" % (label(n), time.perf_counter() - t))
    report(results)
    after = binaries_state(args.build)
    if after != before:
        print("\nnote: %s's binaries changed during the run (%s -> %s); the run used the "
              "copies taken at its start" % (args.build, before, after))
    return 0


if __name__ == "__main__":
    sys.exit(main())
