#!/usr/bin/env python3
"""Reads benchmark output (RESULT lines, as bench/run saves it) from files
or stdin and prints markdown tables:

1. median, min and max of every workload, metric and system;
2. when other systems than zactor are present (bench/run --peers): ZActor's
   ratio to each of them, oriented so that > 1 always means ZActor is
   better;
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


def print_ratios(data):
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
            ratio = ours / theirs if higher_is_better(met) else theirs / ours
            cells += [fmt(theirs), f"{ratio:.2f}x"]
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


def main(argv):
    files = [open(name) for name in argv[1:]] or [sys.stdin]
    data, runtime, failed = read(files)
    if not data:
        print("no RESULT lines found", file=sys.stderr)
        return 1
    print_summary(data)
    print_ratios(data)
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
