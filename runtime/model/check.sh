#!/usr/bin/env bash
# check.sh - checks the mailbox model (mailbox.pml) with spin.
#
# usage: runtime/model/check.sh [--mutants] [WORKDIR]
#
# Builds the verifier (spin -a, then the C compiler $CC, default cc) in
# WORKDIR (default: a temporary directory) and runs it exhaustively. Fails
# unless pan reports "errors: 0" after a complete search (no depth or
# memory bound hit) that reached every statement of the model, its
# COVER(...) scenarios included.
#
# --mutants instead checks that the model has teeth: each deliberate
# protocol mutation (-DMUTANT=n, see the top of mailbox.pml) must make pan
# report the error expected of it.
#
# pan runs under `nice -n 10`. Options for pan.c: MODEL_CFLAGS (default
# -O2 -DSAFETY -DCOLLAPSE -DMEMLIM=2048), for spin: MODEL_SPINFLAGS (e.g.
# -DNMSG=3: see README.md, "Figures", for what bigger configurations cost).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
model="$here/mailbox.pml"
mutants=0
if [ "${1:-}" = "--mutants" ]; then
  mutants=1
  shift
fi
workdir="${1:-}"

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
# A copy beside pan, where spin -t looks for the trail (mailbox.pml.trail).
cp "$model" mailbox.pml
model=mailbox.pml

cflags="${MODEL_CFLAGS:--O2 -DSAFETY -DCOLLAPSE -DMEMLIM=2048}"
spinflags="${MODEL_SPINFLAGS:-}"

# build NAME [SPIN FLAGS...]: pan.c from the model, compiled to ./NAME.
build() {
  local name="$1"
  shift
  rm -f pan.c pan.h pan.b pan.m pan.p pan.t ./*.trail
  # shellcheck disable=SC2086
  spin -a "$@" $spinflags "$model" >spin.log 2>&1 || { cat spin.log >&2; exit 1; }
  # shellcheck disable=SC2086
  "${CC:-cc}" $cflags -w -o "$name" pan.c || exit 1
}

if [ "$mutants" = 1 ]; then
  # MUTANT n, and what pan must say about it.
  expect=(
    "1|assertion violated (fate[t]!=1)|the turn end clears RUNNABLE without checking tail == head: a message is left behind"
    "2|assertion violated (r_seq[|a sender writes its slot without checking released: it overwrites a message not yet taken"
    "3|invalid end state|the consumer looks at the overflow list only without a ring: letters are never taken"
    "4|assertion violated|a batch of two messages takes one ticket: the next sender's message lands on the second's"
  )
  status=0
  for entry in "${expect[@]}"; do
    n="${entry%%|*}"
    rest="${entry#*|}"
    want="${rest%%|*}"
    what="${rest#*|}"
    build "pan_mutant$n" -DMUTANT="$n"
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

build pan
set +e
nice -n 10 ./pan -m200000 >pan.log 2>&1
rc=$?
set -e
cat pan.log
fail() {
  echo "check.sh: FAIL: $*" >&2
  if ls ./*.trail >/dev/null 2>&1; then
    echo "check.sh: the counterexample, step by step:" >&2
    # shellcheck disable=SC2086
    spin -t -p -g -l $spinflags "$model" >&2 || true
  fi
  exit 1
}
grep -q "errors: 0" pan.log || fail "spin found an error (pan exit code $rc)"
if grep -qE "max search depth too small|reached -DMEMLIM bound|out of memory|Search not completed" pan.log; then
  fail "the search was cut short (depth or memory bound): raise -m or -DMEMLIM"
fi
# pan lists the statements the search never reached: a COVER scenario
# there, or any statement but a process's end, means the model no longer
# exercises what it should (only the trimmer never ends: it waits at an
# end label).
if grep -q "printf('cover_" pan.log; then
  fail "a COVER scenario was never reached (listed above as unreached)"
fi
if grep -E "^[[:space:]]+mailbox\.pml:[0-9]+, state [0-9]+, " pan.log | grep -qvF '"-end-"'; then
  fail "statements of the model were never reached (listed above as unreached)"
fi
echo "check.sh: ok: exhaustive search, no error, every statement and COVER scenario reached"
