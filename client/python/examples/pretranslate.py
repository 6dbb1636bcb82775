#!/usr/bin/env python3
"""Pre-translates a plain-text article from a Verso TM.

Segments the article on the server, looks every sentence up (in one request, so that
context matches work), and writes a bilingual TSV: source sentence, best target (empty
when nothing scored at least --min-score), score, kind.

usage: pretranslate.py ARTICLE.txt --src en --tgt zh [-o OUT.tsv] [--endpoint E]
       [--tm NAME] [--min-score N] [--server-key KEY|FILE --key FILE.secret]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import verso  # noqa: E402


def tsv_field(text):
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("article")
    ap.add_argument("--src", required=True)
    ap.add_argument("--tgt", required=True)
    ap.add_argument("-o", "--output", default="-")
    ap.add_argument("--endpoint", default=os.environ.get("VERSO_ENDPOINT", verso.DEFAULT_ENDPOINT))
    ap.add_argument("--tm")
    ap.add_argument("--min-score", type=int, default=70)
    ap.add_argument("--server-key", default=os.environ.get("VERSO_SERVER_KEY"))
    ap.add_argument("--key", default=os.environ.get("VERSO_KEY"))
    args = ap.parse_args()
    with open(args.article, encoding="utf-8") as f:
        text = f.read()
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    hits = 0
    try:
        with verso.Client(args.endpoint, server_key=args.server_key,
                          client_keys=args.key) as c:
            results = c.lookup(args.src, args.tgt, text=text, tm=args.tm,
                               min_score=args.min_score, max_results=1)
    except verso.VersoError as e:
        sys.exit("pretranslate: %s" % e)
    out.write("source\ttarget\tscore\tkind\n")
    for r in results:
        best = r["matches"][0] if r["matches"] else None
        hits += best is not None
        out.write("%s\t%s\t%s\t%s\n" % (tsv_field(r["segment"]),
                                        tsv_field(best["tgt"]) if best else "",
                                        best["score"] if best else "",
                                        best["kind"] if best else ""))
    if out is not sys.stdout:
        out.close()
    print("pretranslate: %d of %d sentences matched at %d or more" %
          (hits, len(results), args.min_score), file=sys.stderr)


if __name__ == "__main__":
    main()
