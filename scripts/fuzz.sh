#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan + UBSan and runs each for
# VERSO_FUZZ_SECONDS (default 60): the request decoder, the segmenter, and the
# MO, PO and TMX readers. Prints libFuzzer's own figures (executions).
# Usage: scripts/fuzz.sh [seconds]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-${VERSO_FUZZ_SECONDS:-60}}
build=$root/build/fuzz
"$root/scripts/setup.sh"
CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DVERSO_SANITIZE=ON \
  -DVERSO_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_request fuzz_segment fuzz_mo fuzz_po fuzz_tmx >/dev/null

# Seeds: one valid request per op, plus a few known-hostile shapes.
seeds=$build/seeds
mkdir -p "$seeds/request" "$seeds/segment" "$seeds/mo" "$seeds/po" "$seeds/tmx"
printf '#, fuzzy\nmsgctxt "c"\nmsgid "a\\n"\n"b"\nmsgid_plural "p"\nmsgstr[0] "x\\"y"\nmsgstr[1] "z"\n\nmsgid "q"\nmsgstr "r"\n' >"$seeds/po/entries"
# A real catalog of this machine, when there is one, seeds the MO reader.
for f in /usr/share/locale/fr/LC_MESSAGES/adduser.mo /usr/share/locale/de/LC_MESSAGES/apt.mo; do
  [ -f "$f" ] && cp "$f" "$seeds/mo/"
done
printf '\xde\x12\x04\x95\x00\x00\x00\x00\x01\x00\x00\x00\x1c\x00\x00\x00\x24\x00\x00\x00' >"$seeds/mo/header"
# TMX: tags, props, notes, x-verso-char, UTF-16, bad UTF-8, broken XML, entities.
tmx_head='<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="en"/><body>\n'
printf "$tmx_head"'<tu tuid="1" creationdate="20240229T235959Z" usagecount="3"><note>n</note><prop type="t">v</prop>\n<tuv xml:lang="en"><seg>A <bpt i="1" x="1">&lt;b&gt;</bpt>b<ept i="1">&lt;/b&gt;</ept> <hi x="2">c<ph/></hi> <ph type="x-verso-char">01</ph></seg></tuv>\n<tuv xml:lang="fr"><seg>B <it pos="begin">x<sub>s<ph x="3">y</ph></sub></it> &amp;&#13;<![CDATA[<c>]]></seg></tuv></tu>\n</body></tmx>\n' >"$seeds/tmx/tags"
printf "$tmx_head"'<tu><tuv lang="en"><seg>bad \xc3\x28 \xf3\xb0\x80\x80</seg></tuv></tu>\n<tu> <<x>> </tu><tuple/><tu><tuv xml:lang="de"><seg>ok</seg></tuv></tu>\n</body></tmx>junk' >"$seeds/tmx/broken"
printf '<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><tmx><body><tu><tuv xml:lang="en"><seg>&b;</seg></tuv></tu></body></tmx>' >"$seeds/tmx/entities"
printf '%s\n' '"<tu"' '"</tu>"' '"<tuv xml:lang=\"en\">"' '"<seg>"' '"</seg>"' '"<bpt i=\"1\">"' \
  '"</bpt>"' '"<ept>"' '"<ph/>"' '"<it>"' '"<ut>"' '"<hi>"' '"</hi>"' '"<sub>"' '"<prop type=\"t\">"' \
  '"<note>"' '"<ph type=\"x-verso-char\">"' '"<![CDATA["' '"]]>"' '"&#13;"' '"&amp;"' '"<!ENTITY"' \
  '"<!DOCTYPE"' '"\xf3\xb0\x80\x80"' '"\xef\xb7\x90"' '"\xff\xfe"' '"encoding=\"UTF-16\""' \
  '"creationdate=\"20240229T235959Z\""' >"$build/tmx.dict"
printf '\xff\xfe<\x00t\x00m\x00x\x00>\x00<\x00b\x00o\x00d\x00y\x00>\x00<\x00t\x00u\x00>\x00<\x00t\x00u\x00v\x00 \x00l\x00a\x00n\x00g\x00=\x00"\x00e\x00n\x00"\x00>\x00<\x00s\x00e\x00g\x00>\x00=\xd8\x00\xde<\x00/\x00s\x00e\x00g\x00>\x00' >"$seeds/tmx/utf16le"
printf '\x83\xa1v\x01\xa2id\x07\xa2op\xa4ping' >"$seeds/request/ping"
printf '\x83\xa1v\x01\xa2id\xa3abc\xa2op\xa5hello' >"$seeds/request/hello"
printf '\x82\xa1v\x01\xa2op\xa5stats' >"$seeds/request/stats"
printf '\x84\xa1v\x01\xa2op\xa7segment\xa4text\xa9Hi. Yo.\xa4lang\xa2en' >"$seeds/request/segment"
printf '\xdd\xff\xff\xff\xff' >"$seeds/request/array32"
printf '\x91\x91\x91\x91\x91\x91\x91\x91\xc0' >"$seeds/request/nested"
printf '\x82\xa1v\x01\xa2op\xa4p\xffng' >"$seeds/request/badutf8"
printf '\x00Dr. Smith met J. R. Doe at 5 p.m. He left... "Why?" she asked.' >"$seeds/segment/en"
printf '\x03\xe4\xbd\xa0\xe5\xa5\xbd\xe3\x80\x82\xe3\x80\x8a\xe4\xb8\xad\xef\xbc\x81\xe3\x80\x8b' >"$seeds/segment/zh"
printf '\x081) one 2) two\n\nthree . . . . Four \xe2\x80\xa2 five   six' >"$seeds/segment/list"

# Runs one target: libFuzzer's figures, non-zero exit on a finding.
run() {
  local target=$1
  mkdir -p "$build/corpus/$target"
  "$build/tests/fuzz/fuzz_$target" -max_total_time="$secs" -max_len=4096 -timeout=10 \
    ${2:+-dict="$2"} -print_final_stats=1 "$build/corpus/$target" "$seeds/$target" 2>&1 |
    grep -E "^(Done|stat::number_of_executed_units|stat::new_units_added|==[0-9]+==|SUMMARY)" |
    sed "s/^/$target: /" || true
  test "${PIPESTATUS[0]}" -eq 0
}
cd "$build"
run request "$root/tests/fuzz/request.dict"
run segment
run mo
run po
run tmx "$build/tmx.dict"
