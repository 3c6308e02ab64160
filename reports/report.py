#!/usr/bin/env python3
"""A self-contained HTML report of runs in a netsim results database.

    netsim report DB [--run ID]... [--campaign ID] -o FILE.html
    python3 reports/report.py DB [--run ID]... [--campaign ID] -o FILE.html

Without --run or --campaign, the newest run.  One run: what it was (the
scenario, drawn), each flow's latency (percentiles, distribution, where
the microseconds went, where lost packets were last seen), what the
CPUs did over time, interrupts, polls and drops over time, every
counter that changed.  Two runs: the same side by side, differences
marked.  A campaign: throughput and latency against offered load, one
line an arm, and the arms side by side.

The page is one file: plots are inline SVG (matplotlib, Agg), the
topology is Graphviz's SVG, no script, nothing fetched.  Everything on
it comes from the database's views (views.py says which); this program
formats.  Module map: views.py (queries), plots.py (figures),
topology.py (the scenario drawn), page.py (HTML).

Exit status 0, or 2 with a sentence on stderr (a file that is not a
results database, a run or campaign that is not in it, bad usage).
"""
import argparse
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import page as pg  # noqa: E402
import plots  # noqa: E402
import topology  # noqa: E402
import views  # noqa: E402

FULL_RUNS_MAX = 4       # more runs than this get a summary section each
SERIES_MAX = 12         # lines on one rate plot (the busiest counters)
# A big network (thousands of hosts) gets a page a reader can use: the
# busiest of its CPUs, and its counters a row a kind, not a row a host;
# every row is still in the database's views, which the notes name.
CPU_ROWS_MAX = 64       # CPUs in the CPU table (the busiest)
CPU_PANELS_MAX = 16     # CPUs on the CPU time plot (the busiest)
COUNTER_ROWS_MAX = 500  # counter rows shown one each; more: by kind
LINESTYLES = ({"ls": "-"}, {"ls": "--"}, {"ls": ":"}, {"ls": "-."})


class UsageError(Exception):
    pass


def flow_label(f):
    prog = f.get("program") or "?"
    host = f.get("host")
    return f"flow {f['flow_id']} ({prog}" + (f" on {host})" if host else ")")


def run_title(run):
    return f"run {run['id']}: {run['scenario']}, seed {run['seed']}"


# --- one run ----------------------------------------------------------------


def identity(p, run, params):
    t = pg.Table(["", ""], left=(0, 1), head=False)
    sc = views.scenario(run) or {}
    rows = [("scenario", f"{run['scenario']} ({run['scenario_file']})"),
            ("description", sc.get("description", "")),
            ("seed", run["seed"]),
            ("status", f"{run['status']} (exit {run['exit_status']})"),
            ("message", run["message"] or ""),
            ("virtual time", f"{pg.us(run['end_ns'], 3)} µs"
             if run["end_ns"] is not None else "unfinished"),
            ("fingerprint", run["fingerprint"] or ""),
            ("netsim", run["version"])]
    for k, v in sorted(params.items()):
        rows.append((f"parameter {k}", v))
    for k, v in rows:
        if v != "":
            t.add(k, v)
    p.table(t)


def flows_section(p, run, flows, losses):
    if not flows:
        p.p("No per-packet records in this run (set \"record\": "
            "{\"packets\": true} in the scenario).", note=True)
        return
    t = pg.Table(["flow", "program", "host", "packets", "delivered",
                  "lost", "p50 µs", "p90 µs", "p99 µs", "p99.9 µs", "max µs",
                  "mean µs"], left=(1, 2))
    for f in flows:
        t.add(f["flow_id"], f.get("program") or "", f.get("host") or "",
              pg.num(f["packets"]), pg.num(f["delivered"]),
              pg.num(f["packets"] - (f["delivered"] or 0)),
              pg.us(f["p50_ns"]), pg.us(f["p90_ns"]), pg.us(f["p99_ns"]),
              pg.us(f["p999_ns"]), pg.us(f["max_ns"]), pg.us(f["mean_ns"]))
    p.table(t)
    p.p("Latency runs from a packet's first stage to its program's "
        "receive (flow_latency: nearest-rank percentiles of delivered "
        "packets; a lost packet is counted, never timed).", note=True)
    t = pg.Table(["flow", "program", "parameters"], left=(1, 2))
    for f in flows:
        t.add(f["flow_id"], f.get("program") or "",
              f.get("description") or "")
    p.details("The programs' parameters", t)
    if losses:
        p.h3("Lost packets, by where they were last seen")
        t = pg.Table(["flow", "last stage", "on host", "packets"],
                     left=(1, 2))
        for r in losses:
            t.add(r["flow_id"], r["last_stage"], r["last_host"] or "",
                  pg.num(r["packets"]))
        p.table(t)


