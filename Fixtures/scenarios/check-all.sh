#!/usr/bin/env bash
# Run esfcheck over every rule-family scenario in both forms (export.xml and the csv/ bundle)
# and compare the (rule id, record key, severity) triples of its findings with expected-findings.tsv
# (written by generate.py from the Python oracle).
#
#   Fixtures/scenarios/check-all.sh [path/to/esfcheck]     (default: .build/debug/esfcheck)
#
# Run it from the repository root (or give the binary's path). Exits 0 when every scenario
# gives exactly its expected findings in both forms, 1 on any difference (shown as a diff),
# 2 when the binary is missing or a run fails (an exit code other than 0 or 1, or no JSON).
set -uo pipefail

bin="${1:-.build/debug/esfcheck}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ ! -x "$bin" ]; then
  echo "check-all: esfcheck binary not found or not executable: $bin" >&2
  exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "check-all: python3 is needed to read the JSON report" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

status=0
found=0
for dir in "$here"/*/; do
  dir="${dir%/}"
  name="$(basename "$dir")"
  if [ ! -f "$dir/expected-findings.tsv" ]; then
    echo "FAIL  $name: no expected-findings.tsv (run generate.py)" >&2
    status=2
    continue
  fi
  found=$((found + 1))
  tail -n +2 "$dir/expected-findings.tsv" | LC_ALL=C sort > "$tmp/expected"
  for form in export.xml csv; do
    "$bin" check "$dir/$form" --format json > "$tmp/report.json" 2> "$tmp/stderr"
    rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
      echo "FAIL  $name/$form: esfcheck exited $rc" >&2
      sed 's/^/      /' "$tmp/stderr" >&2
      status=2
      continue
    fi
    if ! python3 -c '
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
for f in report["findings"]:
    print("%s\t%s\t%s" % (f["ruleID"], f["recordKey"], f["severity"]))
' "$tmp/report.json" | LC_ALL=C sort > "$tmp/got"; then
      echo "FAIL  $name/$form: the report is not the expected JSON" >&2
      status=2
      continue
    fi
    if diff -u --label "$name/expected-findings.tsv" --label "esfcheck $name/$form" "$tmp/expected" "$tmp/got" > "$tmp/diff"; then
      echo "ok    $name/$form ($(wc -l < "$tmp/got" | tr -d ' ') findings)"
    else
      echo "FAIL  $name/$form"
      sed 's/^/      /' "$tmp/diff"
      [ "$status" -eq 0 ] && status=1
    fi
  done
done
if [ "$found" -eq 0 ]; then
  echo "check-all: no scenario found under $here" >&2
  exit 2
fi
echo "$found scenarios checked"
exit "$status"
