#!/usr/bin/env bash
# The test command: installs what is missing, builds with ASan+UBSan and runs
# every test (unit, integration against a real versod, the Python client, the
# OmegaT plugin in OmegaT's own window under Xvfb),
# runs the threaded tests again under ThreadSanitizer (scripts/tsan.sh),
# checks that the optimised build compiles warning-free, runs a short mixed
# load against it (0 errors, every acknowledged add there), runs every fuzzer
# (request decoder, segmenter, MO, PO and TMX readers) from the committed
# seeds for VERSO_FUZZ_SECONDS (default 30) each, checks the include lines
# against the folder map (scripts/check_layers.py) and the code format.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
"$root/scripts/setup.sh"

echo "== build (ASan+UBSan) and test"
cmake -S "$root" -B "$root/build/asan" -DCMAKE_BUILD_TYPE=Debug -DVERSO_SANITIZE=ON >/dev/null
cmake --build "$root/build/asan" -j"$jobs" >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$root/build/asan" -j"$jobs" --output-on-failure --timeout 300

echo "== ThreadSanitizer: the writer thread, the worker pool (build/tsan)"
"$root/scripts/tsan.sh"

echo "== optimised build (-Werror), benchmarks included"
cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build/release" -j"$jobs" >/dev/null

echo "== load: 16 clients x 10 s, 90% lookup / 10% add, 20k entries (bench/load_bench --ci)"
"$root/build/release/bench/load_bench" --ci | grep -Ev '^ +[0-9]+ s (warm-up|measure):'

echo "== segmentation: Golden Rules (skipped without ../shared)"
/usr/bin/python3 "$root/bench/seg_eval.py" --versod "$root/build/release/versod" --quiet

echo "== fuzz, committed seeds (${VERSO_FUZZ_SECONDS:-30} s per target)"
"$root/scripts/fuzz.sh" "${VERSO_FUZZ_SECONDS:-30}"

echo "== layers (scripts/check_layers.py: include lines against the folder map)"
/usr/bin/python3 "$root/scripts/check_layers.py"

echo "== format (.clang-format)"
cd "$root"
git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror
echo "all checks passed"
