#!/usr/bin/env python3
"""A self-contained HTML report of one run from a netsim results database.

    report.py --db results/netsim.db [--run ID] [--out report.html]

Without --run, the newest run.  The page has the run's identity (scenario,
seed, fingerprint, status), per-CPU busy and idle time, every counter's
last value, and each CPU's utilisation over time (from cpu.busy_ns samples)
as an inline SVG: no scripts, no network, one file to mail around.  A short
text summary goes to stdout.  Reads the database only through views and
tables a user can query with sqlite3 too.
"""
import argparse
import html
import sqlite3
import sys


def fetch_run(con, run_id):
    q = "SELECT * FROM runs " + ("WHERE id = ?" if run_id else
                                 "ORDER BY id DESC LIMIT 1")
    row = con.execute(q, (run_id,) if run_id else ()).fetchone()
    if row is None:
        sys.exit(f"report: no run {run_id or ''} in the database".replace(
            "  ", " "))
    return row


def cpu_table(con, run_id):
    rows = con.execute(
        "SELECT host, cpu, name, value FROM counter_last WHERE run_id = ? "
        "AND name IN ('cpu.busy_ns', 'cpu.idle_ns', 'cpu.points', "
        "'cpu.dispatches') ORDER BY host, cpu", (run_id,)).fetchall()
    cpus = {}
    for host, cpu, name, value in rows:
        cpus.setdefault((host, cpu), {})[name] = value
    return cpus


def utilisation_series(con, run_id):
    """{(host, cpu): [(t_ns, busy fraction over the interval)]}."""
    out = {}
    prev = {}
    for host, cpu, t, v in con.execute(
            "SELECT host, cpu, t_ns, value FROM counters WHERE run_id = ? "
            "AND name = 'cpu.busy_ns' ORDER BY host, cpu, t_ns", (run_id,)):
        key = (host, cpu)
        pt, pv = prev.get(key, (0, 0))
        if t > pt:
            out.setdefault(key, []).append((t, max(0.0, min(1.0, (v - pv) /
                                                           (t - pt)))))
        prev[key] = (t, v)
    return out


def svg_series(series, width=720, height=160):
    if not series:
        return "<p>No time series (record.interval was 0).</p>"
    t_max = max(t for pts in series.values() for t, _ in pts) or 1
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
               "#8c564b", "#e377c2", "#7f7f7f"]
    lines = []
    for i, (key, pts) in enumerate(sorted(series.items(),
                                          key=lambda kv: (kv[0][0], kv[0][1]))):
        path = " ".join(f"{40 + (width - 50) * t / t_max:.1f},"
                        f"{height - 20 - (height - 30) * u:.1f}"
                        for t, u in pts)
        c = colours[i % len(colours)]
        lines.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.5" '
                     f'points="{path}"><title>{html.escape(key[0])}/cpu'
                     f'{key[1]}</title></polyline>')
        lines.append(f'<text x="{width - 8}" y="{14 + 12 * i}" font-size="10" '
                     f'text-anchor="end" fill="{c}">{html.escape(key[0])}/cpu'
                     f'{key[1]}</text>')
    axis = (f'<line x1="40" y1="{height - 20}" x2="{width - 10}" '
            f'y2="{height - 20}" stroke="#888"/>'
            f'<line x1="40" y1="10" x2="40" y2="{height - 20}" stroke="#888"/>'
            f'<text x="36" y="14" font-size="10" text-anchor="end">100%</text>'
            f'<text x="36" y="{height - 20}" font-size="10" '
            f'text-anchor="end">0%</text>'
            f'<text x="{width - 10}" y="{height - 4}" font-size="10" '
            f'text-anchor="end">{t_max / 1e6:.3f} ms</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}">{axis}{"".join(lines)}</svg>')


