#!/usr/bin/env bash
# The serve command: installs what is missing, builds an optimised Verso and
# runs versod in the foreground on its embedded default: data in var/data
# under the repository (git-ignored), bound to tcp://127.0.0.1:5555.
# VERSO_BIND and VERSO_DATA override those two. Ctrl-C stops it cleanly.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build/release" -j"$(nproc)" >/dev/null
bind=${VERSO_BIND:-tcp://127.0.0.1:5555}
data=${VERSO_DATA:-$root/var/data}
mkdir -p "$data"
cat <<MSG
versod: serving $bind, data in $data
Query it from another terminal:
  $root/build/release/verso --endpoint $bind hello
  $root/build/release/verso --endpoint $bind ping
  $root/build/release/verso --endpoint $bind --json stats
MSG
exec "$root/build/release/versod" --bind "$bind" --data "$data"
