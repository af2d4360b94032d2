#!/usr/bin/env python3
"""Reads benchmark output (RESULT lines, as bench/run saves it) from files
or stdin and prints markdown tables:

1. median, min and max of every workload, metric and system;
2. when other systems than zactor are present (bench/run --peers): ZActor's
   ratio to each of them, oriented so that > 1 always means ZActor is
   better; the remote workloads (R1, R2_K*, R3) in a table of their own,
   beside CAF, Erlang and the transport references (T_rr_16B, T_pp_16B);
3. the runtime's figures (INFO <workload> zactor runtime ...) of the last
   run of each workload;
4. the runs that failed.

Standard library only."""
import re
import statistics
import sys
from collections import OrderedDict

RESULT = re.compile(r"^RESULT workload=(\S+) system=(\S+) metric=(\S+) value=(\S+)")
RUNTIME = re.compile(r"^INFO (\S+) zactor runtime (.*)$")
FAILED = re.compile(r"^FAILED (.*)$")
ZACTOR = "zactor"

# ZActor workloads that have a counterpart under another name: the mailbox
# micro-benchmark with one producer against the spsc hardware reference.
COUNTERPARTS = {
    "M_mailbox_p1_8B": "L_spsc_8B",
    "M_mailbox_p1_64B": "L_spsc_64B",
}


# Remote workloads (two processes, ../shared/peers/remote) and the
# transport references' workloads: their own table (print_remote).
REMOTE = re.compile(r"^(R[0-9]|T_)")
# The transport reference of a remote workload (same metrics): R1's floor is
# a request/reply of 16 bytes, R3's a one-way stream of 16-byte messages.
TRANSPORT_OF = {
    "R1": "T_rr_16B",
    "R3": "T_pp_16B",
}
# Systems that are transports, not actor runtimes.
TRANSPORTS = ("tcp", "zmq", "nng")


def higher_is_better(metric):
    """Rates (*_per_s) are better high; latencies, times, bytes low."""
    return metric.endswith("_per_s")


def fmt(x):
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.1f}"
    return f"{x:.3f}"


def read(files):
    data = OrderedDict()  # (workload, metric, system) -> [values]
    runtime = OrderedDict()  # workload -> last runtime INFO text
    failed = []
    for f in files:
        for line in f:
            line = line.strip()
            m = RESULT.match(line)
            if m:
                w, s, met, v = m.groups()
                try:
                    data.setdefault((w, met, s), []).append(float(v))
                except ValueError:
                    failed.append(f"unreadable value in: {line}")
                continue
            m = RUNTIME.match(line)
            if m:
                runtime[m.group(1)] = m.group(2)
                continue
            m = FAILED.match(line)
            if m:
                failed.append(m.group(1))
    return data, runtime, failed


def print_summary(data):
    print("| workload | metric | system | median | min | max | runs |")
    print("|---|---|---|---:|---:|---:|---:|")
    for (w, met, s), vals in data.items():
        print(f"| {w} | {met} | {s} | {fmt(statistics.median(vals))} | "
              f"{fmt(min(vals))} | {fmt(max(vals))} | {len(vals)} |")


def ratio_of(ours, theirs, met):
    """ZActor's ratio to a peer's figure, > 1 when ZActor is better."""
    return ours / theirs if higher_is_better(met) else theirs / ours


