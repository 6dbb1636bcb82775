#!/usr/bin/python3
"""Builds a large bilingual TM corpus (English -> one language) from text that Debian ships.

    corpora/debian_corpus.py --pair en:de [--prose] [--max N] [--cache DIR] ...

Writes CACHE/en-de.tsv (source TAB target, one pair a line) and CACHE/en-de.queries.txt
(1,000 query sentences that are not TM sources: held-out sentences and one-edit variants
of TM sources; CACHE/en-de.queries.tsv says which is which). With --prose: en-de.prose.tsv
and en-de.prose.queries.txt, sentences of 15-25 words from descriptions and documentation.

Sources (English side, all deduplicated):
  gettext   every .mo catalog of this machine (/usr/share/locale) and of the Debian packages
            fetched below (all locales: their msgids); target = the pair's catalog of the
            same domain. One unit per msgid line, not sentence-split (UI strings).
  ddtp      apt's Translation-en (package descriptions of bookworm main): short description
            as one unit, long description paragraphs sentence-split; target = Translation-XX
            entry with the same Description-md5, paragraph by paragraph.
  man       English man pages (installed, from Debian packages only, and those of the fetched
            packages) parsed from roff; target = the translated page of the same name
            (manpages-XX and packages' own translations), aligned paragraph by paragraph
            when both pages have the same paragraph structure.
  lohelp    LibreOffice help (libreoffice-help-en-us / -XX), paragraphs paired by their ids.
  docs      debian-handbook, installation-guide-amd64, debian-reference, developers-reference,
            debian-faq, gimp-help, GNOME help (Mallard pages): HTML/XML blocks paired file by
            file when both files have the same block structure.
Paragraph pairs become sentence pairs only when both sides split into the same number of
sentences; otherwise the English sentences get placeholder targets ("[no translation] ...").

Everything fetched lives under the cache (default var/corpora/): a private apt state
(sources, lists, Contents) so the system's apt is left alone, the .deb files, the files
extracted from them, and per-source intermediate results. A second run reuses all of it.
"""

import argparse
import collections
import concurrent.futures
import glob
import gzip
import hashlib
import html.parser
import io
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import time
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERSION = 6  # bump to invalidate cached intermediate results
PLACEHOLDER = "[no translation] "
MIRROR = "http://deb.debian.org/debian"
SUITE = "bookworm"


class Fail(Exception):
    pass


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- languages

class Lang:
    """One target language in the spellings the various Debian packages use."""

    def __init__(self, tag):
        if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]{2,4})?", tag):
            raise Fail(f"unsupported language tag {tag!r} (want e.g. de, fr, zh-CN, pt-BR)")
        parts = tag.split("-")
        self.base = parts[0]
        self.region = parts[1].upper() if len(parts) > 1 else None
        self.tag = self.base + ("-" + self.region if self.region else "")   # BCP 47: zh-CN
        self.deb = self.base + ("_" + self.region if self.region else "")   # locale: zh_CN
        self.low = self.tag.lower()                                         # pkg: zh-cn

    def locale_dirs(self):
        """gettext/man/help directory names that hold this language."""
        d = {self.deb, self.tag}
        if not self.region:
            d.add(f"{self.base}_{self.base.upper()}")
        return d


# ---------------------------------------------------------------- apt (private state)

class Apt:
    def __init__(self, cache, langs, offline, mirror=MIRROR):
        self.dir = os.path.join(cache, "apt")
        self.mirror = mirror
        self.lists = os.path.join(self.dir, "lists")
        self.debs = os.path.join(cache, "debs")
        self.offline = offline
        # keep the languages fetched before, so that pairs built in turn all stay cached
        had = {m.group(1).replace("%5f", "_") for f in glob.glob(os.path.join(self.lists, "*_i18n_Translation-*"))
               for m in [re.search(r"_i18n_Translation-([^.]+)", f)] if m}
        self.langs = sorted(set(langs) | had)
        self.need = sorted(set(langs))
        for d in (os.path.join(self.lists, "partial"), os.path.join(self.dir, "cache", "archives", "partial"),
                  os.path.join(self.dir, "sources.list.d"), self.debs):
            os.makedirs(d, exist_ok=True)
        self.conf = os.path.join(self.dir, "apt.conf")
        with open(os.path.join(self.dir, "sources.list"), "w") as f:
            f.write(f"deb {mirror} {SUITE} main\n")
        langs_conf = " ".join(f'"{x}";' for x in self.langs)
        with open(self.conf, "w") as f:
            f.write(f'''// written by corpora/debian_corpus.py: a private apt state, the system's is untouched
Dir::Etc::SourceList "{self.dir}/sources.list";
Dir::Etc::SourceParts "{self.dir}/sources.list.d";
Dir::State::Lists "{self.lists}";
Dir::Cache "{self.dir}/cache";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Sandbox::User "root";
Acquire::Retries "3";
#clear Acquire::Languages;
Acquire::Languages {{ {langs_conf} }};
Acquire::IndexTargets::deb::Contents-deb {{
    MetaKey "$(COMPONENT)/Contents-$(ARCHITECTURE)";
    ShortDescription "Contents-$(ARCHITECTURE)";
    Description "$(RELEASE)/$(COMPONENT) $(ARCHITECTURE) Contents (deb)";
    KeepCompressed "true";
}};
''')
        self._packages = None

    def run(self, args, what, cwd=None):
        p = subprocess.run(["apt-get", "-c", self.conf, "-q"] + args, cwd=cwd,
                           capture_output=True, text=True)
        if p.returncode != 0:
            tail = "\n".join((p.stdout + p.stderr).strip().splitlines()[-12:])
            raise Fail(f"apt-get could not {what} (exit {p.returncode}):\n{tail}\n"
                       f"(config {self.conf}; is {self.mirror} reachable?)")
        return p

    def list_file(self, kind):
        """The list file for 'Packages', 'Contents-amd64', 'Contents-all', 'Translation-de'..."""
        pat = {"Packages": "*_main_binary-amd64_Packages*"}.get(kind)
        if pat is None:
            pat = f"*_main_{kind.replace('_', '%5f')}*" if kind.startswith("Contents") \
                else f"*_main_i18n_{kind.replace('_', '%5f')}*"
        hits = [h for h in glob.glob(os.path.join(self.lists, pat)) if "partial" not in h]
        return hits[0] if hits else None

    def update(self):
        want = ["Packages", "Contents-amd64", "Contents-all"] + [f"Translation-{x}" for x in self.need]
        stamp = os.path.join(self.dir, "update.stamp")
        have = all(self.list_file(k) for k in want) and os.path.exists(stamp)
        if have:
            return
        if self.offline:
            raise Fail(f"--offline, but the apt lists in {self.lists} lack some of {want}")
        log(f"apt-get update (private state in {self.dir}; languages {','.join(self.langs)})")
        p = self.run(["update"], "update the package lists")
        missing = [k for k in want if not self.list_file(k)]
        # a Translation-XX that the archive does not have is not an error: no descriptions
        missing = [k for k in missing if not k.startswith("Translation-") or k == "Translation-en"]
        if missing:
            said = [l for l in (p.stdout + p.stderr).splitlines() if l.startswith(("W:", "E:", "Err"))]
            raise Fail(f"apt-get update did not fetch {missing} into {self.lists}; apt said:\n"
                       + "\n".join(said[-8:]) + f"\n(config {self.conf}; is {self.mirror} reachable?)")
        open(stamp, "w").write(time.strftime("%Y-%m-%d %H:%M:%S\n"))

    def cat(self, kind):
        f = self.list_file(kind)
        if not f:
            return ""
        p = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", f], capture_output=True)
        if p.returncode != 0:
            raise Fail(f"cannot read {f}: {p.stderr.decode(errors='replace')}")
        return p.stdout.decode("utf-8", "replace")

    def packages(self):
        """name -> (size, version) from bookworm main amd64."""
        if self._packages is None:
            pk = {}
            name = size = ver = None
            for line in self.cat("Packages").split("\n"):
                if line.startswith("Package: "):
                    name = line[9:]
                elif line.startswith("Size: "):
                    size = int(line[6:])
                elif line.startswith("Version: "):
                    ver = line[9:]
                elif not line and name:
                    pk[name] = (size or 0, ver)
                    name = size = ver = None
            if name:
                pk[name] = (size or 0, ver)
            self._packages = pk
        return self._packages

    def deb_path(self, name):
        hits = glob.glob(os.path.join(self.debs, glob.escape(name) + "_*.deb"))
        return hits[0] if hits else None

    def download(self, names):
        pk = self.packages()
        names = [n for n in dict.fromkeys(names) if n in pk]
        todo = [n for n in names if not self.deb_path(n)]
        if todo:
            if self.offline:
                raise Fail(f"--offline, but {len(todo)} packages are not in {self.debs}: {todo[:5]}...")
            mb = sum(pk[n][0] for n in todo) / 1e6
            log(f"apt-get download: {len(todo)} packages, {mb:.0f} MB, into {self.debs}")
            for i in range(0, len(todo), 100):
                self.run(["download"] + todo[i:i + 100], f"download {todo[i:i + 100][:3]}...",
                         cwd=self.debs)
        missing = [n for n in names if not self.deb_path(n)]
        if missing:
            raise Fail(f"apt-get download left out {missing[:10]}")
        return [self.deb_path(n) for n in names]