def latency_plots(p, run, flows, cdf, hist):
    timed = [f for f in flows if f["delivered"]]
    if not timed:
        return
    labels = {f["flow_id"]: flow_label(f) for f in timed}
    by_flow = {}
    for r in cdf:
        by_flow.setdefault(r["flow_id"], []).append(
            (r["latency_ns"], r["fraction"]))
    series = [(labels[k], v, {}) for k, v in sorted(by_flow.items())
              if k in labels]
    p.figure(plots.latency_cdf(series, f"Latency CDF, {run_title(run)}"),
             "The fraction of each flow's delivered packets with at most "
             "this latency (flow_latency_cdf).")
    bins = {}
    for r in hist:
        bins.setdefault(r["flow_id"], []).append(
            (r["lo_ns"], r["hi_ns"], r["packets"]))
    series = [(labels[k], v) for k, v in sorted(bins.items()) if k in labels]
    p.figure(plots.latency_histogram(
        series, f"Latency histogram, {run_title(run)}"),
        "Delivered packets by latency, 50 logarithmic bins a decade "
        "(flow_latency_histogram).")


def segments_of(rows):
    order = {}
    for r in rows:
        order[r["segment"]] = min(order.get(r["segment"], 99),
                                  r["segment_order"])
    return sorted(order, key=lambda s: (order[s], s))


def breakdown_section(p, run, flows, rows):
    if not rows:
        return
    labels = {f["flow_id"]: flow_label(f) for f in flows}
    segs = segments_of(rows)
    per = {}
    for r in rows:
        per.setdefault(r["flow_id"], {})[r["segment"]] = r["mean_ns"]
    bars = [(labels.get(k, f"flow {k}"), v) for k, v in sorted(per.items())]
    p.figure(plots.breakdown(bars, segs,
                             f"Where the microseconds went, {run_title(run)}"),
             "Mean time a delivered packet spent in each segment of its "
             "path (flow_breakdown); the segments of a flow add up to its "
             "mean latency.  Segments: stage_segments.")
    t = pg.Table(["flow"] + [f"{s} µs" for s in segs] + ["total µs"],
                 left=(0,))
    for k, v in sorted(per.items()):
        t.add(labels.get(k, f"flow {k}"), *[pg.us(v.get(s, 0)) for s in segs],
              pg.us(sum(v.values())))
    p.table(t)


def fault_windows(rows):
    out = []
    for r in rows:
        label = f"{r['kind']} on {r['target']}"
        out.append((r["start_ns"], r["end_ns"], label))
    return out


def busiest(totals, n):
    """The n (host, cpu) keys of totals with the most busy time, in
    (host, cpu) order."""
    keys = sorted(totals, key=lambda k: (-totals[k].get("cpu.busy_ns", 0),
                                         k))
    return sorted(keys[:n])


def cpu_section(p, run, totals, samples, windows):
    if totals:
        t = pg.Table(["cpu", "busy ms", "of which interrupt ms",
                      "soft interrupt ms", "continuation ms", "idle ms",
                      "busy", "scheduling points", "dispatches"], left=(0,))
        shown = busiest(totals, CPU_ROWS_MAX)
        for host, cpu in shown:
            c = totals[(host, cpu)]
            busy, idle = c.get("cpu.busy_ns", 0), c.get("cpu.idle_ns", 0)
            frac = busy / (busy + idle) if busy + idle else 0
            t.add(f"{host}/cpu{cpu}", f"{busy / 1e6:.6f}",
                  f"{c.get('cpu.intr_ns', 0) / 1e6:.6f}",
                  f"{c.get('cpu.softint_ns', 0) / 1e6:.6f}",
                  f"{c.get('cpu.kcont_ns', 0) / 1e6:.6f}",
                  f"{idle / 1e6:.6f}", f"{100 * frac:.1f}%",
                  pg.num(c.get("cpu.points")),
                  pg.num(c.get("cpu.dispatches")))
        p.table(t)
        if len(shown) < len(totals):
            busy = sum(c.get("cpu.busy_ns", 0) for c in totals.values())
            idle = sum(c.get("cpu.idle_ns", 0) for c in totals.values())
            p.p(f"The {len(shown)} busiest of {pg.num(len(totals))} CPUs; "
                f"together the {pg.num(len(totals))} were busy "
                f"{busy / 1e6:,.3f} ms and idle {idle / 1e6:,.3f} ms.  Every "
                "CPU's counters are in counter_last (cpu.*).", note=True)
    if not samples:
        p.p("No CPU time series (record.interval 0 or record.counters "
            "false).", note=True)
        return
    cpus = {}
    for s in samples:
        cpus.setdefault((s["host"], s["cpu"]), []).append(s)
    keys = sorted(cpus) if len(cpus) <= CPU_PANELS_MAX else \
        [k for k in busiest(totals, CPU_PANELS_MAX) if k in cpus]
    panels = [(f"{h}/cpu{c}", cpus[(h, c)]) for h, c in keys]
    p.figure(plots.cpu_time(panels, run["end_ns"] or panels[0][1][-1]["to_ns"],
                            windows, f"CPU time, {run_title(run)}"),
             "Each CPU's time between samples (cpu_time): hardware "
             "interrupts, soft interrupts, kernel continuations (whether "
             "a soft interrupt or a worker thread ran them: cpu.kcont_ns), "
             "threads, idle" +
             (f"; the {len(keys)} busiest of {pg.num(len(cpus))} CPUs."
              if len(keys) < len(cpus) else "."))


