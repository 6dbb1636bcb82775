#!/usr/bin/env python3
"""align_stress.py - long-document stress variants of a gold-aligned pair.

From a source file, a target file (one sentence a line) and their gold
alignment (score_align.py's bead format), writes variants that a real
archive throws at an aligner, each with its own gold:

  del_tgt    the target of a block of beads is missing (source sentences
             become 1-0 beads), in the middle of the document
  del_src    the same on the source side (0-1 beads)
  ins_tgt    a block of untranslated target sentences is inserted (0-1);
             the inserted lines come from a distant part of the target
  head_src   one untranslated sentence opens the source (a heading)
  tail_tgt   one untranslated sentence closes the target
  split_tgt  a stretch of beads whose target sentence is cut in two lines
             (one source sentence = two target lines; beads with several
             target lines stay whole)
  split_src  the same on the source side
  swap_tgt   two adjacent blocks of the target trade places (a monotone
             aligner can pair at most one of them)
  concat2    the document twice

Block sizes follow the document: b = clamp(beads / 30, 5, 400) beads.
Every variant is synthetic: it is labelled by its name in every figure.

With --verse SRC_VERSE TGT_VERSE (files giving each line's verse id, as in
bible_en_zh_5k/) the variant's verse files are written too and the gold's
one-sided beads are merged per verse, as verse_merge.py merges a test.

usage: align_stress.py SRC TGT GOLD OUTDIR [--verse SV TV] [--only NAME,..]
writes OUTDIR/NAME.{src,tgt,gold}[.{src,tgt}.verse] and prints the names.
"""
import argparse
import os

from align_beads import read_beads


class Line:
    """One sentence: its text, its verse id (or None) and its gold bead."""
    __slots__ = ('text', 'verse', 'bead')

    def __init__(self, text, verse, bead):
        self.text, self.verse, self.bead = text, verse, bead


class Doc:
    def __init__(self, src, tgt, nbeads):
        self.src, self.tgt, self.nbeads = src, tgt, nbeads

    def copy(self):
        c = lambda side: [Line(x.text, x.verse, x.bead) for x in side]
        return Doc(c(self.src), c(self.tgt), self.nbeads)

    def new_bead(self):
        self.nbeads += 1
        return self.nbeads - 1


def load(src, tgt, gold, verse):
    lines = [open(p, encoding='utf-8').read().split('\n') for p in (src, tgt)]
    for side in lines:
        if side and side[-1] == '':
            side.pop()
    vs = [[None] * len(lines[0]), [None] * len(lines[1])]
    if verse:
        for k in (0, 1):
            v = [x.strip() for x in open(verse[k], encoding='utf-8')]
            vs[k] = v[:len(lines[k])] + [None] * max(0, len(lines[k]) - len(v))
    beads = [(s, t) for s, t, _ in read_beads(gold)]
    owner = [[None] * len(lines[0]), [None] * len(lines[1])]
    for b, (s, t) in enumerate(beads):
        for i in s:
            owner[0][i] = b
        for j in t:
            owner[1][j] = b
    sides = [[Line(lines[k][i], vs[k][i], owner[k][i]) for i in range(len(lines[k]))]
             for k in (0, 1)]
    return Doc(sides[0], sides[1], len(beads))


def bead_order(doc):
    """Gold beads in document order (by first source line, else target)."""
    first = {}
    for k, side in enumerate((doc.src, doc.tgt)):
        for i, x in enumerate(side):
            if x.bead is not None:
                first.setdefault(x.bead, (i, k))
    return sorted(first, key=first.get)


def two_sided(doc):
    has = [set(x.bead for x in side) for side in (doc.src, doc.tgt)]
    return [b for b in bead_order(doc) if b in has[0] and b in has[1]]


def block(doc, at, size):
    """size consecutive two-sided beads starting at fraction at."""
    beads = two_sided(doc)
    start = min(int(len(beads) * at), len(beads) - size)
    return set(beads[start:start + size])


def delete(doc, side, beads):
    keep = [x for x in getattr(doc, side) if x.bead not in beads]
    setattr(doc, side, keep)


def insert(doc, side, at, lines):
    """Inserts untranslated lines (copies) at the line index nearest at."""
    seq = getattr(doc, side)
    pos = int(len(seq) * at)
    new = [Line(x.text, 'ins:%d' % k, doc.new_bead()) for k, x in enumerate(lines)]
    seq[pos:pos] = new


def cut(text):
    """Two non-empty halves of a sentence, cut at the space (or the CJK
    comma) nearest its middle; None when it has no place to cut."""
    mid = len(text) // 2
    best = None
    for k, ch in enumerate(text):
        if ch in ' \uff0c\u3001,' and 0 < k < len(text) - 1:
            if best is None or abs(k - mid) < abs(best - mid):
                best = k
    if best is None:
        if len(text) < 4:
            return None
        best = mid
    a, b = text[:best + 1].rstrip(), text[best + 1:].lstrip()
    return (a, b) if a and b else None


def split(doc, side, beads):
    """Cuts in two the lines of side in beads where it has one line (a
    1-1 bead becomes 1-2, a 2-1 bead 2-2): the shapes a changed split
    ratio makes of a faithful translation."""
    count = {}
    for x in getattr(doc, side):
        count[x.bead] = count.get(x.bead, 0) + 1
    out = []
    for x in getattr(doc, side):
        parts = cut(x.text) if x.bead in beads and count[x.bead] == 1 else None
        if parts:
            out += [Line(parts[0], x.verse, x.bead), Line(parts[1], x.verse, x.bead)]
        else:
            out.append(x)
    setattr(doc, side, out)


