#!/usr/bin/env python3
"""Draws the comparison of ZActor with its peers from benchmark output
(RESULT lines, as bench/run --peers saves it) as SVG charts, with gnuplot:

    bench/charts.py RAW [OUTDIR]

writes OUTDIR/<stem>-{ratios,throughput,latency,spawn,limits}.svg, where
<stem> is RAW's name without .txt and OUTDIR defaults to RAW's directory,
and prints their paths. Bars are medians over the runs, whiskers min and
max; the scales are logarithmic. With no peer results in RAW (bench/run
--quick, or a peers run that failed) it says so, draws nothing and exits 0.
A chart whose figures are all missing is left out.

Standard library only; gnuplot (Debian: gnuplot-nox) draws."""
import math
import os
import shutil
import statistics
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import table  # noqa: E402  (the tables' reader and orientation of ratios)

# Systems in legend order: label, colour.
SYSTEMS = {
    "zactor": ("ZActor", "#1f77b4"),
    "caf": ("CAF 0.17", "#ff7f0e"),
    "erlang": ("Erlang/OTP", "#9467bd"),
    "limits": ("hardware limit", "#7f7f7f"),
    "floor": ("platform floor", "#bcbd22"),
}
PEERS = ("caf", "erlang")


def si(x, unit=""):
    """10096465 -> '10.1M', 1112 -> '1.11k'."""
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{prefix}{unit}"
    return f"{x:.3g}{unit}"


def ns(x):
    return f"{x:.0f} ns" if x < 1000 else f"{x / 1000:.3g} µs"


def seconds(x):
    return f"{x:.3g} s"


def nbytes(x):
    return f"{x:,.0f} B"


class Chart:
    """One SVG of one or more panels side by side. A panel is a list of
    categories (tics), each a list of bars (system, key): key is a
    (workload, metric, system) of the data, drawn as its median with min-max
    whiskers, or a number drawn as it is (the ratios), or None (left out).
    Bars stand on the axis, or grow from `base` (1 for ratios: right of it
    ZActor is better). A horizontal chart lists its categories top down."""

    def __init__(self, name, title, horizontal=False):
        self.name, self.title, self.horizontal = name, title, horizontal
        self.panels = []

    def panel(self, title, label, fmt, categories, tic=None, base=None):
        self.panels.append((title, label, fmt, tic or fmt, categories, base))


def bars(data, categories):
    """Per category that has figures, its bars: (system, median, min, max)."""
    out = []
    for label, wanted in categories:
        present = []
        for system, key in wanted:
            if isinstance(key, tuple):  # a log scale cannot show 0 or less
                vals = data.get(key)
                if vals and statistics.median(vals) > 0:
                    present.append((system, statistics.median(vals),
                                    min(x for x in vals if x > 0), max(vals)))
            elif key is not None and key > 0:
                present.append((system, key, key, key))
        if present:
            out.append((label, present))
    return out


def quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', "'").replace("\n", "\\n") + '"'


