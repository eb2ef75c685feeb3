#!/usr/bin/env bash
# Whole-check timing of two esfcheck binaries on the same data, alternating runs so that both
# see the same machine load (the build machine is shared and noisy). Medians of N runs: wall
# seconds, CPU seconds (user + system: with two threads the work done, which noise moves less than
# the wall clock) and peak RSS; the fastest wall time of each beside its median.
#
#   Benchmarks/compare.sh BASE_BINARY NEW_BINARY DATA_DIR [N]
#
# DATA_DIR holds csv/ (a CSV bundle) and export.xml (the same export as XML), e.g. made by
# Benchmarks/generate.py. Forms: CSV bundle, XML --schema none, XML with the default XSD.
set -euo pipefail
base=$1; new=$2; data=$3; n=${4:-3}
forms=("csv|$data/csv" "xml-noxsd|$data/export.xml --schema none" "xml-xsd|$data/export.xml")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for form in "${forms[@]}"; do
  name=${form%%|*}; args=${form#*|}
  for _ in $(seq "$n"); do
    for which in base new; do
      bin=$base; [ "$which" = new ] && bin=$new
      # shellcheck disable=SC2086
      /usr/bin/time -f "%e %M %U %S" -o "$tmp/t" "$bin" check $args --format json > "$tmp/$which.json" || true
      echo "$name $which $(tail -1 "$tmp/t")" | tee -a "$tmp/all"
    done
    # same findings and hashes from both (start time and the model path, shown relative to the binary, aside)
    if ! diff <(grep -v -e startedAt -e Rules/models "$tmp/base.json") <(grep -v -e startedAt -e Rules/models "$tmp/new.json") > /dev/null; then
      echo "$name: reports differ" >&2
    fi
  done
done
echo
printf "%-10s %10s %10s %8s %10s %10s %10s %10s %12s %12s\n" form base_s new_s ratio base_min new_min base_cpu new_cpu base_KB new_KB
for form in "${forms[@]}"; do
  name=${form%%|*}
  # field 3 wall s, 4 peak KB, 5 + 6 user + system CPU s
  med() { grep "^$name $1 " "$tmp/all" | awk '{print '"$2"'}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  least() { grep "^$name $1 " "$tmp/all" | awk '{print $3}' | sort -n | head -1; }
  b=$(med base '$3'); w=$(med new '$3'); bm=$(med base '$4'); wm=$(med new '$4')
  bc_=$(med base '$5 + $6'); wc_=$(med new '$5 + $6')
  printf "%-10s %10s %10s %8.2f %10s %10s %10s %10s %12s %12s\n" "$name" "$b" "$w" "$(echo "$b / $w" | bc -l)" \
    "$(least base)" "$(least new)" "$bc_" "$wc_" "$bm" "$wm"
done
