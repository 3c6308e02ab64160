"""Figures as inline SVG: matplotlib's Agg backend, nothing fetched.

Each function takes rows a view gave (a flow, a bin, a sample a row,
never a packet) and returns one <svg> element as text, ready to sit in
an HTML page: no XML declaration, no DOCTYPE, no date, text as text
(the browser's sans-serif, no embedded font files), and every id
prefixed with the figure's number so that many figures share a page
without their clip paths colliding.  The same rows give the same bytes:
the SVG hash salt is fixed.

Every axis has ticks, a label with its unit and a title; every figure
with more than one series has a legend.
"""
import io
import itertools
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
from matplotlib.ticker import FuncFormatter  # noqa: E402

plt.rcParams.update({
    "svg.fonttype": "none",        # text stays text: no glyph paths
    "svg.hashsalt": "netsim",      # ids the same from run to run
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 96,
})

SEGMENT_COLOURS = {
    "wire": "#8c564b", "NIC and DMA": "#e377c2", "interrupt": "#d62728",
    "poll": "#ff7f0e", "IP": "#2ca02c", "demux": "#17becf",
    "socket queue": "#9467bd", "application": "#1f77b4", "other": "#7f7f7f",
}
CPU_PARTS = (("intr_ns", "interrupt", "#d62728"),
             ("softint_ns", "soft interrupt", "#ff7f0e"),
             ("kcont_ns", "continuation", "#2ca02c"),
             ("thread_ns", "thread (LWPs)", "#1f77b4"),
             ("idle_ns", "idle", "#e8e8e8"))
FAULT_COLOUR = "#ffd54f"

_counter = itertools.count(1)


def us(ns):
    return ns / 1000.0


def _ms_axis(ax):
    ax.set_xlabel("virtual time (ms)")


def _margins(fig, left=0.8, right=0.2, bottom=0.55, top=0.35):
    """Fixed margins in inches (a tight bounding box would cost as much
    again as drawing the figure)."""
    w, h = fig.get_size_inches()
    fig.subplots_adjust(left=left / w, right=1 - right / w,
                        bottom=bottom / h, top=1 - top / h)


def _label_inches(labels):
    """About how wide the longest of these labels is at 9 pt."""
    return 0.25 + 0.068 * max((len(s) for s in labels), default=0)