def swap(doc, side, first, second):
    seq = getattr(doc, side)
    a = [x for x in seq if x.bead in first]
    b = [x for x in seq if x.bead in second]
    pos = min(i for i, x in enumerate(seq) if x.bead in first or x.bead in second)
    rest = [x for x in seq if x.bead not in first and x.bead not in second]
    setattr(doc, side, rest[:pos] + b + a + rest[pos:])


def concat(doc, times):
    out = Doc([], [], 0)
    for c in range(times):
        for side in ('src', 'tgt'):
            getattr(out, side).extend(
                Line(x.text, None if x.verse is None else 'c%d:%s' % (c, x.verse),
                     None if x.bead is None else x.bead + c * doc.nbeads)
                for x in getattr(doc, side))
    out.nbeads = doc.nbeads * times
    return out


def variants(doc, only):
    """The variants named in only (all when empty), each a changed copy."""
    b = max(5, min(400, len(two_sided(doc)) // 30))

    def far(side, at, count):  # lines of doc from fraction at: the untranslated ones
        seq = getattr(doc, side)
        return seq[int(len(seq) * at):][:count]

    def swap_halves(d):
        both = sorted(block(d, 0.5, b), key=two_sided(d).index)
        half = len(both) // 2
        swap(d, 'tgt', set(both[:half]), set(both[half:]))

    table = [('del_tgt', lambda d: delete(d, 'tgt', block(d, 0.4, b))),
             ('del_src', lambda d: delete(d, 'src', block(d, 0.4, b))),
             ('ins_tgt', lambda d: insert(d, 'tgt', 0.6, far('tgt', 0.1, b))),
             ('head_src', lambda d: insert(d, 'src', 0.0, far('src', 0.5, 1))),
             ('tail_tgt', lambda d: insert(d, 'tgt', 1.0, far('tgt', 0.5, 1))),
             ('split_tgt', lambda d: split(d, 'tgt', block(d, 0.3, b))),
             ('split_src', lambda d: split(d, 'src', block(d, 0.3, b))),
             ('swap_tgt', swap_halves)]
    for name, change in table:
        if not only or name in only:
            d = doc.copy()
            change(d)
            yield name, d
    if not only or 'concat2' in only:
        yield 'concat2', concat(doc, 2)


def gold(doc):
    """The variant's gold beads, as (src ids, tgt ids) in document order;
    a gold bead left with one side becomes one-sided beads of one line."""
    src = {}
    tgt = {}
    for i, x in enumerate(doc.src):
        src.setdefault(x.bead, []).append(i)
    for j, x in enumerate(doc.tgt):
        tgt.setdefault(x.bead, []).append(j)
    out = []
    for b in set(src) | set(tgt):
        if b is None:
            continue
        s, t = src.get(b, []), tgt.get(b, [])
        if s and t:
            out.append((s, t))
        else:
            out += [([i], []) for i in s] + [([], [j]) for j in t]
    # A bead goes where its lines are; a target-only bead goes after the
    # source lines of the nearest earlier target line with source lines.
    last_src = {x.bead: i for i, x in enumerate(doc.src)}
    before, prev = [], -1
    for x in doc.tgt:
        before.append(prev)
        prev = last_src.get(x.bead, prev) if x.bead is not None else prev
    return sorted(out, key=lambda st: (st[0][0], 0, st[1][0] if st[1] else -1) if st[0]
                  else (before[st[1][0]], 1, st[1][0]))


def merge_verses(beads, doc):
    """Merges consecutive one-sided beads of one verse (as verse_merge.py
    merges a test alignment)."""
    out = []
    for s, t in beads:
        vs = {doc.src[i].verse for i in s}
        vt = {doc.tgt[j].verse for j in t}
        v = (vs | vt).pop() if len(vs | vt) == 1 and (not s or not t) else None
        if out and v is not None and out[-1][2] == v and (not out[-1][0]) == (not s):
            out[-1] = (out[-1][0] + s, out[-1][1] + t, v)
        else:
            out.append((list(s), list(t), v))
    return [(s, t) for s, t, _ in out]


def write(doc, outdir, name, verse):
    base = os.path.join(outdir, name)
    for side, ext in ((doc.src, 'src'), (doc.tgt, 'tgt')):
        with open('%s.%s' % (base, ext), 'w', encoding='utf-8') as fh:
            fh.writelines(x.text + '\n' for x in side)
        if verse:
            with open('%s.%s.verse' % (base, ext), 'w', encoding='utf-8') as fh:
                fh.writelines('%s\n' % x.verse for x in side)
    beads = gold(doc)
    if verse:
        beads = merge_verses(beads, doc)
    with open(base + '.gold', 'w', encoding='utf-8') as fh:
        for s, t in beads:
            fh.write('[%s]:[%s]\n' % (', '.join(map(str, s)), ', '.join(map(str, t))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('src')
    ap.add_argument('tgt')
    ap.add_argument('gold')
    ap.add_argument('outdir')
    ap.add_argument('--verse', nargs=2)
    ap.add_argument('--only', default='')
    ap.add_argument('--concat', type=int, default=0,
                    help='write only concatN: the document N times')
    a = ap.parse_args()
    doc = load(a.src, a.tgt, a.gold, a.verse)
    os.makedirs(a.outdir, exist_ok=True)
    if a.concat:
        write(concat(doc, a.concat), a.outdir, 'concat%d' % a.concat, a.verse)
        print('concat%d' % a.concat)
        return
    only = set(x for x in a.only.split(',') if x)
    for name, d in variants(doc, only):
        write(d, a.outdir, name, a.verse)
        print(name)


if __name__ == '__main__':
    main()
