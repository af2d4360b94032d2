#!/usr/bin/env bash
# The smoke test of remote_bench (ctest bench.remote_bench): starts a
# server, reads its LISTEN line, runs the client's R1, R2 and R3 against it
# with tiny counts, and fails unless each client exits 0 and prints every
# RESULT line of its workload with a number, and the server, stopped with
# SIGTERM, exits 0. The server runs under `timeout`, and is stopped on
# every way out of this script, so that no process outlives the test.
# usage: smoke.sh <path of remote_bench>
set -u
prog="$1"
out="$(mktemp -d)"
srv=""

stop_server() {
  [ -n "$srv" ] || return 0
  kill -TERM "$srv" 2>/dev/null
  for _ in $(seq 1 50); do
    kill -0 "$srv" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$srv" 2>/dev/null
  wait "$srv"
  local status=$?
  srv=""
  return "$status"
}
trap 'stop_server; rm -rf "$out"' EXIT
trap 'exit 1' INT TERM HUP

fail() {
  echo "FAILED: $*"
  for f in "$out"/*; do
    echo "--- $(basename "$f")"
    cat "$f"
  done
  exit 1
}

# timeout: the server ends by itself even if this script is killed.
timeout 50 "$prog" server >"$out/server.out" 2>"$out/server.err" &
srv=$!
ep=""
for _ in $(seq 1 100); do
  ep="$(sed -n 's/^LISTEN //p' "$out/server.out" | head -n 1)"
  [ -n "$ep" ] && break
  kill -0 "$srv" 2>/dev/null || break
  sleep 0.1
done
[ -n "$ep" ] || fail "the server printed no LISTEN line"
case "$ep" in
  tcp://127.0.0.1:[0-9]*) ;;
  *) fail "the server listens on '$ep', not on loopback" ;;
esac

# client <name> <args> <workload:metric...>
client() {
  local name="$1" args="$2" pair
  shift 2
  # shellcheck disable=SC2086 # args holds several words
  timeout 30 "$prog" client "$ep" $args >"$out/$name.out" 2>"$out/$name.err"
  local status=$?
  [ "$status" = 0 ] || fail "client $args exited with $status"
  for pair in "$@"; do
    grep -Eq "^RESULT workload=${pair%%:*} system=zactor metric=${pair#*:} value=[0-9]+(\.[0-9]+)?$" \
      "$out/$name.out" || fail "client $args: no RESULT line for $pair"
  done
}

client r1 "r1 500" R1:rtt_per_s R1:rtt_p50_ns R1:rtt_p99_ns R1:rtt_p999_ns
client r2 "r2 4 1000" R2_K4:msgs_per_s
client r3 "r3 5000" R3:msgs_per_s
grep -q "^INFO R3 zactor m=5000 .* received=5000 sum=12497500 OK " "$out/r3.out" ||
  fail "R3: no OK check line"

stop_server
status=$?
[ "$status" = 0 ] || fail "the server exited with $status after SIGTERM"
echo "remote_bench: server and clients exit 0, RESULT lines: R1 R2_K4 R3"
