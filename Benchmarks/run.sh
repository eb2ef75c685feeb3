#!/usr/bin/env bash
# The esfcheck benchmark (SPEC §7): throughput and peak memory of `esfcheck check` on a synthetic
# export, with baselines measured in the same run so that the figures are ratios on a noisy machine.
#
#   Benchmarks/run.sh [PARTICIPANTS] [RUNS]      default 200000 participants, median of 3 runs
#
# Baselines: `cat` (reading the file), and `xmllint --stream --noout` / `--schema` when xmllint is
# installed (apt-get install libxml2-utils). Data is generated once per size under $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
runs=${2:-3}
data="${TMPDIR:-/tmp}/esfcheck-bench-$n"
if [ ! -f "$data/export.xml" ]; then
  echo "generating $n participants in $data" >&2
  python3 Benchmarks/generate.py "$n" "$data"
fi
swift build -c release --product esfcheck >&2
bin=.build/release/esfcheck
"$bin" schema > "$data/export.xsd" 2>/dev/null || rm -f "$data/export.xsd"

mb() { du -cb "$@" | tail -1 | awk '{ printf "%.1f", $1 / 1000000 }'; }
csv_mb=$(mb "$data"/csv/*.csv)
xml_mb=$(mb "$data/export.xml")

# measure NAME SIZE_MB COMMAND...: median wall time and peak RSS over $runs runs
measure() {
  local name=$1 size=$2; shift 2
  local times=() rss=0
  for _ in $(seq "$runs"); do
    local tf t0 t1
    tf=$(mktemp)
    t0=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$tf" "$@" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    # wall time in seconds with nanosecond resolution (GNU time's %e has only 10 ms)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')")
    local r
    r=$(tail -1 "$tf")
    rm -f "$tf"
    [ "$r" -gt "$rss" ] && rss=$r
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  awk -v name="$name" -v size="$size" -v t="$median" -v rss="$rss" \
    'BEGIN { mbs = (t > 0) ? size / t : 0; printf "%-38s %8.1f MB %9.3f s %9.1f MB/s %8.1f MB peak\n", name, size, t, mbs, rss / 1024 }'
  echo "$name|$size|$median|$rss" >> "$results"
}

results=$(mktemp)
echo "esfcheck benchmark: $n participants (CSV bundle $csv_mb MB, XML $xml_mb MB), median of $runs runs" >&2
printf "%-38s %11s %10s %14s %13s\n" "tool" "input" "time" "throughput" "memory"
measure "cat (CSV bundle)" "$csv_mb" cat "$data"/csv/*.csv
measure "cat (XML)" "$xml_mb" cat "$data/export.xml"
if command -v xmllint >/dev/null 2>&1; then
  measure "xmllint --stream --noout" "$xml_mb" xmllint --stream --noout "$data/export.xml"
  [ -f "$data/export.xsd" ] && measure "xmllint --stream --schema" "$xml_mb" xmllint --stream --noout --schema "$data/export.xsd" "$data/export.xml"
fi
measure "esfcheck check (CSV bundle, all rules)" "$csv_mb" "$bin" check "$data/csv" --pack esf-2014-2020 --pack ucne-delavnice --format json
measure "esfcheck check (XML, all rules)" "$xml_mb" "$bin" check "$data/export.xml" --pack esf-2014-2020 --pack ucne-delavnice --format json
tf=$(mktemp)
/usr/bin/time -f "%e" -o "$tf" "$bin" rules list >/dev/null 2>&1 || true
start=$(tail -1 "$tf")
rm -f "$tf"
echo "start-up and rule loading (rules list): ${start} s"

# ratios against the baselines of this run
awk -F'|' '{ t[$1] = $3; s[$1] = $2 } END {
  c = "esfcheck check (CSV bundle, all rules)"; x = "esfcheck check (XML, all rules)"
  if (t[c] > 0 && t["cat (CSV bundle)"] > 0) printf "CSV: esfcheck runs at %.4f x the speed of cat\n", t["cat (CSV bundle)"] / t[c]
  if (t[x] > 0 && t["cat (XML)"] > 0) printf "XML: esfcheck runs at %.4f x the speed of cat\n", t["cat (XML)"] / t[x]
  if (t[x] > 0 && t["xmllint --stream --noout"] > 0) printf "XML: esfcheck runs at %.2f x the speed of xmllint --stream --noout\n", t["xmllint --stream --noout"] / t[x]
  if (t[x] > 0 && t["xmllint --stream --schema"] > 0) printf "XML: esfcheck runs at %.2f x the speed of xmllint --stream --schema\n", t["xmllint --stream --schema"] / t[x]
}' "$results"
rm -f "$results"
