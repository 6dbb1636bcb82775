#!/usr/bin/env python3
"""align_store_score.py - what the align op's "store" would write, judged
against a gold alignment.

The op stores every 1-1, 1-2 and 2-1 bead whose confidence is at least
min_confidence (docs/PROTOCOL.md). Given the aligner's beads with their
confidence (bench/align_eval --scores) this prints:

  pairs      the beads store would write;
  precision  the share of them that are right, twice: equal to a gold bead,
             and (lenient, for gold merged per verse) inside one gold bead
             on both sides, as two sentences of one verse are;
  recall     the share of the gold 1-1, 1-2 and 2-1 beads stored exactly.

usage: align_store_score.py GOLD TEST [--min 0.5] [--name N]
prints: NAME<TAB>pairs<TAB>precision (equal)<TAB>precision (inside)<TAB>recall
"""
import argparse

from align_beads import read_beads


def storable(s, t):
    return (len(s), len(t)) in ((1, 1), (1, 2), (2, 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('gold')
    ap.add_argument('test')
    ap.add_argument('--min', type=float, default=0.5)
    ap.add_argument('--name', default='')
    a = ap.parse_args()
    gold = [(s, t) for s, t, _ in read_beads(a.gold)]
    exact = set(gold)
    owner = {}
    for k, (s, t) in enumerate(gold):
        owner.update({('s', i): k for i in s})
        owner.update({('t', j): k for j in t})
    stored = [(s, t) for s, t, c in read_beads(a.test)
              if storable(s, t) and (1.0 if c is None else c) >= a.min]

    def inside(s, t):
        ks = {owner.get(('s', i)) for i in s} | {owner.get(('t', j)) for j in t}
        return len(ks) == 1 and None not in ks

    n = len(stored) or 1
    equal = sum(1 for b in stored if b in exact)
    within = sum(1 for s, t in stored if (s, t) in exact or inside(s, t))
    want = [b for b in gold if storable(*b)]
    got = set(stored)
    rec = sum(1 for b in want if b in got) / (len(want) or 1)
    print('%s\t%d\t%.3f\t%.3f\t%.3f' % (a.name, len(stored), equal / n, within / n, rec))


if __name__ == '__main__':
    main()
