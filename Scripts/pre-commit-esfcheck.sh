#!/usr/bin/env bash
# The entry of the pre-commit hook `esfcheck` (.pre-commit-hooks.yaml; docs/ci.md): runs `esfcheck check` once
# on the export files pre-commit passes. An XML file is an export; a CSV file is one file of a CSV bundle,
# whose folder is the input, so a bundle is checked once however many of its files changed. Every other
# argument (the hook's `args:` in .pre-commit-config.yaml, such as `--fail-on review`) goes to esfcheck
# check before the inputs; give an option's value that is an existing .xml or .csv file with `=`
# (`--output=report.xml`). The exit code is esfcheck's: 0 accept or review, 1 reject, 2 and 3 errors.
# esfcheck must be on the PATH.
set -euo pipefail

command -v esfcheck >/dev/null 2>&1 || {
  echo "esfcheck is not on the PATH: install it (Scripts/install.sh or the release tarball) and try again" >&2
  exit 2
}

options=()
inputs=()
# adds an input once (a bundle named by several of its files is read once)
add_input() {
  local seen
  for seen in ${inputs[@]+"${inputs[@]}"}; do [ "$seen" = "$1" ] && return 0; done
  inputs+=("$1")
}
for arg in "$@"; do
  case "$arg" in
    -*) options+=("$arg") ;;
    *.[xX][mM][lL]) if [ -f "$arg" ]; then add_input "$arg"; else options+=("$arg"); fi ;;
    *.[cC][sS][vV]) if [ -f "$arg" ]; then add_input "$(dirname -- "$arg")"; else options+=("$arg"); fi ;;
    *) options+=("$arg") ;;
  esac
done

# no export among the files: nothing to check (esfcheck check without an input would check its own sample)
[ ${#inputs[@]} -gt 0 ] || exit 0
exec esfcheck check ${options[@]+"${options[@]}"} "${inputs[@]}"