def print_ratios(data):
    data = OrderedDict((k, v) for k, v in data.items() if not REMOTE.match(k[0]))
    medians = {key: statistics.median(vals) for key, vals in data.items()}
    peers = []
    for (_, _, s) in data:
        if s != ZACTOR and s not in peers:
            peers.append(s)
    if not peers:
        return
    rows = []
    for (w, met, s), ours in medians.items():
        if s != ZACTOR:
            continue
        cells = []
        for peer in peers:
            theirs = medians.get((w, met, peer))
            if theirs is None and w in COUNTERPARTS:
                theirs = medians.get((COUNTERPARTS[w], met, peer))
            if theirs is None or ours == 0 or theirs == 0:
                cells += ["", ""]
                continue
            cells += [fmt(theirs), f"{ratio_of(ours, theirs, met):.2f}x"]
        if any(cells):
            rows.append(f"| {w} | {met} | {fmt(ours)} | " + " | ".join(cells) + " |")
    print()
    print("ZActor against its peers (medians). ratio > 1 means ZActor is better:")
    print("zactor/peer for rates (*_per_s), peer/zactor for latencies, times and")
    print("bytes. " + ", ".join(f"{w} is compared with {c}" for w, c in COUNTERPARTS.items())
          + ".")
    print()
    print("| workload | metric | zactor | " +
          " | ".join(f"{p} | ratio to {p}" for p in peers) + " |")
    print("|---|---|---:|" + "---:|---:|" * len(peers))
    for row in rows:
        print(row)


def print_remote(data):
    """ZActor's remote workloads beside the actor peers' (same workload and
    metric) and the transport references' (TRANSPORT_OF), with ratios, then
    the headline ratios: R2 and R3 against Erlang, R1's P50 against the
    TCP request/reply floor."""
    medians = {key: statistics.median(vals) for key, vals in data.items()}
    ours = [(w, met) for (w, met, s) in medians if s == ZACTOR and REMOTE.match(w)]
    peers, transports = [], []
    for (w, _, s) in medians:
        if s == ZACTOR or not REMOTE.match(w):
            continue
        group = transports if s in TRANSPORTS else peers
        if s not in group:
            group.append(s)
    if not ours or not (peers or transports):
        return

    def theirs(w, met, system):
        if system in TRANSPORTS:
            return medians.get((TRANSPORT_OF.get(w), met, system))
        return medians.get((w, met, system))

    print()
    print("Remote workloads (two processes over TCP loopback), medians. ratio > 1")
    print("means ZActor is better, as above. The transport columns hold the")
    print("transport references without an actor runtime: " +
          ", ".join(f"{t} for {w}" for w, t in TRANSPORT_OF.items()) + ".")
    print()
    print("| workload | metric | zactor | " +
          " | ".join(f"{p} | ratio to {p}" for p in peers + transports) + " |")
    print("|---|---|---:|" + "---:|---:|" * (len(peers) + len(transports)))
    for w, met in ours:
        mine = medians[(w, met, ZACTOR)]
        cells = []
        for system in peers + transports:
            other = theirs(w, met, system)
            if other is None or mine == 0 or other == 0:
                cells += ["", ""]
            else:
                cells += [fmt(other), f"{ratio_of(mine, other, met):.2f}x"]
        print(f"| {w} | {met} | {fmt(mine)} | " + " | ".join(cells) + " |")

    headlines = []
    for w, met in ours:
        if w.startswith("R2") or w == "R3":
            other, against = theirs(w, met, "erlang"), "erlang"
        elif w == "R1" and met == "rtt_p50_ns":
            other, against = theirs(w, met, "tcp"), f"tcp {TRANSPORT_OF['R1']}"
        else:
            continue
        mine = medians[(w, met, ZACTOR)]
        if other and mine:
            headlines.append(f"- {w} {met}: {fmt(mine)} against {against} {fmt(other)}: "
                             f"{ratio_of(mine, other, met):.2f}x")
    if headlines:
        print()
        print("Headline ratios (> 1: ZActor better; R1's P50 against the TCP floor is")
        print("below 1 by construction and says how far above the floor ZActor is):")
        print()
        print("\n".join(headlines))


def main(argv):
    files = [open(name) for name in argv[1:]] or [sys.stdin]
    data, runtime, failed = read(files)
    if not data:
        print("no RESULT lines found", file=sys.stderr)
        return 1
    print_summary(data)
    print_ratios(data)
    print_remote(data)
    if runtime:
        print()
        print("Runtime figures (last run of each workload):")
        print()
        print("| workload | runtime |")
        print("|---|---|")
        for w, text in runtime.items():
            print(f"| {w} | {text} |")
    if failed:
        print()
        print("Failed runs:")
        for f in failed:
            print(f"- {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