def rates_section(p, run, data, windows):
    t_end = run["end_ns"] or 0
    for kind, title, ylabel in (
            ("interrupts", "Interrupts", "per second"),
            ("polls", "Polls", "per second"),
            ("drops", "Drops", "per second")):
        rows = data[kind].get(run["id"], [])
        if not rows:
            p.p(f"{title}: none in this run.", note=True)
            continue
        series, total = {}, {}
        for r in rows:
            key = f"{r['host']}: {r['name']}" if r["host"] else r["name"]
            if r["cpu"] is not None:
                key += f" cpu{r['cpu']}"
            series.setdefault(key, []).append(
                (r["from_ns"], r["to_ns"], r["per_s"]))
            total[key] = total.get(key, 0) + r["delta"]
        keys = sorted(series, key=lambda k: (-total[k], k))
        shown = keys[:SERIES_MAX]
        p.figure(plots.rates([(k, series[k]) for k in shown],
                             t_end or max(b for s in series.values()
                                          for _, b, _ in s),
                             windows, f"{title} over time, {run_title(run)}",
                             f"{kind} per second"),
                 f"{views.RATE_KINDS[kind][1].capitalize()}: each counter's "
                 "rise between samples, per second of virtual time "
                 "(counter_rates)" +
                 (f"; the {len(shown)} busiest of {len(keys)}"
                  if len(keys) > len(shown) else "") +
                 ("; fault windows shaded." if windows else "."))


def counter_kinds(names):
    """{name: kind}: a counter's name with every number in it a "#", one
    kind for the same counter of every program, link, switch port and
    interface ("udp_sink12.received", "link.l7.ab.rx_bytes":
    "udp_sink#.received", "link.l#.ab.rx_bytes").  A part with no number
    is number 0 of its kind where others have one (a program's first
    instance is "udp_sink", its second "udp_sink1")."""
    kinds = {n: re.sub(r"[0-9]+", "#", n) for n in names}
    have = set(kinds.values())
    for n, k in kinds.items():
        parts = k.split(".")
        for i in range(len(parts)):
            alt = ".".join(parts[:i] + [parts[i] + "#"] + parts[i + 1:])
            if alt in have:
                kinds[n] = alt
                break
    return kinds


def counters_by_kind(p, changed, still):
    """A big network's counters: a row a kind (counter_kinds), over every
    host, CPU and object that has one."""
    kind_of = counter_kinds({r["name"] for r in changed + still})
    kinds = {}
    for r in changed:
        k = kinds.setdefault(kind_of[r["name"]],
                             {"rows": 0, "sum": 0, "min": None, "max": None})
        v = r["last_value"]
        k["rows"] += 1
        k["sum"] += v
        if k["min"] is None or v < k["min"][0]:
            k["min"] = (v, r)
        if k["max"] is None or v > k["max"][0]:
            k["max"] = (v, r)

    def at(v, r):
        where = r["name"] + (f" on {r['host']}" if r["host"] else "") + \
            ("" if r["cpu"] is None else f" cpu{r['cpu']}")
        return f"{pg.num(v)} ({where})"

    t = pg.Table(["counter", "changed", "sum of last", "least last",
                  "most last"], left=(0, 3, 4))
    for kind, k in sorted(kinds.items()):
        t.add(kind, pg.num(k["rows"]), pg.num(k["sum"]), at(*k["min"]),
              at(*k["max"]))
    p.table(t)
    p.p(f"{pg.num(len(changed))} counters changed, more than a table can "
        f"show ({COUNTER_ROWS_MAX}): a row a kind, every number in its "
        "name a #; how many of that kind changed, the sum of their last "
        "values, and the least and most of those, with where (the first "
        "in name, host and CPU order where two tie).  Every counter is in "
        "counter_summary and counter_last.", note=True)
    quiet = sorted({kind_of[r["name"]] for r in still} - set(kinds))
    if quiet:
        t = pg.Table(["counter"], left=(0,))
        for kind in quiet:
            t.add(kind)
        p.details(f"{len(quiet)} kinds of counter never changed anywhere",
                  t)


