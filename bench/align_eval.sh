#!/bin/sh
# align_eval.sh - the aligner against the gold alignments of
# ../shared/eval/alignment: Text+Berg de-fr dev and Bible en-zh 5k and 15k
# (verse merged), strict/lax P/R/F1 (score_align.py), time and peak RSS,
# without and (when corpora/dicts.py has made them, in var/dict) with the
# bilingual word lists; then the stress variants of every set
# (bench/align_stress.py: synthetic, named by variant) with their F1 minus
# the unperturbed F1; then time and memory of the 15k pair concatenated
# 1, 2, 4 and 8 times (synthetic); and a held-out set, LibreOffice's help
# en-zh and en-de (bench/align_lohelp.py). Skips cleanly when ../shared is
# absent.
# Usage: bench/align_eval.sh [BUILD_DIR] [--quick]   (default build/release;
#        --quick: the real sets only)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/release
quick=0
for a in "$@"; do
    case $a in
    --quick) quick=1 ;;
    *) build=$a ;;
    esac
done
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
: > "$out/store.tsv"
# run NAME SRC TGT SRC_LANG TGT_LANG GOLD [SRC_VERSE TGT_VERSE]; $lex: word
# list or empty. Prints one row; leaves the strict F1 in $out/NAME.f1.
run() {
    r_name=$1 r_src=$2 r_tgt=$3 r_sl=$4 r_tl=$5 r_gold=$6
    key=$(echo "$r_name${lex:+_dict}" | tr '/ +()' '_____')
    /usr/bin/time -f "%e %M" -o "$out/$key.rss" \
        "$bin" "$r_src" "$r_tgt" --src "$r_sl" --tgt "$r_tl" --scores ${lex:+--lexicon "$lex"} \
        > "$out/$key.align" 2> "$out/$key.log"
    test=$out/$key.align
    if [ $# -ge 8 ]; then
        python3 "$eval_dir/verse_merge.py" "$test" "$7" "$8" > "$out/$key.merged"
        test=$out/$key.merged
    fi
    row=$(python3 "$eval_dir/score_align.py" -g "$r_gold" -t "$test" --tsv --name "$r_name${lex:+ +dict}")
    echo "$row" | cut -f4 > "$out/$key.f1"
    set -- $(cat "$out/$key.rss")
    delta=""
    if [ -n "${base:-}" ]; then
        delta=$(python3 -c "print('%+.3f' % ($(cut -f4 "$out/$key.f1") - $(cat "$out/$base.f1")))")
    fi
    printf '%s\t%6.2f s\t%5d MB\t%s\n' "$row" "$1" $(($2 / 1024)) "$delta"
    r_test=$out/$key.align
}
# store_rows NAME GOLD: what "store" would write at its default min_confidence 0.6
# from the last run (bench/align_store_score.py).
store_rows() {
    python3 "$root/bench/align_store_score.py" "$2" "$r_test" --min 0.6 --name "$1" >> "$out/store.tsv"
}
header() {
    printf '\n%s\n' "$1"
    printf 'set\tP strict\tR strict\tF1 strict\tP lax\tR lax\tF1 lax\ttime\tpeak RSS\t%s\n' "${2:-}"
}

tb=$eval_dir/textberg_de_fr_dev
bb=$eval_dir/bible_en_zh_5k
b15=$eval_dir/bible_en_zh_15k
header "real sets (without, then with the word lists of var/dict when present)"
base=
for lex in "" "$dicts/de-fr.tsv"; do
    [ -z "$lex" ] || [ -f "$lex" ] || { echo "(no $lex: /usr/bin/python3 corpora/dicts.py)"; continue; }
    run textberg_de_fr_dev "$tb/dev.de" "$tb/dev.fr" de fr "$tb/dev.defr"
    store_rows "textberg_de_fr_dev${lex:+ +dict}" "$tb/dev.defr"
done
for lex in "" "$dicts/en-zh.tsv"; do
    [ -z "$lex" ] || [ -f "$lex" ] || { echo "(no $lex: /usr/bin/python3 corpora/dicts.py)"; continue; }
    run bible_en_zh_5k "$bb/001.en" "$bb/001.zh" en zh "$bb/001.gold.align" "$bb/en.verse" "$bb/zh.verse"
    store_rows "bible_en_zh_5k${lex:+ +dict}" "$bb/001.gold.align"
    if [ -d "$b15" ]; then
        run bible_en_zh_15k "$b15/003.en" "$b15/003.zh" en zh "$b15/003.gold.align" \
            "$bb/en.verse" "$bb/zh.verse"
        store_rows "bible_en_zh_15k${lex:+ +dict}" "$b15/003.gold.align"
    fi
done
# Held out: LibreOffice's help, never tuned on (bench/align_lohelp.py: paragraphs paired by
# their ids; real text, fetched with apt-get download into var/lohelp once).
lo=$root/var/lohelp
lex=
if python3 "$root/bench/align_lohelp.py" --src en-us --tgt zh-cn --cache "$lo" --out "$lo" 2> "$out/lo.log" &&
    python3 "$root/bench/align_lohelp.py" --src en-us --tgt de --cache "$lo" --out "$lo" 2>> "$out/lo.log"; then
    header "held out: LibreOffice help 7.4, paragraph ids as gold (bench/align_lohelp.py; $(head -1 "$out/lo.log"))"
    base=
    run lohelp_en_zh "$lo/lohelp.en-us" "$lo/lohelp.zh-cn" en zh "$lo/lohelp.en-us-zh-cn.gold.align"
    store_rows lohelp_en_zh "$lo/lohelp.en-us-zh-cn.gold.align"
    run lohelp_en_de "$lo/lohelp.en-us" "$lo/lohelp.de" en de "$lo/lohelp.en-us-de.gold.align"
    store_rows lohelp_en_de "$lo/lohelp.en-us-de.gold.align"
else
    printf '\n(held-out LibreOffice help skipped: the packages could not be fetched)\n'
fi
printf '\nwhat "store" writes (min_confidence 0.6, the default; 1-1, 1-2, 2-1 beads; bench/align_store_score.py)\n'
printf 'set\tpairs\tprecision (= a gold bead)\tprecision (inside one gold bead)\trecall of gold 1-1/1-2/2-1\n'
cat "$out/store.tsv"
[ "$quick" = 0 ] || exit 0

# stress NAME SRC TGT SRC_LANG TGT_LANG GOLD [SRC_VERSE TGT_VERSE]
stress() {
    name=$1 src=$2 tgt=$3 sl=$4 tl=$5 gold=$6
    shift 6
    dir=$out/stress_$name
    base=$name
    for v in $(python3 "$root/bench/align_stress.py" "$src" "$tgt" "$gold" "$dir" ${1:+--verse "$1" "$2"}); do
        run "$name/$v" "$dir/$v.src" "$dir/$v.tgt" "$sl" "$tl" "$dir/$v.gold" \
            ${1:+"$dir/$v.src.verse" "$dir/$v.tgt.verse"}
    done
}
lex=
header "stress variants (synthetic, bench/align_stress.py), no word list" "F1 - unperturbed"
stress textberg_de_fr_dev "$tb/dev.de" "$tb/dev.fr" de fr "$tb/dev.defr"
stress bible_en_zh_5k "$bb/001.en" "$bb/001.zh" en zh "$bb/001.gold.align" "$bb/en.verse" "$bb/zh.verse"
[ -d "$b15" ] && stress bible_en_zh_15k "$b15/003.en" "$b15/003.zh" en zh "$b15/003.gold.align" \
    "$bb/en.verse" "$bb/zh.verse"

[ -d "$b15" ] || exit 0
header "scaling: the 15k pair concatenated (synthetic)" "F1 - unperturbed"
base=bible_en_zh_15k
for n in 1 2 4 8; do
    dir=$out/concat
    python3 "$root/bench/align_stress.py" "$b15/003.en" "$b15/003.zh" "$b15/003.gold.align" "$dir" \
        --verse "$bb/en.verse" "$bb/zh.verse" --concat $n > /dev/null
    run "bible_en_zh_15k x$n ($((15 * n))k)" "$dir/concat$n.src" "$dir/concat$n.tgt" en zh \
        "$dir/concat$n.gold" "$dir/concat$n.src.verse" "$dir/concat$n.tgt.verse"
    rm -f "$dir/concat$n".*
done