def gnuplot_chart(chart, data, path, footer):
    """The gnuplot commands for one chart, or None if it has no figures."""
    panels = [(t, lab, f, tic, bars(data, c), b) for t, lab, f, tic, c, b in chart.panels]
    panels = [p for p in panels if p[4]]
    if not panels:
        return None
    slots = [sum(len(b) + 1 for _, b in p[4]) + 2 for p in panels]
    keyed = slots.index(max(slots))  # the panel that draws the chart's legend
    used = {s for p in panels for _, b in p[4] for s, _, _, _ in b}
    h = chart.horizontal
    v, c = ("x", "y") if h else ("y", "x")  # value axis, category axis
    height = 150 + 24 * sum(slots) if h else 540
    cmds = [
        "reset",
        f"set terminal svg size 1000,{height} fixed font 'sans,13' background 'white'",
        f"set output {quote(path)}",
        "set encoding utf8",
        "set termoption noenhanced",
        "set style fill solid 0.85 border rgb 'black'",
        "set style arrow 1 heads size screen 0.006,90 lc rgb 'black'",
        f"set grid {v}tics lc rgb '#dddddd'",
        f"set key at screen 0.5, screen {1 - 38 / height:.4f} center top horizontal reverse Left "
        "samplen 1.5 width 1 maxrows 1",
        f"set {c}tics nomirror scale 0",
        f"set {v}tics nomirror",
        f"set logscale {v}",
        f"set multiplot title {quote(chart.title)} font ',16'",
    ]
    left = 0.0
    for i, (title, label, fmt, tic, cats, base) in enumerate(panels):
        share = slots[i] / sum(slots)
        cmds += [f"set origin {left:.4f},{40 / height:.4f}",
                 f"set size {share:.4f},{1 - 105 / height:.4f}",
                 f"set title {quote(title)}", f"set {v}label {quote(label)}"]
        left += share
        values = [x for _, b in cats for _, _, lo, hi in b for x in (lo, hi)] + [base] * bool(base)
        lo, hi = min(values), max(values)
        lo = lo / 1.6 if base else 10 ** math.floor(math.log10(lo / 1.5))
        hi = 10 ** (math.log10(hi) + 0.15 * math.log10(hi / lo))
        cmds.append(f"set {v}range [{lo * 0.999:g}:{hi:g}]")
        steps = (1, 2, 5) if hi / lo < 300 else (1,)
        tics = [m * 10.0 ** e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)))
                for m in steps if lo <= m * 10.0 ** e <= hi]
        cmds.append(f"set {v}tics (" + ", ".join(f"{quote(tic(t))} {t:g}" for t in tics) + ")")
        n = len(cats)
        pos = (lambda k: n - 1 - k) if h else (lambda k: k)
        cmds.append(f"set {c}range [-0.6:{n - 0.4}]")
        cmds.append(f"set {c}tics (" + ", ".join(
            f"{quote(name)} {pos(k)}" for k, (name, _) in enumerate(cats)) + ")")
        series = {}  # system -> data lines: box corners, whisker, label
        for k, (_, present) in enumerate(cats):
            w = min(0.8 / len(present), 0.38 if h else 0.3)
            for j, (system, med, vlo, vhi) in enumerate(present):
                at = pos(k) + (j - (len(present) - 1) / 2) * w * (-1 if h else 1)
                b0 = base if base else lo
                box = (min(b0, med), max(b0, med))
                series.setdefault(system, []).append(" ".join(f"{x:g}" for x in (
                    at - w * 0.46, at + w * 0.46, box[0], box[1], at, med, vlo, vhi,
                    max(vhi, base or 0))) + " " + quote(fmt(med)))
        if base:
            ends = ((f"first {base:g}, graph 0", f"first {base:g}, graph 1") if h else
                    (f"graph 0, first {base:g}", f"graph 1, first {base:g}"))
            cmds.append("set arrow 1 from %s to %s nohead lw 1.5 lc rgb 'black' front" % ends)
        if i == len(panels) - 1:
            cmds.append(f"set label 2 {quote(footer)} at screen 0.01, screen {12 / height:.4f} font ',10'")
        # One legend for the chart, under its title: every system of any panel.
        plots = [f"keyentry with boxxyerror lc rgb '{SYSTEMS[s][1]}' title {quote(SYSTEMS[s][0])}"
                 for s in SYSTEMS if i == keyed and s in used]
        for m, system in enumerate(s for s in SYSTEMS if s in series):
            colour = SYSTEMS[system][1]
            cmds.append(f"$d{i}_{m} << EOD\n" + "\n".join(series[system]) + "\nEOD")
            box = "6:5:3:4:1:2" if h else "5:6:1:2:3:4"
            plots.append(f"$d{i}_{m} using {box} with boxxyerror lc rgb '{colour}' notitle")
            if not base:
                plots.append(f"$d{i}_{m} using " + ("7:5:($8-$7):(0)" if h else "5:7:(0):($8-$7)")
                             + " with vectors arrowstyle 1 notitle")
            plots.append(f"$d{i}_{m} using 9:5:10 with labels left offset 0.6,0 font ',11' notitle"
                         if h else
                         f"$d{i}_{m} using 5:9:10 with labels offset 0,0.7 font ',11' notitle")
        cmds.append("plot " + ", \\\n  ".join(plots))
        cmds += ["unset arrow 1"]
    cmds += ["unset multiplot", "set output"]
    return "\n".join(cmds) + "\n"


def peer_bars(w, met, systems=("zactor",) + PEERS):
    return [(s, (w, met, s)) for s in systems]


def ratio(medians, ours, theirs, met):
    a, b = medians.get(ours), medians.get(theirs)
    if a is None or b is None or a <= 0 or b <= 0:
        return None
    return a / b if table.higher_is_better(met) else b / a