def counters_section(p, rows):
    rows = [r for r in rows if not r["name"].startswith("cpu.")]
    changed, still = [], []
    for r in rows:
        (changed if r["min_value"] != 0 or r["max_value"] != 0
         else still).append(r)
    if len(changed) > COUNTER_ROWS_MAX:
        counters_by_kind(p, changed, still)
        return
    t = pg.Table(["counter", "host", "cpu", "samples", "min", "max",
                  "last"], left=(0, 1))
    for r in changed:
        t.add(r["name"], r["host"] or "", "" if r["cpu"] is None else r["cpu"],
              pg.num(r["samples"]), pg.num(r["min_value"]),
              pg.num(r["max_value"]), pg.num(r["last_value"]))
    p.table(t)
    if still:
        t = pg.Table(["counter", "host", "cpu"], left=(0, 1))
        for r in still:
            t.add(r["name"], r["host"] or "",
                  "" if r["cpu"] is None else r["cpu"])
        p.details(f"{len(still)} counters never changed (every sample 0)",
                  t)


def tcp_recovery_section(p, run, episodes, sent):
    """TCP's loss recovery episodes: how many of each kind, how long,
    what they resent, and when, beside what each host sent."""
    ends = ("ack", "timeout", "dropped", "open")
    t = pg.Table(["kind", "episodes", "ended by ACK", "timed out",
                  "dropped", "still open", "p50 ms", "max ms",
                  "segments resent", "timeouts"])
    for kind in ("fast", "rto"):
        eps = [e for e in episodes if e["kind"] == kind]
        if not eps:
            continue
        d = sorted(e["duration_ns"] for e in eps
                   if e["duration_ns"] is not None)
        t.add(kind, len(eps), *[sum(e["ended"] == x for e in eps)
                                for x in ends],
              f"{d[(len(d) - 1) // 2] / 1e6:.3f}" if d else "",
              f"{d[-1] / 1e6:.3f}" if d else "",
              pg.num(sum(e["rexmits"] for e in eps)),
              pg.num(sum(e["timeouts"] for e in eps)))
    p.table(t)
    p.p("tcp_recovery: an episode runs from a fast retransmit (three "
        "duplicate ACKs) or a retransmission timeout to the ACK of its "
        "recovery point; p50 (nearest rank) and max over those that "
        "ended.  Each resent segment is in tcp_recovery_packets, and its "
        "stages in packet_stages (stage tcp_rexmit).", note=True)
    t_end = run["end_ns"] or 0
    series = {}
    for r in sent:
        series.setdefault(f"{r['host']}: {r['name']}", []).append(
            (r["from_ns"], r["to_ns"], r["per_s"] * 8 / 1e6))
    if series and t_end:
        windows = [(e["start_ns"], e["end_ns"], e["kind"]) for e in episodes]
        p.figure(plots.rates(sorted(series.items()), t_end, windows,
                             f"TCP data sent, {run_title(run)}",
                             "Mbit/s", shaded="recovery episode"),
                 "New data each host's TCP sent (tcp.*.sndbyte), per "
                 "sample interval, with the recovery episodes of every "
                 "connection shaded.")


def violations_section(p, rows):
    t = pg.Table(["at ns", "where", "kind", "message"], left=(1, 2, 3))
    for v in rows:
        t.add(pg.num(v["t_ns"]), f"{v['host']}/cpu{v['cpu']} {v['lwp']} at "
              f"{v['file']}:{v['line']}", v["kind"], v["message"])
    p.table(t)


def run_section(p, db, run, data, full):
    rid = run["id"]
    p.h2(f"Run {rid}: {run['scenario']}", f"run{rid}")
    identity(p, run, data["params"].get(rid, {}))
    flows = data["flows"].get(rid, [])
    if full:
        svg, why = topology.svg(views.scenario(run), prefix=f"topo{rid}")
        p.h3("Topology")
        if svg:
            p.figure(svg, "The scenario drawn by Graphviz: hosts with their "
                     "CPUs, branes, NICs (with the CPU each interrupts) and "
                     "programs (with their flow ids), links and switches.")
        else:
            p.p(f"No drawing: {why}.", note=True)
    p.h3("Flows")
    flows_section(p, run, flows, data["losses"].get(rid, []))
    if not full:
        return
    latency_plots(p, run, flows, data["cdf"].get(rid, []),
                  data["hist"].get(rid, []))
    p.h3("Where the time went")
    breakdown_section(p, run, flows, data["breakdown"].get(rid, []))
    if not data["breakdown"].get(rid):
        p.p("No delivered packets to break down.", note=True)
    windows = fault_windows(data["faults"].get(rid, []))
    if windows:
        p.h3("Faults")
        t = pg.Table(["fault", "kind", "target", "from ms", "to ms",
                      "parameters"], left=(1, 2, 5))
        for r in data["faults"][rid]:
            t.add(str(r["fault_id"]), r["kind"], r["target"],
                  f"{r['start_ns'] / 1e6:.3f}",
                  "" if r["end_ns"] is None else f"{r['end_ns'] / 1e6:.3f}",
                  r["parameters"] or "")
        p.table(t)
    if data["tcp_recovery"].get(rid):
        p.h3("TCP recovery")
        tcp_recovery_section(p, run, data["tcp_recovery"][rid],
                             data["tcp_sent"].get(rid, []))
    p.h3("CPUs")
    cpu_section(p, run, data["cpu_totals"].get(rid, {}),
                data["cpu_time"].get(rid, []), windows)
    p.h3("Interrupts, polls and drops")
    rates_section(p, run, data, windows)
    p.h3("Counters")
    counters_section(p, data["counters"].get(rid, []))
    if data["violations"].get(rid):
        p.h3("Violations")
        violations_section(p, data["violations"][rid])