# ---------------------------------------------------------------- extraction of .deb files

KEEP = re.compile(r"""^\./(?:
      .*/LC_MESSAGES/[^/]+\.mo
    | usr/share/man/.+
    | usr/share/libreoffice/help/[^/]+/text/.+\.html
    | usr/share/doc/debian-handbook/html/[^/]+/[^/]+\.html
    | usr/share/doc/installation-guide-amd64/[^/]+/[^/]+\.html
    | usr/share/debian-reference/[^/]+\.html
    | usr/share/developers-reference/(?:[^/]+/)?[^/_]+\.html
    | usr/share/doc/debian/FAQ/(?:[^/]+/)?[^/]+\.html
    | usr/share/gimp/2\.0/help/[^/]+/[^/]+\.html
    | usr/share/help/[^/]+/[^/]+/[^/]+\.page
    )$""", re.X)


def manifest_path(deb, root):
    return os.path.join(root, ".done", os.path.basename(deb) + ".list")


def deb_root(deb, root):
    return os.path.join(root, os.path.basename(deb)[:-len(".deb")])


def extract_deb(deb, root):
    """Extracts the files KEEP selects (regular files only) from one .deb into a directory of
    its own under root, and lists them in a manifest."""
    done = manifest_path(deb, root)
    root = deb_root(deb, root)
    if os.path.exists(done):
        return 0
    names = []
    p = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
    n = 0
    try:
        with tarfile.open(fileobj=p.stdout, mode="r|") as tf:
            for m in tf:
                if not m.isfile() or not KEEP.match(m.name):
                    continue
                dst = os.path.join(root, m.name[2:])
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                data = tf.extractfile(m).read()
                with open(dst + ".part", "wb") as f:
                    f.write(data)
                os.replace(dst + ".part", dst)
                names.append(m.name[2:])
                n += 1
    finally:
        p.stdout.close()
        rc = p.wait()
    if rc != 0:
        raise Fail(f"dpkg-deb could not read {deb} (exit {rc}); delete it and run again")
    os.makedirs(os.path.dirname(done), exist_ok=True)
    with open(done + ".part", "w", encoding="utf-8") as f:
        f.write("".join(x + "\n" for x in names))
    os.replace(done + ".part", done)
    return n


def glob_re(pattern):
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?"); i += 3
        elif pattern[i] == "*":
            out.append("[^/]*"); i += 1
        elif pattern[i] == "?":
            out.append("[^/]"); i += 1
        else:
            out.append(re.escape(pattern[i])); i += 1
    return re.compile("".join(out) + r"\Z")


class Files:
    """The files a pair reads, by path relative to / : this machine's own files (unless
    --no-installed) first, then the files of the pair's packages (in package order), each in
    its own directory, so that what one pair reads never depends on other pairs' packages."""

    def __init__(self, root, debs, system):
        self.system = system
        self.index = {}
        for d in sorted(debs):
            base = deb_root(d, root)
            with open(manifest_path(d, root), encoding="utf-8") as f:
                for rel in f:
                    rel = rel.rstrip("\n")
                    self.index.setdefault(rel, os.path.join(base, rel))
        self.rels = sorted(self.index)

    def glob(self, pattern, system_pattern=None):
        """[(relative path, real path)] sorted, for a pattern relative to / (** spans dirs)."""
        out = {}
        if self.system and system_pattern is not False:
            for p in glob.glob("/" + (system_pattern or pattern), recursive=True):
                if os.path.isfile(p) and not os.path.islink(p):
                    out.setdefault(p[1:], p)
        rx = glob_re(pattern)
        for rel in self.rels:
            if rel not in out and rx.match(rel):
                out[rel] = self.index[rel]
        return sorted(out.items())

    def find(self, rel):
        if self.system and os.path.isfile("/" + rel):
            return "/" + rel
        return self.index.get(rel)

    def dirs(self, rel):
        """Names of the subdirectories of rel."""
        rel = rel.rstrip("/") + "/"
        out = set()
        if self.system and os.path.isdir("/" + rel):
            out.update(n for n in os.listdir("/" + rel) if os.path.isdir("/" + rel + n))
        for r in self.rels:
            if r.startswith(rel) and "/" in r[len(rel):]:
                out.add(r[len(rel):].split("/", 1)[0])
        return out


# ---------------------------------------------------------------- text helpers

BAD_CHARS = re.compile("[\u0000-\u001f\u007f-\u009f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                       "\U000f0000-\U0010ffff]")


def clean(s):
    """One line of NFC text, white space collapsed; None when unusable."""
    if not s:
        return None
    s = " ".join(s.split())
    if not s or BAD_CHARS.search(s):
        return None
    s = unicodedata.normalize("NFC", s)
    if len(s) > 1000 or not any(c.isalpha() for c in s):
        return None
    return s


def nwords(s):
    return len(s.split())


# ---------------------------------------------------------------- gettext catalogs

