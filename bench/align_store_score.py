#!/usr/bin/env python3
"""align_store_score.py - what the align op's "store" would write, judged
against a gold alignment.

The op stores every 1-1, 1-2 and 2-1 bead whose confidence is at least
min_confidence (docs/PROTOCOL.md). Given the aligner's beads with their
confidence (bench/align_eval --scores) this prints:

  precision  the share of stored beads that are right: equal to a gold bead,
             or (with --contained, for gold merged per verse) inside one gold
             bead on both sides, as two sentences of one verse are;
  recall     the share of the gold 1-1, 1-2 and 2-1 beads stored exactly.

usage: align_store_score.py GOLD TEST [--min 0.5] [--contained] [--name N]
prints: NAME<TAB>stored<TAB>precision<TAB>recall
"""
import argparse


def read_beads(path):
    beads = []
    with open(path, encoding='utf-8') as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            k = line.index(']:')
            rest = line[k + 2:]
            k2 = rest.index(']')
            ids = lambda x: tuple(int(v) for v in x.split(',') if v.strip())
            score = float(rest[k2 + 2:]) if rest[k2 + 1:k2 + 2] == ':' else 1.0
            beads.append((ids(line[1:k]), ids(rest[1:k2]), score))
    return beads


def storable(s, t):
    return (len(s), len(t)) in ((1, 1), (1, 2), (2, 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('gold')
    ap.add_argument('test')
    ap.add_argument('--min', type=float, default=0.5)
    ap.add_argument('--contained', action='store_true')
    ap.add_argument('--name', default='')
    a = ap.parse_args()
    gold = [(s, t) for s, t, _ in read_beads(a.gold)]
    exact = set(gold)
    owner_s, owner_t = {}, {}
    for k, (s, t) in enumerate(gold):
        for i in s:
            owner_s[i] = k
        for j in t:
            owner_t[j] = k
    stored = [(s, t) for s, t, c in read_beads(a.test) if storable(s, t) and c >= a.min]

    def right(s, t):
        if (s, t) in exact:
            return True
        if not a.contained:
            return False
        ks = {owner_s.get(i) for i in s} | {owner_t.get(j) for j in t}
        return len(ks) == 1 and None not in ks

    ok = sum(1 for s, t in stored if right(s, t))
    want = [(s, t) for s, t in gold if storable(s, t)]
    got = set(stored)
    rec = sum(1 for b in want if b in got)
    print('%s\t%d\t%.3f\t%.3f' % (a.name, len(stored), ok / len(stored) if stored else 0.0,
                                   rec / len(want) if want else 0.0))


if __name__ == '__main__':
    main()