# --- two runs side by side ------------------------------------------------------


def compare_section(p, a, b, data, title):
    p.h2(title, "compare")
    if a["fingerprint"] and a["fingerprint"] == b["fingerprint"]:
        p.p(f"Both runs have fingerprint {a['fingerprint']}: they are the "
            "same run.")
    fa = {f["flow_id"]: f for f in data["flows"].get(a["id"], [])}
    fb = {f["flow_id"]: f for f in data["flows"].get(b["id"], [])}
    if fa or fb:
        cols = [("delivered", "delivered", False), ("p50_ns", "p50 µs", True),
                ("p90_ns", "p90 µs", True), ("p99_ns", "p99 µs", True),
                ("p999_ns", "p99.9 µs", True), ("max_ns", "max µs", True),
                ("mean_ns", "mean µs", True)]
        t = pg.Table(["flow", "measure", f"run {a['id']}", f"run {b['id']}",
                      "change"], left=(0, 1))
        for k in sorted(set(fa) | set(fb)):
            x, y = fa.get(k, {}), fb.get(k, {})
            label = flow_label(x or y)
            for col, name, is_ns in cols:
                va, vb = x.get(col), y.get(col)
                text, cls = pg.change(va, vb, lower_is_better=is_ns
                                      if is_ns else False)
                fmt = pg.us if is_ns else pg.num
                t.add(label, name, fmt(va), fmt(vb), (text, cls))
        p.table(t)
        p.p(f"Changes beyond {pg.DIFF_PCT:g}% are marked: red for worse "
            "(slower, fewer delivered), green for better.", note=True)
        series = []
        colours = {k: f"C{i % 10}" for i, k in
                   enumerate(sorted(set(fa) | set(fb)))}
        for run, style in ((a, LINESTYLES[0]), (b, LINESTYLES[1])):
            flows = {f["flow_id"]: f for f in data["flows"].get(run["id"], [])}
            pts = {}
            for r in data["cdf"].get(run["id"], []):
                pts.setdefault(r["flow_id"], []).append(
                    (r["latency_ns"], r["fraction"]))
            for k, v in sorted(pts.items()):
                series.append((f"run {run['id']} {flow_label(flows[k])}",
                               v, dict(style, color=colours[k])))
        if series:
            p.figure(plots.latency_cdf(
                series, f"Latency CDF, run {a['id']} (solid) and run "
                f"{b['id']} (dashed)"), "Both runs' latency distributions.")
        bars, rows = [], []
        for run in (a, b):
            rs = data["breakdown"].get(run["id"], [])
            rows += rs
            per = {}
            for r in rs:
                per.setdefault(r["flow_id"], {})[r["segment"]] = r["mean_ns"]
            for k, v in sorted(per.items()):
                bars.append(((k, run["id"]), f"flow {k}, run {run['id']}", v))
        if bars:
            bars.sort()
            p.figure(plots.breakdown([(label, v) for _, label, v in bars],
                                     segments_of(rows),
                                     "Where the microseconds went, side by "
                                     "side"),
                     "Mean time a delivered packet spent in each segment, "
                     "per flow and run (flow_breakdown).")
    ca = {(r["name"], r["host"], r["cpu"]): r["last_value"]
          for r in data["counters"].get(a["id"], [])}
    cb = {(r["name"], r["host"], r["cpu"]): r["last_value"]
          for r in data["counters"].get(b["id"], [])}
    differ = sorted(k for k in set(ca) | set(cb) if ca.get(k) != cb.get(k))
    t = pg.Table(["counter", "host", "cpu", f"run {a['id']}",
                  f"run {b['id']}", "change"], left=(0, 1))
    for k in differ:
        text, _ = pg.change(ca.get(k), cb.get(k), lower_is_better=None)
        t.add(k[0], k[1] or "", "" if k[2] is None else k[2],
              pg.num(ca.get(k)), pg.num(cb.get(k)), (text, "diff"))
    same = len(set(ca) | set(cb)) - len(differ)
    p.h3("Counters")
    if differ:
        p.details(f"{len(differ)} counters end differently "
                  f"({same} the same)", t)
    else:
        p.p(f"Every counter ends the same ({same}).")