def read_mo(path):
    """Yields (msgid, msgstr) of a .mo file, the msgctxt dropped, the first plural form."""
    with open(path, "rb") as f:
        d = f.read()
    if len(d) < 28:
        return
    magic = struct.unpack("<I", d[:4])[0]
    e = "<" if magic == 0x950412de else ">" if struct.unpack(">I", d[:4])[0] == 0x950412de else None
    if e is None:
        return
    _, n, oo, to = struct.unpack(e + "4I", d[4:20])
    if oo + 8 * n > len(d) or to + 8 * n > len(d):
        return
    raw = []
    for i in range(n):
        l, o = struct.unpack(e + "2I", d[oo + 8 * i:oo + 8 * i + 8])
        tl, tof = struct.unpack(e + "2I", d[to + 8 * i:to + 8 * i + 8])
        raw.append((d[o:o + l], d[tof:tof + tl]))
    charset = "utf-8"
    for k, v in raw:
        if k == b"":
            m = re.search(rb"charset=([-\w]+)", v)
            if m:
                charset = m.group(1).decode("ascii", "replace")
    for k, v in raw:
        if not k or not v:
            continue
        k = k.split(b"\x04")[-1].split(b"\0")[0]
        v = v.split(b"\0")[0]
        try:
            yield k.decode("utf-8"), v.decode(charset)
        except (UnicodeDecodeError, LookupError):
            continue


def gettext_lines(msgid, msgstr):
    """A msgid is one unit a line: the lines pair up when both sides have as many."""
    s = [x for x in msgid.split("\n") if x.strip()]
    t = [x for x in msgstr.split("\n") if x.strip()] if msgstr is not None else []
    if len(s) == len(t):
        return list(zip(s, t))
    return [(x, None) for x in s]


def extract_gettext(files, lang):
    """Units (origin, src, tgt) from every .mo catalog: all locales give msgids."""
    catalogs = collections.defaultdict(dict)   # (directory, domain) -> locale -> path
    for rel, path in files.glob("**/LC_MESSAGES/*.mo", system_pattern="usr/share/locale/*/LC_MESSAGES/*.mo"):
        loc_dir = os.path.dirname(os.path.dirname(rel))
        dom = (os.path.dirname(loc_dir), os.path.basename(rel)[:-3])
        catalogs[dom].setdefault(os.path.basename(loc_dir), path)
    log(f"gettext: {len(catalogs)} domains, {sum(len(v) for v in catalogs.values())} catalogs")
    out = []
    for dom in sorted(catalogs):
        locs = catalogs[dom]
        tr = {}
        for loc in lang.locale_dirs():
            if loc in locs:
                for k, v in read_mo(locs[loc]):
                    tr.setdefault(k, v)
        seen = set()
        for loc in sorted(locs):
            for k, _ in read_mo(locs[loc]):
                if k in seen:
                    continue
                seen.add(k)
                for s, t in gettext_lines(k, tr.get(k)):
                    out.append(("gettext", s, t))
    return out


# ---------------------------------------------------------------- package descriptions (DDTP)

def parse_translation(text):
    """md5 -> (package, [paragraphs]); paragraph 0 is the short description."""
    out = {}
    for rec in text.split("\n\n"):
        pkg = md5 = None
        lines = rec.split("\n")
        for i, l in enumerate(lines):
            if l.startswith("Package: "):
                pkg = l[9:]
            elif l.startswith("Description-md5: "):
                md5 = l[17:]
            elif l.startswith("Description-"):
                paras = [l.split(": ", 1)[1] if ": " in l else ""]
                cur = []
                for b in lines[i + 1:]:
                    if not b.startswith(" "):
                        break
                    if b.strip() == ".":
                        if cur:
                            paras.append(" ".join(cur))
                        cur = []
                    elif b.startswith("  "):   # verbatim line (list item): its own paragraph
                        if cur:
                            paras.append(" ".join(cur))
                        cur = [re.sub(r"^\s*[-*+o]\s+", "", b)]
                    else:
                        cur.append(b.strip())
                if cur:
                    paras.append(" ".join(cur))
                if md5:
                    out[md5] = (pkg, paras)
                break
    return out


def extract_ddtp(apt, lang):
    en = parse_translation(apt.cat("Translation-en"))
    tr = parse_translation(apt.cat(f"Translation-{lang.deb}"))
    log(f"ddtp: {len(en)} English descriptions, {len(tr)} in {lang.deb}")
    out = []
    aligned = 0
    for md5, (pkg, paras) in en.items():
        t = tr.get(md5)
        ok = t is not None and len(t[1]) == len(paras)
        aligned += ok
        for i, p in enumerate(paras):
            kind = "unit" if i == 0 else "para"
            out.append(("ddtp", kind, p, t[1][i] if ok else None))
    log(f"ddtp: {aligned} descriptions aligned paragraph by paragraph")
    return out


# ---------------------------------------------------------------- man pages (roff)

ROFF_CHARS = {
    "em": "\u2014", "en": "\u2013", "bu": "\u2022", "lq": "\u201c", "rq": "\u201d", "oq": "\u2018",
    "cq": "\u2019", "aq": "'", "dq": '"', "co": "\u00a9", "rg": "\u00ae", "tm": "\u2122",
    "mu": "\u00d7", "de": "\u00b0", "->": "\u2192", "<-": "\u2190", "hy": "-", "ti": "~",
    "ha": "^", "rs": "\\", "sl": "/", "pl": "+", "mi": "-", "eq": "=", ">=": "\u2265",
    "<=": "\u2264", "Fo": "\u00ab", "Fc": "\u00bb", "fo": "\u2039", "fc": "\u203a", "ss": "\u00df",
    "at": "@", "sh": "#", "Do": "$", "ba": "|", "or": "|", "bv": "|", "ga": "`", "aa": "\u00b4",
    "ct": "\u00a2", "Eu": "\u20ac", "eu": "\u20ac", "Po": "\u00a3", "ye": "\u00a5", "sc": "\u00a7",
    "ps": "\u00b6", "dg": "\u2020", "!=": "\u2260", "+-": "\u00b1", "12": "\u00bd", "14": "\u00bc",
    "34": "\u00be", "R": "\u00ae", "Tm": "\u2122", "lh": "\u261c", "rh": "\u261e",
    ":a": "\u00e4", ":o": "\u00f6", ":u": "\u00fc", ":A": "\u00c4", ":O": "\u00d6", ":U": "\u00dc",
    "'e": "\u00e9", "'a": "\u00e1", "`e": "\u00e8", "`a": "\u00e0", "^e": "\u00ea", ",c": "\u00e7",
}


ROFF_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", ":": "\u0308", "~": "\u0303",
                ",": "\u0327", "o": "\u030a", "v": "\u030c"}
ROFF_CHARS.update({"ae": "\u00e6", "AE": "\u00c6", "oe": "\u0153", "OE": "\u0152", "/o": "\u00f8",
                   "/O": "\u00d8", "oa": "\u00e5", "oA": "\u00c5", "-D": "\u00d0", "Sd": "\u00f0",
                   "TP": "\u00de", "Tp": "\u00fe", "r!": "\u00a1", "r?": "\u00bf", "Bq": "\u201e",
                   "bq": "\u201a", "hy": "-", "aq": "'", "cq": "\u2019", "nb": "\u00a0"})


