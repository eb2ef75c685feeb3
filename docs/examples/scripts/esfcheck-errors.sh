#!/usr/bin/env bash
# esfcheck's JSON report in a script: the verdict with its counts, then one line per fatal or error
# finding (rule id, file:line, record key; tab-separated). Usage: esfcheck-errors.sh INPUT ...
# The exit code is esfcheck's: 0 accept or review, 1 reject, 2 and 3 when it could not check
# (the error document's diagnostics are then printed on stderr).
set -euo pipefail
status=0
esfcheck check "$@" --format json > esfcheck.json || status=$?
if [ "$status" -ge 2 ]; then
  jq -r '.diagnostics[] | "\(.file // "esfcheck"):\(.line // "-"): \(.message)"' esfcheck.json >&2
  exit "$status"
fi
jq -r '"verdict: \(.verdict) (\(.counts.fatal) fatal, \(.counts.error) error, \(.counts.review) review)"' esfcheck.json
jq -r '.findings[] | select(.severity == "fatal" or .severity == "error")
       | [.ruleID, "\(.location.file // "-"):\(.location.line // "-")", .recordKey] | @tsv' esfcheck.json
exit "$status"
