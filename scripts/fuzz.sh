#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan + UBSan and runs each for
# VERSO_FUZZ_SECONDS (default 60). Prints libFuzzer's own figures (executions).
# Usage: scripts/fuzz.sh [seconds]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-${VERSO_FUZZ_SECONDS:-60}}
build=$root/build/fuzz
"$root/scripts/setup.sh"
CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DVERSO_SANITIZE=ON \
  -DVERSO_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_request >/dev/null

# Seeds: one valid request per op, plus a few known-hostile shapes.
seeds=$build/seeds/request
corpus=$build/corpus/request
mkdir -p "$seeds" "$corpus"
printf '\x83\xa1v\x01\xa2id\x07\xa2op\xa4ping' >"$seeds/ping"
printf '\x83\xa1v\x01\xa2id\xa3abc\xa2op\xa5hello' >"$seeds/hello"
printf '\x82\xa1v\x01\xa2op\xa5stats' >"$seeds/stats"
printf '\xdd\xff\xff\xff\xff' >"$seeds/array32"
printf '\x91\x91\x91\x91\x91\x91\x91\x91\xc0' >"$seeds/nested"
printf '\x82\xa1v\x01\xa2op\xa4p\xffng' >"$seeds/badutf8"

cd "$build"
"$build/tests/fuzz/fuzz_request" -max_total_time="$secs" -max_len=4096 \
  -dict="$root/tests/fuzz/request.dict" -print_final_stats=1 "$corpus" "$seeds" 2>&1 |
  grep -E "^(Done|stat::number_of_executed_units|stat::new_units_added|==[0-9]+==|SUMMARY)" || true
# libFuzzer exits non-zero on a finding; pipefail would hide it behind grep.
test "${PIPESTATUS[0]}" -eq 0
