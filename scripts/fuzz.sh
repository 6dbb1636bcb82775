#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan + UBSan and runs each for
# VERSO_FUZZ_SECONDS (default 60): the request decoder, the segmenter, and the
# MO and PO catalog readers. Prints libFuzzer's own figures (executions).
# Usage: scripts/fuzz.sh [seconds]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-${VERSO_FUZZ_SECONDS:-60}}
build=$root/build/fuzz
"$root/scripts/setup.sh"
CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DVERSO_SANITIZE=ON \
  -DVERSO_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_request fuzz_segment fuzz_mo fuzz_po >/dev/null

# Seeds: one valid request per op, plus a few known-hostile shapes.
seeds=$build/seeds
mkdir -p "$seeds/request" "$seeds/segment" "$seeds/mo" "$seeds/po"
printf '#, fuzzy\nmsgctxt "c"\nmsgid "a\\n"\n"b"\nmsgid_plural "p"\nmsgstr[0] "x\\"y"\nmsgstr[1] "z"\n\nmsgid "q"\nmsgstr "r"\n' >"$seeds/po/entries"
# A real catalog of this machine, when there is one, seeds the MO reader.
for f in /usr/share/locale/fr/LC_MESSAGES/adduser.mo /usr/share/locale/de/LC_MESSAGES/apt.mo; do
  [ -f "$f" ] && cp "$f" "$seeds/mo/"
done
printf '\xde\x12\x04\x95\x00\x00\x00\x00\x01\x00\x00\x00\x1c\x00\x00\x00\x24\x00\x00\x00' >"$seeds/mo/header"
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
