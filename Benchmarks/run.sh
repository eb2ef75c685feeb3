#!/usr/bin/env bash
# The esfcheck benchmark (docs/performance.md): throughput, records/s and peak memory of
# `esfcheck check` with every built-in pack that selects the export, on a synthetic export with
# injected violations, in four forms, with baselines measured in the same invocation, and the
# the performance targets as PASS/FAIL at the end. Every esfcheck run's findings must equal the injected
# counts (expected-counts.tsv) and records (expected-findings.tsv); a difference is a MISMATCH and
# makes the script exit 1.
#
#   Benchmarks/run.sh [--sizes 100000,1000000,4000000] [--runs 3] [--forms csv,xml,xml-noxsd,si-csv]
#                     [--timeout 900] [--max-memory-gb 16] [--bin PATH] [--no-timings]
#   Benchmarks/run.sh N [RUNS]          the old form: one size, RUNS runs (default 3)
#
# --bin PATH measures that esfcheck binary instead of building this worktree in release mode.
# --no-timings leaves out the extra --timings run per form (the per-rule breakdown).
#
# Forms: csv = the canonical CSV bundle; xml = the XML export with XSD validation (the default);
# xml-noxsd = the same XML with --schema none; si-csv = the same records in the Slovenian legacy
# CSV layout, read with --profile si-legacy-csv.
# Baselines: cat; xmllint --stream --noout, with and without --schema (libxml2-utils is installed
# with apt-get when missing and we are root); pandas reading every CSV file of the bundle (from a
# virtual environment under $TMPDIR when python3 has no pandas).
# Data is generated once per size and generator version under $TMPDIR; esfcheck is built in
# release mode once. Each run is limited by --timeout seconds and --max-memory-gb of address space:
# a run over either limit is recorded as "did not finish" and the benchmark goes on.
# Exit status: 0, or 1 when findings differed from the injected counts or an esfcheck run did not
# finish (its findings could not be checked). Missed performance targets print FAIL but do not
# change the exit status.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '9,11p;13,14p' "$0" | sed -e 's/^#   //' -e 's/^# //' >&2
  exit 2
}

sizes="100000,1000000,4000000"
runs=3
forms="csv,xml,xml-noxsd,si-csv"
timeout_s=900
max_memory_gb=16
bin=""
want_timings=1
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  sizes=$1
  runs=${2:-3}
  [ $# -le 2 ] || usage
  shift $#
fi
while [ $# -gt 0 ]; do
  case $1 in
    --sizes) sizes=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    --forms) forms=${2:?}; shift 2 ;;
    --timeout) timeout_s=${2:?}; shift 2 ;;
    --max-memory-gb) max_memory_gb=${2:?}; shift 2 ;;
    --bin) bin=${2:?}; shift 2 ;;
    --no-timings) want_timings=0; shift ;;
    -h | --help) usage ;;
    *) echo "run.sh: unknown argument $1" >&2; usage ;;
  esac
