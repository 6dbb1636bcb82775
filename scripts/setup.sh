#!/usr/bin/env bash
# Installs the Debian packages Verso needs to build, test and fuzz, when any
# is missing (apt-get as root, else through sudo). Safe to run again.
# The Java packages build and test the OmegaT plugin (client/omegat), and
# Xvfb gives OmegaT's window a display in that test. When they cannot be
# installed, setup says so and goes on, and the test is skipped, saying why.
# The same holds for chromium, its driver and selenium (the web console's test).
# translate-toolkit (po2tmx) and gettext (msgunfmt) make TMX files from the
# system's own catalogs for the TMX round-trip test (tests/integration/test_tmx.py).
# libmicrohttpd and jansson: the HTTP front door (server/http/, docs/HTTP.md);
# cheroot runs translate-toolkit's own tmserver beside it in tests/integration/test_http.py.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libicu-dev libzmq3-dev libmsgpack-dev liblmdb-dev
      libexpat1-dev python3 python3-zmq python3-msgpack clang libclang-rt-14-dev clang-format
      git translate-toolkit gettext libmicrohttpd-dev libjansson-dev python3-cheroot)
java_pkgs=(default-jdk-headless omegat libjna-java libmsgpack-java xvfb xauth)
browser_pkgs=(chromium chromium-driver python3-selenium)
missing_of() {
  local p status
  for p in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || echo "$p"
  done
}
mapfile -t missing < <(missing_of "${pkgs[@]}")
mapfile -t java_missing < <(missing_of "${java_pkgs[@]}")
mapfile -t browser_missing < <(missing_of "${browser_pkgs[@]}")
[ ${#missing[@]} -eq 0 ] && [ ${#java_missing[@]} -eq 0 ] && [ ${#browser_missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#java_missing[@]} -gt 0 ]; then
  echo "setup: installing ${java_missing[*]} (the OmegaT plugin)" >&2
  $sudo apt-get install -y -qq --no-install-recommends "${java_missing[@]}" >/dev/null ||
    echo "setup: could not install ${java_missing[*]}; the OmegaT plugin test will be skipped" >&2
fi
if [ ${#browser_missing[@]} -gt 0 ]; then
  echo "setup: installing ${browser_missing[*]} (the web console's browser test)" >&2
  $sudo apt-get install -y -qq --no-install-recommends "${browser_missing[@]}" >/dev/null ||
    echo "setup: could not install ${browser_missing[*]}; the console test will be skipped" >&2
fi
