# shellcheck shell=bash
# Shell helpers for the scripts that run `esfcheck serve` (sourced, not run):
#   release_binary          the release binary's path ($ESFCHECK_BIN, else .build/release/esfcheck, built when missing)
#   start_server LOG ARGS…  starts `$bin serve --no-config --port 0 ARGS…` with its standard error in LOG;
#                           sets server_pid and server_port (fails when it does not listen within 30 s)
#   stop_server             SIGTERM, and waits for it
#   server_faults NAME LOG TMP  says (and returns 1) when the server's LOG shows a 5xx or an upload's
#                           folder was left in its temporary folder TMP

release_binary() {
  bin="${ESFCHECK_BIN:-.build/release/esfcheck}"
  if [ ! -x "$bin" ]; then
    swift build -c release --static-swift-stdlib --product esfcheck >&2
  fi
}

start_server() {
  local log="$1"
  shift
  "$bin" serve --no-config --port 0 "$@" 2> "$log" &
  server_pid=$!
  server_port=""
  for _ in $(seq 1 300); do
    server_port="$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p;T;q' "$log")"
    [ -n "$server_port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; echo "the server did not start" >&2; return 1; }
    sleep 0.1
  done
  cat "$log" >&2
  echo "the server named no port within 30 s" >&2
  return 1
}

stop_server() {
  if [ -n "${server_pid:-}" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

server_faults() {
  local name="$1" log="$2" tmp="$3" faults=0 left
  if grep -E ' 5[0-9][0-9] [0-9-]+ [0-9]+ms$' "$log"; then
    echo "$name: the server answered 5xx (above)"
    faults=1
  fi
  left="$(ls -A "$tmp")"
  if [ -n "$left" ]; then
    echo "$name: the server left files in its temporary folder: $left"
    faults=1
  fi
  return "$faults"
}