def render(con, run):
    run_id = run["id"]
    end = run["end_ns"] or 0
    cpus = cpu_table(con, run_id)
    counters = con.execute(
        "SELECT name, coalesce(host, ''), coalesce(cpu, ''), t_ns, value "
        "FROM counter_last WHERE run_id = ? AND name NOT LIKE 'cpu.%' "
        "ORDER BY name, host, cpu", (run_id,)).fetchall()
    violations = con.execute(
        "SELECT t_ns, host, cpu, lwp, kind, file, line, message FROM "
        "violations WHERE run_id = ? ORDER BY t_ns", (run_id,)).fetchall()
    e = html.escape
    out = [f"<!doctype html><meta charset=utf-8><title>netsim run {run_id}: "
           f"{e(run['scenario'])}</title>",
           "<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:"
           "60em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
           "padding:2px 8px;text-align:right}th{background:#f4f4f4}"
           "td.l,th.l{text-align:left}.bar{background:#1f77b4;height:10px}"
           "</style>",
           f"<h1>netsim run {run_id}: {e(run['scenario'])}</h1>",
           "<table>"]
    for k, v in (("scenario file", run["scenario_file"]),
                 ("seed", run["seed"]), ("fingerprint", run["fingerprint"]),
                 ("status", f"{run['status']} (exit {run['exit_status']})"),
                 ("message", run["message"] or ""),
                 ("virtual time", f"{end / 1e6:.6f} ms"),
                 ("netsim", run["version"])):
        out.append(f"<tr><th class=l>{k}</th><td class=l>{e(str(v))}</td></tr>")
    out.append("</table><h2>CPUs</h2><table><tr><th class=l>cpu</th>"
               "<th>busy ms</th><th>idle ms</th><th>busy</th><th class=l></th>"
               "<th>points</th><th>dispatches</th></tr>")
    for (host, cpu), c in sorted(cpus.items()):
        busy, idle = c.get("cpu.busy_ns", 0), c.get("cpu.idle_ns", 0)
        frac = busy / (busy + idle) if busy + idle else 0
        out.append(f"<tr><td class=l>{e(host)}/cpu{cpu}</td>"
                   f"<td>{busy / 1e6:.6f}</td><td>{idle / 1e6:.6f}</td>"
                   f"<td>{100 * frac:.1f}%</td><td class=l style='width:12em'>"
                   f"<div class=bar style='width:{100 * frac:.1f}%'></div></td>"
                   f"<td>{c.get('cpu.points', '')}</td>"
                   f"<td>{c.get('cpu.dispatches', '')}</td></tr>")
    out.append("</table><h2>CPU utilisation over time</h2>")
    out.append(svg_series(utilisation_series(con, run_id)))
    out.append("<h2>Counters (last value)</h2><table><tr><th class=l>name</th>"
               "<th class=l>host</th><th>cpu</th><th>at ns</th><th>value</th>"
               "</tr>")
    for name, host, cpu, t, v in counters:
        out.append(f"<tr><td class=l>{e(name)}</td><td class=l>{e(host)}</td>"
                   f"<td>{cpu}</td><td>{t}</td><td>{v}</td></tr>")
    out.append("</table>")
    if violations:
        out.append("<h2>Violations</h2><table><tr><th>at ns</th><th class=l>"
                   "where</th><th class=l>kind</th><th class=l>message</th></tr>")
        for t, host, cpu, lwp, kind, f, line, msg in violations:
            out.append(f"<tr><td>{t}</td><td class=l>{e(str(host))}/cpu{cpu} "
                       f"{e(str(lwp))} at {e(str(f))}:{line}</td><td class=l>"
                       f"{e(kind)}</td><td class=l>{e(msg)}</td></tr>")
        out.append("</table>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--run", type=int)
    ap.add_argument("--out", default="report.html")
    a = ap.parse_args()
    try:
        con = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
        con.row_factory = sqlite3.Row
        run = fetch_run(con, a.run)
    except sqlite3.Error as err:
        sys.exit(f"report: cannot read {a.db}: {err}")
    con.row_factory = None
    page = render(con, run)
    con.row_factory = sqlite3.Row
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(page)
    print(f"report: run {run['id']} ({run['scenario']}, seed {run['seed']}, "
          f"{run['status']}) -> {a.out}")


if __name__ == "__main__":
    main()