done
[[ $sizes =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "run.sh: --sizes takes numbers separated by commas" >&2; exit 2; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --runs takes a positive number" >&2; exit 2; }
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --timeout takes seconds" >&2; exit 2; }
[[ $max_memory_gb =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --max-memory-gb takes a whole number" >&2; exit 2; }
IFS=, read -r -a size_list <<< "$sizes"
IFS=, read -r -a form_list <<< "$forms"
for form in "${form_list[@]}"; do
  case $form in
    csv | xml | xml-noxsd | si-csv) ;;
    *) echo "run.sh: unknown form $form (csv, xml, xml-noxsd, si-csv)" >&2; exit 2 ;;
  esac
done
has_form() { [[ ",$forms," == *",$1,"* ]]; }

tmp=${TMPDIR:-/tmp}
work=$(mktemp -d "$tmp/esfcheck-bench-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
results="$work/results.tsv"   # size, key, input MB, median s, peak KB, status
: > "$results"
failed=0

# --- tools ----------------------------------------------------------------------------------------

if [ -z "$bin" ]; then
  # the binary as the README and Scripts/install.sh build it: the Swift runtime and Foundation linked in
  echo "building esfcheck (release, --static-swift-stdlib)" >&2
  swift build -c release --static-swift-stdlib --product esfcheck >&2
  bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/esfcheck"
fi
[ -x "$bin" ] || { echo "run.sh: $bin is not an executable" >&2; exit 2; }
"$bin" schema > "$work/export.xsd"

if ! command -v xmllint > /dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1; then
    echo "installing libxml2-utils for the xmllint baselines" >&2
    { apt-get install -y -qq libxml2-utils > /dev/null 2>&1 \
      || { apt-get update -qq > /dev/null 2>&1 && apt-get install -y -qq libxml2-utils > /dev/null 2>&1; }; } \
      || echo "xmllint: installing libxml2-utils failed; the xmllint baselines are skipped" >&2
  else
    echo "xmllint is missing (apt-get install libxml2-utils); the xmllint baselines are skipped" >&2
  fi
fi
have_xmllint=0
command -v xmllint > /dev/null 2>&1 && have_xmllint=1

pandas_python=""
if python3 -c 'import pandas' > /dev/null 2>&1; then
  pandas_python=python3
else
  venv="$tmp/esfcheck-bench-venv"
  if ! "$venv/bin/python" -c 'import pandas' > /dev/null 2>&1; then
    echo "installing pandas into $venv" >&2
    rm -rf "$venv"
    { python3 -m venv "$venv" && "$venv/bin/pip" install -q pandas > /dev/null 2>&1; } \
      || echo "pandas: installing into a virtual environment failed; the pandas baseline is skipped" >&2
  fi
  "$venv/bin/python" -c 'import pandas' > /dev/null 2>&1 && pandas_python="$venv/bin/python"
fi

timings=0
check_help=$("$bin" check --help 2>&1 || true)   # not a pipe into grep -q: pipefail and SIGPIPE
[[ $check_help == *--timings* ]] && timings=1

# --- data -----------------------------------------------------------------------------------------

# The cache key changes with the generator and the code it imports, so stale data is never reused.
generator_version=$(cat Benchmarks/generate.py Fixtures/lib/esfdata.py Fixtures/ucne-delavnice-si/generate.py \
  | sha256sum | cut -c1-12)

# data_for N: prints the folder holding the data of N participants, generating it when missing
data_for() {
  local n=$1 dir="$tmp/esfcheck-bench-$generator_version-$1"
  if [ ! -f "$dir/.complete" ]; then
    echo "generating $n participants in $dir" >&2
    rm -rf "$dir" "$dir.partial"
    python3 Benchmarks/generate.py "$n" "$dir.partial" >&2
    touch "$dir.partial/.complete"
    mv "$dir.partial" "$dir"
  fi
  echo "$dir"
}

megabytes() { du -cb "$@" | tail -1 | awk '{ printf "%.1f", $1 / 1000000 }'; }

# --- measuring ------------------------------------------------------------------------------------

# measure SIZE KEY INPUT_MB OUT COMMAND...: median wall time and peak RSS of $runs runs of COMMAND
# (stdout to OUT), each under the time and memory limits; esfcheck's exit 1 (verdict reject) is
# success here, since the data holds injected errors. Appends a line to $results.
measure() {
  local size=$1 key=$2 input_mb=$3 out=$4
  shift 4
  local times=() rss=0 status=ok r code tf t0 t1 peak
  for ((r = 1; r <= runs; r++)); do
    tf="$work/time"
    : > "$tf"
    t0=$(date +%s%N)
    set +e
    (ulimit -v $((max_memory_gb * 1024 * 1024)) && exec timeout -k 10 "$timeout_s" /usr/bin/time -f "%M" -o "$tf" "$@") \
      > "$out" 2> "$work/stderr"
    code=$?
    set -e
    t1=$(date +%s%N)
    if [ "$code" != 0 ] && ! { [ "$code" = 1 ] && [[ $key == esfcheck* ]]; }; then
      case $code in
        124 | 137) status="did not finish (over ${timeout_s} s)" ;;
        *) status="did not finish (exit $code: $(grep -v -e '^Command' "$work/stderr" | head -c 200 | tr '\n' ' '))" ;;
      esac
      grep -q "terminated by signal" "$tf" 2>/dev/null && [ "$code" != 124 ] && status="did not finish (killed: $(head -1 "$tf"); memory limit ${max_memory_gb} GB?)"
      break
    fi
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')")
    peak=$(tail -1 "$tf")
    [ "$peak" -gt "$rss" ] && rss=$peak
  done
  local median=0
  if [ "$status" = ok ]; then
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$key" "$input_mb" "$median" "$rss" "$status" >> "$results"
  print_line "$key" "$input_mb" "$median" "$rss" "$status"
}

records=0
print_line() {
  local key=$1 input_mb=$2 median=$3 rss=$4 status=$5
  if [ "$status" = ok ]; then
    awk -v k="$key" -v mb="$input_mb" -v t="$median" -v rss="$rss" -v n="$records" 'BEGIN {
      if (mb > 0)
        printf "%-44s %9.1f MB %9.3f s %9.1f MB/s %12.0f rec/s %8.1f MB\n", k, mb, t, (t > 0 ? mb / t : 0), (t > 0 ? n / t : 0), rss / 1024
      else
        printf "%-44s %12s %9.3f s %14s %18s %8.1f MB\n", k, "-", t, "-", "-", rss / 1024 }'
  else
    printf "%-44s %9.1f MB   %s\n" "$key" "$input_mb" "$status"
  fi
}

