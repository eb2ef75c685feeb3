#!/usr/bin/env bash
# The service under load (docs/performance.md): `esfcheck serve` (release build) on a free loopback
# port, and wrk posting the sample export (application/xml, Accept: application/json) over N
# connections for a bounded time, twice. Every answer must be the expected 406 with a JSON report
# saying "reject" (the sample is rejected on purpose); anything else, or a socket error, is an error.
# The server's memory (VmRSS, VmHWM of /proc/PID/status) is read before, after each run, and at its
# peak. Flat memory: the RSS after the second run is within 10 % of the RSS after the first (the first
# run warms the allocator and the caches; a leak grows with the requests and shows in the second).
#
#   Benchmarks/load.sh [--seconds 60] [--connections 4] [--threads 2]
#
# ESFCHECK_BIN names the binary (default .build/release/esfcheck, built when missing). wrk is Debian's
# package, installed with apt-get when missing (sudo when not root); without it the run is skipped
# (exit 0, with a message). Exit 1 when an answer was an error or memory was not flat.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/serve-helpers.sh

seconds=60 connections=4 threads=2
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "load.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ "$threads" -le "$connections" ] || threads="$connections"

if ! command -v wrk >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if [ -n "$SUDO" ] && ! sudo -n true 2>/dev/null; then
    echo "load.sh: skipped: wrk is not installed and apt-get cannot run here (apt-get install wrk)"
    exit 0
  fi
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null; } ||
    { echo "load.sh: skipped: wrk could not be installed (apt-get install wrk)"; exit 0; }
fi
release_binary

work="$(mktemp -d)"
mkdir "$work/tmp"
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
# the queue holds every connection: a 503 under this load would be an error
TMPDIR="$work/tmp" start_server "$work/serve.log" --queue "$((connections + 4))" --timeout-seconds 60

memory() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$server_pid/status"; }
export ESFCHECK_LOAD_BODY=Fixtures/ucne-delavnice/export.xml

# one request first, so that "before" is a server that has answered (its lazy set-up done)
code="$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/xml' -H 'Accept: application/json' \
  --data-binary @"$ESFCHECK_LOAD_BODY" "http://127.0.0.1:$server_port/v1/check")"
[ "$code" = 406 ] || { echo "load.sh: the first check answered $code, not 406"; exit 1; }
rss_before="$(memory VmRSS)"

status=0
declare -A rss_after
for run in 1 2; do
  line="$(timeout "$((seconds + 60))" wrk --latency --timeout 60s -t "$threads" -c "$connections" -d "${seconds}s" \
    -s Benchmarks/load.lua "http://127.0.0.1:$server_port/v1/check" | tee "$work/wrk-$run.txt" | grep '^LOAD ' || true)"
  [ -n "$line" ] || { cat "$work/wrk-$run.txt"; echo "load.sh: wrk wrote no figures"; exit 1; }
  rss_after[$run]="$(memory VmRSS)"
  echo "run $run: ${line#LOAD } rss_after_kb=${rss_after[$run]}"
  errors="$(sed -n 's/.* errors=\([0-9]*\) socket_errors=\([0-9]*\).*/\1 \2/p' <<<"$line")"
  read -r answer_errors socket_errors <<<"$errors"
  if [ "$answer_errors" != 0 ] || [ "$socket_errors" != 0 ]; then
    echo "load.sh: run $run had $answer_errors answers other than 406/reject and $socket_errors socket errors"
    status=1
  fi
done
peak="$(memory VmHWM)"
stop_server
fives="$(grep -cE ' 5[0-9][0-9] [0-9-]+ [0-9]+ms$' "$work/serve.log" || true)"
[ "$fives" = 0 ] || { echo "load.sh: the server logged $fives 5xx answers"; status=1; }
left="$(ls -A "$work/tmp")"
[ -z "$left" ] || { echo "load.sh: the server left files in its temporary folder: $left"; status=1; }

growth="$(awk -v a="${rss_after[1]}" -v b="${rss_after[2]}" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')"
echo "memory: RSS before $((rss_before / 1024)) MiB, after run 1 $((rss_after[1] / 1024)) MiB, after run 2 $((rss_after[2] / 1024)) MiB ($growth %), peak $((peak / 1024)) MiB"
if awk -v g="$growth" 'BEGIN { exit !(g > 10) }'; then
  echo "load.sh: memory is not flat: the RSS grew by $growth % from the first run to the second (limit 10 %)"
  status=1
fi
echo "load.sh: $connections connections, $threads threads, 2 runs of $seconds s: $([ "$status" = 0 ] && echo "no errors, memory flat" || echo FAILED)"
exit "$status"