def _named(name):
    if name in ROFF_CHARS:
        return ROFF_CHARS[name]
    if len(name) == 2 and name[0] in ROFF_ACCENTS and name[1].isalpha():
        return unicodedata.normalize("NFC", name[1] + ROFF_ACCENTS[name[0]])
    m = re.fullmatch(r"u([0-9A-Fa-f]{4,6})(?:_.*)?", name)
    if m:
        try:
            return chr(int(m.group(1), 16))
        except ValueError:
            return ""
    return ""


ROFF_ESC = re.compile(r"""\\(?:
      (?P<font>[fF](?:\[[^\]]*\]|\(..|.))
    | (?P<size>s(?:[-+]?\d|\(\d\d|\[[^\]]*\]|'[^']*'))
    | (?P<str>\*(?:\[(?P<sn>[^\]]*)\]|\((?P<sn2>..)|(?P<sn3>.)))
    | (?P<chr>\((?P<cn>..)|\[(?P<cn2>[^\]]*)\])
    | (?P<arg>[hvwoLlDbxXZNRHSkA]'[^']*')
    | (?P<reg>[ngm$](?:\[[^\]]*\]|\(..|.))
    | (?P<one>.)
    )""", re.X)
ROFF_ONE = {"-": "-", "e": "\\", "\\": "\\", "&": "", "~": " ", " ": " ", "0": " ", "|": "",
            "^": "", "%": "", "c": "", "/": "", ",": "", "'": "'", "`": "`", ".": ".",
            "t": " ", ":": "", "{": "", "}": "", "p": "", "r": "", "a": "", "d": "", "u": "",
            "E": "", "z": ""}


def roff_text(s):
    def sub(m):
        if m.group("font") or m.group("size") or m.group("arg") or m.group("reg"):
            return ""
        if m.group("str"):
            return _named(m.group("sn") or m.group("sn2") or m.group("sn3") or "")
        if m.group("chr"):
            return _named(m.group("cn") or m.group("cn2") or "")
        c = m.group("one")
        return ROFF_ONE.get(c, c)
    return ROFF_ESC.sub(sub, s)


def roff_args(s):
    out, cur, q, i = [], [], False, 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            cur.append(s[i:i + 2]); i += 2; continue
        if c == '"':
            if q and i + 1 < len(s) and s[i + 1] == '"':
                cur.append('"'); i += 2; continue
            q = not q
        elif c in " \t" and not q:
            if cur:
                out.append("".join(cur)); cur = []
        else:
            cur.append(c)
        i += 1
    if cur:
        out.append("".join(cur))
    return out


BREAKS = {"PP", "P", "LP", "sp", "br", "RS", "RE", "HP", "PD", "in", "ti", "ne", "bp", "TQ",
          "EE", "fi", "Vb", "Ve", "ce"}
FONTS = {"B", "I", "SM", "SB"}
ALTFONTS = {"BR", "RB", "IR", "RI", "BI", "IB"}


def parse_roff(text):
    """[(signature, paragraph text)] of a man(7) page; [] for mdoc pages and .so links."""
    lines = text.replace("\\\n", "").split("\n")
    head = [l for l in lines[:40] if l.strip() and not l.startswith(('.\\"', "'\\\"", '.\\\''))]
    if not head or head[0].startswith(".so ") or any(l.startswith(".Dd") or l.startswith(".Sh ") for l in head):
        return []
    paras, cur, sig = [], [], "text"
    state = {"skip": None, "tag": False}

    def flush():
        nonlocal cur
        if cur:
            t = roff_text(" ".join(cur))
            if t.strip():
                paras.append((sig, t))
        cur = []

    for raw in lines:
        if state["skip"]:
            if raw.strip().startswith(state["skip"]):
                state["skip"] = None
            continue
        line = re.sub(r'\\".*$', "", raw)
        if raw.startswith(('.\\"', "'\\\"", ".\\#")):
            continue
        if line[:1] in (".", "'"):
            parts = line[1:].strip().split(None, 1)
            if not parts:
                continue
            mac, rest = parts[0], (parts[1] if len(parts) > 1 else "")
            if mac in ("SH", "SS"):
                flush(); sig = mac
                if rest:
                    cur = [" ".join(roff_args(rest))]; flush(); sig = "text"
                else:
                    state["tag"] = True
            elif mac == "TP":
                flush(); sig = "TPtag"; state["tag"] = True
            elif mac == "IP":
                flush(); a = roff_args(rest)
                if a and len(roff_text(a[0]).strip()) > 2:
                    sig = "IPtag"; cur = [a[0]]; flush()
                sig = "IP"
            elif mac in ("nf", "EX", "Vb"):
                flush(); state["skip"] = ".fi" if mac == "nf" else ".EE" if mac == "EX" else ".Ve"
            elif mac == "TS":
                flush(); state["skip"] = ".TE"
            elif mac == "EQ":
                flush(); state["skip"] = ".EN"
            elif mac in ("de", "de1", "ig", "am"):
                flush(); state["skip"] = ".."
            elif mac in BREAKS:
                flush(); sig = mac
            elif mac in FONTS or mac in ALTFONTS:
                a = roff_args(rest)
                if mac in FONTS:
                    txt = " ".join(a)
                else:
                    txt = "".join(a)
                if txt:
                    cur.append(txt)
                    if state["tag"]:
                        flush(); sig = "TP" if sig == "TPtag" else "text"; state["tag"] = False
            elif mac in ("UR", "UE", "MT", "ME", "OP", "SY", "YS", "TH", "SB", "ft", "ad", "na",
                         "nh", "hy", "ll", "ds", "nr", "so", "ie", "if", "el", "ss", "cs", "mso",
                         "IX", "PU", "Sp", "Ip", "Sh", "Ss"):
                if mac in ("Sh", "Ip", "Sp"):   # pod2man's own macros
                    flush(); sig = {"Sh": "SH", "Ip": "IPtag", "Sp": "sp"}[mac]
                    if mac in ("Sh", "Ip") and rest:
                        a = roff_args(rest)
                        if a:
                            cur = [a[0]]; flush()
                    sig = "text" if mac == "Sh" else "IP" if mac == "Ip" else sig
                continue
            else:
                continue
        elif not line.strip():
            flush(); sig = "blank"
        else:
            cur.append(line.strip())
            if state["tag"]:
                flush(); sig = "TP" if sig == "TPtag" else "text"; state["tag"] = False
    flush()
    return paras


def read_man(path):
    try:
        with open(path, "rb") as f:
            d = f.read()
        if path.endswith(".gz"):
            d = gzip.decompress(d)
        try:
            text = d.decode("utf-8")
        except UnicodeDecodeError:
            text = d.decode("latin-1")
        return parse_roff(text)
    except Exception:
        return []


def man_pair(job):
    """English page (and its translation) -> [(kind, src, tgt|None)] and whether aligned."""
    en_path, tr_path = job
    en = read_man(en_path)
    if not en:
        return [], 0
    tr = read_man(tr_path) if tr_path else []
    # manpages-l10n appends a section of its own (the translators' credits) to every page
    sig_en, sig_tr = [s for s, _ in en], [s for s, _ in tr]
    ok = bool(tr) and sig_tr[:len(sig_en)] == sig_en and sig_tr[len(sig_en):len(sig_en) + 1] in ([], ["SH"])
    out = []
    for i, (sig, p) in enumerate(en):
        kind = "unit" if sig in ("SH", "SS", "TPtag", "IPtag") else "para"
        out.append(("man", kind, p, tr[i][1] if ok else None))
    return out, int(ok)