# --- campaigns ------------------------------------------------------------------


def parse_number(v):
    """A swept value as a number: '10kpps' -> 10000.0, '2Mpps', '1Gbit',
    plain numbers; None if it is not one."""
    s = str(v).strip().strip('"')
    mult = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
    for unit in ("pps", "bit", "B", ""):
        if s.endswith(unit):
            head = s[:len(s) - len(unit)] if unit else s
            for prefix, m in mult.items():
                if prefix and head.endswith(prefix):
                    try:
                        return float(head[:-1]) * m
                    except ValueError:
                        pass
            try:
                return float(head)
            except ValueError:
                continue
    return None


def sweep_axes(params):
    """(load parameter, [arm parameters]) from {run: {name: value}}."""
    names = sorted({k for d in params.values() for k in d})
    numeric = [n for n in names if all(
        parse_number(d[n]) is not None for d in params.values() if n in d)
        and len({d.get(n) for d in params.values()}) > 1]
    load = None
    for n in numeric:
        if n.endswith("rate"):
            load = n
            break
    if load is None and numeric:
        load = max(numeric, key=lambda n: len({d.get(n)
                                               for d in params.values()}))
    return load, [n for n in names if n != load]


def run_throughput(run, flows):
    """Delivered packets per second of virtual time, over all flows."""
    span = (run["end_ns"] or 0) - (run["start_ns"] or 0)
    if span <= 0:
        return None
    return sum(f["delivered"] or 0 for f in flows) * 1e9 / span


def forwarded_rate(run, counters):
    span = (run["end_ns"] or 0) - (run["start_ns"] or 0)
    total = sum(r["last_value"] for r in counters
                if r["name"].startswith("ip.") and
                r["name"].endswith(".forwarded"))
    return total * 1e9 / span if span > 0 else None


def main_flow(flows):
    timed = [f for f in flows if f["delivered"]]
    return max(timed, key=lambda f: (f["delivered"], -f["flow_id"])) \
        if timed else None


def campaign_section(p, db, cid, runs, data):
    p.h2(f"Campaign {cid}", "campaign")
    params = {rid: data["params"].get(rid, {}) for rid in runs}
    load, arm_names = sweep_axes(params)
    t = pg.Table(["run", "scenario", "seed", "status"] +
                 sorted({k for d in params.values() for k in d}) +
                 ["delivered/s", "forwarded/s", "p50 µs", "p99 µs"],
                 left=(1, 3))
    points = []
    for rid, run in sorted(runs.items()):
        flows = data["flows"].get(rid, [])
        mf = main_flow(flows)
        thr = run_throughput(run, flows)
        fwd = forwarded_rate(run, data["counters"].get(rid, []))
        arm = ", ".join(f"{n}={params[rid].get(n)}" for n in arm_names) \
            or "all runs"
        x = parse_number(params[rid].get(load)) if load else None
        points.append((arm, x, thr, fwd, mf, rid))
        t.add(rid, run["scenario"], run["seed"], run["status"],
              *[params[rid].get(k, "") for k in
                sorted({k for d in params.values() for k in d})],
              pg.num(round(thr)) if thr is not None else "",
              pg.num(round(fwd)) if fwd is not None else "",
              pg.us(mf["p50_ns"]) if mf else "",
              pg.us(mf["p99_ns"]) if mf else "")
    p.table(t)
    if load is None:
        p.p("No swept numeric parameter (run_params) to plot against.",
            note=True)
        return
    arms = {}
    for arm, x, thr, fwd, mf, rid in points:
        arms.setdefault(arm, []).append((x, thr, fwd, mf, rid))
    xl = f"offered load: {load}"
    p.figure(plots.sweep([(a, [(x, thr) for x, thr, *_ in v])
                          for a, v in sorted(arms.items())],
                         xl, "delivered packets per second",
                         "Throughput against offered load", logx=True),
             "Delivered packets (all flows, flow_latency) per second of "
             "virtual time, one line an arm.")
    if any(fwd for v in arms.values() for _, _, fwd, _, _ in v):
        p.figure(plots.sweep([(a, [(x, fwd) for x, _, fwd, _, _ in v])
                              for a, v in sorted(arms.items())],
                             xl, "forwarded packets per second",
                             "Forwarded rate against offered load",
                             logx=True),
                 "ip.<brane>.forwarded at the end of each run (all "
                 "routers), per second of virtual time.")
    p.figure(plots.sweep(
        [(f"{a} p50", [(x, mf["p50_ns"] / 1e3 if mf else None)
                       for x, _, _, mf, _ in v]) for a, v in sorted(arms.items())]
        + [(f"{a} p99", [(x, mf["p99_ns"] / 1e3 if mf else None)
                         for x, _, _, mf, _ in v])
           for a, v in sorted(arms.items())],
        xl, "latency (µs)", "Latency against offered load", logx=True),
        "p50 and p99 of each run's busiest flow (flow_latency).")
    if len(arms) == 2:
        (na, va), (nb, vb) = sorted(arms.items())
        bx = {x: (thr, mf) for x, thr, _, mf, _ in vb}
        t = pg.Table(["load", f"{na}: delivered/s", f"{nb}: delivered/s",
                      "change", f"{na}: p99 µs", f"{nb}: p99 µs", "change"])
        for x, thr, _, mf, _ in sorted(va, key=lambda v: v[0] or 0):
            if x not in bx:
                continue
            thr_b, mf_b = bx[x]
            c1 = pg.change(thr, thr_b, lower_is_better=False)
            pa = mf["p99_ns"] if mf else None
            pb = mf_b["p99_ns"] if mf_b else None
            c2 = pg.change(pa, pb, lower_is_better=True)
            t.add(pg.num(x), pg.num(round(thr or 0)), pg.num(round(thr_b or 0)),
                  c1, pg.us(pa), pg.us(pb), c2)
        p.h3("The two arms side by side")
        p.table(t)


