#!/usr/bin/env bash
# Loads the gettext catalogs installed on this machine (/usr/share/locale/
# LOCALE/LC_MESSAGES/*.mo: English msgid -> translated msgstr) into a running
# versod, one `verso import` per locale, into the TM "default".
# Usage: corpora/gettext.sh [--endpoint E] [--verso PATH] [LOCALE ...]
# With no locale: every locale directory that holds catalogs. Locale names
# become BCP 47 tags (zh_CN -> zh-CN, sr@latin -> sr-Latn); others are skipped.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
verso=$root/build/release/verso
endpoint=${VERSO_ENDPOINT:-tcp://127.0.0.1:5555}
locales=()
while [ $# -gt 0 ]; do
  case $1 in
    --endpoint) endpoint=$2; shift 2 ;;
    --verso) verso=$2; shift 2 ;;
    *) locales+=("$1"); shift ;;
  esac
done
if [ ${#locales[@]} -eq 0 ]; then
  for d in /usr/share/locale/*/LC_MESSAGES; do
    compgen -G "$d/*.mo" >/dev/null && locales+=("$(basename "$(dirname "$d")")")
  done
fi
tag_of() { # gettext locale -> BCP 47, or nothing
  case $1 in
    *@latin) echo "${1%@latin}-Latn" ;;
    *@*|*.*) ;;
    *) echo "${1//_/-}" ;;
  esac
}
for loc in "${locales[@]}"; do
  tag=$(tag_of "$loc")
  files=(/usr/share/locale/"$loc"/LC_MESSAGES/*.mo)
  [ -n "$tag" ] && [ -e "${files[0]}" ] || continue
  printf '%-8s ' "$tag"
  "$verso" --endpoint "$endpoint" import "${files[@]}" --src en --tgt "$tag" 2>/dev/null ||
    echo "(failed)"
done