def debian_files_excluded(apt):
    """Files of installed packages that are not Debian's (e.g. a vendor's CLI)."""
    pk = apt.packages()
    p = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\n"], capture_output=True, text=True)
    foreign = [n for n in p.stdout.split() if n.split(":")[0] not in pk]
    excl = set()
    for n in foreign:
        q = subprocess.run(["dpkg", "-L", n], capture_output=True, text=True)
        excl.update(x for x in q.stdout.split("\n") if x.startswith("/usr/share/man/"))
    return excl, foreign


def extract_man(files, lang, excluded, jobs):
    pages = {}   # man1/ls.1.gz -> path (English)
    trans = {}
    for rel, path in files.glob("usr/share/man/man*/*"):
        if path not in excluded:
            pages[rel[len("usr/share/man/"):]] = path
    for loc in sorted(lang.locale_dirs()):
        for rel, path in files.glob(f"usr/share/man/{loc}/man*/*"):
            trans.setdefault(rel[len(f"usr/share/man/{loc}/"):], path)
    log(f"man: {len(pages)} English pages, {len(trans)} translated pages")
    jobs_list = [(pages[k], trans.get(k)) for k in sorted(pages)]
    out, aligned = [], 0
    with concurrent.futures.ProcessPoolExecutor(jobs) as ex:
        for units, ok in ex.map(man_pair, jobs_list, chunksize=32):
            out.extend(units)
            aligned += ok
    log(f"man: {sum(1 for k in pages if k in trans)} pages translated, {aligned} aligned")
    return out


# ---------------------------------------------------------------- HTML / Mallard documents

BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "td", "th", "tr",
         "table", "ul", "ol", "dl", "title", "caption", "br", "blockquote", "section", "article",
         "header", "footer", "nav", "figure", "figcaption", "body", "hr", "form", "address",
         "center", "aside", "main",
         # Mallard
         "page", "desc", "item", "list", "steps", "terms", "tree", "note", "subtitle", "links",
         "synopsis", "comment", "quote", "example", "tr", "thead", "tbody"}
VOID = {"br", "hr", "img", "meta", "link", "input", "source", "wbr", "area", "col", "embed",
        "param", "track", "base"}
SKIP = {"script", "style", "pre", "head", "noscript", "screen", "info", "code-block", "svg",
        "math", "select", "textarea", "button"}


class Blocks(html.parser.HTMLParser):
    """Text blocks of an HTML or Mallard file: [(signature, id, text)]."""

    def __init__(self, keep_title=True):
        super().__init__(convert_charrefs=True)
        self.out, self.buf, self.sig, self.bid = [], [], "start", None
        self.skip = 0
        self.skipstack = []
        self.depth = 0

    def flush(self):
        t = "".join(self.buf)
        if t.strip():
            self.out.append((self.sig, self.bid, t))
        self.buf = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.depth += 1
        if self.skip:
            if tag not in VOID:
                self.skipstack.append(tag)
            return
        hidden_mac = "hidden" in a and "MAC" in (a.get("class") or "")
        if tag in SKIP or hidden_mac or (a.get("class") or "").split()[:1] == ["navheader"] \
                or (a.get("class") or "").split()[:1] == ["navfooter"]:
            if not hidden_mac:   # LibreOffice's hidden macOS variant of an inline key name
                self.flush()
            if tag not in VOID:
                self.skip = 1
                self.skipstack = [tag]
            return
        if tag in BLOCK:
            self.flush()
            cls = (a.get("class") or "").split()
            self.sig = tag + ("." + cls[0] if cls else "")
            self.bid = a.get("id")

    def handle_endtag(self, tag):
        if self.skip:
            if self.skipstack and self.skipstack[-1] == tag:
                self.skipstack.pop()
            elif tag in self.skipstack:
                while self.skipstack and self.skipstack.pop() != tag:
                    pass
            if not self.skipstack:
                self.skip = 0
            return
        if tag in BLOCK:
            self.flush()
            self.sig = "/" + tag

    def handle_startendtag(self, tag, attrs):
        if tag in ("br", "hr") and not self.skip:
            self.flush()

    def handle_data(self, data):
        if not self.skip:
            self.buf.append(data)