# value SIZE KEY FIELD: a field of $results (3 MB, 4 median, 5 peak KB, 6 status); empty when absent
value() { awk -F'\t' -v s="$1" -v k="$2" -v f="$3" '$1 == s && $2 == k { print $f }' "$results"; }
finished() { [ "$(value "$1" "$2" 6)" = ok ]; }

packs=(--pack esf-2014-2020 --pack ucne-delavnice)
# esfcheck_args FORM DATA: sets the array `args` to the input and options of a form
esfcheck_args() {
  case $1 in
    csv) args=("$2/csv") ;;
    xml) args=("$2/export.xml") ;;
    xml-noxsd) args=("$2/export.xml" --schema none) ;;
    si-csv) args=("$2/si-csv" --profile si-legacy-csv) ;;
  esac
  args+=("${packs[@]}" --format json --max-findings 1000000000)
}
label_of() {
  case $1 in
    csv) echo "esfcheck check (CSV bundle)" ;;
    xml) echo "esfcheck check (XML, XSD)" ;;
    xml-noxsd) echo "esfcheck check (XML, --schema none)" ;;
    si-csv) echo "esfcheck check (SI legacy CSV)" ;;
  esac
}
baseline_ratio() {  # baseline_ratio SIZE ESFCHECK_KEY BASELINE_KEY: esfcheck throughput / baseline's
  local a b
  a=$(value "$1" "$2" 4); b=$(value "$1" "$3" 4)
  if finished "$1" "$2" && finished "$1" "$3"; then awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }'; fi
}

# --- the sizes ------------------------------------------------------------------------------------

