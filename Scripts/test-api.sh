#!/usr/bin/env bash
# The HTTP API against its document: `esfcheck serve` on a free loopback port, and schemathesis (PyPI,
# into a virtual environment under .build/) running docs/openapi.yaml against it. Fails on any 5xx and
# on any answer the document does not describe (status, content type, headers, body schema).
#   ESFCHECK_BIN   the binary to serve with (default: .build/release/esfcheck, built when missing)
#   ST_EXAMPLES    examples per operation and phase (default 40)
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${ESFCHECK_BIN:-.build/release/esfcheck}"
if [ ! -x "$bin" ]; then
  swift build -c release --static-swift-stdlib --product esfcheck
fi
venv=.build/api-test-venv
schemathesis_version=4.32.5
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$schemathesis_version"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

work="$(mktemp -d)"
log="$work/serve.log"
# a private temporary folder: after the run it must be empty (every upload's folder removed)
mkdir "$work/tmp"
TMPDIR="$work/tmp" "$bin" serve --no-config --port 0 --timeout-seconds 30 2> "$log" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=""
for _ in $(seq 1 300); do
  port="$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" | head -1)"
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "test-api: the server did not start"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$log"; echo "test-api: no port after 30 s"; exit 1; }

# positive_data_acceptance is left out: it expects a 2xx for any body the schema allows, and no schema
# can say what a readable export is (a generated XML string is rightly 422); see docs/api.md
set +e
"$venv/bin/st" run docs/openapi.yaml --url "http://127.0.0.1:$port" \
  --checks all --exclude-checks positive_data_acceptance \
  --max-examples "${ST_EXAMPLES:-40}" --seed 20261130 --request-timeout 30 --workers 1 --generation-database none \
  --no-color
status=$?
set -e
if grep -E ' 5[0-9][0-9] [0-9-]+ [0-9]+ms$' "$log"; then
  echo "test-api: the server answered 5xx (above)"
  status=1
fi
left="$(ls -A "$work/tmp")"
if [ -n "$left" ]; then
  echo "test-api: the server left files in its temporary folder: $left"
  status=1
fi
requests="$(grep -cE ' [0-9]{3} [0-9-]+ [0-9]+ms$' "$log" || true)"
statuses="$(grep -oE ' [0-9]{3} [0-9-]+ [0-9]+ms$' "$log" | awk '{print $1}' | sort | uniq -c | awk '{printf "%s×%s ", $2, $1}')"
echo "test-api: $requests requests answered ($statuses); schemathesis exit status $status"
# the examples of the document must have reached a report (200 or 406), not only refusals
if ! grep -qE ' (200|406) [0-9-]+ [0-9]+ms$' "$log" || ! grep -qE 'POST /v1/check (200|406) ' "$log"; then
  echo "test-api: no check answered with a report"
  status=1
fi
exit "$status"