# --- short connections (the SYN-flood study) ------------------------------


def connections_section(p, ids, data):
    """tcp_client's short connections and the server's kernel memory, a
    column a run: what the syncache changes under a SYN flood."""
    conns, kmem = data["conns"], data["kmem"]
    ids = [i for i in ids if i in conns]
    if not ids:
        return
    p.h2("Short connections and kernel memory", "connections")
    names = sorted({k for i in ids for k in data["params"].get(i, {})})

    def label(i):
        prm = data["params"].get(i, {})
        return ", ".join(f"{n.rsplit('.', 1)[-1]}={prm[n]}" for n in names
                         if n in prm) or f"run {i}"

    t = pg.Table(["run", "point", "offered/s", "completed/s", "failed",
                  "missed", "connect p50 µs", "p90 µs", "p99 µs", "max µs",
                  "server kmem peak KiB", "last KiB"], left=(1,))
    for i in ids:
        c, k = conns[i], kmem.get(i)
        t.add(i, label(i), f"{c['offered_per_s']:.1f}",
              f"{c['ok_per_s']:.1f}", c["failed"], c["missed"],
              pg.us(c["connect_p50_ns"]), pg.us(c["connect_p90_ns"]),
              pg.us(c["connect_p99_ns"]), pg.us(c["connect_max_ns"]),
              pg.num(round(k["peak_bytes"] / 1024)) if k else "",
              pg.num(round(k["last_bytes"] / 1024)) if k else "")
    p.table(t)
    p.p("tcp_client's conns mode (tcp_conns): connections due at a fixed "
        "rate, each connect, one request, its response, close; failed: "
        "not done within the client's timeout; missed: due while the one "
        "before was still under way.  Rates over the run's virtual time; "
        "connect percentiles over the connects that succeeded (empty: "
        "none did).  Kernel memory: kmem.inuse_bytes of the host running "
        "tcp_server (kmem_usage).")
    groups = [label(i) for i in ids]
    p.figure(plots.grouped_bars(
        groups, [("offered", [conns[i]["offered_per_s"] for i in ids]),
                 ("completed", [conns[i]["ok_per_s"] for i in ids])],
        "connections per second", "Legitimate connections completed"),
        "Connections offered and completed per second of virtual time.")
    pct = (("p50", "connect_p50_ns"), ("p90", "connect_p90_ns"),
           ("p99", "connect_p99_ns"), ("max", "connect_max_ns"))
    p.figure(plots.grouped_bars(
        groups, [(n, [conns[i][col] / 1e3 if conns[i][col] else None
                      for i in ids]) for n, col in pct],
        "connect time (µs)", "Connect latency percentiles"),
        "Nearest-rank percentiles of the connects that succeeded; a point "
        "with none has no bars.")
    if any(i in kmem for i in ids):
        p.figure(plots.grouped_bars(
            groups, [("peak", [kmem[i]["peak_bytes"] / 1024 if i in kmem
                               else None for i in ids]),
                     ("lowest", [kmem[i]["min_bytes"] / 1024 if i in kmem
                                 else None for i in ids])],
            "KiB", "Server kernel memory in use"),
            "kmem.inuse_bytes of the server: the kernel arena's blocks "
            "in use, highest and lowest sample.")


# --- the whole report -------------------------------------------------------------


