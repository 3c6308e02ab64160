#!/usr/bin/env python3
"""A run's lock-order graph as a picture, drawn by Graphviz from a netsim
results database.

    lockgraph.py --db results/netsim.db [--run ID] [--out lock-order.svg]
                 [--format svg|png|pdf|dot]

Without --run, the newest run; without --out, lock-order-RUN.FORMAT.  A
node is a lock class -- every lock initialised at one line -- named by
its kind and that line (a spin mutex with its level); an edge "A -> B"
says a lock of class B was taken while one of A was held, labelled with
the two lines the first time it was seen (A taken at, B taken at) and
who did it.  Classes on a cycle -- a lock-order reversal, a deadlock
some interleaving reaches -- and the edges between them are red; a class
an interrupt-safety report names is orange.

It reads the lock_classes, lock_order and violations tables only, as a
user can with sqlite3.  Other tools call dot_source() and render().
"""
import argparse
import re
import sqlite3
import subprocess
import sys

FORMATS = ("svg", "png", "pdf", "dot")


def fetch_run(con, run_id):
    """(id, scenario, seed, status) of the run, or of the newest."""
    q = "SELECT id, scenario, seed, status FROM runs " + (
        "WHERE id = ?" if run_id else "ORDER BY id DESC LIMIT 1")
    row = con.execute(q, (run_id,) if run_id else ()).fetchone()
    if row is None:
        raise LookupError(f"no run {run_id or ''} in the database".replace(
            "  ", " "))
    return row


def on_cycles(nodes, edges):
    """The nodes that lie on a cycle: in a strongly connected component
    of two or more, or with an edge to themselves (Tarjan, iterative)."""
    succ = {n: [] for n in nodes}
    for a, b in edges:
        succ[a].append(b)
    index, low, stack, on_stack, out = {}, {}, [], set(), set()
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack.add(v)
            if i < len(succ[v]):
                work.append((v, i + 1))
                w = succ[v][i]
                if w not in index:
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.update(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    out.update(a for a, b in edges if a == b)
    return out


def _quote(s):
    """s as a DOT string: quotes and backslashes escaped, lines \\n."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace(
        "\n", "\\n") + '"'


def dot_source(con, run_id=None):
    """The Graphviz source of a run's lock-order graph (newest run by
    default).  Raises LookupError if there is no such run."""
    rid, scenario, seed, status = fetch_run(con, run_id)
    classes = con.execute(
        "SELECT class, kind, file, line, ipl FROM lock_classes "
        "WHERE run_id = ? ORDER BY class", (rid,)).fetchall()
    edges = con.execute(
        "SELECT from_class, to_class, held_at, taken_at, host, cpu, lwp, "
        "t_ns FROM lock_order WHERE run_id = ? ORDER BY t_ns, from_class, "
        "to_class", (rid,)).fetchall()
    irq_text = " ".join(m for (m,) in con.execute(
        "SELECT message FROM violations WHERE run_id = ? AND kind = "
        "'interrupt safety'", (rid,)))
    names = {c: f"{kind} {file}:{line}" for c, kind, file, line, _ in
             classes}
    cycle = on_cycles([c for c, *_ in classes],
                      [(a, b) for a, b, *_ in edges])
    out = ["digraph lock_order {",
           f"  label={_quote(f'run {rid}: {scenario}, seed {seed}, {status} -- the lock order (A -> B: B taken while A held; red: a cycle, orange: interrupt safety)')};",
           "  labelloc=t; fontname=Helvetica; fontsize=11;",
           '  node [shape=box, style="rounded,filled", fillcolor=white, '
           "fontname=Helvetica, fontsize=10];",
           "  edge [fontname=Helvetica, fontsize=8, color=gray40];"]
    for c, kind, file, line, ipl in classes:
        label = names[c] + (f"\nIPL {ipl}" if ipl is not None else "")
        attrs = [f"label={_quote(label)}"]
        if c in cycle:
            attrs += ["color=red", "fillcolor=mistyrose", "penwidth=2"]
        elif re.search(rf"\b{re.escape(names[c])}\b", irq_text):
            attrs += ["color=darkorange", "fillcolor=papayawhip",
                      "penwidth=2"]
        out.append(f"  c{c} [{', '.join(attrs)}];")
    for a, b, held_at, taken_at, host, cpu, lwp, t_ns in edges:
        label = f"{held_at}\n{taken_at}\n{host} cpu{cpu} {lwp}, {t_ns} ns"
        attrs = [f"label={_quote(label)}"]
        if a in cycle and b in cycle:
            attrs += ["color=red", "fontcolor=red", "penwidth=2"]
        out.append(f"  c{a} -> c{b} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def render(con, run_id=None, fmt="svg"):
    """The picture of a run's lock-order graph as bytes, in fmt (one of
    FORMATS; "dot" is the source itself)."""
    src = dot_source(con, run_id)
    if fmt == "dot":
        return src.encode()
    p = subprocess.run(["dot", f"-T{fmt}"], input=src.encode(),
                       capture_output=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"dot -T{fmt} failed: {p.stderr.decode()}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="the results database")
    ap.add_argument("--run", type=int, help="the run (default: the newest)")
    ap.add_argument("--format", choices=FORMATS, default="svg")
    ap.add_argument("--out", help="the file to write (default "
                    "lock-order-RUN.FORMAT)")
    a = ap.parse_args()
    con = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    try:
        rid, scenario, seed, _ = fetch_run(con, a.run)
        pic = render(con, rid, a.format)
        (n_classes,), = con.execute("SELECT count(*) FROM lock_classes "
                                    "WHERE run_id = ?", (rid,))
        (n_edges,), = con.execute("SELECT count(*) FROM lock_edges "
                                  "WHERE run_id = ?", (rid,))
    except (LookupError, RuntimeError, sqlite3.Error) as e:
        sys.exit(f"lockgraph: {a.db}: {e}")
    out = a.out or f"lock-order-{rid}.{a.format}"
    with open(out, "wb") as f:
        f.write(pic)
    print(f"run {rid} ({scenario}, seed {seed}): {n_classes} lock classes, "
          f"{n_edges} edges -> {out}")


if __name__ == "__main__":
    main()
