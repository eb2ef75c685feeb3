#!/usr/bin/env bash
# Renders an esfcheck HTML report in headless Chromium: a PNG screenshot and/or the DOM after the
# report's script ran (docs/formats.md, "HTML").
#
#   Scripts/render-html.sh                       # the sample's report → docs/images/html-report.png
#   Scripts/render-html.sh --report r.html --png shot.png --dom dom.html --fragment '#severity=error'
#
# Options:
#   --report FILE     the HTML report to render (default: `esfcheck check Fixtures/ucne-delavnice/export.xml
#                     --format html --deterministic --no-config`, written to a temporary file)
#   --png FILE        write a screenshot there (default docs/images/html-report.png when no --dom is given)
#   --dom FILE        write the DOM after the script ran there (`-` for stdout)
#   --fragment TEXT   appended to the report's address, e.g. '#severity=error' or '?q=UD-000027'
#   --size W,H        the window size (default 1200,2400)
#   --no-install      fail (exit 4) instead of installing Chromium when it is missing
# Chromium is Debian's `chromium` package, installed with apt-get when missing (sudo when not root).
# The esfcheck binary is $ESFCHECK, else .build/debug/esfcheck (built with `swift build` when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

report="" png="" dom="" fragment="" size="1200,2400" install=1
while [ $# -gt 0 ]; do
  case "$1" in
    --report) report="$2"; shift 2 ;;
    --png) png="$2"; shift 2 ;;
    --dom) dom="$2"; shift 2 ;;
    --fragment) fragment="$2"; shift 2 ;;
    --size) size="$2"; shift 2 ;;
    --no-install) install=0; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "render-html.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -z "$png" ] && [ -z "$dom" ] && png="docs/images/html-report.png"

find_chromium() {
  for c in chromium chromium-browser; do
    if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi
  done
  return 1
}
chromium_bin="$(find_chromium || true)"
if [ -z "$chromium_bin" ]; then
  if [ "$install" -eq 0 ]; then
    echo "render-html.sh: chromium is not installed (apt-get install chromium)" >&2
    exit 4
  fi
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  chromium_bin="$(find_chromium)"
fi

# a browser that hangs must not hang the caller (a test, CI)
run_chromium() {
  if command -v timeout >/dev/null 2>&1; then timeout 120 "$chromium_bin" "$@"; else "$chromium_bin" "$@"; fi
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -z "$report" ]; then
  esfcheck="${ESFCHECK:-.build/debug/esfcheck}"
  [ -x "$esfcheck" ] || swift build --product esfcheck >&2
  report="$work/report.html"
  set +e
  "$esfcheck" check Fixtures/ucne-delavnice/export.xml --format html --deterministic --no-config --output "$report"
  status=$?
  set -e
  # the sample is rejected on purpose: exit 1 is its verdict, anything else is a failure
  [ "$status" -eq 0 ] || [ "$status" -eq 1 ] || { echo "render-html.sh: esfcheck exited $status" >&2; exit 3; }
fi
[ -f "$report" ] || { echo "render-html.sh: no report at $report" >&2; exit 2; }
url="file://$(cd "$(dirname "$report")" && pwd)/$(basename "$report")$fragment"

# a fresh profile per run; no network is needed (the report loads nothing)
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-extensions
       --disable-background-networking --disable-sync --mute-audio --force-device-scale-factor=1
       --user-data-dir="$work/profile" --window-size="$size" --virtual-time-budget=3000)

if [ -n "$dom" ]; then
  if [ "$dom" = "-" ]; then
    run_chromium "${flags[@]}" --dump-dom "$url" 2>"$work/chromium.log" || { cat "$work/chromium.log" >&2; exit 5; }
  else
    run_chromium "${flags[@]}" --dump-dom "$url" >"$dom" 2>"$work/chromium.log" || { cat "$work/chromium.log" >&2; exit 5; }
    echo "render-html.sh: DOM of $url → $dom" >&2
  fi
fi
if [ -n "$png" ]; then
  mkdir -p "$(dirname "$png")"
  out="$(cd "$(dirname "$png")" && pwd)/$(basename "$png")"
  run_chromium "${flags[@]}" --screenshot="$out" "$url" >"$work/chromium.out" 2>"$work/chromium.log" || { cat "$work/chromium.log" >&2; exit 5; }
  [ -s "$out" ] || { cat "$work/chromium.log" >&2; echo "render-html.sh: no screenshot written" >&2; exit 5; }
  echo "render-html.sh: screenshot of $url → $png" >&2
fi