def read_blocks(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        p = Blocks()
        p.feed(text)
        p.close()
        p.flush()
        return p.out
    except Exception:
        return []


def doc_pair(job):
    origin, en_path, tr_path, by_id = job
    en = read_blocks(en_path)
    tr = read_blocks(tr_path) if tr_path and os.path.exists(tr_path) else []
    out = []
    if by_id:
        tmap = {}
        for _, bid, t in tr:
            if bid:
                tmap.setdefault(bid, t)
        for sig, bid, t in en:
            if bid:   # blocks without an id are the page's navigation
                out.append((origin, "para", t, tmap.get(bid)))
        return out, int(bool(tr))
    ok = bool(tr) and [s for s, _, _ in en] == [s for s, _, _ in tr]
    for i, (sig, _, t) in enumerate(en):
        out.append((origin, "para", t, tr[i][2] if ok else None))
    return out, int(ok)


def doc_jobs(files, lang):
    """(origin, English file, translated file or None, pair-by-id) for every document set."""
    jobs = []
    find, dirs = files.find, files.dirs

    def pick(cands, names):
        for c in names:
            if c in cands:
                return c
        return None

    tagnames = [lang.tag, lang.deb, lang.low, lang.base]
    # LibreOffice help: paragraphs carry ids (par_id..., hd_id...)
    lo = pick(dirs("usr/share/libreoffice/help"), tagnames)
    base = "usr/share/libreoffice/help/en-US/"
    for rel, p in files.glob(base + "text/**/*.html"):
        t = find(f"usr/share/libreoffice/help/{lo}/{rel[len(base):]}") if lo else None
        jobs.append(("lohelp", p, t, True))
    # debian-handbook (dirs like de-DE, zh-CN)
    hb_dirs = dirs("usr/share/doc/debian-handbook/html")
    hb = pick(hb_dirs, [lang.tag]) or next((d for d in sorted(hb_dirs) if d.split("-")[0] == lang.base
                                             and not lang.region), None)
    sets = [("handbook", "usr/share/doc/debian-handbook/html/en-US/{f}",
             f"usr/share/doc/debian-handbook/html/{hb}/{{f}}" if hb else None, "*.html"),
            ("install", "usr/share/doc/installation-guide-amd64/en/{f}",
             "usr/share/doc/installation-guide-amd64/%s/{f}" % pick(
                 dirs("usr/share/doc/installation-guide-amd64"), [lang.deb, lang.base, lang.low]),
             "*.html"),
            ("gimp", "usr/share/gimp/2.0/help/en/{f}",
             "usr/share/gimp/2.0/help/%s/{f}" % pick(dirs("usr/share/gimp/2.0/help"),
                                                      [lang.deb, lang.base, lang.low]), "*.html"),
            ("devref", "usr/share/developers-reference/{f}",
             "usr/share/developers-reference/%s/{f}" % pick(dirs("usr/share/developers-reference"),
                                                             [lang.base, lang.deb, lang.low]), "*.html")]
    for origin, en_t, tr_t, pat in sets:
        if tr_t and "/None/" in tr_t:
            tr_t = None
        for rel, p in files.glob(os.path.dirname(en_t) + "/" + pat):
            f = os.path.basename(rel)
            jobs.append((origin, p, find(tr_t.format(f=f)) if tr_t else None, False))
    # files named NAME.en.html next to NAME.LL.html
    for origin, en_dir, tr_dir in (("debref", "usr/share/debian-reference", "usr/share/debian-reference"),
                                   ("faq", "usr/share/doc/debian/FAQ", None)):
        for rel, p in files.glob(en_dir + "/*.en.html"):
            stem = os.path.basename(rel)[:-len(".en.html")]
            t = None
            for c in (lang.low, lang.tag, lang.deb, lang.base):
                t = find(f"{tr_dir or en_dir + '/' + c}/{stem}.{c}.html")
                if t:
                    break
            jobs.append((origin, p, t, False))
    # GNOME (Mallard) help: usr/share/help/C/DOC/*.page <-> usr/share/help/LL/DOC/*.page
    hl = pick(dirs("usr/share/help"), [lang.deb, lang.base, lang.tag])
    for rel, p in files.glob("usr/share/help/C/*/*.page"):
        rel = rel[len("usr/share/help/C/"):]
        jobs.append(("gnomehelp", p, find(f"usr/share/help/{hl}/{rel}") if hl else None, False))
    return jobs


def extract_docs(files, lang, jobs_n):
    jobs = doc_jobs(files, lang)
    byorig = collections.Counter(j[0] for j in jobs)
    withtr = collections.Counter(j[0] for j in jobs if j[2])
    out, aligned = [], collections.Counter()
    with concurrent.futures.ProcessPoolExecutor(jobs_n) as ex:
        for job, (units, ok) in zip(jobs, ex.map(doc_pair, jobs, chunksize=16)):
            out.extend(units)
            aligned[job[0]] += ok
    for o in sorted(byorig):
        log(f"docs: {o}: {byorig[o]} English files, {withtr[o]} with a translation, {aligned[o]} aligned")
    return out


# ---------------------------------------------------------------- sentence segmentation

class VersoSegmenter:
    """The project's own segmenter: a private versod (or --endpoint), op "segment"."""

    name = "verso"

    def __init__(self, versod, endpoint, workdir):
        import zmq
        import msgpack
        self.msgpack = msgpack
        self.proc = None
        if not endpoint:
            if not versod or not os.access(versod, os.X_OK):
                raise Fail(f"no versod at {versod}: build it (cmake --build build/release) or "
                           f"pass --segmenter simple or --endpoint E")
            data = os.path.join(workdir, "versod-data")
            shutil.rmtree(data, ignore_errors=True)
            os.makedirs(data)
            ready = os.path.join(workdir, "versod.ready")
            if os.path.exists(ready):
                os.unlink(ready)
            self.proc = subprocess.Popen([versod, "--bind", "tcp://127.0.0.1:*", "--data", data,
                                          "--ready-file", ready, "--threads", "2",
                                          "--rules", os.path.join(ROOT, "rules"),
                                          "--log-level", "warn"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for _ in range(200):
                if os.path.exists(ready) and open(ready).read().strip():
                    break
                if self.proc.poll() is not None:
                    raise Fail(f"versod exited: {self.proc.stderr.read().decode(errors='replace')}")
                time.sleep(0.05)
            else:
                raise Fail("versod did not become ready in 10 s")
            endpoint = open(ready).read().strip()
        self.endpoint = endpoint
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.REQ)
        self.sock.setsockopt(zmq.RCVTIMEO, 120000)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)
        self.n = 0

    def split_many(self, paras, lang):
        """paras: single-line strings -> list of sentence lists."""
        out = []
        i = 0
        while i < len(paras):
            j, size = i, 0
            while j < len(paras) and (size < 4_000_000 or j == i):
                size += len(paras[j].encode()) + 1
                j += 1
            chunk = paras[i:j]
            self.n += 1
            self.sock.send(self.msgpack.packb({"v": 1, "id": self.n, "op": "segment",
                                               "text": "\n".join(chunk), "lang": lang,
                                               "paragraphs": "line"}))
            rep = self.msgpack.unpackb(self.sock.recv(), raw=False)
            if not rep.get("ok"):
                raise Fail(f"segment failed: {rep.get('err')}")
            res = [[] for _ in chunk]
            for seg in rep["res"]["segments"]:
                res[seg["para"]].append(seg["text"])
            out.extend(res)
            i = j
        return out

    def close(self):
        self.sock.close()
        self.ctx.term()
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class SimpleSegmenter:
    """Fallback: split after . ! ? (and 。！？) before an upper-case letter or digit."""

    name = "simple"
    ABBR = {"e.g", "i.e", "etc", "vs", "cf", "Dr", "Mr", "Mrs", "Ms", "St", "No", "Fig", "approx",
            "incl", "resp", "z.B", "d.h", "u.a", "bzw", "ca", "usw", "Nr", "vgl", "evtl", "ggf",
            "bspw", "inkl", "Abb", "S", "Jan", "Feb", "Apr", "Aug", "Sep", "Sept", "Oct", "Nov",
            "Dec", "Inc", "Ltd", "Co", "Jr", "Sr", "Prof", "al", "ff", "Vol", "ed", "p", "pp"}
    RE = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9\u00c0-\u00de])"
                    r"|(?<=[\u3002\uff01\uff1f])")

    def split_many(self, paras, lang):
        out = []
        for p in paras:
            sents, start = [], 0
            for m in self.RE.finditer(p):
                head = p[start:m.start()].rstrip("\"'\u201d\u2019)]")
                last = head.split()[-1] if head.split() else ""
                word = last.rstrip(".!?")
                if last.endswith(".") and (word in self.ABBR or (len(word) == 1 and word.isalpha())):
                    continue
                s = p[start:m.start()].strip()
                if s:
                    sents.append(s)
                start = m.end()
            if p[start:].strip():
                sents.append(p[start:].strip())
            out.append(sents)
        return out

    def close(self):
        pass


# ---------------------------------------------------------------- caching of intermediate results

def cached(path, build):
    if os.path.exists(path):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return [tuple(json.loads(l)) for l in f]
    rows = build()
    tmp = path + ".part"
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return rows


def segment_units(rows, seg, lang, path):
    """rows (origin, kind, src, tgt) -> (origin, src_sentence, tgt_sentence|None, prose)."""
    def build():
        out = []
        paras = [(o, k, clean(s), clean(t) if t else None) for o, k, s, t in rows]
        paras = [p for p in paras if p[2]]
        todo = [i for i, p in enumerate(paras) if p[1] == "para"]
        log(f"segment: {len(todo)} English paragraphs ({seg.name})")
        en = seg.split_many([paras[i][2] for i in todo], "en")
        ti = [i for i in todo if paras[i][3]]
        log(f"segment: {len(ti)} {lang.tag} paragraphs")
        tr = dict(zip(ti, seg.split_many([paras[i][3] for i in ti], lang.tag)))
        ens = dict(zip(todo, en))
        for i, (o, k, s, t) in enumerate(paras):
            if k != "para":
                out.append((o, s, t if t and t != s else None, 0))
                continue
            es = ens[i]
            ts = tr.get(i)
            same = ts is not None and len(ts) == len(es)
            for j, x in enumerate(es):
                y = ts[j] if same else None
                out.append((o, x, y if y and y != x else None, 1))
        return out
    return cached(path, build)


