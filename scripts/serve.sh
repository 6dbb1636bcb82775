#!/usr/bin/env bash
# The serve command: installs what is missing, builds an optimised Verso and
# runs versod in the foreground on its embedded default: data in var/data
# under the repository (git-ignored), bound to tcp://127.0.0.1:5555, with a
# sample corpus loaded on the first run (the gettext catalogs of this machine
# for zh_CN, fr, de, es and ja: corpora/gettext.sh) and the aligner's
# bilingual word lists made once in var/dict (corpora/dicts.py: FreeDict
# de-fr, CC-CEDICT en-zh; the server runs without them if that fails).
# It also serves HTTP on 127.0.0.1:8080 (docs/HTTP.md: the JSON API and
# amaGama's tmserver API). VERSO_BIND, VERSO_HTTP and VERSO_DATA override the
# endpoint, the HTTP address and the directory. Ctrl-C stops it cleanly.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build/release" -j"$(nproc)" >/dev/null
bind=${VERSO_BIND:-tcp://127.0.0.1:5555}
http=${VERSO_HTTP:-127.0.0.1:8080}
data=${VERSO_DATA:-$root/var/data}
ready=$root/var/versod.ready
mkdir -p "$data" "$(dirname "$ready")"
rm -f "$ready"
dicts=$root/var/dict
if [ ! -e "$dicts/.made" ]; then
  echo "serve: making the aligner's word lists in $dicts (corpora/dicts.py)"
  if /usr/bin/python3 "$root/corpora/dicts.py" --out "$dicts"; then
    touch "$dicts/.made"
  else
    echo "serve: no word lists; alignment uses lengths and anchors only" >&2
  fi
fi
"$root/build/release/versod" --bind "$bind" --http "$http" --data "$data" --ready-file "$ready" \
  --dict "$dicts" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null' INT TERM
# Wait for the ready file (the condition), not for a time; give up if versod died.
for _ in $(seq 300); do
  [ -s "$ready" ] && break
  kill -0 "$pid" 2>/dev/null || exit 1
  sleep 0.1
done
[ -s "$ready" ] || { echo "serve: versod did not start" >&2; kill "$pid"; exit 1; }
endpoint=$(sed -n 1p "$ready")
url=$(sed -n 2p "$ready")
# First run: a sample corpus, the gettext catalogs of a few languages.
if [ ! -e "$data/.sample-loaded" ]; then
  echo "serve: loading the sample corpus (gettext catalogs of this machine) into TM default"
  "$root/corpora/gettext.sh" --endpoint "$endpoint" zh_CN fr de es ja && touch "$data/.sample-loaded"
fi
cat <<MSG
versod: serving $endpoint and $url, data in $data (Ctrl-C stops it)
The web console: $url
Query it from another terminal:
  curl -s "${url}tmserver/en/fr/unit/Do%20you%20want%20to%20continue%3F"
  curl -s -X POST ${url}api/v1/lookup -d '{"src_lang":"en","tgt_lang":"fr","segments":["Open the file"]}'
  $root/build/release/verso --endpoint $endpoint hello
  echo "Do you want to continue?" | $root/build/release/verso --endpoint $endpoint lookup - --src en --tgt fr
  echo "Do you want to continue?" | $root/build/release/verso --endpoint $endpoint lookup - --src en --tgt zh-CN
MSG
set +e
wait "$pid"
status=$?
[ "$status" -gt 128 ] && { wait "$pid"; status=$?; } # interrupted by the trap
exit "$status"
