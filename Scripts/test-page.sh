#!/usr/bin/env bash
# The upload page in a real browser: `esfcheck serve` on a free loopback port and headless Chromium
# driven through the DevTools protocol (Scripts/page_driver.py, with websocket-client from PyPI in a
# virtual environment under .build/): the sample export uploaded, its verdict and an ESF-PD-002
# finding checked in English and in Slovenian, a JSON download, a malformed XML's 422 shown with file
# and line. Fails on any 5xx and when an upload's temporary folder is left behind.
#   ESFCHECK_BIN   the binary to serve with (default: .build/release/esfcheck, built when missing)
#   --screenshot PNG   also writes a screenshot of the page with the English report (docs/images/upload-page.png)
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/serve-helpers.sh

screenshot=()
if [ "${1:-}" = "--screenshot" ]; then
  screenshot=(--screenshot "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")")
fi

command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || {
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
}
release_binary
venv=.build/page-test-venv
websocket_client_version=1.9.0
if ! "$venv/bin/python" -c "import websocket, sys; sys.exit(websocket.__version__ != '$websocket_client_version')" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "websocket-client==$websocket_client_version"
fi

work="$(mktemp -d)"
mkdir "$work/tmp"
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
TMPDIR="$work/tmp" start_server "$work/serve.log" --timeout-seconds 60

set +e
timeout 300 "$venv/bin/python" Scripts/page_driver.py --url "http://127.0.0.1:$server_port" \
  --export Fixtures/ucne-delavnice/export.xml "${screenshot[@]}"
status=$?
set -e
stop_server
server_faults test-page "$work/serve.log" "$work/tmp" || status=1
exit "$status"