def gather(db, ids):
    rates = views.rates(db, ids)
    return {
        "params": views.run_params(db, ids),
        "flows": views.flows(db, ids),
        "losses": views.losses(db, ids),
        "cdf": views.cdf(db, ids),
        "hist": views.histogram(db, ids),
        "breakdown": views.breakdown(db, ids),
        "cpu_totals": views.cpu_totals(db, ids),
        "cpu_time": views.cpu_time(db, ids),
        "interrupts": rates["interrupts"],
        "polls": rates["polls"],
        "drops": rates["drops"],
        "faults": views.faults(db, ids),
        "counters": views.counters(db, ids),
        "violations": views.violations(db, ids),
        "conns": views.tcp_conns(db, ids),
        "kmem": views.server_kmem(db, ids),
        "tcp_recovery": views.tcp_recovery(db, ids),
        "tcp_sent": views.tcp_sent(db, ids),
    }


def build(db, ids, campaign=None):
    """(html, one-line summary) for the runs ids (and a campaign)."""
    runs = views.run_rows(db, ids)
    for i in ids:
        if i not in runs:
            raise UsageError(f"no run {i} in {db.path}")
    data = gather(db, ids)
    if campaign is not None:
        title = f"netsim campaign {campaign}: {len(ids)} runs"
    elif len(ids) == 1:
        title = f"netsim {run_title(runs[ids[0]])}"
    else:
        title = "netsim runs " + ", ".join(str(i) for i in ids)
    p = pg.Page(title)
    if len(ids) > 1:
        p.h2("Runs", "runs")
        t = pg.Table(["run", "scenario", "seed", "status", "virtual ms",
                      "fingerprint"], left=(1, 3, 5))
        for i in ids:
            r = runs[i]
            t.add(i, r["scenario"], r["seed"], r["status"],
                  f"{(r['end_ns'] or 0) / 1e6:.6f}", r["fingerprint"] or "")
        p.table(t)
    if campaign is not None:
        campaign_section(p, db, campaign, runs, data)
    connections_section(p, ids, data)
    if len(ids) == 2:
        compare_section(p, runs[ids[0]], runs[ids[1]], data,
                        f"Run {ids[0]} and run {ids[1]} side by side")
    # A campaign's runs are points of its sweep: a summary each.
    full = campaign is None and len(ids) <= FULL_RUNS_MAX
    for i in ids:
        run_section(p, db, runs[i], data, full)
    if campaign is not None:
        summary = f"campaign {campaign} ({len(ids)} runs)"
    elif len(ids) == 1:
        r = runs[ids[0]]
        summary = (f"run {r['id']} ({r['scenario']}, seed {r['seed']}, "
                   f"{r['status']})")
    else:
        summary = "runs " + ", ".join(str(i) for i in ids)
    return p.html(), summary


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="netsim report",
        description="Write a self-contained HTML report of runs in a "
        "netsim results database.")
    ap.add_argument("db", nargs="?", help="the results database")
    ap.add_argument("--db", dest="db_opt", help=argparse.SUPPRESS)
    ap.add_argument("--run", type=int, action="append", default=[],
                    metavar="ID", help="a run to report (repeat for "
                    "several; two are compared side by side); default "
                    "the newest")
    ap.add_argument("--campaign", type=int, metavar="ID",
                    help="report a campaign: its runs and its sweep")
    ap.add_argument("-o", "--out", default="report.html", metavar="FILE",
                    help="the HTML file to write (default report.html)")
    a = ap.parse_args(argv)
    a.db = a.db or a.db_opt
    if not a.db:
        ap.error("which database? (netsim report DB -o FILE.html)")
    return a


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    if not os.path.exists(a.db):
        print(f"report: {a.db}: no such file", file=sys.stderr)
        return 2
    try:
        db = views.Db(a.db)
        if "runs" not in db.objects:
            raise UsageError(f"{a.db} is not a netsim results database")
        ids = list(dict.fromkeys(a.run))
        if a.campaign is not None:
            if not views.campaigns(db):
                raise UsageError(f"{a.db} holds no campaigns")
            ids += [i for i in views.campaign_runs(db, a.campaign)
                    if i not in ids]
            if not ids:
                raise UsageError(f"no campaign {a.campaign} in {a.db}")
        if not ids:
            newest = views.newest_run(db)
            if newest is None:
                raise UsageError(f"no runs in {a.db}")
            ids = [newest]
        html, summary = build(db, ids, a.campaign)
    except UsageError as e:
        print(f"report: {e}", file=sys.stderr)
        return 2
    except sqlite3.Error as e:
        print(f"report: cannot read {a.db}: {e}", file=sys.stderr)
        return 2
    tmp = a.out + ".tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(html)
        os.replace(tmp, a.out)
    except OSError as e:
        print(f"report: cannot write {a.out}: {e.strerror}", file=sys.stderr)
        return 2
    print(f"report: {summary} -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
