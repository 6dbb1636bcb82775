#!/usr/bin/env bash
# Builds build/tsan (Debug, ThreadSanitizer) and runs under TSan the tests
# that exercise threads: unit.writer (submitters racing to the writer thread)
# and the integration tests, each of which drives a real versod (broker,
# worker pool, writer thread, libzmq I/O thread) from C, the CLI or Python.
# Left out, too slow under TSan on 2 cores: integration.fault.map_full,
# .disk_full and .disconnect (over 5 minutes each; the ASan run has them).
# halt_on_error=1: a process stops at its first report. Every report is kept
# in build/tsan/reports/ and printed; any report fails the run.
# tests/tsan.supp silences libzmq's and libsodium's internals only (see there).
# Usage: scripts/tsan.sh [ctest -R regex]   (default: the tests above)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/tsan
jobs=$(nproc)
"$root/scripts/setup.sh"

start=$(date +%s)
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DVERSO_TSAN=ON -DVERSO_SANITIZE=OFF \
  -DBUILD_TESTING=ON >/dev/null
cmake --build "$build" -j"$jobs" >/dev/null
built=$(date +%s)

reports=$build/reports
rm -rf "$reports" && mkdir -p "$reports"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 log_path=$reports/tsan \
suppressions=$root/tests/tsan.supp"

# Runs ctest in a session of its own, then kills what is left in it: a test
# process stopped by TSan leaves its versod behind (which keeps ctest waiting
# for the test's output until the timeout; the slowest test, integration.client,
# takes about 70 s).
rc=0
run_ctest() {
  local sid_file=$build/ctest.sid
  # shellcheck disable=SC2016 # $$ and $0 are for the inner bash
  setsid -w bash -c 'echo $$ >"$0"; exec "$@"' "$sid_file" \
    ctest --test-dir "$build" --output-on-failure --timeout 180 "$@" || rc=1
  pkill -KILL -s "$(cat "$sid_file")" 2>/dev/null || true
}
if [ $# -gt 0 ]; then
  run_ctest -R "$1" -j"$jobs"
else
  # The Python client waits 5 s for a reply: it runs alone, after the others.
  run_ctest -R '^(unit\.writer|integration\..*)$' \
    -E '^integration\.(python|fault\.(map_full|disk_full|disconnect))$' -j"$jobs"
  run_ctest -R '^integration\.python$'
fi

if compgen -G "$reports/tsan.*" >/dev/null; then
  cat "$reports"/tsan.*
  echo "tsan: ThreadSanitizer reports above (also in $reports)"
  rc=1
fi
echo "tsan: build $((built - start)) s, tests $(($(date +%s) - built)) s"
exit "$rc"
