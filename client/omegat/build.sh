#!/usr/bin/env bash
# Builds the OmegaT plugin: OUTDIR/verso-omegat.jar (default: build/omegat
# under the repository). Needs Debian's default-jdk-headless, omegat,
# libjna-java and libmsgpack-java (scripts/setup.sh installs them); nothing is
# downloaded. Install the jar by copying it into ~/.omegat/plugins/ (or
# /usr/share/omegat/plugins/ for every user) and restarting OmegaT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../build/omegat}
omegat=${OMEGAT_JAR:-/usr/share/omegat/OmegaT.jar}
jna=/usr/share/java/jna.jar
msgpack=/usr/share/java/msgpack-core.jar
for f in "$omegat" "$jna" "$msgpack"; do
  [ -r "$f" ] || { echo "build.sh: $f is missing (apt-get install omegat libjna-java libmsgpack-java)" >&2; exit 1; }
done
command -v javac >/dev/null || { echo "build.sh: no javac (apt-get install default-jdk-headless)" >&2; exit 1; }
mkdir -p "$out"
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
# -path: OmegaT.jar's manifest names jars Debian does not ship; OmegaT runs without them.
javac --release 11 -Xlint:all -Xlint:-options -Xlint:-path -Werror -encoding UTF-8 -d "$classes" \
  -cp "$omegat:$jna:$msgpack" "$here"/src/verso/omegat/*.java
# OmegaT reads OmegaT-Plugins; msgpack-core is not on OmegaT's own class path
# (JNA is), so the manifest names Debian's jar.
cat > "$classes/MANIFEST.MF" <<MF
Manifest-Version: 1.0
Class-Path: $msgpack
OmegaT-Plugins: verso.omegat.VersoTranslate
MF
jar --create --file "$out/verso-omegat.jar" --manifest "$classes/MANIFEST.MF" -C "$classes" verso
echo "$out/verso-omegat.jar"
