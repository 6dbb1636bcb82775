"""align_beads.py - reads an alignment in the bead format of
../shared/eval/alignment/score_align.py, one bead a line:

    [0, 1]:[2]   or   [0,1]:[2]:0.53 (a confidence)   or   []:[5]

read_beads(path) returns [(src ids, tgt ids, confidence or None)], the ids
as tuples. Shared by bench/align_stress.py and bench/align_store_score.py.
"""


def _ids(text):
    return tuple(int(v) for v in text.split(',') if v.strip())


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
            score = float(rest[k2 + 2:]) if rest[k2 + 1:k2 + 2] == ':' else None
            beads.append((_ids(line[1:k]), _ids(rest[1:k2]), score))
    return beads