for n in "${size_list[@]}"; do
  data=$(data_for "$n")
  records=$(awk -F'\t' '$1 == "total" { print $2 }' "$data/records.tsv")
  csv_mb=$(megabytes "$data"/csv/*.csv)
  xml_mb=$(megabytes "$data/export.xml")
  si_mb=$(megabytes "$data"/si-csv/*.csv)
  echo
  printf "== %'d participants: %'d records; CSV bundle %s MB, XML %s MB, Slovenian CSV %s MB; median of %d runs\n" \
    "$n" "$records" "$csv_mb" "$xml_mb" "$si_mb" "$runs"
  printf "%-44s %12s %11s %14s %18s %11s\n" "tool" "input" "time" "throughput" "records" "peak RSS"
  if has_form csv || has_form si-csv; then
    measure "$n" "cat (CSV bundle)" "$csv_mb" /dev/null cat "$data"/csv/*.csv
  fi
  if has_form si-csv; then
    measure "$n" "cat (Slovenian CSV)" "$si_mb" /dev/null cat "$data"/si-csv/*.csv
  fi
  if has_form xml || has_form xml-noxsd; then
    measure "$n" "cat (XML)" "$xml_mb" /dev/null cat "$data/export.xml"
    if [ "$have_xmllint" = 1 ]; then
      measure "$n" "xmllint --stream --noout" "$xml_mb" /dev/null xmllint --stream --noout "$data/export.xml"
      measure "$n" "xmllint --stream --noout --schema" "$xml_mb" /dev/null \
        xmllint --stream --noout --schema "$work/export.xsd" "$data/export.xml"
    fi
  fi
  if [ -n "$pandas_python" ] && { has_form csv || has_form si-csv; }; then
    measure "$n" "pandas read_csv, dtype=str (CSV bundle)" "$csv_mb" /dev/null \
      "$pandas_python" Benchmarks/pandas_read.py "$data/csv"
  fi
  for form in "${form_list[@]}"; do
    esfcheck_args "$form" "$data"
    key="$(label_of "$form")"
    input_mb=$csv_mb
    case $form in xml | xml-noxsd) input_mb=$xml_mb ;; si-csv) input_mb=$si_mb ;; esac
    measure "$n" "$key" "$input_mb" "$work/report-$form.json" "$bin" check "${args[@]}"
  done

  echo
  echo "ratios (esfcheck's throughput / the baseline's on the same bytes; 1 = as fast):"
  for form in "${form_list[@]}"; do
    key="$(label_of "$form")"
    finished "$n" "$key" || continue
    line=""
    case $form in
      csv)
        r=$(baseline_ratio "$n" "$key" "cat (CSV bundle)"); [ -n "$r" ] && line+=" ${r} x cat"
        r=$(baseline_ratio "$n" "$key" "pandas read_csv, dtype=str (CSV bundle)"); [ -n "$r" ] && line+=", ${r} x pandas" ;;
      si-csv)
        r=$(baseline_ratio "$n" "$key" "cat (Slovenian CSV)"); [ -n "$r" ] && line+=" ${r} x cat" ;;
      xml | xml-noxsd)
        r=$(baseline_ratio "$n" "$key" "cat (XML)"); [ -n "$r" ] && line+=" ${r} x cat"
        r=$(baseline_ratio "$n" "$key" "xmllint --stream --noout"); [ -n "$r" ] && line+=", ${r} x xmllint --stream --noout"
        r=$(baseline_ratio "$n" "$key" "xmllint --stream --noout --schema"); [ -n "$r" ] && line+=", ${r} x xmllint --stream --noout --schema" ;;
    esac
    printf "  %-38s%s\n" "$(label_of "$form"):" "$line"
  done

  echo
  echo "findings (the last run's JSON report against $(basename "$data")/expected-*.tsv):"
  for form in "${form_list[@]}"; do
    if finished "$n" "$(label_of "$form")"; then
      python3 Benchmarks/compare_findings.py "$work/report-$form.json" "$data/expected-counts.tsv" "  $form" || failed=1
    else
      echo "  $form: not checked: the run did not finish"
      failed=1
    fi
  done

  echo
  if [ "$want_timings" = 0 ]; then
    echo "time per rule: not measured (--no-timings)"
  elif [ "$timings" = 1 ]; then
    echo "time per rule (esfcheck check --timings, one run per form):"
    for form in "${form_list[@]}"; do
      finished "$n" "$(label_of "$form")" || continue
      esfcheck_args "$form" "$data"
      echo "  -- $form"
      set +e
      (ulimit -v $((max_memory_gb * 1024 * 1024)) && exec timeout -k 10 "$timeout_s" "$bin" check "${args[@]}" --timings) \
        > "$work/timings.json" 2> "$work/timings.txt"
      set -e
      sed 's/^/  /' "$work/timings.txt"
      python3 - "$work/timings.json" <<'PY' || true
import json, sys
try:
    t = json.load(open(sys.argv[1])).get("timings")
except (OSError, ValueError, AttributeError):
    t = None
if t is not None:
    print("  " + json.dumps(t, indent=1, ensure_ascii=False).replace("\n", "\n  "))
PY
    done
  else
    echo "time per rule: not available yet (this esfcheck has no 'check --timings')"
  fi
done

# --- start-up -------------------------------------------------------------------------------------

echo
tiny=$(data_for 20)
saved_runs=$runs
runs=10
records=$(awk -F'\t' '$1 == "total" { print $2 }' "$tiny/records.tsv")
echo "start-up (median of $runs runs):"
measure startup "esfcheck rules list" 0 /dev/null "$bin" rules list
measure startup "esfcheck check, 20 participants (CSV)" "$(megabytes "$tiny"/csv/*.csv)" "$work/report-tiny.json" \
  "$bin" check "$tiny/csv" "${packs[@]}" --format json
runs=$saved_runs
python3 Benchmarks/compare_findings.py "$work/report-tiny.json" "$tiny/expected-counts.tsv" "  20 participants" || failed=1

# --- the performance targets --------------------------------------------------------------------------

echo
echo "Performance targets (1M = 1000000 participants, all built-in packs):"
verdict() {  # verdict TARGET CONDITION(1/0/"") FIGURE
  local result
  case $2 in 1) result=PASS ;; 0) result=FAIL ;; *) result=SKIP ;; esac
  printf "  %-4s  %-56s %s\n" "$result" "$1" "$3"
}
mbs() {  # mbs SIZE KEY: MB/s, empty when not finished or not run
  finished "$1" "$2" && awk -v mb="$(value "$1" "$2" 3)" -v t="$(value "$1" "$2" 4)" 'BEGIN { printf "%.1f", mb / t }'
}
ran() { [ -n "$(value "$1" "$2" 6)" ]; }
# not_measured SIZE KEY: why a figure is missing (the size was not run, or the run did not finish)
not_measured() {
  if ran "$1" "$2"; then echo "$(value "$1" "$2" 6) at $1"; else echo "not measured: size $1 not run"; fi
}

if has_form csv; then
  k=$(label_of csv)
  if m=$(mbs 1000000 "$k"); then
    verdict "CSV bundle >= 200 MB/s at 1M" "$(awk -v m="$m" 'BEGIN { print (m >= 200) ? 1 : 0 }')" "$m MB/s"
  else
    extra=""
    for s in "${size_list[@]}"; do m=$(mbs "$s" "$k") && extra+="; $m MB/s at $s"; done
    verdict "CSV bundle >= 200 MB/s at 1M" "" "$(not_measured 1000000 "$k")$extra"
  fi
fi
for pair in "xml-noxsd|xmllint --stream --noout|0.75" "xml|xmllint --stream --noout --schema|0.8"; do
  IFS='|' read -r form base factor <<< "$pair"
  has_form "$form" || continue
  name="XML without XSD >= $factor x $base"
  [ "$form" = xml ] && name="XML with XSD >= $factor x $base"
  if r=$(baseline_ratio 1000000 "$(label_of "$form")" "$base") && [ -n "$r" ]; then
    verdict "$name" "$(awk -v r="$r" -v f="$factor" 'BEGIN { print (r >= f) ? 1 : 0 }')" "$r x"
  else
    extra=""
    for s in "${size_list[@]}"; do r=$(baseline_ratio "$s" "$(label_of "$form")" "$base") && [ -n "$r" ] && extra+="; $r x at $s"; done
    if [ "$have_xmllint" = 0 ]; then
      verdict "$name" "" "xmllint not installed"
    else
      verdict "$name" "" "$(not_measured 1000000 "$(label_of "$form")")$extra"
    fi
  fi
done
for form in "${form_list[@]}"; do
  k="$(label_of "$form")"
  if finished 1000000 "$k"; then
    p=$(awk -v kb="$(value 1000000 "$k" 5)" 'BEGIN { printf "%.1f", kb / 1024 }')
    verdict "peak memory < 250 MB at 1M ($form)" "$(awk -v p="$p" 'BEGIN { print (p < 250) ? 1 : 0 }')" "$p MB"
  else
    extra=""
    for s in "${size_list[@]}"; do
      finished "$s" "$k" && extra+="; $(awk -v kb="$(value "$s" "$k" 5)" 'BEGIN { printf "%.1f", kb / 1024 }') MB at $s"
    done
    verdict "peak memory < 250 MB at 1M ($form)" "" "$(not_measured 1000000 "$k")$extra"
  fi
done
for form in "${form_list[@]}"; do
  k="$(label_of "$form")"
  if finished 1000000 "$k" && finished 4000000 "$k"; then
    a=$(value 1000000 "$k" 5); b=$(value 4000000 "$k" 5)
    verdict "peak memory at 4M < 3 x 1M ($form)" "$(awk -v a="$a" -v b="$b" 'BEGIN { print (b < 3 * a) ? 1 : 0 }')" \
      "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f MB vs %.1f MB (%.2f x)", b / 1024, a / 1024, b / a }')"
  else
    why=$(not_measured 1000000 "$k")
    finished 1000000 "$k" && why=$(not_measured 4000000 "$k")
    verdict "peak memory at 4M < 3 x 1M ($form)" "" "$why"
  fi
done
for form in "${form_list[@]}"; do
  k="$(label_of "$form")"
  if a=$(mbs 100000 "$k") && b=$(mbs 4000000 "$k"); then
    verdict "MB/s at 4M >= 0.85 x MB/s at 100k ($form)" "$(awk -v a="$a" -v b="$b" 'BEGIN { print (b >= 0.85 * a) ? 1 : 0 }')" \
      "$b vs $a MB/s"
  else
    why=$(not_measured 100000 "$k")
    finished 100000 "$k" && why=$(not_measured 4000000 "$k")
    first=${size_list[0]}; last=${size_list[${#size_list[@]} - 1]}
    if [ "$first" != "$last" ] && a=$(mbs "$first" "$k") && b=$(mbs "$last" "$k"); then
      why+="; $b MB/s at $last vs $a MB/s at $first"
    fi
    verdict "MB/s at 4M >= 0.85 x MB/s at 100k ($form)" "" "$why"
  fi
done
if finished startup "esfcheck check, 20 participants (CSV)"; then
  ms=$(awk -v t="$(value startup "esfcheck check, 20 participants (CSV)" 4)" 'BEGIN { printf "%.0f", t * 1000 }')
  verdict "start-up with rule loading < 100 ms (check, 20 participants)" "$(awk -v m="$ms" 'BEGIN { print (m < 100) ? 1 : 0 }')" "$ms ms"
else
  verdict "start-up with rule loading < 100 ms (check, 20 participants)" "" "did not finish"
fi

if [ "$failed" != 0 ]; then
  echo
  echo "run.sh: findings differed from the injected counts, or an esfcheck run did not finish (see above)" >&2
fi
exit "$failed"
