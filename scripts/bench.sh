#!/usr/bin/env bash
# Builds an optimised Verso (no sanitizers) and runs the benchmarks under
# bench/, printing their figures. Usage: scripts/bench.sh [seconds per row]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON >/dev/null
cmake --build "$root/build/release" -j"$(nproc)" >/dev/null
"$root/build/release/bench/ping_bench" --seconds "${1:-3}"
echo
"$root/build/release/bench/seg_bench"
echo
/usr/bin/python3 "$root/bench/seg_eval.py" --versod "$root/build/release/versod" --quiet || true
echo
/usr/bin/python3 "$root/bench/tm_bench.py" --build "$root/build/release"
echo; /usr/bin/python3 "$root/bench/locale_bench.py" --build "$root/build/release"
echo; "$root/bench/align_eval.sh" "$root/build/release"
echo; /usr/bin/python3 "$root/bench/align_bench.py" --build "$root/build/release"
# Mixed load: 64 clients x 60 s, 90% lookup / 10% add on a 100k-entry TM (CI: load_bench --ci).
echo; "$root/build/release/bench/load_bench"