def _svg(fig):
    """The figure as an <svg> element, ids made unique on the page."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'\s+xmlns:(dc|cc|rdf)="[^"]*"', "", text)
    n = next(_counter)
    text = re.sub(r'id="([^"]+)"', rf'id="f{n}-\1"', text)
    text = re.sub(r'url\(#([^)]+)\)', rf'url(#f{n}-\1)', text)
    text = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#f{n}-\1"', text)
    return text.strip()


def _shade(ax, windows, t_end, what="fault window"):
    """Shade windows [(start_ns, end_ns or None, label)]: faults', or
    what else `what` names in the legend."""
    labelled = False
    for start, end, _label in windows:
        ax.axvspan(start / 1e6, (end if end is not None else t_end) / 1e6,
                   color=FAULT_COLOUR, alpha=0.35, lw=0,
                   label=None if labelled else what)
        labelled = True


def latency_cdf(series, title):
    """series: [(label, [(latency_ns, fraction)], style)] -> CDF, log x."""
    fig, ax = plt.subplots(figsize=(7.2, 3.4))
    for label, pts, style in series:
        xs = [us(x) for x, _ in pts]
        ys = [y for _, y in pts]
        ax.step(xs, ys, where="post", label=label, lw=1.4, **style)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("latency (µs, log scale)")
    ax.set_ylabel("fraction of delivered packets")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.legend(fontsize=7, loc="lower right")
    _margins(fig)
    return _svg(fig)


def latency_histogram(series, title):
    """series: [(label, [(lo_ns, hi_ns, packets)])] -> bars on a log x."""
    fig, ax = plt.subplots(figsize=(7.2, 3.2))
    for label, bins in series:
        ax.bar([us(b[0]) for b in bins], [b[2] for b in bins],
               width=[us(b[1] - b[0]) for b in bins], align="edge",
               alpha=0.55, label=label, lw=0)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("latency (µs, log scale; 50 bins a decade)")
    ax.set_ylabel("packets")
    ax.set_title(title)
    if len(series) > 1:
        ax.legend(fontsize=7)
    _margins(fig)
    return _svg(fig)


def breakdown(bars, segments, title):
    """bars: [(label, {segment: mean_ns})], stacked horizontally in the
    order of segments."""
    shown = [g for g in segments if any(b[1].get(g, 0) for b in bars)]
    ncol = min(4, max(1, len(shown)))
    legend_rows = (len(shown) + ncol - 1) // ncol
    height = 0.9 + 0.32 * len(bars) + 0.2 * legend_rows + 0.35
    fig, ax = plt.subplots(figsize=(7.6, height))
    labels = [b[0] for b in bars]
    ypos = list(range(len(bars)))
    left = [0.0] * len(bars)
    for seg in shown:
        widths = [us(b[1].get(seg, 0)) for b in bars]
        ax.barh(ypos, widths, left=left, height=0.7, label=seg,
                color=SEGMENT_COLOURS.get(seg, "#7f7f7f"))
        left = [a + w for a, w in zip(left, widths)]
    ax.set_yticks(ypos, labels)
    ax.set_ylim(len(bars) - 0.5, -0.5)
    ax.set_xlabel("mean time a delivered packet spent there (µs)")
    ax.set_title(title)
    ax.grid(axis="y", visible=False)
    bottom = 0.55 + 0.2 * legend_rows + 0.15
    ax.legend(fontsize=7, ncol=ncol, loc="upper center",
              bbox_to_anchor=(0.5, -(0.45 / (height - bottom - 0.35))),
              frameon=False)
    _margins(fig, left=_label_inches(labels), bottom=bottom)
    return _svg(fig)


def cpu_time(cpus, t_end, windows, title):
    """cpus: [(label, [cpu_time rows])] -> one band a CPU, its height the
    CPU's whole time, stacked by the share of each sample interval spent
    in interrupts, soft interrupts, kernel continuations, threads and
    idle; a gap between samples is idle.  (A file written before schema
    version 11 and never opened by netsim since has no kcont_ns: 0.)"""
    n = len(cpus)
    height = 1.3 + 0.3 * n
    fig, ax = plt.subplots(figsize=(7.6, height))
    for row, (label, samples) in enumerate(cpus):
        xs, parts = [], {k: [] for k, _, _ in CPU_PARTS}
        prev = 0
        for smp in samples:
            if smp["from_ns"] > prev:          # no sample: all idle
                for t in (prev, smp["from_ns"]):
                    xs.append(t / 1e6)
                    for k, _, _ in CPU_PARTS:
                        parts[k].append(1.0 if k == "idle_ns" else 0.0)
            iv = smp["interval_ns"] or 1
            for t in (smp["from_ns"], smp["to_ns"]):
                xs.append(t / 1e6)
                for k, _, _ in CPU_PARTS:
                    parts[k].append(max(0.0, smp.get(k, 0) / iv))
            prev = smp["to_ns"]
        base = [row + 0.45] * len(xs)        # bands grow downwards
        for k, _, colour in CPU_PARTS:
            top = [b - 0.9 * v for b, v in zip(base, parts[k])]
            ax.fill_between(xs, base, top, color=colour, lw=0, step=None)
            base = top
    _shade(ax, windows, t_end)
    ax.set_yticks(range(n), [label for label, _ in cpus])
    ax.set_ylim(n - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlim(0, t_end / 1e6)
    _ms_axis(ax)
    ax.set_title(title)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for _, _, c in CPU_PARTS]
    names = [name for _, name, _ in CPU_PARTS]
    if windows:
        handles.append(plt.Rectangle((0, 0), 1, 1, color=FAULT_COLOUR,
                                     alpha=0.35))
        names.append("fault window")
    ax.legend(handles, names, loc="upper center", ncol=len(names),
              fontsize=7, frameon=False,
              bbox_to_anchor=(0.5, -0.5 / (height - 1.15)))
    _margins(fig, left=_label_inches([c[0] for c in cpus]), bottom=0.8)
    return _svg(fig)


def rates(series, t_end, windows, title, ylabel, shaded="fault window"):
    """series: [(label, [(from_ns, to_ns, per_s)])] as steps over time;
    between samples that did not change a counter it stood still (0/s).
    windows are shaded, and called `shaded` in the legend."""
    fig, ax = plt.subplots(figsize=(7.6, 3.2))
    for label, steps in series:
        xs, ys, prev = [0.0], [0.0], 0
        for a, b, v in steps:
            if a > prev:
                xs += [prev / 1e6, a / 1e6]
                ys += [0.0, 0.0]
            xs += [a / 1e6, b / 1e6]
            ys += [v, v]
            prev = b
        xs += [prev / 1e6, t_end / 1e6]
        ys += [0.0, 0.0]
        ax.plot(xs, ys, lw=1.2, label=label)
    _shade(ax, windows, t_end, shaded)
    ax.set_xlim(0, t_end / 1e6)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    _ms_axis(ax)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              frameon=False)
    right = min(3.2, _label_inches([s[0] for s in series]) + 0.3)
    _margins(fig, left=0.9, right=right)
    return _svg(fig)


def sweep(arms, xlabel, ylabel, title, logx=False):
    """arms: [(label, [(x, y)])] -> one line a sweep arm."""
    fig, ax = plt.subplots(figsize=(7.2, 3.2))
    for label, pts in arms:
        pts = sorted(p for p in pts if p[0] is not None and p[1] is not None)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o",
                ms=3.5, lw=1.4, label=label)
    if logx:
        ax.set_xscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.legend(fontsize=7)
    _margins(fig, left=0.9)
    return _svg(fig)


def grouped_bars(groups, series, ylabel, title, logy=False):
    """groups: [label]; series: [(name, [value or None a group])] -> bars
    side by side in each group."""
    fig, ax = plt.subplots(figsize=(7.2, 3.0))
    n = max(1, len(series))
    width = 0.8 / n
    for k, (name, values) in enumerate(series):
        xs = [i - 0.4 + width * (k + 0.5) for i in range(len(groups))]
        ax.bar(xs, [v if v is not None else 0 for v in values],
               width=width * 0.95, label=name)
    ax.set_xticks(list(range(len(groups))), groups)
    ax.grid(axis="x", visible=False)
    if logy:
        ax.set_yscale("log")
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_ylim(bottom=0)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if len(series) > 1:
        ax.legend(fontsize=7)
    _margins(fig, left=0.9)
    return _svg(fig)
