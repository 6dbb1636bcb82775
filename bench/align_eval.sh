#!/bin/sh
# align_eval.sh - the aligner against the gold alignments of
# ../shared/eval/alignment: Text+Berg de-fr dev and Bible en-zh 5k and 15k
# (verse merged), strict/lax P/R/F1 (score_align.py), time and peak RSS,
# without and (when corpora/dicts.py has made them, in var/dict) with the
# bilingual word lists. Skips cleanly when ../shared is absent.
# Usage: bench/align_eval.sh [BUILD_DIR]   (default build/release)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
eval_dir=$root/../shared/eval/alignment
bin=$build/bench/align_eval
if [ ! -d "$eval_dir" ]; then
    echo "align_eval: $eval_dir absent, skipped"
    exit 0
fi
if [ ! -x "$bin" ]; then
    echo "align_eval: $bin not built (cmake --build $build --target align_eval)" >&2
    exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

dicts=$root/var/dict
run() { # name src tgt src_lang tgt_lang gold [verse files]; $lex: word list or empty
    name=$1 src=$2 tgt=$3 sl=$4 tl=$5 gold=$6
    t0=$(date +%s%N)
    /usr/bin/time -f "peak RSS %M KB" -o "$out/$name.rss" \
        "$bin" "$src" "$tgt" --src "$sl" --tgt "$tl" ${lex:+--lexicon "$lex"} \
        > "$out/$name.align" 2> "$out/$name.log"
    t1=$(date +%s%N)
    test=$out/$name.align
    if [ $# -ge 8 ]; then
        python3 "$eval_dir/verse_merge.py" "$test" "$7" "$8" > "$out/$name.merged"
        test=$out/$name.merged
    fi
    echo "== $name${lex:+ + $(basename "$lex")} ($(tail -n 1 "$out/$name.log" | sed 's/^align_eval: //'); wall $(( (t1 - t0) / 1000000 )) ms; $(cat "$out/$name.rss"))"
    python3 "$eval_dir/score_align.py" -g "$gold" -t "$test"
}

tb=$eval_dir/textberg_de_fr_dev
bb=$eval_dir/bible_en_zh_5k
for lex in "" "$dicts/de-fr.tsv"; do
    [ -z "$lex" ] || [ -f "$lex" ] || { echo "== (no $lex: /usr/bin/python3 corpora/dicts.py)"; continue; }
    run textberg_de_fr_dev "$tb/dev.de" "$tb/dev.fr" de fr "$tb/dev.defr"
done
for lex in "" "$dicts/en-zh.tsv"; do
    [ -z "$lex" ] || [ -f "$lex" ] || { echo "== (no $lex: /usr/bin/python3 corpora/dicts.py)"; continue; }
    run bible_en_zh_5k "$bb/001.en" "$bb/001.zh" en zh "$bb/001.gold.align" "$bb/en.verse" "$bb/zh.verse"
    b15=$eval_dir/bible_en_zh_15k
    [ -d "$b15" ] && run bible_en_zh_15k "$b15/003.en" "$b15/003.zh" en zh "$b15/003.gold.align" \
        "$bb/en.verse" "$bb/zh.verse"
done
