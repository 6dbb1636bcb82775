#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan + UBSan and runs each for
# VERSO_FUZZ_SECONDS (default 60): the request decoder, the segmenter, and the
# MO, PO and TMX readers. Prints libFuzzer's own figures (seeds, executions,
# new units); exits non-zero when any target finds something, after running
# them all (the reproducer is written to build/fuzz/, named in the output).
# Seeds: the committed tests/fuzz/seeds/<target>/ (tests/fuzz/make_seeds.py
# writes them), plus this machine's gettext catalogs for the MO reader. The
# corpus a run grows is kept in build/fuzz/corpus/<target>/ for the next run.
# Usage: scripts/fuzz.sh [seconds]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-${VERSO_FUZZ_SECONDS:-60}}
build=$root/build/fuzz
fuzz=$root/tests/fuzz
"$root/scripts/setup.sh"
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
/usr/bin/python3 "$fuzz/make_seeds.py" --check # the committed seeds are the script's
CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DVERSO_SANITIZE=ON \
  -DVERSO_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_request fuzz_segment fuzz_mo fuzz_po fuzz_tmx fuzz_srx fuzz_http >/dev/null

# Extra MO seeds, never committed: a few real catalogs of this machine, when
# it has any (libFuzzer reads the first 4096 bytes of the larger ones).
extra=$build/extra-seeds/mo
rm -rf "$extra" && mkdir -p "$extra"
for f in /usr/share/locale/fr/LC_MESSAGES/adduser.mo /usr/share/locale/de/LC_MESSAGES/apt.mo \
  $(find /usr/share/locale -name '*.mo' -size -4k 2>/dev/null | sort | head -n 3); do
  if [ -f "$f" ]; then cp "$f" "$extra/$(echo "${f#/usr/share/locale/}" | tr / _)"; fi
done

# Runs one target: run TARGET [DICT [EXTRA_SEED_DIR...]]. New units go to
# the first directory, the corpus; prints libFuzzer's figures; returns
# non-zero on a finding (crash, leak, timeout, abort).
run() {
  local target=$1 dict=${2:-} rc=0
  local log=$build/fuzz-$target.log
  shift $(($# < 2 ? $# : 2))
  mkdir -p "$build/corpus/$target"
  "$build/tests/fuzz/fuzz_$target" -max_total_time="$secs" -max_len=4096 -timeout=10 \
    -print_final_stats=1 ${dict:+-dict="$dict"} "$build/corpus/$target" "$fuzz/seeds/$target" \
    "$@" >"$log" 2>&1 || rc=$?
  grep -E "^(INFO: seed corpus|Done|stat::number_of_executed_units|stat::new_units_added|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)" \
    "$log" | sed "s/^/$target: /" || true
  if [ "$rc" -ne 0 ]; then
    echo "$target: FAILED (exit $rc); the last lines of $log:"
    tail -n 40 "$log" | sed "s/^/$target: /"
  fi
  return "$rc"
}
cd "$build"
failed=()
run request "$fuzz/request.dict" || failed+=(request)
run segment || failed+=(segment)
run mo "" "$extra" || failed+=(mo)
run po || failed+=(po)
run tmx "$fuzz/tmx.dict" || failed+=(tmx)
run srx "$fuzz/srx.dict" || failed+=(srx)
run http "$fuzz/http.dict" || failed+=(http)
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]}"
  exit 1
fi
