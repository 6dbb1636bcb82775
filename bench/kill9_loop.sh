#!/usr/bin/env bash
# kill -9 loop: the crash test (tests/integration/crash_test.c) for CYCLES
# cycles of each half, a bulk import and pipelined aligns with store, each
# SIGKILLed mid-stream and restarted on the same data directory, then every
# acknowledged entry checked. Prints the figures; fails when anything
# acknowledged was lost or the test failed.
# Usage: bench/kill9_loop.sh [CYCLES (default 20)] [BUILD_DIR]
# Without BUILD_DIR it builds build/release (optimised, tests included).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cycles=${1:-20}
build=${2:-}
if [ -z "$build" ]; then
  build="$root/build/release"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON >/dev/null
  cmake --build "$build" -j"$(nproc)" --target crash_test versod >/dev/null
fi
log=$(mktemp /tmp/verso-kill9-XXXXXX.log)
trap 'rm -f "$log"' EXIT

# The value of key=... in a summary line.
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$2"; }

echo "kill -9 loop: $cycles cycles each, $build"
status=0
for half in import align; do
  if ! out=$(VERSO_CRASH_CYCLES=$cycles "$build/tests/crash_test" "$half" 2>"$log"); then
    status=1
    echo "$half: crash_test FAILED; its log:" >&2
    grep -E "CHECK failed|LOST|PARTIAL|BAD|FAILED" "$log" | head -20 >&2 || true
  fi
  line=$(grep "^summary $half:" <<<"$out" || true)
  [ -n "$line" ] || { echo "$half: no summary line" >&2; exit 1; }
  secs=$(awk -v ms="$(field ms "$line")" 'BEGIN { printf "%.1f", ms / 1000 }')
  if [ "$half" = import ]; then
    printf '%-18s cycles %s, entries acknowledged %s, unacknowledged but committed %s (batches whole %s, absent %s, partial %s), entries verified %s, lost %s, wrong %s, %s s\n' \
      "import:" "$(field cycles "$line")" "$(field acked_entries "$line")" \
      "$(field unacked_committed_entries "$line")" "$(field unacked_batches_whole "$line")" \
      "$(field unacked_batches_absent "$line")" "$(field partial "$line")" \
      "$(field verified_entries "$line")" "$(field lost "$line")" "$(field wrong "$line")" "$secs"
  else
    printf '%-18s cycles %s, aligns acknowledged %s (%s pairs), unacknowledged but committed %s (%s pairs; absent %s, partial %s), pairs verified %s (context matches %s), lost %s, %s s\n' \
      "align with store:" "$(field cycles "$line")" "$(field acked_aligns "$line")" \
      "$(field acked_pairs "$line")" "$(field unacked_committed_aligns "$line")" \
      "$(field unacked_committed_pairs "$line")" "$(field unacked_absent_aligns "$line")" \
      "$(field partial "$line")" "$(field verified_pairs "$line")" \
      "$(field context_matches "$line")" "$(field lost "$line")" "$secs"
  fi
  [ "$(field lost "$line")" = 0 ] && [ "$(field partial "$line")" = 0 ] || status=1
done
exit $status
