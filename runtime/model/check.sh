#!/usr/bin/env bash
# check.sh - checks a protocol model of this folder with spin.
#
# usage: runtime/model/check.sh [--model mailbox|flow] [--mutants] [WORKDIR]
#
# --model picks the model: mailbox.pml (the default) or flow.pml. Builds
# the verifier (spin -a, then the C compiler $CC, default cc) in WORKDIR
# (default: a temporary directory) and runs it exhaustively, once per
# configuration of the model (mailbox: one; flow: two, see below). Fails
# unless pan reports "errors: 0" after a complete search (no depth or
# memory bound hit) of every configuration, and every statement of the
# model, its COVER(...) scenarios included, was reached in at least one
# of them.
#
# --mutants instead checks that the model has teeth: each deliberate
# protocol mutation (-DMUTANT=n, see the top of the model) must make pan
# report the error expected of it.
#
# pan runs under `nice -n 10`. Options for pan.c: MODEL_CFLAGS (default
# -O2 -DSAFETY -DCOLLAPSE -DMEMLIM=2048), for spin: MODEL_SPINFLAGS,
# added to every configuration (e.g. -DNMSG=3 for mailbox.pml: see
# README.md, "Figures", for what bigger configurations cost), and
# MODEL_CONFIGS, the configurations themselves, spin flags separated by
# ';' (e.g. MODEL_CONFIGS='-DNP=3 -DNMSG=2 -DNWAIT=0' for flow.pml).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
name=mailbox
mutants=0
while [ $# -gt 0 ]; do
  case "$1" in
    --mutants) mutants=1; shift ;;
    --model)
      name="${2:-}"
      shift 2 || { echo "check.sh: --model needs a name" >&2; exit 2; }
      ;;
    *) break ;;
  esac
done
workdir="${1:-}"

# Per model: its configurations (spin flags, ';' between them), and its
# mutants: "n|spin flags|what pan must print|the bug".
case "$name" in
  mailbox)
    configs=""
    expect=(
      "1||assertion violated (fate[t]!=1)|the turn end clears RUNNABLE without checking tail == head: a message is left behind"
      "2||assertion violated (r_seq[|a sender writes its slot without checking released: it overwrites a message not yet taken"
      "3||invalid end state|the consumer looks at the overflow list only without a ring: letters are never taken"
      "4||assertion violated|a batch of two messages takes one ticket: the next sender's message lands on the second's"
    )
    ;;
  flow)
    # Two producers with five messages each; two with two each and a
    # thread in zactor_send_wait with one (README.md, "Figures").
    configs="-DNMSG=5 -DNWAIT=0;-DNMSG=2 -DNWAIT=1"
    fanin="-DNMSG=5 -DNWAIT=0"
    wait="-DNMSG=2 -DNWAIT=1"
    expect=(
      "1|$fanin|assertion violated (((life&31)-released)<=(2+2))|the drain before d5da0a0 (no second look under the lock) releases an actor that parked after its first look: the depth goes past N + P"
      "2|$fanin|assertion violated  !(entry[s])|the parker parks without reading the receiver's depth: it stays muted on an idle receiver"
      "3|$fanin|assertion violated  !(entry[s])|the parker reads the depth before publishing its entry (no Dekker): it stays muted on an idle receiver"
      "4|$fanin|assertion violated  !(entry[s])|the drain reads muted before close stores released: an actor stays muted on an idle receiver"
      "5|$fanin|assertion violated (d>=((life&31)-released))|live_actor_type reads the life word before released: a depth below the number queued"
      "6|$wait|assertion violated  !(sleeping)|the drain's fast path ignores waiting: a thread in zactor_send_wait sleeps for ever"
      "7|$fanin|assertion violated entry[me]|the drain releases the muted actors without the lock: it takes out an entry its parker is still deciding on"
      "8|$wait|assertion violated (g>=2)|bound_reached refuses without loading the word again (d5da0a0): a stale word refuses a send to a mailbox that was never full"
    )
    ;;
  *)
    echo "check.sh: no model '$name' (mailbox or flow)" >&2
    exit 2
    ;;
esac
if [ -n "${MODEL_CONFIGS:-}" ]; then
  configs="$MODEL_CONFIGS"
fi

for tool in spin "${CC:-cc}"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check.sh: '$tool' is not installed: run scripts/ensure-deps.sh as root" \
         "(or apt-get install spin gcc)" >&2
    exit 1
  fi
done
# spin preprocesses the model with gcc -E.
if ! command -v gcc >/dev/null 2>&1; then
  echo "check.sh: spin needs gcc (its preprocessor): run scripts/ensure-deps.sh" >&2
  exit 1
fi

if [ -z "$workdir" ]; then
  workdir="$(mktemp -d)"
  trap 'rm -rf "$workdir"' EXIT
