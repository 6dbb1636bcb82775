#!/usr/bin/env python3
"""bench/align_lohelp.py - a held-out alignment set from LibreOffice's help (issue 18).

Debian ships LibreOffice's help in many languages (libreoffice-help-XX). Every paragraph of
a help page carries an id (par_id3146957, hd_id3150443) that is the same in every language,
so the ids give a gold alignment. This script fetches two languages' packages (apt-get
download, into --cache), walks the pages both have in path order, and writes one long
document pair, a paragraph a line, with its gold beads:

    OUT/lohelp.SRC, OUT/lohelp.TGT, OUT/lohelp.SRC-TGT.gold.align   ([i,...]:[j,...] lines)

A paragraph whose id the other language lacks is a 1-0 or 0-1 bead; a paragraph left
untranslated (the same text) is still a 1-1 bead. Real text, not synthetic; the aligner was
never tuned on it. Score with ../shared/eval/alignment/score_align.py.

usage: bench/align_lohelp.py --src en-us --tgt zh-cn [--cache var/lohelp] [--out DIR]
       [--max-pages N]
"""
import argparse
import glob
import html
import html.parser
import os
import re
import subprocess
import sys

ID = re.compile(r"^(par|hd)_id")


class Paragraphs(html.parser.HTMLParser):
    """(id, text) of each element with a paragraph id, in document order; text of nested
    elements included, white space collapsed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.stack = [], []   # stack: [id, depth, parts] of open paragraphs
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        self.depth += 1
        pid = dict(attrs).get("id") or ""
        if ID.match(pid) and not self.stack and tag not in ("br", "img"):
            self.stack.append([pid, self.depth, []])

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1][1] == self.depth:
            pid, _, parts = self.stack.pop()
            text = " ".join("".join(parts).split())
            if text:
                self.out.append((pid, text))
        self.depth -= 1

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)


def fetch(lang, cache):
    """The help directory of libreoffice-help-LANG, downloaded and unpacked once."""
    root = os.path.join(cache, lang)
    if not os.path.isdir(root):
        os.makedirs(cache, exist_ok=True)
        pkg = "libreoffice-help-" + lang
        subprocess.run(["apt-get", "download", pkg], cwd=cache, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deb = sorted(glob.glob(os.path.join(cache, pkg + "_*.deb")))[-1]
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    helps = glob.glob(os.path.join(root, "usr/share/libreoffice/help/*"))
    return [h for h in helps if os.path.isdir(os.path.join(h, "text"))][0]


def pages(helpdir):
    found = {}
    for path in glob.glob(os.path.join(helpdir, "text", "**", "*.html"), recursive=True):
        found[os.path.relpath(path, helpdir)] = path
    return found


def paragraphs(path):
    p = Paragraphs()
    with open(path, encoding="utf-8", errors="replace") as f:
        p.feed(f.read())
    seen, out = set(), []
    for pid, text in p.out:
        if pid not in seen:   # an id repeated in a page: its first paragraph
            seen.add(pid)
            out.append((pid, html.unescape(text)))
    return out


def beads(a, b):
    """Gold beads of one page: the most paragraphs of both that can be paired by id in
    order (ids are unique in a page, so this is a longest increasing subsequence of the
    other page's positions), the rest alone. Pages whose sections a language reorders
    (Calc's function lists go alphabetically in each language) leave the moved ones alone:
    a monotone alignment cannot pair them."""
    ids_b = {pid: j for j, (pid, _) in enumerate(b)}
    pairs = [(i, ids_b[pid]) for i, (pid, _) in enumerate(a) if pid in ids_b]
    tails, prev, at = [], [None] * len(pairs), []   # patience sorting on the b positions
    for k, (_, j) in enumerate(pairs):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if pairs[tails[mid]][1] < j:
                lo = mid + 1
            else:
                hi = mid
        prev[k] = tails[lo - 1] if lo else None
        if lo == len(tails):
            tails.append(k)
        else:
            tails[lo] = k
    keep, k = [], tails[-1] if tails else None
    while k is not None:
        keep.append(pairs[k])
        k = prev[k]
    keep.reverse()
    out, i0, j0 = [], 0, 0
    for i, j in keep + [(len(a), len(b))]:
        out.extend(([x], []) for x in range(i0, i))
        out.extend(([], [y]) for y in range(j0, j))
        if i < len(a):
            out.append(([i], [j]))
        i0, j0 = i + 1, j + 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default="en-us")
    ap.add_argument("--tgt", default="zh-cn")
    ap.add_argument("--cache", default="var/lohelp")
    ap.add_argument("--out", default="var/lohelp")
    ap.add_argument("--max-pages", type=int, default=0)
    o = ap.parse_args()
    hs, ht = fetch(o.src, o.cache), fetch(o.tgt, o.cache)
    ps, pt = pages(hs), pages(ht)
    common = sorted(set(ps) & set(pt))
    if o.max_pages:
        common = common[:o.max_pages]
    src, tgt, gold = [], [], []
    for rel in common:
        a, b = paragraphs(ps[rel]), paragraphs(pt[rel])
        for s, t in beads(a, b):
            gold.append(([len(src) + x for x in s], [len(tgt) + y for y in t]))
        src.extend(text for _, text in a)
        tgt.extend(text for _, text in b)
    os.makedirs(o.out, exist_ok=True)
    name = os.path.join(o.out, "lohelp.")
    with open(name + o.src, "w") as f:
        f.write("".join(line + "\n" for line in src))
    with open(name + o.tgt, "w") as f:
        f.write("".join(line + "\n" for line in tgt))
    with open("%s%s-%s.gold.align" % (name, o.src, o.tgt), "w") as f:
        for s, t in gold:
            f.write("[%s]:[%s]\n" % (",".join(map(str, s)), ",".join(map(str, t))))
    alone = sum(1 for s, t in gold if not s or not t)
    print("%d pages, %d %s and %d %s paragraphs, %d gold beads (%d alone)" %
          (len(common), len(src), o.src, len(tgt), o.tgt, len(gold), alone), file=sys.stderr)


if __name__ == "__main__":
    main()