# ---------------------------------------------------------------- queries

WORD = re.compile(r"^[A-Za-z]{3,}$")


def make_edit(src, rng, vocab):
    toks = src.split()
    nums = [i for i, t in enumerate(toks) if re.search(r"\d", t)]
    words = [i for i, t in enumerate(toks) if WORD.match(t)]
    ops = ["replace", "insert", "delete"] + (["number"] * 3 if nums else [])
    op = rng.choice(ops)
    if op == "number":
        i = rng.choice(nums)
        ms = list(re.finditer(r"\d+", toks[i]))
        m = rng.choice(ms)
        old = m.group()
        new = old
        while new == old:
            new = str(rng.randint(0, max(9, int(old) * 2 + 10)) if len(old) < 9 else rng.randint(1, 999))
        toks[i] = toks[i][:m.start()] + new + toks[i][m.end():]
    elif op == "replace" and words:
        i = rng.choice(words)
        w = rng.choice(vocab)
        if w.lower() == toks[i].lower():
            return None, op
        toks[i] = w.capitalize() if toks[i][0].isupper() else w
    elif op == "insert":
        i = rng.randint(1, len(toks) - 1)
        toks.insert(i, rng.choice(vocab))
    elif op == "delete" and words and len(toks) > 4:
        del toks[rng.choice(words)]
    else:
        return None, op
    return " ".join(toks), op


def choose(entries, rng, nq, max_n, word_range):
    """entries: [(src, tgt)] distinct sources -> (tm entries, queries [(q, kind, origin)])."""
    lo, hi = word_range
    order = list(range(len(entries)))
    rng.shuffle(order)
    n_hold = nq // 2
    hold, rest = set(), []
    for i in order:
        s = entries[i][0]
        if len(hold) < n_hold and lo <= nwords(s) <= hi and re.search(r"[A-Za-z]{3}", s):
            hold.add(i)
        else:
            rest.append(i)
    if max_n is not None:
        rest = rest[:max_n]
    keep = sorted(rest)
    srcs = {entries[i][0] for i in keep}
    queries = [(entries[i][0], "held-out", entries[i][0]) for i in sorted(hold)]
    vocab = sorted({w for i in keep[:200000] for w in entries[i][0].split() if WORD.match(w) and w.islower()})
    if not vocab:
        vocab = ["file", "data", "system"]
    seen = {q for q, _, _ in queries}
    cand = [i for i in keep if lo <= nwords(entries[i][0]) <= hi and re.search(r"[A-Za-z]{3}", entries[i][0])]
    rng.shuffle(cand)
    for i in cand:
        if len(queries) >= nq:
            break
        q, op = make_edit(entries[i][0], rng, vocab)
        if not q or q in srcs or q in seen or BAD_CHARS.search(q):
            continue
        seen.add(q)
        queries.append((q, "edit-" + op, entries[i][0]))
    rng.shuffle(queries)
    return [entries[i] for i in keep], queries


# ---------------------------------------------------------------- main

