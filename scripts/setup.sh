#!/usr/bin/env bash
# Installs the Debian packages Verso needs to build, test and fuzz, when any
# is missing (apt-get as root, else through sudo). Safe to run again.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libicu-dev libzmq3-dev libmsgpack-dev liblmdb-dev
      libexpat1-dev python3 python3-zmq python3-msgpack clang libclang-rt-14-dev clang-format
      git)
missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