def charts(data):
    med = {k: statistics.median(v) for k, v in data.items()}
    out = []

    c = Chart("ratios", "ZActor against its peers and the machine's limits", horizontal=True)
    rows = [("W1 round trips/s", "W1", "rtt_per_s"), ("W1 latency p50", "W1", "rtt_p50_ns"),
            ("W1 latency p99", "W1", "rtt_p99_ns"), ("W1 latency p99.9", "W1", "rtt_p999_ns"),
            ("W2 K=2 messages/s", "W2_K2", "msgs_per_s"),
            ("W2 K=8 messages/s", "W2_K8", "msgs_per_s"),
            ("W2 K=64 messages/s", "W2_K64", "msgs_per_s"),
            ("W3 fan-in messages/s", "W3", "msgs_per_s"), ("W4 spawn time", "W4", "total_s"),
            ("W4 peak bytes/actor", "W4", "bytes_per_actor"),
            ("W4 net bytes/actor", "W4", "bytes_per_actor_net")]
    cats = [(label, [(p, ratio(med, (w, m, "zactor"), (w, m, p), m)) for p in PEERS])
            for label, w, m in rows]
    for size in ("8B", "64B"):
        cats.append((f"mailbox {size[:-1]} B vs spsc ring", [("limits", ratio(
            med, (f"M_mailbox_p1_{size}", "msgs_per_s", "zactor"),
            (f"L_spsc_{size}", "msgs_per_s", "limits"), "msgs_per_s"))]))
    for p in ("p50", "p99"):
        cats.append((f"wake-up {p} vs cond. variable", [("floor", ratio(
            med, ("W_wake", f"{p}_ns", "zactor"), ("L_wake", f"{p}_ns", "zactor"), ""))]))
    c.panel("ratio of medians: right of 1x ZActor is better (rates: ZActor/other; "
            "times, bytes: other/ZActor)", "ratio (log scale)",
            lambda x: f"{x:.2f}x" if x < 1 else f"{x:.1f}x", cats,
            tic=lambda x: f"{x:g}x", base=1)
    out.append(c)

    c = Chart("throughput", "Throughput: W1 ping-pong, W2 request/reply (K pairs), W3 fan-in")
    c.panel("higher is better", "per second (log scale)", si, [
        ("W1\nround trips/s", peer_bars("W1", "rtt_per_s")),
        ("W2 K=2\nmessages/s", peer_bars("W2_K2", "msgs_per_s")),
        ("W2 K=8\nmessages/s", peer_bars("W2_K8", "msgs_per_s")),
        ("W2 K=64\nmessages/s", peer_bars("W2_K64", "msgs_per_s")),
        ("W3 fan-in\nmessages/s", peer_bars("W3", "msgs_per_s"))])
    out.append(c)

    c = Chart("latency", "W1 ping-pong: round-trip latency percentiles (every 16th round trip)")
    c.panel("lower is better", "round-trip time (log scale)", ns, [
        ("p50", peer_bars("W1", "rtt_p50_ns")), ("p99", peer_bars("W1", "rtt_p99_ns")),
        ("p99.9", peer_bars("W1", "rtt_p999_ns"))])
    out.append(c)

    c = Chart("spawn", "W4: spawn a million actors, one message each (lower is better)")
    c.panel("first spawn to last reply", "seconds (log scale)", seconds,
            [("total time", peer_bars("W4", "total_s"))])
    c.panel("memory per actor", "bytes (log scale)", nbytes, [
        ("peak RSS / N", peer_bars("W4", "bytes_per_actor")),
        ("(peak - start) / N", peer_bars("W4", "bytes_per_actor_net")),
        ("idle, never\nmessaged", peer_bars("W4", "idle_bytes_per_actor", ("zactor",)))])
    out.append(c)

    c = Chart("limits", "ZActor against the machine's limits")
    c.panel("one producer into one mailbox vs. an spsc ring (higher is better)",
            "messages per second (log scale)", si, [
                ("8-byte messages", [("zactor", ("M_mailbox_p1_8B", "msgs_per_s", "zactor")),
                                     ("limits", ("L_spsc_8B", "msgs_per_s", "limits"))]),
                ("64-byte messages", [("zactor", ("M_mailbox_p1_64B", "msgs_per_s", "zactor")),
                                      ("limits", ("L_spsc_64B", "msgs_per_s", "limits"))])])
    c.panel("wake-up from idle vs. a condition variable (lower is better)",
            "time to wake up (log scale)", ns, [
                ("p50", [("zactor", ("W_wake", "p50_ns", "zactor")),
                         ("floor", ("L_wake", "p50_ns", "zactor"))]),
                ("p99", [("zactor", ("W_wake", "p99_ns", "zactor")),
                         ("floor", ("L_wake", "p99_ns", "zactor"))])])
    out.append(c)
    return out


def main(argv):
    if len(argv) not in (2, 3):
        print("usage: bench/charts.py RAW [OUTDIR]", file=sys.stderr)
        return 2
    raw = argv[1]
    outdir = argv[2] if len(argv) == 3 else os.path.dirname(os.path.abspath(raw))
    with open(raw) as f:
        data, _, _ = table.read([f])
    if not any(s != table.ZACTOR for (_, _, s) in data):
        print(f"charts: skipped, no peer results in {raw} (charts come with bench/run --peers)")
        return 0
    if not shutil.which("gnuplot"):
        print("charts: gnuplot is missing (apt-get install -y gnuplot-nox)", file=sys.stderr)
        return 1
    stem = os.path.basename(raw)
    stem = stem[:-4] if stem.endswith(".txt") else stem
    runs = sorted({len(v) for v in data.values()})
    runs = f"{runs[0]}" if len(runs) == 1 else f"{runs[0]}-{runs[-1]}"
    footer = (f"bars: median of {runs} run{'s' * (runs != '1')}, whiskers: min and max; "
              f"from {os.path.basename(raw)}")
    script, paths = [], []
    for chart in charts(data):
        path = os.path.join(outdir, f"{stem}-{chart.name}.svg")
        commands = gnuplot_chart(chart, data, path, footer)
        if commands:
            script.append(commands)
            paths.append(path)
    done = subprocess.run(["gnuplot"], input="".join(script), text=True)
    if done.returncode != 0:
        print("charts: gnuplot FAILED", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