def du(path):
    p = subprocess.run(["du", "-sb", path], capture_output=True, text=True)
    return int(p.stdout.split()[0]) if p.returncode == 0 and p.stdout else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--pair", default="en:de", help="en:LANG (default en:de)")
    ap.add_argument("--cache", default=os.path.join(ROOT, "var", "corpora"),
                    help="cache and output directory (default var/corpora)")
    ap.add_argument("--out", help="output directory (default: the cache directory)")
    ap.add_argument("--prose", action="store_true",
                    help="write the prose variant: sentences of 15-25 words from descriptions and docs")
    ap.add_argument("--max", type=int, help="at most N TM entries (a seeded random subset)")
    ap.add_argument("--queries", type=int, default=1000, help="query sentences (default 1000)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--segmenter", choices=("verso", "simple"), default="verso")
    ap.add_argument("--versod", default=os.path.join(ROOT, "build", "release", "versod"))
    ap.add_argument("--endpoint", help="segment with this running server instead of a private versod")
    ap.add_argument("--sources", default="gettext,ddtp,man,docs",
                    help="comma-separated subset of gettext,ddtp,man,docs")
    ap.add_argument("--mo-max-deb", type=float, default=5.0,
                    help="also fetch every package of at most this many MB that ships a catalog "
                         "of the target language (default 5; 0: none)")
    ap.add_argument("--no-installed", action="store_true",
                    help="ignore this machine's own catalogs and man pages (only fetched packages)")
    ap.add_argument("--offline", action="store_true", help="use the cache only; never run apt")
    ap.add_argument("--mirror", default=MIRROR, help=f"Debian mirror (default {MIRROR})")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()

    t0 = time.time()
    src_tag, _, tgt_tag = args.pair.partition(":")
    if src_tag != "en" or not tgt_tag:
        raise Fail("--pair must be en:LANG (the sources are Debian's English texts)")
    lang = Lang(tgt_tag)
    sources = set(args.sources.split(","))
    if sources - {"gettext", "ddtp", "man", "docs"}:
        raise Fail(f"unknown --sources {sources}")
    cache = os.path.abspath(args.cache)
    out_dir = os.path.abspath(args.out or cache)
    os.makedirs(out_dir, exist_ok=True)
    work = os.path.join(cache, "work", f"v{VERSION}-{lang.tag}")
    os.makedirs(work, exist_ok=True)
    root = os.path.join(cache, "root")

    # ---- fetch
    apt = Apt(cache, ["en", lang.deb], args.offline, args.mirror)
    apt.update()
    pk = apt.packages()
    want = ["libreoffice-help-en-us", f"libreoffice-help-{lang.low}", f"libreoffice-l10n-{lang.low}",
            "debian-handbook", "installation-guide-amd64", "debian-reference-en",
            f"debian-reference-{lang.low}", "developers-reference", f"developers-reference-{lang.low}",
            "debian-faq", f"debian-faq-{lang.low}", "gimp-help-en", f"gimp-help-{lang.low}",
            "gnome-user-docs", f"manpages-{lang.low}"]
    plan_path = os.path.join(work, f"packages-{'.'.join(sorted(sources))}-{args.mo_max_deb:g}.json")
    contents = None
    if os.path.exists(plan_path):
        want = json.load(open(plan_path))
    elif "man" in sources or args.mo_max_deb > 0:
        contents = collections.defaultdict(list)
        rx = re.compile(r"^usr/share/(?:man/|locale/[^/]+/LC_MESSAGES/)")
        for kind in ("Contents-amd64", "Contents-all"):
            for line in apt.cat(kind).split("\n"):
                if rx.match(line):
                    path, _, pkgs = line.rpartition(" ")
                    contents[path.strip()] = [x.rsplit("/", 1)[-1] for x in pkgs.split(",")]
    if "man" in sources and contents:
        # the English original of every translated page in manpages-LL
        for path, owners in list(contents.items()):
            for loc in lang.locale_dirs():
                pre = f"usr/share/man/{loc}/"
                if path.startswith(pre) and f"manpages-{lang.low}" in owners:
                    en = contents.get("usr/share/man/" + path[len(pre):])
                    if en:
                        want.append(en[0])
    if args.mo_max_deb > 0 and contents:
        mo_pk = set()
        for path, owners in contents.items():
            if path.startswith("usr/share/locale/") and path.split("/")[3] in lang.locale_dirs():
                mo_pk.update(owners)
        limit = args.mo_max_deb * 1e6
        want += sorted(n for n in mo_pk if n in pk and pk[n][0] <= limit)
    want = [n for n in dict.fromkeys(want) if n in pk]
    if not os.path.exists(plan_path):
        json.dump(want, open(plan_path + ".part", "w"), indent=0)
        os.replace(plan_path + ".part", plan_path)
    debs = apt.download(want)
    t_fetch = time.time()
    n_new = 0
    todo = [d for d in debs if not os.path.exists(manifest_path(d, root))]
    if todo:
        log(f"extracting {len(todo)} packages into {root}")
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
            for n in ex.map(lambda d: extract_deb(d, root), todo):
                n_new += n
    log(f"fetch: {len(debs)} packages ready ({time.time() - t0:.0f} s)")
    files = Files(root, debs, system=not args.no_installed)

    # ---- extract units
    rows = []
    if "gettext" in sources:
        def g():
            return [(o, "unit", s, t) for o, s, t in extract_gettext(files, lang)]
        rows += cached(os.path.join(work, "gettext.jsonl.gz"), g)
    if "ddtp" in sources:
        rows += cached(os.path.join(work, "ddtp.jsonl.gz"), lambda: extract_ddtp(apt, lang))
    if "man" in sources:
        def m():
            excl, foreign = debian_files_excluded(apt) if not args.no_installed else (set(), [])
            if foreign:
                log(f"man: skipping the pages of non-Debian packages: {', '.join(foreign)}")
            return extract_man(files, lang, excl, args.jobs)
        rows += cached(os.path.join(work, "man.jsonl.gz"), m)
    if "docs" in sources:
        rows += cached(os.path.join(work, "docs.jsonl.gz"), lambda: extract_docs(files, lang, args.jobs))
    t_extract = time.time()

    # ---- sentences
    seg_path = os.path.join(work, f"sentences-{args.segmenter}-{'.'.join(sorted(sources))}"
                                  f"{'-noinst' if args.no_installed else ''}.jsonl.gz")
    seg = None
    if not os.path.exists(seg_path):
        seg = VersoSegmenter(args.versod, args.endpoint, work) if args.segmenter == "verso" \
            else SimpleSegmenter()
    try:
        sents = segment_units(rows, seg, lang, seg_path)
    finally:
        if seg:
            seg.close()
    del rows
    t_seg = time.time()

    # ---- dedupe
    total = len(sents)
    total_real = sum(1 for s in sents if s[2])
    best = {}
    origin_of = {}
    for o, s, t, prose in sents:
        if args.prose and not (prose and 15 <= nwords(s) <= 25):
            continue
        if s not in best:
            best[s] = t
            origin_of[s] = o
        elif t and not best[s]:
            best[s] = t
    considered = sum(1 for o, s, t, p in sents if not args.prose or (p and 15 <= nwords(s) <= 25))
    del sents
    entries = list(best.items())
    rng = random.Random(args.seed)
    word_range = (15, 25) if args.prose else (4, 40)
    tm, queries = choose(entries, rng, args.queries, args.max, word_range)

    # ---- write
    stem = f"en-{lang.tag}" + (".prose" if args.prose else "") + (f".max{args.max}" if args.max else "")
    tsv = os.path.join(out_dir, stem + ".tsv")
    real = 0
    words = 0
    by_origin = collections.Counter()
    real_by_origin = collections.Counter()
    with open(tsv + ".part", "w", encoding="utf-8", newline="\n") as f:
        for s, t in tm:
            o = origin_of[s]
            by_origin[o] += 1
            if t:
                real += 1
                real_by_origin[o] += 1
            else:
                t = PLACEHOLDER + s
            assert "\t" not in s + t and "\n" not in s + t
            s.encode("utf-8"); t.encode("utf-8")
            words += nwords(s)
            f.write(f"{s}\t{t}\n")
    os.replace(tsv + ".part", tsv)
    qtxt = os.path.join(out_dir, stem + ".queries.txt")
    with open(qtxt, "w", encoding="utf-8") as f:
        for q, _, _ in queries:
            f.write(q + "\n")
    with open(os.path.join(out_dir, stem + ".queries.tsv"), "w", encoding="utf-8") as f:
        f.write("query\tkind\tfrom\n")
        for q, k, src in queries:
            f.write(f"{q}\t{k}\t{src}\n")
    t_end = time.time()
    kinds = collections.Counter(k for _, k, _ in queries)
    stats = {
        "pair": f"en-{lang.tag}", "variant": "prose" if args.prose else "all",
        "segmenter": args.segmenter,
        "sentences_extracted": considered, "sentences_extracted_all_variants": total,
        "with_real_translation_before_dedup": total_real,
        "entries": len(tm), "real_translations": real, "placeholders": len(tm) - real,
        "distinct_sources": len(entries), "held_out": kinds["held-out"],
        "avg_words_per_source": round(words / max(1, len(tm)), 2),
        "by_origin": {o: [by_origin[o], real_by_origin[o]] for o in sorted(by_origin)},
        "queries": dict(kinds),
        "seconds": {"total": round(t_end - t0, 1), "download": round(t_fetch - t0, 1),
                    "unpack_parse": round(t_extract - t_fetch, 1), "segment": round(t_seg - t_extract, 1),
                    "write": round(t_end - t_seg, 1)},
        "disk_bytes": {"cache": du(cache), "tsv": os.path.getsize(tsv),
                       "debs": du(apt.debs), "extracted": du(root)},
        "packages": len(debs),
    }
    with open(os.path.join(out_dir, stem + ".stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    mb = lambda b: f"{b / 2**20:,.0f} MiB"
    print(f"{stem}.tsv: {len(tm):,} entries ({real:,} real translations, {len(tm) - real:,} placeholders)")
    print(f"  sentences extracted (before dedup): {considered:,}; distinct sources: {len(entries):,} "
          f"(of which {kinds['held-out']} held out as queries)")
    print(f"  average words per source: {words / max(1, len(tm)):.2f}")
    for o in sorted(by_origin):
        print(f"  {o:10s} {by_origin[o]:>10,} entries {real_by_origin[o]:>10,} real")
    print(f"  queries: {len(queries)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}) "
          f"-> {os.path.relpath(qtxt)}")
    print(f"  time: {t_end - t0:.0f} s (apt and download {t_fetch - t0:.0f}, unpack and parse "
          f"{t_extract - t_fetch:.0f}, "
          f"segment {t_seg - t_extract:.0f}, write {t_end - t_seg:.0f})")
    print(f"  disk: cache {mb(stats['disk_bytes']['cache'])} (debs {mb(stats['disk_bytes']['debs'])}, "
          f"extracted {mb(stats['disk_bytes']['extracted'])}), TSV {mb(stats['disk_bytes']['tsv'])}")


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        log(f"debian_corpus: {e}")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