fi
mkdir -p "$workdir"
cd "$workdir"
# A copy beside pan, where spin -t looks for the trail (NAME.pml.trail).
model="$name.pml"
cp "$here/$model" "$model"

cflags="${MODEL_CFLAGS:--O2 -DSAFETY -DCOLLAPSE -DMEMLIM=2048}"
spinflags="${MODEL_SPINFLAGS:-}"

# build NAME [SPIN FLAGS...]: pan.c from the model, compiled to ./NAME.
build() {
  local pan="$1"
  shift
  rm -f pan.c pan.h pan.b pan.m pan.p pan.t ./*.trail
  # shellcheck disable=SC2086
  spin -a "$@" $spinflags "$model" >spin.log 2>&1 || { cat spin.log >&2; exit 1; }
  # shellcheck disable=SC2086
  "${CC:-cc}" $cflags -w -o "$pan" pan.c || exit 1
}

if [ "$mutants" = 1 ]; then
  status=0
  for entry in "${expect[@]}"; do
    IFS='|' read -r n flags want what <<<"$entry"
    # shellcheck disable=SC2086
    build "pan_mutant$n" -DMUTANT="$n" $flags
    out="$(nice -n 10 "./pan_mutant$n" -m200000 2>&1 || true)"
    echo "$out" >"mutant$n.log"
    if echo "$out" | grep -q "errors: 0"; then
      echo "FAIL mutant $n ($what): spin found no error" >&2
      status=1
    elif ! echo "$out" | grep -qF "$want"; then
      echo "FAIL mutant $n ($what): expected \"$want\", got:" >&2
      echo "$out" | grep -E "^pan" >&2 || true
      status=1
    else
      echo "ok   mutant $n ($what): $(echo "$out" | grep -m1 -E "^pan:1:")"
    fi
  done
  exit $status
fi

# fail MESSAGE [SPIN FLAGS...]: the counterexample, if any, and exit 1.
fail() {
  local message="$1"
  shift
  echo "check.sh: FAIL: $message" >&2
  if ls ./*.trail >/dev/null 2>&1; then
    echo "check.sh: the counterexample, step by step:" >&2
    # shellcheck disable=SC2086
    spin -t -p -g -l "$@" $spinflags "$model" >&2 || true
  fi
  exit 1
}

# The statements a configuration never reached, one a line: the process
# type, then pan's "file:line, state n, text", which lists them after a
# complete search. The text goes: it may show a configuration's
# constants; the state number stays, the configurations share the code.
unreached() {
  awk -v model="$name.pml:" '
    /^unreached in / { proc = $NF; next }
    index($1, model) == 1 && $2 == "state" {
      print proc, $1, $2, $3
    }' "$1" | sort -u
}

i=0
never=""
IFS=';' read -r -a config_list <<<"${configs:-}"
[ ${#config_list[@]} -gt 0 ] || config_list=("")
for config in "${config_list[@]}"; do
  i=$((i + 1))
  log="pan$i.log"
  [ ${#config_list[@]} -gt 1 ] && echo "check.sh: configuration $i: ${config:-(default)}"
  # shellcheck disable=SC2086
  build pan $config
  set +e
  nice -n 10 ./pan -m200000 >"$log" 2>&1
  rc=$?
  set -e
  cat "$log"
  # shellcheck disable=SC2086
  grep -q "errors: 0" "$log" || fail "spin found an error (pan exit code $rc)" $config
  if grep -qE "max search depth too small|reached -DMEMLIM bound|out of memory|Search not completed" "$log"; then
    fail "the search was cut short (depth or memory bound): raise -m or -DMEMLIM"
  fi
  if [ $i = 1 ]; then
    never="$(unreached "$log")"
  else
    never="$(comm -12 <(echo "$never") <(unreached "$log"))"
  fi
done
# What no configuration reached: a COVER scenario there, or any statement
# but a process's end, means the model no longer exercises what it should
# (mailbox.pml's trimmer never ends: it waits at an end label).
# Their text is in the last configuration's log.
never_text="$(echo "$never" | while read -r proc at state number; do
  [ -n "$proc" ] || continue
  awk -v proc="$proc" -v key="$at $state $number" '
    /^unreached in / { in_proc = ($NF == proc); next }
    in_proc && index($0, key) { sub(/^[[:space:]]+/, ""); print proc ": " $0 }' "$log"
done)"
if echo "$never_text" | grep -q "printf('cover_"; then
  echo "$never_text" >&2
  fail "a COVER scenario was never reached (listed above)"
fi
if echo "$never_text" | grep -v '^$' | grep -qvF '"-end-"'; then
  echo "$never_text" >&2
  fail "statements of the model were never reached (listed above)"
fi
echo "check.sh: ok: exhaustive search, no error, every statement and COVER scenario reached"
